// A snapshot of every ktstr lock file and its holders, for `locks`. Costs one
// read of /proc/locks and /proc/self/mountinfo, one stat per lock file and,
// per distinct holder pid, one /proc/PID/fd listing and one cmdline read:
// linear in lock files plus /proc/locks lines, never their product.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "holders.hpp"
#include "topology.hpp"

namespace ktstr {

struct LockRow {
  std::optional<unsigned> number;  // LLC index or CPU number
  std::string cache_key;           // for cache-entry rows
  unsigned numa_node = 0;          // 0 without NUMA information, as the harness shows it
  std::string lockfile;
  std::vector<Holder> holders;  // holders only
  std::size_t waiters = 0;      // processes blocked on it
};

struct LocksSnapshot {
  std::vector<LockRow> llcs;   // sorted by index
  std::vector<LockRow> cpus;   // sorted by CPU
  std::vector<LockRow> cache;  // sorted by key
};

// Never creates a file or takes a lock; a missing lock dir or cache dir is an
// empty section. `topology` supplies NUMA nodes; without it (or for
// a CPU or LLC it does not know) they are 0.
Result<LocksSnapshot> take_locks_snapshot(const std::string& lock_dir,
                                          const std::string& cache_root, const Topology* topology);

}  // namespace ktstr
