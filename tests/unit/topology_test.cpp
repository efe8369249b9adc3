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

TEST(ReadTopology, TwoSocketsLlcIndexIsPositionByCacheId) {
  FakeSysfs fs;
  two_sockets(fs);
  Topology t = read(fs);
  ASSERT_EQ(t.cpus.size(), 16u);
  ASSERT_EQ(t.llcs.size(), 4u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{4, 5, 6, 7}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{0, 1, 2, 3}));
  EXPECT_EQ(t.llcs[2].cpus, (Cpus{12, 13, 14, 15}));
  EXPECT_EQ(t.llcs[3].cpus, (Cpus{8, 9, 10, 11}));
  EXPECT_EQ(t.llcs[0].cache_id, 0u);
  EXPECT_EQ(t.llcs[1].cache_id, 8u);
  EXPECT_EQ(t.llcs[2].cache_id, 16u);
  EXPECT_EQ(t.llcs[3].cache_id, 24u);
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

TEST(ReadTopology, OfflineCpusAreLeftOut) {
  FakeSysfs fs;
  two_sockets(fs, "0-5,7-12,14-15");
  Topology t = read(fs);
  EXPECT_EQ(cpu_numbers(t), (Cpus{0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15}));
  EXPECT_EQ(t.find_cpu(6), nullptr);
  ASSERT_EQ(t.llcs.size(), 4u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{4, 5, 7}));  // 6 is in shared_cpu_list but offline
  EXPECT_EQ(t.llcs[2].cpus, (Cpus{12, 14, 15}));
}

TEST(ReadTopology, CpuWithoutCacheDirectoryHasNoLlc) {
  FakeSysfs fs;
  fs.online("0-3");
  for (unsigned c : {0u, 1u, 2u})
    fs.cpu_with_caches(c, 0, "0-2", std::to_string(c));
  fs.bare_cpu(3);
  fs.node(0, "0-3");
  Topology t = read(fs);
  ASSERT_EQ(t.cpus.size(), 4u);
  ASSERT_EQ(t.llcs.size(), 1u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1, 2}));
  EXPECT_FALSE(t.find_cpu(3)->llc.has_value());
  EXPECT_EQ(t.find_cpu(3)->node, 0u);
}

TEST(ReadTopology, LlcIsTheHighestLevelCache) {
  FakeSysfs fs;
  fs.online("0-3");
  // No L3: each pair shares an L2, which is then the LLC. Index numbers do
  // not follow levels either.
  for (unsigned c = 0; c < 4; ++c) {
    std::string pair = c < 2 ? "0-1" : "2-3";
    fs.cache(c, 0, 2, c / 2, pair);
    fs.cache(c, 1, 1, c, std::to_string(c));
    fs.cache(c, 2, 1, c, std::to_string(c));
  }
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].level, 2u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{2, 3}));
}

TEST(ReadTopology, MissingIdFilesSortLastByFirstCpu) {
  FakeSysfs fs;
  fs.online("0-7");
  for (unsigned c = 0; c < 2; ++c)
    fs.cache(c, 3, 3, std::nullopt, "0-1");
  for (unsigned c = 2; c < 4; ++c)
    fs.cache(c, 3, 3, 5, "2-3");
  for (unsigned c = 4; c < 6; ++c)
    fs.cache(c, 3, 3, std::nullopt, "4-5");
  for (unsigned c = 6; c < 8; ++c)
    fs.cache(c, 3, 3, 1, "6-7");
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 4u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{6, 7}));
  EXPECT_EQ(t.llcs[0].cache_id, 1u);
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{2, 3}));
  EXPECT_EQ(t.llcs[2].cpus, (Cpus{0, 1}));
  EXPECT_FALSE(t.llcs[2].cache_id.has_value());
  EXPECT_EQ(t.llcs[3].cpus, (Cpus{4, 5}));
  EXPECT_EQ(t.find_cpu(4)->llc, 3u);
  // No node directory: no NUMA information.
  EXPECT_FALSE(t.find_cpu(0)->node.has_value());
  EXPECT_FALSE(t.llcs[0].node.has_value());
}

TEST(ReadTopology, SmtSiblingsShareTheirLlc) {
  FakeSysfs fs;
  fs.online("0-7");
  // Linux numbering of SMT: siblings are n and n+4.
  for (unsigned c = 0; c < 8; ++c) {
    std::string sib = std::to_string(c % 4) + "," + std::to_string(c % 4 + 4);
    fs.cpu_with_caches(c, c % 4 < 2 ? 0 : 1, c % 4 < 2 ? "0-1,4-5" : "2-3,6-7", sib);
  }
  Topology t = read(fs);
  ASSERT_EQ(t.llcs.size(), 2u);
  EXPECT_EQ(t.llcs[0].cpus, (Cpus{0, 1, 4, 5}));
  EXPECT_EQ(t.llcs[1].cpus, (Cpus{2, 3, 6, 7}));
  EXPECT_EQ(t.find_cpu(6)->llc, 1u);
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

TEST(ReadTopology, OnlineOnlyGivesCpusWithoutPlaces) {
  FakeSysfs fs;
  fs.online("0-1");
  Topology t = read(fs);
  EXPECT_EQ(cpu_numbers(t), (Cpus{0, 1}));
  EXPECT_TRUE(t.llcs.empty());
  EXPECT_FALSE(t.cpus[0].llc.has_value());
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
  EXPECT_EQ(sysfs_root_from_env(), "/sys");
  ::setenv("KTSTR_SYSFS_ROOT", "", 1);
  EXPECT_EQ(sysfs_root_from_env(), "/sys");
  ::setenv("KTSTR_SYSFS_ROOT", "/fake/sys", 1);
  EXPECT_EQ(sysfs_root_from_env(), "/fake/sys");
  if (saved) {
    ::setenv("KTSTR_SYSFS_ROOT", saved_value.c_str(), 1);
  } else {
    ::unsetenv("KTSTR_SYSFS_ROOT");
  }
}

}  // namespace
}  // namespace ktstr
