// Whether two lock paths name one file, decided before any lock file is
// created. Two open file descriptions of one file conflict with each
// other's flock (fs/locks.c compares the struct file), so a set naming one
// file twice (a/x and a//x, a --path naming a CPU lock) could never be had;
// it is refused as a usage error, and must be refused before a missing file
// of it is created.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace ktstr {

// Where a path leads: its nearest existing ancestor (the file itself when it
// exists), by device and inode, and the components below that, with empty
// and "." components dropped and ".." applied. Components that do not exist
// yet cannot be symlinks, so applying ".." to them is what the kernel will
// do once they exist.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string rest;
  bool operator==(const FileIdentity&) const = default;
};

// nullopt when the path cannot be looked up (a directory without search
// permission): opening it fails later with the clearer error.
std::optional<FileIdentity> identify_file(const std::string& path);

// A usage error naming the first two different paths that lead to one file;
// the same path given twice is one file named once.
Status refuse_one_file_named_twice(const std::vector<std::string>& paths);

}  // namespace ktstr
