// CPU lists in the kernel's list format (cpuset(7)).
#include "lib/cpu_list.hpp"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

using Cpus = std::vector<unsigned>;

Cpus parsed(std::string_view text) {
  auto cpus = parse_cpu_list(text);
  EXPECT_TRUE(cpus.has_value()) << "'" << text << "': " << (cpus ? "" : cpus.error().describe());
  return cpus.value_or(Cpus{999999});
}

TEST(ParseCpuList, SinglesAndRanges) {
  EXPECT_EQ(parsed("0-3,8"), (Cpus{0, 1, 2, 3, 8}));
  EXPECT_EQ(parsed("5"), (Cpus{5}));
  EXPECT_EQ(parsed("0"), (Cpus{0}));
  EXPECT_EQ(parsed("2-2"), (Cpus{2}));
  EXPECT_EQ(parsed("0-1,4-5,10"), (Cpus{0, 1, 4, 5, 10}));
}

TEST(ParseCpuList, TasksetStride) {
  EXPECT_EQ(parsed("0-15:2"), (Cpus{0, 2, 4, 6, 8, 10, 12, 14}));
  EXPECT_EQ(parsed("1-7:3,9"), (Cpus{1, 4, 7, 9}));
  EXPECT_EQ(parsed("4-4:5"), (Cpus{4}));
  for (std::string_view bad : {"0-15:0", "3:2", "0-15:", "0-15:x", "0-15:2:2", ":2"}) {
    EXPECT_FALSE(parse_cpu_list(bad).has_value()) << bad;
  }
}

TEST(ParseCpuList, SortedWithoutDuplicates) {
  EXPECT_EQ(parsed("8,0-3"), (Cpus{0, 1, 2, 3, 8}));
  EXPECT_EQ(parsed("3,3,3"), (Cpus{3}));
  EXPECT_EQ(parsed("0-4,2-6"), (Cpus{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(parsed("7,1,4"), (Cpus{1, 4, 7}));
}

TEST(ParseCpuList, EmptyIsAnEmptyList) {
  EXPECT_EQ(parsed(""), Cpus{});
  EXPECT_EQ(parsed("\n"), Cpus{});
}

TEST(ParseCpuList, SurroundingWhitespaceAsSysfsPrintsIt) {
  EXPECT_EQ(parsed("0-3\n"), (Cpus{0, 1, 2, 3}));
  EXPECT_EQ(parsed("  1,2 \t\n"), (Cpus{1, 2}));
}

TEST(ParseCpuList, Errors) {
  for (std::string_view bad : {"3-1", "1,", "0-3,", ",1", "1,,2", "-1", "1-", "1-2-3", "a", "1a",
                               "0x1", "1 , 2", "1 2", "+1", "1;2", "--", "1--2"}) {
    auto cpus = parse_cpu_list(bad);
    EXPECT_FALSE(cpus.has_value()) << "'" << bad << "' was accepted";
    if (!cpus) {
      EXPECT_EQ(cpus.error().code, ExitCode::usage);
      EXPECT_NE(cpus.error().message.find(std::string(bad)), std::string::npos)
          << cpus.error().message;
    }
  }
}

TEST(ParseCpuList, ReversedRangeSaysSo) {
  auto cpus = parse_cpu_list("3-1");
  ASSERT_FALSE(cpus.has_value());
  EXPECT_NE(cpus.error().message.find("backwards"), std::string::npos) << cpus.error().message;
  auto comma = parse_cpu_list("1,");
  ASSERT_FALSE(comma.has_value());
  EXPECT_NE(comma.error().message.find("trailing comma"), std::string::npos);
}

TEST(ParseCpuList, HugeNumbersRejectedWithoutAllocating) {
  for (std::string_view bad : {"4294967295", "4294967296", "0-4000000000", "65536",
                               "99999999999999999999999", "0-18446744073709551615"}) {
    auto cpus = parse_cpu_list(bad);
    EXPECT_FALSE(cpus.has_value()) << bad;
  }
  // The largest accepted CPU number is far above any NR_CPUS.
  EXPECT_EQ(parsed("8191"), (Cpus{8191}));
  EXPECT_EQ(parsed("65535"), (Cpus{65535}));
}

TEST(FormatCpuList, CollapsesRuns) {
  EXPECT_EQ(format_cpu_list({2, 3, 6}), "2-3,6");
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 8}), "0-3,8");
  EXPECT_EQ(format_cpu_list({5}), "5");
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list({1, 3, 5}), "1,3,5");
  EXPECT_EQ(format_cpu_list({0, 1, 3, 4, 5, 9, 10}), "0-1,3-5,9-10");
}

TEST(FormatCpuList, RoundTrips) {
  for (std::string_view text : {"0-3,8", "1", "0-1,3-5,9-10", "2,4,6", "100-127"}) {
    EXPECT_EQ(format_cpu_list(parsed(text)), text);
  }
}

}  // namespace
}  // namespace ktstr
