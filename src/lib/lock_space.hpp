// Whether a Rust harness shares this run's lock space. The harness reads no
// flag and no config file of ktstr's: its lock dir is KTSTR_LOCK_DIR (set and
// non-empty), else /tmp. A lock dir chosen by --lock-dir or lock_dir in the
// config is invisible to a harness started from the same shell, and the two
// tools then lock different files for one CPU.
#pragma once

#include <optional>
#include <string>

#include "config.hpp"

namespace ktstr {

// Whether `a` and `b` lead to one directory: the same nearest existing
// ancestor (by device and inode) and the same components below it, so
// "/tmp/", "/tmp/." and a symlink to /tmp all match "/tmp".
bool same_directory(const std::string& a, const std::string& b);

// One line saying that `s.lock_dir` is not the lock dir a harness started
// from the caller's environment would use, and how to share one; nullopt
// when they are one directory.
std::optional<std::string> lock_space_note(const Settings& s);

}  // namespace ktstr
