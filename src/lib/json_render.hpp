// Every JSON document ktstr prints, in one place: the schemas of SPEC §4 and
// README "JSON output". Values carry real types: numbers as numbers, null for
// unknown, never numbers in strings. Written with JsonWriter, streaming.
#pragma once

#include <string>
#include <vector>

#include "fs_report.hpp"
#include "holder_query.hpp"
#include "holders.hpp"
#include "lock_listing.hpp"
#include "needle.hpp"

namespace ktstr {

// [{"path", "needle", "major", "minor", "inode", "mount_point", "fstype",
//   "stat_dev", "dev_differs"}]
std::string needle_json(const std::vector<NeedleReport>& reports);

// [{"path", "checked_path", "fstype", "magic", "safe", "reason"}]
std::string fscheck_json(const std::vector<FsReport>& reports);

// [{"path", "needle", "holders": [HOLDER...], "waiters": [HOLDER...]}], a
// HOLDER being an object of holder_fields() (pid, cmdline, mode, confirmed).
std::string holders_json(const std::vector<HoldersReport>& reports);

// {"llcs": [...], "cpus": [...], "cache": [...], "run_dirs": [...]}, each row
// an object of its section's fields (lock_sections()); pretty (indented) for
// one-shot output, one compact line for --watch.
std::string locks_json(const LocksSnapshot& snapshot, bool pretty);

}  // namespace ktstr
