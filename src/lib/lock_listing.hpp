// A snapshot of every ktstr lock file and its holders, for `locks`, and the
// field tables that say how its rows print. Costs one HolderQuery (one read
// of /proc/locks and /proc/self/mountinfo, plus the confirming reads of
// holder_query.hpp), one stat per lock file and, per distinct holder pid,
// one /proc/PID/fd listing and one cmdline read: linear in lock files plus
// /proc/locks lines, never their product.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "fields.hpp"
#include "holders.hpp"
#include "topology.hpp"

namespace ktstr {

enum class LockRowKind { llc, cpu, cache, run_dir };

struct LockRow {
  LockRowKind kind = LockRowKind::cpu;
  unsigned number = 0;     // LLC index or CPU number (llc and cpu rows)
  std::string key;         // cache key or run key (cache and run_dir rows)
  unsigned numa_node = 0;  // 0 without NUMA information, as the harness shows it
  std::string lockfile;
  std::vector<Holder> holders;  // holders only
  std::size_t waiters = 0;      // processes blocked on it
};

struct LocksSnapshot {
  std::vector<LockRow> llcs;      // sorted by index
  std::vector<LockRow> cpus;      // sorted by CPU
  std::vector<LockRow> cache;     // sorted by key
  std::vector<LockRow> run_dirs;  // sorted by key

  [[nodiscard]] const std::vector<LockRow>& rows(LockRowKind kind) const;
};

// Never creates a file or takes a lock; a missing lock dir or cache dir is an
// empty section. `topology` supplies NUMA nodes; without it (or for
// a CPU or LLC it does not know) they are 0.
// A lock file shown free was free in every read of the query's /proc/locks.
Result<LocksSnapshot> take_locks_snapshot(const std::string& lock_dir,
                                          const std::string& cache_root,
                                          const std::string& runs_root, const Topology* topology);

// A section of the listing: its rows' kind, text title, JSON key and fields.
struct LockSection {
  std::string_view title;     // "LLC locks:"
  std::string_view json_key;  // "llcs"
  std::span<const Field<LockRow>> fields;
  LockRowKind kind;
};

// Every section, in output order: LLC, CPU, cache-entry, run-dir.
std::span<const LockSection> lock_sections();

// The fields of a holder: the objects of "holders" arrays and the columns
// of `ktstr holders`.
std::span<const Field<Holder>> holder_fields();

}  // namespace ktstr
