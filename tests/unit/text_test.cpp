// The small text helpers every parser leans on.
#include "lib/text.hpp"

#include <gtest/gtest.h>

#include <array>

#include "test_support.hpp"

namespace ktstr {
namespace {

using Views = std::vector<std::string_view>;

TEST(SplitLines, TrailingNewlineGivesNoEmptyLine) {
  EXPECT_EQ(split_lines("a\nb\n"), (Views{"a", "b"}));
  EXPECT_EQ(split_lines("a\nb"), (Views{"a", "b"}));
  EXPECT_EQ(split_lines("a\n\nb\n"), (Views{"a", "", "b"}));
  EXPECT_EQ(split_lines(""), Views{});
  EXPECT_EQ(split_lines("\n"), (Views{""}));
}

TEST(SplitFields, RunsOfSpacesAndTabs) {
  EXPECT_EQ(split_fields("1: FLOCK  ADVISORY\tWRITE"), (Views{"1:", "FLOCK", "ADVISORY", "WRITE"}));
  EXPECT_EQ(split_fields("  lead and trail \t"), (Views{"lead", "and", "trail"}));
  EXPECT_EQ(split_fields(""), Views{});
  EXPECT_EQ(split_fields(" \t "), Views{});
}

TEST(Trim, Whitespace) {
  EXPECT_EQ(trim("  0-3\n"), "0-3");
  EXPECT_EQ(trim("\t\r\n "), "");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim(" a b "), "a b");
}

TEST(ParseU64, WholeStringOnly) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("1234"), 1234u);
  EXPECT_EQ(parse_u64("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_u64("2f", 16), 0x2fu);
  EXPECT_EQ(parse_u64("FD", 16), 0xfdu);
  for (std::string_view bad :
       {"", " 1", "1 ", "-1", "+1", "1x", "0x1", "18446744073709551616", "2f", "1.0"}) {
    EXPECT_FALSE(parse_u64(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(EditDistance, Levenshtein) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("holders", "holder"), 1u);
  EXPECT_EQ(edit_distance("timeouts.acquir", "timeouts.acquire"), 1u);
}

TEST(Nearest, PlausibleTyposOnly) {
  constexpr std::array<std::string_view, 5> names{"acquire", "fscheck", "holders", "locks",
                                                  "needle"};
  EXPECT_EQ(nearest("holder", names), std::optional<std::string_view>("holders"));
  EXPECT_EQ(nearest("lcoks", names), std::optional<std::string_view>("locks"));
  EXPECT_EQ(nearest("acquier", names), std::optional<std::string_view>("acquire"));
  EXPECT_EQ(nearest("xyzzyplugh", names), std::nullopt);
  EXPECT_EQ(nearest("anything", std::span<const std::string_view>{}), std::nullopt);
}

TEST(ReadSmallFile, WholeFileAndErrors) {
  test::ScratchDir dir;
  std::string big(100'000, 'x');
  test::write_file(dir / "big", big);
  auto text = read_small_file(dir / "big");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, big);

  auto proc = read_small_file("/proc/self/mountinfo");  // reports size 0
  ASSERT_TRUE(proc.has_value());
  EXPECT_FALSE(proc->empty());

  auto missing = read_small_file(dir / "missing");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ExitCode::no_input);
  EXPECT_NE(missing.error().message.find(dir / "missing"), std::string::npos);
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

TEST(Utf8SequenceLength, WellFormedSequencesOnly) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("é", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("€", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("😀", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);              // continuation
  EXPECT_EQ(utf8_sequence_length("\xc0\xaf", 0), 0u);          // overlong 2-byte
  EXPECT_EQ(utf8_sequence_length("\xe0\x80\xaf", 0), 0u);      // overlong 3-byte
  EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80", 0), 0u);      // surrogate
  EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80", 0), 0u);  // above U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0u);          // truncated
  EXPECT_EQ(utf8_sequence_length("x\xe2\x82\xac", 1), 3u);     // at an offset
}

}  // namespace
}  // namespace ktstr
