#include "topology.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <utility>

#include "cpu_list.hpp"
#include "text.hpp"
#include "unique_fd.hpp"

namespace ktstr {

namespace {

// Fact source for every rule below: the Rust harness's src/topology.rs
// (find_llc_index, read_llc_id, read_numa_node, scan_online_cpus), whose LLC
// list is a map ordered by key that src/vmm/host_topology numbers by position.

// A sysfs number as the harness parses one: Rust's `str::parse::<usize>()`
// after trim(), which takes an optional '+' and decimal digits.
std::optional<std::uint64_t> parse_number(std::string_view s) {
  s = trim(s);
  if (s.starts_with('+')) s.remove_prefix(1);
  if (s.starts_with('+')) return std::nullopt;
  return parse_u64(s);
}

// A whole small file under `dir`; sysfs files fit a page. O_NONBLOCK, so a
// FIFO planted in a fake tree cannot hang the reader.
std::optional<std::string> read_at(int dir, const std::string& path) {
  UniqueFd fd(::openat(dir, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  std::string out(4096, '\0');
  std::size_t used = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    used += static_cast<std::size_t>(n);
    // A short read is the end of a sysfs attribute or of a regular file.
    if (n == 0 || used < out.size()) break;
    out.resize(out.size() * 2);
  }
  out.resize(used);
  return out;
}

// Names in the directory open as `dir`, read with getdents64 on that fd (no
// DIR*: fdopendir would add an fstat and an fcntl per directory, and there is
// one per CPU). Moves the fd's directory offset; openat relative to it is
// unaffected. nullopt when it cannot be listed.
std::optional<std::vector<std::string>> list_dir(int dir) {
  alignas(8) char buf[16384];
  std::vector<std::string> names;
  for (;;) {
    ssize_t n = ::getdents64(dir, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(buf + off);
      names.emplace_back(e->d_name);
      off += e->d_reclen;
    }
  }
  return names;
}

// The lowest CPU a shared_cpu_list names, offline ones included, parsed as
// leniently as the harness does: malformed or reversed parts are skipped.
std::optional<std::uint64_t> lowest_listed_cpu(std::string_view text) {
  std::optional<std::uint64_t> low;
  for (;;) {
    auto comma = text.find(',');
    std::string_view part = trim(text.substr(0, comma));
    std::optional<std::uint64_t> first;
    if (auto dash = part.find('-'); dash != std::string_view::npos) {
      // Rust's split_once('-') and parse() without a further trim.
      auto lo_text = part.substr(0, dash);
      auto hi_text = part.substr(dash + 1);
      auto lo = trim(lo_text) == lo_text ? parse_number(lo_text) : std::nullopt;
      auto hi = trim(hi_text) == hi_text ? parse_number(hi_text) : std::nullopt;
      if (lo && hi && *lo <= *hi) first = lo;
    } else if (!part.empty()) {
      first = parse_number(part);
    }
    if (first && (!low || *first < *low)) low = first;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return low;
}

struct LlcKey {
  std::uint64_t key = 0;
  unsigned level = 0;
};

// The key of the LLC of the CPU whose directory is `cpu_dir`. Missing files
// fall through to the next source, down to 0: a CPU without a cache directory
// gets key 0 (the harness logs "bucketing CPU into fallback LLC 0"), so it
// shares the LLC whose id or lowest CPU is 0.
LlcKey llc_key(int cpu_dir) {
  UniqueFd cache(::openat(cpu_dir, "cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cache) return {};
  auto entries = list_dir(cache.get());
  if (!entries) return {};
  // With no readable level above 0 the harness keeps index 0.
  std::uint64_t best_index = 0, best_level = 0;
  for (const auto& name : *entries) {
    std::string_view sv = name;
    if (!sv.starts_with("index")) continue;
    auto index = parse_number(sv.substr(5));
    if (!index || trim(sv.substr(5)) != sv.substr(5)) continue;
    auto text = read_at(cache.get(), name + "/level");
    auto level = text ? parse_number(*text) : std::nullopt;
    if (!level) continue;
    // The harness keeps the first of equal levels in directory order; SPEC §3
    // makes that deterministic: the lowest index. Real hosts never tie at the
    // top level.
    if (*level > best_level || (*level == best_level && best_level > 0 && *index < best_index)) {
      best_level = *level;
      best_index = *index;
    }
  }
  LlcKey out{0, static_cast<unsigned>(best_level)};
  std::string base = fmt::format("index{}/", best_index);
  if (auto id = read_at(cache.get(), base + "id"); id && parse_number(*id)) {
    out.key = *parse_number(*id);
  } else if (auto shared = read_at(cache.get(), base + "shared_cpu_list")) {
    out.key = lowest_listed_cpu(*shared).value_or(0);
  }
  return out;
}

// The node of the cpuN/nodeK link; real sysfs has exactly one (the harness
// takes the first in directory order, this the lowest K). 0 without any.
// `guess` (the previous CPU's node) is tried first with one lstat: neighbours
// share a node, and a listing of cpuN costs far more. A CPU with several
// links (no kernel makes one) may then get the guessed one.
unsigned numa_node(int cpu_dir, std::optional<unsigned> guess) {
  if (guess) {
    struct stat st {};
    if (::fstatat(cpu_dir, fmt::format("node{}", *guess).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      return *guess;
    }
  }
  auto entries = list_dir(cpu_dir);
  std::optional<std::uint64_t> node;
  if (entries) {
    for (const auto& name : *entries) {
      std::string_view sv = name;
      if (!sv.starts_with("node")) continue;
      auto k = parse_number(sv.substr(4));
      if (k && trim(sv.substr(4)) == sv.substr(4) && (!node || *k < *node)) node = k;
    }
  }
  return static_cast<unsigned>(node.value_or(0));
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
  UniqueFd root(::open(cpu_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail_errno("cannot open " + quote(cpu_root), errno);

  // One pass over the online CPUs, each read on its own: the harness does
  // not assume that the CPUs of one shared_cpu_list agree about their caches.
  Topology topo;
  std::map<std::uint64_t, std::vector<std::size_t>> by_key;  // key -> positions in cpus
  std::map<std::uint64_t, unsigned> level_of;                // key -> level of its first CPU
  std::optional<unsigned> last_node;
  for (unsigned c : *online) {
    std::string name = fmt::format("cpu{}", c);
    LlcKey key;
    unsigned node = 0;
    UniqueFd dir(::openat(root.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) {
      key = llc_key(dir.get());
      node = numa_node(dir.get(), last_node);
      last_node = node;
    } else {
      // Listed online but no cpuN: the harness skips the CPU. Something that
      // is there but cannot be read as a directory keeps key 0 and node 0.
      struct stat st {};
      if (::fstatat(root.get(), name.c_str(), &st, 0) != 0) continue;
    }
    if (by_key.find(key.key) == by_key.end()) level_of[key.key] = key.level;
    by_key[key.key].push_back(topo.cpus.size());
    topo.cpus.push_back(CpuPlace{c, std::nullopt, node});
  }
  for (auto& [key, members] : by_key) {
    Llc llc;
    llc.index = static_cast<unsigned>(topo.llcs.size());
    llc.key = key;
    llc.level = level_of[key];
    llc.node = topo.cpus[members.front()].node;
    for (std::size_t pos : members) {
      topo.cpus[pos].llc = llc.index;
      llc.cpus.push_back(topo.cpus[pos].cpu);
    }
    topo.llcs.push_back(std::move(llc));
  }
  return topo;
}

SysfsRoot sysfs_root_from_env() {
  const char* root = std::getenv("KTSTR_SYSFS_ROOT");
  if (root != nullptr && *root != '\0') return SysfsRoot{root, true};
  return SysfsRoot{"/sys", false};
}

}  // namespace ktstr
