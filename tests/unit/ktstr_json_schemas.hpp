// The schema of every JSON document an applet prints, written from SPEC §4
// and README "JSON output", never from the field tables of the code under
// test. Nothing is nullable but fscheck's "reason" (null when the filesystem
// is safe); numa_node is a number on LLC and CPU rows and absent elsewhere.
#pragma once

#include "json_schema.hpp"

namespace ktstr::test {

// An object of a "holders" or "waiters" array.
inline Schema holder_schema() {
  using namespace schema;
  return object({
      {"pid", unsigned_integer()},
      {"cmdline", string()},
      {"mode", one_of({"exclusive", "shared"})},
      {"confirmed", boolean()},
  });
}

// A row of `locks --json`: its own keys first (llc_idx and numa_node, ...),
// then lockfile, holders and the waiter count.
inline Schema lock_row_schema(std::vector<SchemaKey> own) {
  using namespace schema;
  own.push_back({"lockfile", string()});
  own.push_back({"holders", array_of(holder_schema())});
  own.push_back({"waiters", unsigned_integer()});
  return object(std::move(own));
}

// `locks --json`, pretty or one compact line per --watch frame.
inline Schema locks_schema() {
  using namespace schema;
  return object({
      {"llcs", array_of(lock_row_schema(
                   {{"llc_idx", unsigned_integer()}, {"numa_node", unsigned_integer()}}))},
      {"cpus",
       array_of(lock_row_schema({{"cpu", unsigned_integer()}, {"numa_node", unsigned_integer()}}))},
      {"cache", array_of(lock_row_schema({{"cache_key", string()}}))},
      {"run_dirs", array_of(lock_row_schema({{"run_key", string()}}))},
  });
}

// `holders --json PATH...`
inline Schema holders_schema() {
  using namespace schema;
  return array_of(object({
      {"path", string()},
      {"needle", string()},
      {"holders", array_of(holder_schema())},
      {"waiters", array_of(holder_schema())},
  }));
}

// `needle --json PATH...`
inline Schema needle_schema() {
  using namespace schema;
  return array_of(object({
      {"path", string()},
      {"needle", string()},
      {"major", unsigned_integer()},
      {"minor", unsigned_integer()},
      {"inode", unsigned_integer()},
      {"mount_point", string()},
      {"fstype", string()},
      {"stat_dev", string()},
      {"dev_differs", boolean()},
  }));
}

// `fscheck --json [PATH...]`
inline Schema fscheck_schema() {
  using namespace schema;
  return array_of(object({
      {"path", string()},
      {"checked_path", string()},
      {"fstype", string()},
      {"magic", unsigned_integer()},
      {"safe", boolean()},
      {"reason", nullable(string())},
  }));
}

}  // namespace ktstr::test
