// run_supervised: the exit status passes through, and the once_started hook
// runs while the command runs, never when it could not start.
#include "lib/command.hpp"

#include <sys/wait.h>

#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::ScratchDir;

TEST(RunSupervised, PassesTheExitStatusThrough) {
  CommandSpec command{{"sh", "-c", "exit 7"}, {}, {}};
  auto status = run_supervised(command);
  ASSERT_TRUE(status.has_value()) << status.error().describe();
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 7);
}

TEST(RunSupervised, OnceStartedRunsWhileTheCommandRuns) {
  ScratchDir dir;
  std::string flag = dir / "started";
  // The command exits 0 only if the flag appears while it runs (within 10 s).
  CommandSpec command{
      {"sh", "-c",
       "i=0; while [ ! -e \"$1\" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; "
       "[ -e \"$1\" ]",
       "sh", flag},
      {},
      {}};
  int calls = 0;
  auto status = run_supervised(command, [&] {
    ++calls;
    std::ofstream(flag) << "x";
  });
  ASSERT_TRUE(status.has_value()) << status.error().describe();
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST(RunSupervised, OnceStartedIsNotCalledWhenTheCommandCannotStart) {
  CommandSpec command{{"/nonexistent/ktstr-no-such-command"}, {}, {}};
  int calls = 0;
  auto status = run_supervised(command, [&] { ++calls; });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ExitCode::not_found);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace ktstr
