// /proc/self/mountinfo parsing and the lock key ("needle") /proc/locks uses.
//
// /proc/locks prints a lock's file as MAJOR:MINOR:INODE of the superblock's
// s_dev (fs/locks.c lock_get_status). stat().st_dev is not always s_dev:
// btrfs reports a per-subvolume anonymous device, overlayfs reports the
// underlying layer's device for non-directories. mountinfo's third field is
// the superblock's s_dev, so the mount covering a path gives the right pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace ktstr {

struct MountEntry {
  unsigned major = 0;
  unsigned minor = 0;
  std::string mount_point;  // octal escapes (\040 etc.) decoded
  std::string fs_type;      // "ext4", "fuse.bindfs", ...
  std::string source;
};

// Malformed lines are skipped, never fatal: a truncated read must not make
// needle unusable for the lines that did parse.
std::vector<MountEntry> parse_mountinfo(std::string_view text);

// Decodes the \ooo escapes the kernel applies to space, tab, newline and
// backslash (fs/proc_namespace.c show_mountinfo -> seq_path_root).
std::string unescape_mount_field(std::string_view field);

// The mount covering `canonical_path` (absolute, no symlinks, no "..", as
// realpath returns): the longest mount point that is a prefix of it on a
// path-component boundary; among equal mount points, the last one listed,
// since a later mount stacks on top of an earlier one.
const MountEntry* covering_mount(const std::vector<MountEntry>& mounts,
                                 std::string_view canonical_path);

// Thin reader: /proc/self/mountinfo.
Result<std::vector<MountEntry>> read_mountinfo();

}  // namespace ktstr
