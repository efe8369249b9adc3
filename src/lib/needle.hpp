// Where a path's lock shows up in /proc/locks: its "needle".
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "error.hpp"
#include "lock_key.hpp"
#include "mountinfo.hpp"

namespace ktstr {

// The identity of an open file as stat() sees it. Unlike the /proc/locks key
// it tells btrfs subvolumes apart, so it confirms a candidate holder.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// A file's identity as a lock target: what holders are matched against.
struct Needle {
  std::string path;  // as given
  LockKey key;       // what /proc/locks prints
  FileId id;         // what stat() says
};

// Where the file lives, for a person reading `needle --json`: nothing else
// needs these facts.
struct MountFacts {
  std::string mount_point;
  std::string fs_type;
  // True when stat().st_dev is not the superblock device /proc/locks uses
  // (btrfs subvolumes, overlayfs, some bind mounts).
  bool stat_dev_differs = false;
};

struct NeedleReport {
  Needle needle;
  MountFacts mount;
};

// The mountinfo entry of the mount that really holds `canonical` (a realpath):
// the deepest of it and its ancestors that statx reports as a mount root, so
// a mount hidden by a later one on an ancestor is not picked; among entries
// with that mount point, the last listed (the one on top). Falls back to
// covering_mount's prefix match where statx cannot tell (kernels < 5.8).
const MountEntry* mount_of(const std::vector<MountEntry>& mounts, const std::string& canonical);

// mount_of for a path that may be relative or pass through symlinks: the
// mount its realpath is on. Errors: the path cannot be resolved; no entry
// covers it (os_error).
Result<const MountEntry*> mount_of_path(const std::string& path,
                                        const std::vector<MountEntry>& mounts);

// Pure given `mounts`: stat(path) follows symlinks like the kernel does for
// the file a process opens; the covering mount of realpath(path) gives
// major:minor. Errors: no_input (missing), no_perm, os_error.
Result<Needle> derive_needle(const std::string& path, const std::vector<MountEntry>& mounts);

// derive_needle plus the facts of the mount it came from.
Result<NeedleReport> report_needle(const std::string& path, const std::vector<MountEntry>& mounts);

}  // namespace ktstr
