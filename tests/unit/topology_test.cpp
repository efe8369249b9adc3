// read_topology on fake sysfs trees built in a scratch directory.
#include "lib/topology.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::FakeSysfs;
using Cpus = std::vector<unsigned>;

using test::two_sockets;

Topology read(const FakeSysfs& fs) {
  auto topo = read_topology(fs.root());
  EXPECT_TRUE(topo.has_value()) << (topo ? "" : topo.error().describe());
  return topo.value_or(Topology{});
}

Cpus cpu_numbers(const Topology& t) {
  Cpus out;
  for (const auto& p : t.cpus)
    out.push_back(p.cpu);
  return out;
}

Cpus llc_cpus(const Topology& t) {
  Cpus out;
  for (const auto& l : t.llcs)
    out.push_back(l.cpus.front());
  return out;
}

// The rule is the Rust harness's (src/topology.rs, read_llc_id and
// scan_online_cpus): key = id of the highest-level cache index, else the
// lowest CPU of its shared_cpu_list, else 0; N = rank of the key.

TEST(ReadTopology, IdsEverywhereLlcIndexIsRankOfCacheId) {
  FakeSysfs fs;
  two_sockets(fs);
  Topology t = read(fs);
  ASSERT_EQ(t.cpus.size(), 16u);
  ASSERT_EQ(t.llcs.size(), 4u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{4, 5, 6, 7}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{0, 1, 2, 3}));
  EXPECT_EQ(t.llcs[2].cpus, (Cpus{12, 13, 14, 15}));
  EXPECT_EQ(t.llcs[3].cpus, (Cpus{8, 9, 10, 11}));
  EXPECT_EQ(t.llcs[0].key, 0u);
  EXPECT_EQ(t.llcs[1].key, 8u);
  EXPECT_EQ(t.llcs[2].key, 16u);
  EXPECT_EQ(t.llcs[3].key, 24u);
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(t.llcs[i].index, i);
    EXPECT_EQ(t.llcs[i].level, 3u);
  }
  EXPECT_EQ(t.llcs[0].node, 0u);
  EXPECT_EQ(t.llcs[1].node, 0u);
  EXPECT_EQ(t.llcs[2].node, 1u);
  EXPECT_EQ(t.llcs[3].node, 1u);

  EXPECT_EQ(t.find_cpu(0)->llc, 1u);
  EXPECT_EQ(t.find_cpu(5)->llc, 0u);
  EXPECT_EQ(t.find_cpu(9)->llc, 3u);
  EXPECT_EQ(t.find_cpu(15)->llc, 2u);
  EXPECT_EQ(t.find_cpu(3)->node, 0u);
  EXPECT_EQ(t.find_cpu(8)->node, 1u);
  EXPECT_EQ(t.find_cpu(16), nullptr);
}

TEST(ReadTopology, NoIdsKeyIsLowestSharedCpu) {
  FakeSysfs fs;
  fs.online("0-7");
  // SMT numbering: LLC "2-3,6-7" has key 2, LLC "0-1,4-5" key 0.
  for (unsigned c = 0; c < 8; ++c)
    fs.cache(c, 3, 3, std::nullopt, c % 4 < 2 ? "0-1,4-5" : "2-3,6-7");
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].key, 0u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1, 4, 5}));
  EXPECT_EQ(t.llcs[1].key, 2u);
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{2, 3, 6, 7}));
  EXPECT_EQ(t.find_cpu(6)->llc, 1u);
}

TEST(ReadTopology, MixedIdsAndFallbacksShareOneKeySpace) {
  FakeSysfs fs;
  fs.online("0-7");
  for (unsigned c = 0; c < 2; ++c)
    fs.cache(c, 3, 3, std::nullopt, "0-1");  // key 0
  for (unsigned c = 2; c < 4; ++c)
    fs.cache(c, 3, 3, 5, "2-3");  // key 5
  for (unsigned c = 4; c < 6; ++c)
    fs.cache(c, 3, 3, std::nullopt, "4-5");  // key 4
  for (unsigned c = 6; c < 8; ++c)
    fs.cache(c, 3, 3, 1, "6-7");  // key 1
  Topology t = read(fs);
  // Not "ids first, then the rest": one ascending order over all keys.
  EXPECT_EQ(llc_cpus(t), (Cpus{0, 6, 4, 2}));
  ASSERT_EQ(t.llcs.size(), 4u);
  EXPECT_EQ(t.llcs[2].key, 4u);
  EXPECT_EQ(t.find_cpu(4)->llc, 2u);
  EXPECT_EQ(t.find_cpu(3)->llc, 3u);
}

TEST(ReadTopology, AnIdEqualToAFallbackCpuIsOneLlc) {
  FakeSysfs fs;
  fs.online("0-7");
  for (unsigned c = 0; c < 4; ++c)
    fs.cache(c, 3, 3, 4, "0-3");  // id 4
  for (unsigned c = 4; c < 8; ++c)
    fs.cache(c, 3, 3, std::nullopt, "4-7");  // no id: lowest CPU, 4
  Topology t = read(fs);
  // Equal keys share an LLC, as in the harness, or the tools would lock
  // different files for these CPUs.
  ASSERT_EQ(t.llcs.size(), 1u);
  EXPECT_EQ(t.llcs[0].key, 4u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(t.find_cpu(7)->llc, 0u);
}

TEST(ReadTopology, CpuWithoutCacheDirectoryHasKeyZero) {
  FakeSysfs fs;
  fs.online("0-5");
  for (unsigned c : {1u, 2u})
    fs.cpu_with_caches(c, 3, "1-2", std::to_string(c));
  for (unsigned c : {3u, 4u})
    fs.cpu_with_caches(c, 7, "3-4", std::to_string(c));
  fs.bare_cpu(0);
  fs.bare_cpu(5);
  Topology t = read(fs);
  ASSERT_EQ(t.cpus.size(), 6u);
  // CPUs 0 and 5 have no cache information: both key 0, one LLC, ranked first.
  ASSERT_EQ(t.llcs.size(), 3u);
  EXPECT_EQ(t.llcs[0].key, 0u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 5}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{1, 2}));
  EXPECT_EQ(t.llcs[2].cpus, (Cpus{3, 4}));
  EXPECT_EQ(t.find_cpu(5)->llc, 0u);
  for (const auto& p : t.cpus)
    EXPECT_TRUE(p.llc.has_value()) << p.cpu;
}

TEST(ReadTopology, CpuWithoutCacheDirectoryJoinsTheLlcKeyedZero) {
  FakeSysfs fs;
  fs.online("0-4");
  for (unsigned c = 0; c < 4; ++c)
    fs.cpu_with_caches(c, 0, "0-3", std::to_string(c));
  fs.bare_cpu(4);
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 1u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1, 2, 3, 4}));
}

TEST(ReadTopology, OfflineCpusAreLeftOutButStillKeyTheirLlc) {
  FakeSysfs fs;
  two_sockets(fs, "0-5,7-12,14-15");
  Topology t = read(fs);
  EXPECT_EQ(cpu_numbers(t), (Cpus{0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15}));
  EXPECT_EQ(t.find_cpu(6), nullptr);
  ASSERT_EQ(t.llcs.size(), 4u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{4, 5, 7}));  // 6 is in shared_cpu_list but offline
  EXPECT_EQ(t.llcs[2].cpus, (Cpus{12, 14, 15}));

  // Without ids, an offline CPU that is the lowest of a shared_cpu_list is
  // still the key: CPUs 1-3 have key 0 although CPU 0 is offline.
  FakeSysfs noid;
  noid.online("1-3,5-7");
  for (unsigned c = 0; c < 8; ++c)
    noid.cache(c, 3, 3, std::nullopt, c < 4 ? "0-3" : "4-7");
  Topology u = read(noid);
  ASSERT_EQ(u.llcs.size(), 2u);
  EXPECT_EQ(u.llcs[0].key, 0u);
  EXPECT_EQ(u.llcs[0].cpus, (Cpus{1, 2, 3}));
  EXPECT_EQ(u.llcs[1].key, 4u);
  EXPECT_EQ(u.llcs[1].cpus, (Cpus{5, 6, 7}));
}

TEST(ReadTopology, LlcIsTheHighestLevelCache) {
  FakeSysfs fs;
  fs.online("0-3");
  // No L3: each pair shares an L2, which is then the LLC. Index numbers do
  // not follow levels either.
  for (unsigned c = 0; c < 4; ++c) {
    std::string pair = c < 2 ? "0-1" : "2-3";
    fs.cache(c, 0, 2, 10 + c / 2, pair);
    fs.cache(c, 1, 1, c, std::to_string(c));
    fs.cache(c, 2, 1, c, std::to_string(c));
  }
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].key, 10u);
  EXPECT_EQ(t.llcs[0].level, 2u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{2, 3}));
}

TEST(ReadTopology, TwoIndexesAtTheTopLevelTheLowestIndexWins) {
  FakeSysfs fs;
  fs.online("0-3");
  for (unsigned c = 0; c < 2; ++c) {
    fs.cache(c, 2, 3, 9, "0-1");  // chosen: index 2 < index 3
    fs.cache(c, 3, 3, 1, "0-1");
  }
  for (unsigned c = 2; c < 4; ++c)
    fs.cache(c, 3, 3, 5, "2-3");
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].key, 5u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{2, 3}));
  EXPECT_EQ(t.llcs[1].key, 9u);
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{0, 1}));
}

TEST(ReadTopology, UnreadableLevelsAndListsFallThrough) {
  FakeSysfs fs;
  fs.online("0-3");
  // CPU 0: no level file anywhere: index 0 is used, and its id.
  test::write_file(fs.root() + "/devices/system/cpu/cpu0/cache/index0/id", "6\n");
  test::write_file(fs.root() + "/devices/system/cpu/cpu0/cache/index3/id", "2\n");
  // CPU 1: the level of index3 is garbage, so index 1 (level 2) is the LLC;
  // its id is garbage, so its shared_cpu_list decides, leniently: "x" and
  // the reversed 5-3 are skipped.
  fs.cache(1, 1, 2, std::nullopt, "x,5-3,7, 6 ");
  test::write_file(fs.root() + "/devices/system/cpu/cpu1/cache/index1/id", "seven\n");
  test::write_file(fs.root() + "/devices/system/cpu/cpu1/cache/index3/level", "three\n");
  // CPU 2: an empty cache directory: key 0. CPU 3: a garbage list: key 0.
  std::filesystem::create_directories(fs.root() + "/devices/system/cpu/cpu2/cache");
  fs.cache(3, 3, 3, std::nullopt, "none");
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].key, 0u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{2, 3}));
  EXPECT_EQ(t.llcs[1].key, 6u);
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{0, 1}));
  EXPECT_EQ(t.find_cpu(1)->llc, 1u);
}

TEST(ReadTopology, NumaNodeComesFromTheCpuLinks) {
  FakeSysfs fs;
  fs.online("0-7");
  for (unsigned c = 0; c < 8; ++c)
    fs.cpu_with_caches(c, c < 4 ? 1 : 0, c < 4 ? "0-3" : "4-7", std::to_string(c));
  // An LLC that spans nodes: its node is the one of its first CPU.
  fs.node_link(0, 3);
  for (unsigned c = 1; c < 4; ++c)
    fs.node_link(c, 2);
  // node/node1/cpulist alone (no links) is not read, as in the harness.
  test::write_file(fs.root() + "/devices/system/node/node1/cpulist", "4-7\n");
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{0, 1, 2, 3}));
  EXPECT_EQ(t.llcs[1].node, 3u);
  EXPECT_EQ(t.find_cpu(0)->node, 3u);
  EXPECT_EQ(t.find_cpu(2)->node, 2u);
  EXPECT_EQ(t.llcs[0].node, 0u);
  EXPECT_EQ(t.find_cpu(5)->node, 0u);
}

TEST(ReadTopology, NoNumaInformationIsNodeZero) {
  FakeSysfs fs;
  fs.online("0-3");
  for (unsigned c = 0; c < 4; ++c)
    fs.cache(c, 3, 3, 1 + c / 2, c < 2 ? "0-1" : "2-3");
  Topology t = read(fs);
  for (const auto& p : t.cpus)
    EXPECT_EQ(p.node, 0u);
  for (const auto& l : t.llcs)
    EXPECT_EQ(l.node, 0u);
}

TEST(ReadTopology, Errors) {
  FakeSysfs missing;
  EXPECT_FALSE(read_topology(missing.root()).has_value());
  FakeSysfs garbage;
  garbage.online("zero-three");
  auto t = read_topology(garbage.root());
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("online"), std::string::npos) << t.error().message;
}

TEST(ReadTopology, OnlineCpusWithoutDirectoryAreLeftOut) {
  FakeSysfs fs;
  fs.online("0-3");
  fs.bare_cpu(1);
  fs.cpu_with_caches(2, 5, "2", "2");
  Topology t = read(fs);
  EXPECT_EQ(cpu_numbers(t), (Cpus{1, 2}));
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{1}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{2}));
}

TEST(ReadTopology, ThisHost) {
  auto t = read_topology("/sys");
  ASSERT_TRUE(t.has_value()) << t.error().describe();
  EXPECT_FALSE(t->cpus.empty());
  for (std::size_t i = 0; i < t->llcs.size(); ++i)
    EXPECT_EQ(t->llcs[i].index, i);
}

TEST(SysfsRootFromEnv, DefaultAndOverride) {
  const char* saved = std::getenv("KTSTR_SYSFS_ROOT");
  std::string saved_value = saved ? saved : "";
  ::unsetenv("KTSTR_SYSFS_ROOT");
  EXPECT_EQ(sysfs_root_from_env().path, "/sys");
  EXPECT_FALSE(sysfs_root_from_env().fake);
  ::setenv("KTSTR_SYSFS_ROOT", "", 1);
  EXPECT_EQ(sysfs_root_from_env().path, "/sys");
  EXPECT_FALSE(sysfs_root_from_env().fake);
  ::setenv("KTSTR_SYSFS_ROOT", "/fake/sys", 1);
  EXPECT_EQ(sysfs_root_from_env().path, "/fake/sys");
  EXPECT_TRUE(sysfs_root_from_env().fake);
  // A fake tree at /sys's own path is still a fake tree: the flag, not the
  // path, says so.
  ::setenv("KTSTR_SYSFS_ROOT", "/sys", 1);
  EXPECT_TRUE(sysfs_root_from_env().fake);
  if (saved) {
    ::setenv("KTSTR_SYSFS_ROOT", saved_value.c_str(), 1);
  } else {
    ::unsetenv("KTSTR_SYSFS_ROOT");
  }
}

}  // namespace
}  // namespace ktstr
