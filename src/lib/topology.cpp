#include "topology.hpp"

#include <dirent.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>

#include "cpu_list.hpp"
#include "text.hpp"

namespace ktstr {

namespace {

std::optional<std::string> read_trimmed(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return std::nullopt;
  return std::string(trim(*text));
}

std::vector<std::string> list_dir(const std::string& path, std::string_view prefix) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name.starts_with(prefix) && parse_u64(name.substr(prefix.size()))) {
        names.emplace_back(name);
      }
    }
    ::closedir(d);
  }
  return names;
}

struct CacheInfo {
  unsigned level = 0;
  std::optional<std::uint64_t> id;
  std::vector<unsigned> shared;
};

// The highest-level cache of `cpu`, if sysfs describes any.
std::optional<CacheInfo> last_level_cache(const std::string& cpu_dir) {
  std::optional<CacheInfo> best;
  std::string cache_dir = cpu_dir + "/cache";
  for (const auto& index : list_dir(cache_dir, "index")) {
    std::string base = cache_dir + "/" + index + "/";
    auto level = read_trimmed(base + "level");
    auto level_num = level ? parse_u64(*level) : std::nullopt;
    if (!level_num) continue;
    if (best && *level_num <= best->level) continue;
    CacheInfo info;
    info.level = static_cast<unsigned>(*level_num);
    if (auto id = read_trimmed(base + "id")) info.id = parse_u64(*id);
    if (auto shared = read_trimmed(base + "shared_cpu_list")) {
      if (auto cpus = parse_cpu_list(*shared)) info.shared = std::move(*cpus);
    }
    best = std::move(info);
  }
  return best;
}

}  // namespace

const CpuPlace* Topology::find_cpu(unsigned cpu) const {
  auto it = std::lower_bound(cpus.begin(), cpus.end(), cpu,
                             [](const CpuPlace& p, unsigned c) { return p.cpu < c; });
  return it != cpus.end() && it->cpu == cpu ? &*it : nullptr;
}

CpuPlace* Topology::find_cpu(unsigned cpu) {
  return const_cast<CpuPlace*>(std::as_const(*this).find_cpu(cpu));
}

Result<Topology> read_topology(const std::string& sysfs_root) {
  std::string cpu_root = sysfs_root + "/devices/system/cpu";
  auto online_text = read_small_file(cpu_root + "/online");
  if (!online_text) return Unexpected(online_text.error());
  auto online = parse_cpu_list(*online_text);
  if (!online) {
    return fail(ExitCode::os_error,
                fmt::format("cannot parse {}/online: {}", cpu_root, online.error().message));
  }

  Topology topo;
  for (unsigned c : *online)
    topo.cpus.push_back(CpuPlace{c, std::nullopt, std::nullopt});

  // NUMA: node*/cpulist. A host without the node directory has no NUMA info.
  std::string node_root = sysfs_root + "/devices/system/node";
  for (const auto& node : list_dir(node_root, "node")) {
    auto cpulist = read_trimmed(node_root + "/" + node + "/cpulist");
    if (!cpulist) continue;
    auto cpus = parse_cpu_list(*cpulist);
    if (!cpus) continue;
    auto node_num = static_cast<unsigned>(*parse_u64(std::string_view(node).substr(4)));
    for (unsigned c : *cpus) {
      if (CpuPlace* p = topo.find_cpu(c)) p->node = node_num;
    }
  }

  // LLCs: read one CPU's caches, then credit every online CPU that shares its
  // LLC, so a 256-CPU host costs one cache walk per LLC, not per CPU.
  struct Found {
    CacheInfo info;
    std::vector<unsigned> cpus;
  };
  std::vector<Found> found;
  std::map<unsigned, std::size_t> llc_of_cpu;
  for (const auto& place : topo.cpus) {
    if (llc_of_cpu.contains(place.cpu)) continue;
    auto llc = last_level_cache(fmt::format("{}/cpu{}", cpu_root, place.cpu));
    if (!llc) continue;
    std::size_t slot = found.size();
    found.push_back(Found{*llc, {}});
    auto shared = llc->shared.empty() ? std::vector<unsigned>{place.cpu} : llc->shared;
    if (!std::binary_search(shared.begin(), shared.end(), place.cpu)) {
      shared.insert(std::upper_bound(shared.begin(), shared.end(), place.cpu), place.cpu);
    }
    for (unsigned c : shared) {
      if (topo.find_cpu(c) != nullptr && !llc_of_cpu.contains(c)) {
        llc_of_cpu[c] = slot;
        found[slot].cpus.push_back(c);
      }
    }
  }
  std::vector<std::size_t> order(found.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  auto sort_key = [&](std::size_t i) {
    const auto& f = found[i];
    return std::make_tuple(!f.info.id.has_value(), f.info.id.value_or(0), f.cpus.front());
  };
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return sort_key(a) < sort_key(b); });
  std::vector<unsigned> index_of_slot(found.size());
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const auto& f = found[order[pos]];
    index_of_slot[order[pos]] = static_cast<unsigned>(pos);
    Llc llc;
    llc.index = static_cast<unsigned>(pos);
    llc.cache_id = f.info.id;
    llc.level = f.info.level;
    llc.cpus = f.cpus;
    topo.llcs.push_back(std::move(llc));
  }
  for (auto& p : topo.cpus) {
    if (auto it = llc_of_cpu.find(p.cpu); it != llc_of_cpu.end()) p.llc = index_of_slot[it->second];
  }
  for (auto& llc : topo.llcs)
    llc.node = topo.find_cpu(llc.cpus.front())->node;
  return topo;
}

std::string sysfs_root_from_env() {
  const char* root = std::getenv("KTSTR_SYSFS_ROOT");
  return root != nullptr && *root != '\0' ? std::string(root) : std::string("/sys");
}

}  // namespace ktstr
