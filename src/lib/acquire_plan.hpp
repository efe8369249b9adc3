// What `acquire` is asked for, as data, and the locks that answer it
// (SPEC §3 "What each request locks"). Planning is pure: it takes the host
// (topology, the CPUs this process may run on) as values and checks every
// request before any file is touched; read_host() is the thin reader.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "cpu_picker.hpp"
#include "error.hpp"
#include "lock_set.hpp"
#include "proc_locks.hpp"
#include "topology.hpp"

namespace ktstr {

// The requests of one `acquire`, as the user gave them.
struct AcquireRequests {
  std::vector<unsigned> cpus;           // --cpu
  std::optional<unsigned> cpu_count;    // --cpus
  std::vector<unsigned> llcs;           // --llc
  std::vector<std::string> cache_keys;  // --cache
  std::vector<std::string> paths;       // --path
  std::vector<std::string> sources;     // --source: kernel source trees
  std::vector<std::string> runs;        // --run: run-dir keys
  std::optional<unsigned> cpu_cap;      // --cpu-cap (or KTSTR_CPU_CAP)
  bool shared = false;                  // --shared: LLC, cache and path locks SH
  bool pin = true;                      // run the command on the reserved CPUs

  [[nodiscard]] bool empty() const;
  [[nodiscard]] bool needs_topology() const;
};

// The host as planning sees it.
struct HostView {
  std::optional<Topology> topology;  // read only when a request needs it
  std::vector<unsigned> allowed;     // this process's affinity mask, ascending
  // The topology is a fake sysfs tree (KTSTR_SYSFS_ROOT): this machine's
  // affinity mask says nothing about its CPUs.
  bool fake_topology = false;
  // Who holds each LLC lock now (indexed like topology->llcs), for
  // --cpu-cap's preference; empty: every LLC free.
  std::vector<LlcState> llc_state;
};

// Reads the affinity mask and, when `with_topology`, sysfs.
Result<HostView> read_host(bool with_topology);

// Pure: the state of each LLC lock from /proc/locks records; `keys[i]` is
// the /proc/locks key of LLC i's lock file, nullopt when it does not exist
// (free). Waiters are not holders.
std::vector<LlcState> llc_states_of(const std::vector<std::optional<LockKey>>& keys,
                                    const std::vector<LockRecord>& records);

// The state of every LLC lock of `topo` in `lock_dir`, from one read of
// /proc/self/mountinfo and /proc/locks. Only a preference hangs on it (the
// locks themselves decide), so a lock file that cannot be looked up counts
// as free. Errors: those of read_mountinfo and read_proc_locks.
Result<std::vector<LlcState>> read_llc_states(const Topology& topo, const std::string& lock_dir);

struct LockPlan {
  AcquireRequest request;                   // the locks, fixed and --cpus
  std::vector<unsigned> fixed_cpus;         // the CPUs of --cpu and --llc, ascending
  std::vector<std::string> dirs_to_create;  // the lock dir, {cache}/.locks: created when missing
  std::vector<std::string> caller_dirs;     // directories of --path files: never created
  // A --path or cache key may name a file another request names too.
  bool has_caller_named_files = false;
  bool pin = true;
  std::optional<unsigned> cpu_cap;  // the budget, exported as KTSTR_CPU_CAP
};

// Checks every request against the host and the settings and yields its
// locks. Errors: usage (nothing asked, CPU not online or outside the
// affinity mask, LLC out of range, bad cache key, empty path, too few CPUs
// for --cpus or --cpu-cap).
Result<LockPlan> plan_locks(const AcquireRequests& requests, const Settings& settings,
                            const HostView& host);

}  // namespace ktstr
