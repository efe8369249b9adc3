// Helpers shared by the unit tests: fixture files, scratch directories and
// fake sysfs trees. Header-only, so tests/CMakeLists.txt's *_test.cpp glob
// needs nothing more.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ktstr::test {

inline std::string fixture_path(std::string_view relative) {
  return std::string(KTSTR_FIXTURES) + "/" + std::string(relative);
}

inline std::string read_fixture(std::string_view relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << relative;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// A fresh directory, removed with everything in it at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ktstr-unit-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string str() const { return path_.string(); }
  [[nodiscard]] std::string operator/(std::string_view name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

// Builds the part of /sys that read_topology looks at, under a scratch root.
class FakeSysfs {
 public:
  [[nodiscard]] std::string root() const { return dir_.str(); }

  void online(std::string_view list) { write(cpu_dir() + "/online", std::string(list) + "\n"); }

  // cpuN/cache/indexM/{level,id,shared_cpu_list}; no id file when `id` is unset.
  void cache(unsigned cpu, unsigned index, unsigned level, std::optional<unsigned> id,
             std::string_view shared_cpu_list) {
    std::string base =
        cpu_dir() + "/cpu" + std::to_string(cpu) + "/cache/index" + std::to_string(index);
    write(base + "/level", std::to_string(level) + "\n");
    if (id) write(base + "/id", std::to_string(*id) + "\n");
    write(base + "/shared_cpu_list", std::string(shared_cpu_list) + "\n");
  }

  // The usual x86 shape: L1d, L1i and L2 private, L3 shared by `llc_cpus`.
  void cpu_with_caches(unsigned cpu, unsigned llc_id, std::string_view llc_cpus,
                       std::string_view smt_siblings) {
    cache(cpu, 0, 1, cpu, smt_siblings);
    cache(cpu, 1, 1, cpu, smt_siblings);
    cache(cpu, 2, 2, cpu, smt_siblings);
    cache(cpu, 3, 3, llc_id, llc_cpus);
  }

  // A cpu directory with no cache/ in it.
  void bare_cpu(unsigned cpu) {
    std::filesystem::create_directories(cpu_dir() + "/cpu" + std::to_string(cpu));
  }

  // node/nodeN/cpulist, and the cpuC/nodeN link of each CPU of `cpulist`
  // (what topology reads, as the Rust harness does).
  void node(unsigned n, std::string_view cpulist) {
    write(dir_.str() + "/devices/system/node/node" + std::to_string(n) + "/cpulist",
          std::string(cpulist) + "\n");
    std::string list(cpulist);
    std::size_t pos = 0;
    while (pos <= list.size()) {
      std::size_t comma = std::min(list.find(',', pos), list.size());
      std::string part = list.substr(pos, comma - pos);
      std::size_t dash = part.find('-');
      unsigned lo = static_cast<unsigned>(std::stoul(part.substr(0, dash)));
      unsigned hi =
          dash == std::string::npos ? lo : static_cast<unsigned>(std::stoul(part.substr(dash + 1)));
      for (unsigned c = lo; c <= hi; ++c)
        node_link(c, n);
      pos = comma + 1;
    }
  }

  // Only the cpuC/nodeN link, without a node directory entry.
  void node_link(unsigned cpu, unsigned n) {
    std::string dir = cpu_dir() + "/cpu" + std::to_string(cpu);
    std::filesystem::create_directories(dir);
    std::filesystem::create_directory_symlink("../../node/node" + std::to_string(n),
                                              dir + "/node" + std::to_string(n));
  }

 private:
  [[nodiscard]] std::string cpu_dir() const { return dir_.str() + "/devices/system/cpu"; }
  static void write(const std::string& path, std::string_view content) {
    write_file(path, content);
  }
  ScratchDir dir_;
};

// Two sockets (NUMA nodes 0 and 1), two LLCs each, SMT pairs, with cache
// ids that do not follow CPU order:
//   CPUs 0-3  id 8   -> index 1      CPUs 8-11  id 24 -> index 3
//   CPUs 4-7  id 0   -> index 0      CPUs 12-15 id 16 -> index 2
inline void two_sockets(FakeSysfs& fs, std::string_view online = "0-15") {
  fs.online(online);
  struct L {
    unsigned first;
    unsigned id;
    const char* cpus;
  };
  for (const L& l : {L{0, 8, "0-3"}, L{4, 0, "4-7"}, L{8, 24, "8-11"}, L{12, 16, "12-15"}}) {
    for (unsigned c = l.first; c < l.first + 4; ++c) {
      unsigned sib = c & ~1u;
      fs.cpu_with_caches(c, l.id, l.cpus, std::to_string(sib) + "-" + std::to_string(sib + 1));
    }
  }
  fs.node(0, "0-7");
  fs.node(1, "8-15");
}

}  // namespace ktstr::test
