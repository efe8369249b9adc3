// plan_locks for --cpu-cap, and llc_states_of, on a fake two-socket host.
#include "lib/acquire_plan.hpp"

#include <gtest/gtest.h>

#include "lib/lock_names.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using Cpus = std::vector<unsigned>;

// two_sockets(): node 0 = LLC 0 (CPUs 4-7), LLC 1 (0-3);
//                node 1 = LLC 2 (12-15), LLC 3 (8-11).
class CpuCapPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::two_sockets(fs_);
    auto topo = read_topology(fs_.root());
    ASSERT_TRUE(topo.has_value());
    host_.topology = std::move(*topo);
    for (unsigned c = 0; c < 16; ++c)
      host_.allowed.push_back(c);
    settings_.lock_dir = "/locks";
  }
  Result<LockPlan> plan(unsigned cap) {
    AcquireRequests r;
    r.cpu_cap = cap;
    return plan_locks(r, settings_, host_);
  }
  // The LLCs of the plan's locks, each checked to be SH on an LLC lock.
  static Cpus shared_llcs(const LockPlan& p) {
    Cpus out;
    for (const auto& l : p.request.fixed) {
      EXPECT_EQ(l.kind, LockKind::llc) << l.path;
      EXPECT_EQ(l.mode, LockMode::shared) << l.path;
      EXPECT_EQ(l.path, llc_lock_path("/locks", l.number));
      out.push_back(l.number);
    }
    return out;
  }

  test::FakeSysfs fs_;
  HostView host_;
  Settings settings_;
};

TEST_F(CpuCapPlanTest, SharesWholeLlcsAndRunsOnAllTheirCpus) {
  auto p = plan(6);
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(shared_llcs(*p), (Cpus{0, 1}));
  // No CPU lock; the command gets both LLCs' CPUs, not just 6 of them.
  EXPECT_EQ(p->fixed_cpus, (Cpus{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(p->cpu_cap, 6u);
  EXPECT_EQ(p->request.dynamic_count, 0u);
  EXPECT_EQ(p->dirs_to_create, (std::vector<std::string>{"/locks"}));
}

TEST_F(CpuCapPlanTest, PrefersSharedHoldersAndAvoidsExclusiveOnes) {
  host_.llc_state.resize(4);
  host_.llc_state[3].shared_holders = 1;
  auto p = plan(4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(shared_llcs(*p), (Cpus{3}));
  EXPECT_EQ(p->fixed_cpus, (Cpus{8, 9, 10, 11}));

  host_.llc_state[3] = LlcState{0, true};
  host_.llc_state[0] = LlcState{0, true};
  p = plan(4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(shared_llcs(*p), (Cpus{1}));
}

// When the LLCs not held EX cannot cover the budget, the EX-held ones are
// planned as well (after the others), so acquire waits for them.
TEST_F(CpuCapPlanTest, WaitsForExclusiveHoldersWhenTheRestCannotCover) {
  host_.llc_state.assign(4, LlcState{0, true});
  host_.llc_state[2] = LlcState{};
  auto p = plan(8);
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  // LLC 2 (free) first, its node's other LLC (3, held EX) next.
  EXPECT_EQ(shared_llcs(*p), (Cpus{2, 3}));
}

TEST_F(CpuCapPlanTest, ABudgetAboveTheAllowedCpusIsAUsageError) {
  host_.allowed = {0, 1, 2};
  auto p = plan(4);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ExitCode::usage);
  EXPECT_NE(p.error().message.find("--cpu-cap 4: only 3"), std::string::npos) << p.error().message;
  // Within the mask: LLC 1 (0-3) alone, and only CPUs 0-2 to run on.
  p = plan(3);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(shared_llcs(*p), (Cpus{1}));
  EXPECT_EQ(p->fixed_cpus, (Cpus{0, 1, 2}));
}

TEST_F(CpuCapPlanTest, CombinesWithOtherRequests) {
  AcquireRequests r;
  r.cpu_cap = 2;
  r.cpus = {9};
  auto p = plan_locks(r, settings_, host_);
  ASSERT_TRUE(p.has_value());
  // --cpu 9: EX on CPU 9, SH on LLC 3; --cpu-cap 2: SH on LLC 0.
  ASSERT_EQ(p->request.fixed.size(), 3u);
  EXPECT_EQ(p->fixed_cpus, (Cpus{4, 5, 6, 7, 9}));
}

TEST(LlcStatesOf, CountsSharedHoldersAndSeesExclusiveOnes) {
  LockKey a{0, 42, 7}, b{0, 42, 8}, c{0, 42, 9};
  std::vector<LockRecord> records{
      {a, 100, LockMode::shared, false},    {a, 101, LockMode::shared, false},
      {b, 102, LockMode::exclusive, false}, {c, 103, LockMode::exclusive, true},  // a waiter
      {c, 104, LockMode::shared, false},
  };
  auto s = llc_states_of({a, b, c, std::nullopt}, records);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].shared_holders, 2u);
  EXPECT_FALSE(s[0].exclusive);
  EXPECT_TRUE(s[1].exclusive);
  EXPECT_EQ(s[2].shared_holders, 1u);
  EXPECT_FALSE(s[2].exclusive);
  EXPECT_EQ(s[3].shared_holders, 0u);
  EXPECT_FALSE(s[3].exclusive);
}

}  // namespace
}  // namespace ktstr
