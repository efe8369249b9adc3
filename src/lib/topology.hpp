// Host CPU topology from sysfs: online CPUs, their last-level caches and NUMA
// nodes. The root is "/sys" unless KTSTR_SYSFS_ROOT points at a fake tree, so
// tests can describe any host shape.
//
// LLC numbers name lock files shared with the Rust harness, so they follow its
// rule exactly (SPEC §3), on partial sysfs trees too:
//  - the LLC of an online CPU is its cache index with the highest `level`
//    (the lowest index number on a tie);
//  - its key is that index's `id`, else the lowest CPU of its
//    `shared_cpu_list`, else 0 (also for a CPU with no cache directory), all
//    in one key space: CPUs with equal keys share an LLC;
//  - LLC N is the one whose key has rank N among the host's keys, ascending.
// A CPU in the online list whose cpuN directory is missing is left out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace ktstr {

struct Llc {
  unsigned index = 0;  // rank of `key`: the N of ktstr-llc-N.lock
  std::uint64_t key = 0;
  unsigned level = 0;          // cache level of the first CPU's LLC; 0 if unknown
  std::vector<unsigned> cpus;  // online CPUs with this key, ascending
  unsigned node = 0;           // NUMA node of cpus.front()
};

struct CpuPlace {
  unsigned cpu = 0;
  // Index into Topology::llcs. read_topology sets it for every CPU; optional
  // only for topologies assembled by hand.
  std::optional<unsigned> llc;
  unsigned node = 0;  // from the cpuN/nodeK link; 0 without NUMA information
};

struct Topology {
  std::vector<CpuPlace> cpus;  // online CPUs, ascending
  std::vector<Llc> llcs;       // by key: index == position

  [[nodiscard]] const CpuPlace* find_cpu(unsigned cpu) const;
  [[nodiscard]] CpuPlace* find_cpu(unsigned cpu);
};

// Reads {sysfs_root}/devices/system/cpu: the online list, and for each online
// CPU its cpuN/nodeK link and cpuN/cache/index*/{level,id,shared_cpu_list}.
// Errors: the online list cannot be read or parsed.
Result<Topology> read_topology(const std::string& sysfs_root);

// Where the topology comes from: "/sys", or the fake tree $KTSTR_SYSFS_ROOT
// names when set and non-empty. A fake tree's CPUs are not this machine's,
// so this process's affinity mask says nothing about them.
struct SysfsRoot {
  std::string path;
  bool fake = false;
};
SysfsRoot sysfs_root_from_env();

}  // namespace ktstr
