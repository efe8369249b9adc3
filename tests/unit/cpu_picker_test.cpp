// pick_cpus on topologies read from fake sysfs trees.
#include "lib/cpu_picker.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::FakeSysfs;
using Cpus = std::vector<unsigned>;

// Node 0: LLC index 0 = CPUs 4-7 (cache id 0), index 1 = CPUs 0-3 (id 8).
// Node 1: LLC index 2 = CPUs 12-15 (id 16), index 3 = CPUs 8-11 (id 24).
Topology two_sockets() {
  FakeSysfs fs;
  test::two_sockets(fs);
  auto topo = read_topology(fs.root());
  EXPECT_TRUE(topo.has_value());
  EXPECT_EQ(topo.value_or(Topology{}).llcs.size(), 4u);
  return topo.value_or(Topology{});
}

Cpus all_but(std::initializer_list<unsigned> busy, unsigned n = 16) {
  Cpus free;
  for (unsigned c = 0; c < n; ++c) {
    if (std::find(busy.begin(), busy.end(), c) == busy.end()) free.push_back(c);
  }
  return free;
}

std::optional<Cpus> pick(const Topology& t, const Cpus& free, unsigned count) {
  return pick_cpus(t, free, count);
}

TEST(PickCpus, OneLlcTiesGoToTheLowestIndex) {
  Topology t = two_sockets();
  // Every LLC has 4 free: index 0 is CPUs 4-7, by cache id, not CPU order.
  EXPECT_EQ(pick(t, all_but({}), 4), (Cpus{4, 5, 6, 7}));
  EXPECT_EQ(pick(t, all_but({}), 2), (Cpus{4, 5}));
  EXPECT_EQ(pick(t, all_but({}), 1), (Cpus{4}));
}

TEST(PickCpus, OneLlcBestFit) {
  Topology t = two_sockets();
  // Index 0 has 1 free, index 1 has 4, index 2 has 4, index 3 has 2 (8, 9):
  // the smallest LLC that fits 2 is index 3.
  Cpus free = all_but({5, 6, 7, 10, 11});
  EXPECT_EQ(pick(t, free, 2), (Cpus{8, 9}));
  EXPECT_EQ(pick(t, free, 1), (Cpus{4}));
  EXPECT_EQ(pick(t, free, 3), (Cpus{0, 1, 2}));
  EXPECT_EQ(pick(t, free, 4), (Cpus{0, 1, 2, 3}));
}

TEST(PickCpus, FewestLlcsFullestFirstWithinANode) {
  Topology t = two_sockets();
  // Node 0: index 0 has {4, 5}, index 1 has {0, 1, 2, 3}. Node 1: 2 free.
  Cpus free{0, 1, 2, 3, 4, 5, 8, 12};
  EXPECT_EQ(pick(t, free, 5), (Cpus{0, 1, 2, 3, 4}));
  EXPECT_EQ(pick(t, free, 6), (Cpus{0, 1, 2, 3, 4, 5}));
}

TEST(PickCpus, OneNodePreferredOverFewerLlcsAcrossNodes) {
  Topology t = two_sockets();
  // 8 fit node 0 exactly: its two LLCs, nothing from node 1.
  EXPECT_EQ(pick(t, all_but({}), 8), (Cpus{0, 1, 2, 3, 4, 5, 6, 7}));
  // Node 0 has only 5 free: node 1 serves the 6.
  Cpus free = all_but({3, 6, 7});
  EXPECT_EQ(pick(t, free, 6), (Cpus{8, 9, 12, 13, 14, 15}));
}

TEST(PickCpus, NodeNeedingFewerLlcsWins) {
  // Node 0: three LLCs of 2 (indices 0-2); node 1: two LLCs of 4 (3, 4).
  FakeSysfs fs;
  fs.online("0-13");
  for (unsigned c = 0; c < 6; ++c) {
    std::string pair = std::to_string(c & ~1u) + "-" + std::to_string((c & ~1u) + 1);
    fs.cpu_with_caches(c, c / 2, pair, std::to_string(c));
  }
  for (unsigned c = 6; c < 14; ++c) {
    fs.cpu_with_caches(c, c < 10 ? 3 : 4, c < 10 ? "6-9" : "10-13", std::to_string(c));
  }
  fs.node(0, "0-5");
  fs.node(1, "6-13");
  auto topo = read_topology(fs.root());
  ASSERT_TRUE(topo.has_value());
  ASSERT_EQ(topo->llcs.size(), 5u);
  Cpus free = all_but({}, 14);
  // 5 CPUs: node 0 would need three LLCs, node 1 two.
  EXPECT_EQ(pick(*topo, free, 5), (Cpus{6, 7, 8, 9, 10}));
  // 6 CPUs: node 1 still needs only two.
  EXPECT_EQ(pick(*topo, free, 6), (Cpus{6, 7, 8, 9, 10, 11}));
  // 2 CPUs: one LLC of node 0 fits exactly (best fit).
  EXPECT_EQ(pick(*topo, free, 2), (Cpus{0, 1}));
}

TEST(PickCpus, SpansNodesOnlyWhenNoneHasEnough) {
  Topology t = two_sockets();
  // 10 > 8 per node: fullest LLCs first across both nodes.
  auto ten = pick(t, all_but({}), 10);
  ASSERT_TRUE(ten.has_value());
  EXPECT_EQ(ten->size(), 10u);
  EXPECT_EQ(*ten, (Cpus{0, 1, 2, 3, 4, 5, 6, 7, 12, 13}));
  // Node 0 has 3 free, node 1 has 3 free; 5 needs both nodes.
  Cpus free{0, 1, 4, 8, 9, 12};
  auto five = pick(t, free, 5);
  ASSERT_TRUE(five.has_value());
  EXPECT_EQ(five->size(), 5u);
  for (unsigned c : *five)
    EXPECT_NE(std::find(free.begin(), free.end(), c), free.end());
  EXPECT_EQ(pick(t, free, 6), free);
}

TEST(PickCpus, NotEnoughFree) {
  Topology t = two_sockets();
  EXPECT_EQ(pick(t, all_but({}), 17), std::nullopt);
  EXPECT_EQ(pick(t, Cpus{0, 1}, 3), std::nullopt);
  EXPECT_EQ(pick(t, Cpus{}, 1), std::nullopt);
}

TEST(PickCpus, ZeroIsEmpty) {
  Topology t = two_sockets();
  EXPECT_EQ(pick(t, all_but({}), 0), Cpus{});
  EXPECT_EQ(pick(t, Cpus{}, 0), Cpus{});
}

TEST(PickCpus, ResultIsAscendingAndFree) {
  Topology t = two_sockets();
  Cpus free{1, 3, 5, 7, 9, 11, 13, 15};
  for (unsigned n = 1; n <= free.size(); ++n) {
    auto got = pick(t, free, n);
    ASSERT_TRUE(got.has_value()) << n;
    EXPECT_EQ(got->size(), n);
    EXPECT_TRUE(std::is_sorted(got->begin(), got->end()));
    EXPECT_EQ(std::adjacent_find(got->begin(), got->end()), got->end());
    for (unsigned c : *got)
      EXPECT_NE(std::find(free.begin(), free.end(), c), free.end()) << c;
  }
}

TEST(PickCpus, CpusWithoutCacheInfoOnlyWhenNoLlcFits) {
  // read_topology gives every CPU an LLC (key 0 without cache information,
  // as the Rust harness does); a topology assembled by hand may leave one out.
  std::optional<Topology> topo = Topology{};
  topo->cpus = {{0, 0u, 0}, {1, 0u, 0}, {2, 0u, 0}, {3, std::nullopt, 0}};
  topo->llcs = {Llc{0, 0, 3, {0, 1, 2}, 0}};
  EXPECT_EQ(pick(*topo, Cpus{0, 1, 2, 3}, 1), (Cpus{0}));
  EXPECT_EQ(pick(*topo, Cpus{0, 1, 2, 3}, 3), (Cpus{0, 1, 2}));
  EXPECT_EQ(pick(*topo, Cpus{0, 1, 2, 3}, 4), (Cpus{0, 1, 2, 3}));
  EXPECT_EQ(pick(*topo, Cpus{3}, 1), (Cpus{3}));
  EXPECT_EQ(pick(*topo, Cpus{1, 3}, 2), (Cpus{1, 3}));
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

// plan_cpu_cap follows the Rust harness's --cpu-cap plan
// (src/vmm/host_topology, plan_from_snapshots): rank LLCs with SH holders
// first (most first), then free ones, by index; fill the first-ranked LLC's
// node, then the other nodes; lock whole LLCs, keep N CPUs.
// two_sockets(): node 0 = LLC 0 (CPUs 4-7), LLC 1 (0-3);
//                node 1 = LLC 2 (12-15), LLC 3 (8-11).
Cpus all16() {
  return all_but({});
}

std::vector<LlcState> held_sh(std::initializer_list<std::pair<unsigned, unsigned>> holders) {
  std::vector<LlcState> s(4);
  for (auto [llc, n] : holders)
    s[llc].shared_holders = n;
  return s;
}

TEST(PlanCpuCap, FreeHostFillsFromTheLowestLlc) {
  Topology t = two_sockets();
  auto p = plan_cpu_cap(t, all16(), {}, 4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{0}));
  EXPECT_EQ(p->cpus, (Cpus{4, 5, 6, 7}));
  p = plan_cpu_cap(t, all16(), {}, 6);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{0, 1}));  // one node; the second LLC partly used
  EXPECT_EQ(p->cpus, (Cpus{4, 5, 6, 7, 0, 1}));
}

TEST(PlanCpuCap, PrefersLlcsThatAlreadyHaveSharedHolders) {
  Topology t = two_sockets();
  auto p = plan_cpu_cap(t, all16(), held_sh({{3, 2}, {2, 1}}), 4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{3}));
  EXPECT_EQ(p->cpus, (Cpus{8, 9, 10, 11}));
  // More holders rank first, whatever the index.
  p = plan_cpu_cap(t, all16(), held_sh({{1, 1}, {2, 3}}), 2);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{2}));
  // Equal holders: the lower index.
  p = plan_cpu_cap(t, all16(), held_sh({{3, 1}, {1, 1}}), 2);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{1}));
}

TEST(PlanCpuCap, FillsTheSeedNodeBeforeSpilling) {
  Topology t = two_sockets();
  // Seed LLC 2 (node 1): node 1 first (LLC 2, then the free LLC 3), then
  // node 0 (LLC 0).
  auto p = plan_cpu_cap(t, all16(), held_sh({{2, 1}}), 10);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{0, 2, 3}));
  EXPECT_EQ(p->cpus, (Cpus{4, 5, 6, 7, 12, 13, 14, 15, 8, 9}));
}

TEST(PlanCpuCap, SkipsExclusiveAndDisallowedLlcs) {
  Topology t = two_sockets();
  std::vector<LlcState> ex(4);
  ex[0].exclusive = true;
  auto p = plan_cpu_cap(t, all16(), ex, 4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{1}));
  EXPECT_EQ(p->cpus, (Cpus{0, 1, 2, 3}));

  // Only CPUs 0-1 and 8-15 allowed: LLC 0 is no candidate, LLC 1 counts 2.
  Cpus allowed{0, 1, 8, 9, 10, 11, 12, 13, 14, 15};
  p = plan_cpu_cap(t, allowed, {}, 3);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->llcs, (Cpus{1, 2}));
  EXPECT_EQ(p->cpus, (Cpus{0, 1, 12}));
}

TEST(PlanCpuCap, CannotCover) {
  Topology t = two_sockets();
  EXPECT_FALSE(plan_cpu_cap(t, all16(), {}, 17).has_value());
  EXPECT_FALSE(plan_cpu_cap(t, all16(), {}, 0).has_value());
  std::vector<LlcState> ex(4);
  for (auto& s : ex)
    s.exclusive = true;
  EXPECT_FALSE(plan_cpu_cap(t, all16(), ex, 1).has_value());
  EXPECT_FALSE(plan_cpu_cap(t, Cpus{0, 1}, {}, 3).has_value());
  auto all = plan_cpu_cap(t, all16(), {}, 16);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->llcs, (Cpus{0, 1, 2, 3}));
  EXPECT_EQ(all->cpus.size(), 16u);
}

}  // namespace
}  // namespace ktstr
