// Which N CPUs `acquire --cpus N` takes, given which ones are free. Pure, so
// fake topologies of any shape can be tested without a host that has them.
#pragma once

#include <optional>
#include <vector>

#include "topology.hpp"

namespace ktstr {

// Chooses `count` CPUs among `free_cpus` (ascending, all present in `topo`):
//  1. If one LLC has enough free CPUs, the one with the fewest free CPUs that
//     still fits (best fit keeps large LLCs whole for larger requests).
//  2. Otherwise the fewest LLCs, taking the fullest first, within one NUMA
//     node when any node has enough; across nodes only when none does.
// Ties go to the lowest index. Returns the chosen CPUs ascending, or nullopt
// when fewer than `count` are free.
std::optional<std::vector<unsigned>> pick_cpus(const Topology& topo,
                                               const std::vector<unsigned>& free_cpus,
                                               unsigned count);

// What `acquire --cpu-cap N` sees of one LLC before it plans.
struct LlcState {
  unsigned shared_holders = 0;  // processes holding its lock SH
  bool exclusive = false;       // held EX: not a candidate
};

struct CpuCapPlan {
  std::vector<unsigned> llcs;  // LLC indices to lock SH, ascending
  std::vector<unsigned> cpus;  // the first N allowed CPUs of those LLCs, in LLC order
};

// The Rust harness's --cpu-cap plan (src/vmm/host_topology, plan_from_snapshots
// and acquire_llc_plan): candidates are the LLCs with at least one allowed CPU
// that are not held EX (`state` is indexed like topo.llcs; missing entries are
// free). They are ranked: LLCs with SH holders first, most holders first, then
// the free ones; ties by index. The first-ranked LLC's NUMA node is walked
// first, then the other nodes by id (the harness's order by NUMA distance when
// no distance table is read); within a node, LLCs are taken in rank order until
// their allowed CPUs cover `count`. CPUs are then the allowed CPUs of the
// chosen LLCs, ascending LLC by LLC, cut at `count`. `allowed` is ascending.
// nullopt when the
// candidates cannot cover `count` (or it is 0).
std::optional<CpuCapPlan> plan_cpu_cap(const Topology& topo, const std::vector<unsigned>& allowed,
                                       const std::vector<LlcState>& state, unsigned count);

}  // namespace ktstr
