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

}  // namespace ktstr
