// The checks SPEC §3 requires before any lock file is opened, in one place:
// refused filesystems first, then one file named twice, then the tool's own
// directories (created without a window), then whether each missing lock file
// could be created. A request refused here leaves no lock file behind.
#pragma once

#include <string>
#include <vector>

#include "error.hpp"

namespace ktstr {

struct PreflightRequest {
  // Lock files the request must have: each must exist or be creatable.
  std::vector<std::string> required_paths;
  // Every lock file it may open (with --cpus, the candidates too); checked
  // for naming one file twice when `may_name_same_file`.
  std::vector<std::string> all_paths;
  // Every directory lock files go in: probed for a refused filesystem.
  std::vector<std::string> dirs;
  // Of those, the tool's own (lock dir, the cache's .locks): created when
  // missing, the leaf with mode 1777, and reached under the symlink rule of
  // safe_path.hpp. The directory of a --path FILE is the caller's.
  std::vector<std::string> own_dirs;
  // CPU and LLC lock names are distinct by construction; only a --path or a
  // cache entry can name one of them, or each other, a second time.
  bool may_name_same_file = false;
};

// Errors: unavailable (refused filesystem), usage (one file named twice),
// those of make_lock_dir, cant_create / no_perm (a lock file that could not
// be created).
Status preflight(const PreflightRequest& request);

}  // namespace ktstr
