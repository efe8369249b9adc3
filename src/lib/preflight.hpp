// The checks SPEC §3 requires before any lock file is opened, in one place:
// refused filesystems first, then one file named twice, then the tool's own
// directories (created without a window), then whether each missing lock file
// could be created. A request refused here leaves no lock file behind.
#pragma once

#include <string>
#include <vector>

#include "acquire_plan.hpp"
#include "error.hpp"

namespace ktstr {

struct PreflightRequest {
  // Lock files the request must have: each must exist or be creatable.
  std::vector<std::string> required_paths;
  // Every lock file it may open (with --cpus, the candidates too); checked
  // for naming one file twice when `has_caller_named_files`.
  std::vector<std::string> all_paths;
  // Every directory lock files go in: probed for a refused filesystem.
  std::vector<std::string> lock_file_dirs;
  // Of those, the tool's own (lock dir, the cache's .locks): created when
  // missing, the leaf with mode 1777, and reached under the symlink rule of
  // safe_path.hpp. The directory of a --path FILE is the caller's.
  std::vector<std::string> dirs_to_create;
  // CPU and LLC lock names are distinct by construction; only a --path or a
  // cache entry can name one of them, or each other, a second time.
  bool has_caller_named_files = false;
};

// Errors: unavailable (refused filesystem), usage (one file named twice),
// those of make_lock_dir, cant_create / no_perm (a lock file that could not
// be created).
Status preflight(const PreflightRequest& request);

// The checks for the locks of one `acquire`: its fixed locks are required,
// the --cpus candidates may be opened, and every lock file's directory is
// probed.
Status preflight(const LockPlan& plan);

}  // namespace ktstr
