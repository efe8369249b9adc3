// fscheck's answer for one path.
#pragma once

#include <string>

#include "fs_filter.hpp"

namespace ktstr {

struct FsReport {
  std::string path;          // as asked
  std::string checked_path;  // the nearest existing ancestor, when path is missing
  std::string fs_type;       // from mountinfo ("fuse.bindfs"), else the magic's name
  FsVerdict verdict;
};

}  // namespace ktstr
