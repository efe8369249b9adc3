// Which filesystems flock(2) can be trusted on. On NFS, flock is emulated
// with byte-range locks (or is local-only, with "local_lock=flock"), CIFS/SMB
// map it onto server-side locks, CephFS, AFS and FUSE depend on a daemon's
// cooperation: on all of them two hosts, or two clients, can each believe
// they hold the same exclusive lock. ktstr refuses them outright.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "error.hpp"

namespace ktstr {

struct FsVerdict {
  std::uint64_t magic = 0;
  std::string_view name;  // "ext4", "nfs", ... or "" when not in our table
  bool refused = false;
  std::string_view reason;  // why flock is unsafe there, when refused
};

// Pure: the verdict for a statfs f_type.
FsVerdict classify_fs_magic(std::uint64_t magic);

// statfs(path) and classify. Errors: the statfs errno on `path`.
Result<FsVerdict> probe_fs(const std::string& path);

// The Error to return when `path` sits on a refused filesystem (exit 69).
Error refused_fs_error(const std::string& path, const FsVerdict& v);

struct FsProbe {
  std::string checked_path;  // the path itself, or its nearest existing ancestor
  FsVerdict verdict;
};

// statfs the nearest existing ancestor of `path` (the path itself when it
// exists), so a lock dir can be vetted before it is created.
Result<FsProbe> probe_fs_of_nearest_existing(const std::string& path);

}  // namespace ktstr
