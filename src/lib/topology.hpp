// Host CPU topology from sysfs: online CPUs, their last-level caches and NUMA
// nodes. The root is "/sys" unless KTSTR_SYSFS_ROOT points at a fake tree, so
// tests can describe any host shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace ktstr {

struct Llc {
  unsigned index = 0;  // position in the LLC list: the N of ktstr-llc-N.lock
  std::optional<std::uint64_t> cache_id;
  unsigned level = 0;
  std::vector<unsigned> cpus;  // online CPUs sharing it, ascending
  std::optional<unsigned> node;
};

struct CpuPlace {
  unsigned cpu = 0;
  std::optional<unsigned> llc;   // index into Topology::llcs; none without cache info
  std::optional<unsigned> node;  // none without NUMA info
};

struct Topology {
  std::vector<CpuPlace> cpus;  // online CPUs, ascending
  std::vector<Llc> llcs;       // sorted by cache id: index == position

  [[nodiscard]] const CpuPlace* find_cpu(unsigned cpu) const;
  [[nodiscard]] CpuPlace* find_cpu(unsigned cpu);
};

// Reads {sysfs_root}/devices/system/cpu and .../node. A CPU's LLC is the
// cache index with the highest level; LLCs are ordered by their sysfs cache
// id (those without an id last, by first CPU), and numbered by that order.
// Errors: the online list cannot be read or parsed.
Result<Topology> read_topology(const std::string& sysfs_root);

// The sysfs root in force: $KTSTR_SYSFS_ROOT when set and non-empty, else "/sys".
std::string sysfs_root_from_env();

}  // namespace ktstr
