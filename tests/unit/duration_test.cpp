// The duration grammar of SPEC §2.
#include "lib/duration.hpp"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

nanoseconds parsed(std::string_view text) {
  auto d = parse_duration(text);
  EXPECT_TRUE(d.has_value()) << "'" << text << "': " << (d ? "" : d.error().describe());
  if (!d || d->is_forever()) {
    ADD_FAILURE() << "'" << text << "' parsed as no limit";
    return nanoseconds(-1);
  }
  return *d->limit;
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(parsed("250ms"), 250ms);
  EXPECT_EQ(parsed("1.5s"), 1500ms);
  EXPECT_EQ(parsed("30s"), 30s);
  EXPECT_EQ(parsed("5m"), 5min);
  EXPECT_EQ(parsed("1h"), 1h);
  EXPECT_EQ(parsed("1.5m"), 90s);
  EXPECT_EQ(parsed("0.25h"), 15min);
  EXPECT_EQ(parsed("2ms"), 2ms);
  EXPECT_EQ(parsed("0.5ms"), 500us);
  EXPECT_EQ(parsed("0.001s"), 1ms);
  EXPECT_EQ(parsed("86400s"), 24h);
}

TEST(ParseDuration, MoreUnitsAndCompounds) {
  EXPECT_EQ(parsed("250us"), 250us);
  EXPECT_EQ(parsed("5min"), 5min);
  EXPECT_EQ(parsed("2d"), 48h);
  EXPECT_EQ(parsed("1h30m"), 90min);
  EXPECT_EQ(parsed("1d2h3m4s5ms6us"), 26h + 3min + 4s + 5ms + 6us);
  EXPECT_EQ(parsed("1m30s"), 90s);
  EXPECT_EQ(parsed("1.5h30m"), 2h);
}

TEST(ParseDuration, BareNumberIsSeconds) {
  EXPECT_EQ(parsed("0.5"), 500ms);
  EXPECT_EQ(parsed("10"), 10s);
  EXPECT_EQ(parsed("1.25"), 1250ms);
}

TEST(ParseDuration, ZeroIsOneAttemptNotForever) {
  for (std::string_view zero : {"0", "0s", "0ms", "0.0", "0m", "0h"}) {
    auto d = parse_duration(zero);
    ASSERT_TRUE(d.has_value()) << zero;
    EXPECT_FALSE(d->is_forever()) << zero;
    EXPECT_EQ(d->limit, 0ns) << zero;
  }
}

TEST(ParseDuration, InfAndForeverMeanNoLimit) {
  for (std::string_view text : {"inf", "forever"}) {
    auto d = parse_duration(text);
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_TRUE(d->is_forever());
    EXPECT_EQ(*d, Duration::forever());
  }
}

TEST(ParseDuration, RejectsEverythingElse) {
  for (std::string_view bad :
       {"",     "s",    "ms",   "1.2.3",    "-1",    "-1s",  "+1",     "1e3", "1E3",
        "5x",   " 5s",  "5s ",  "5 s",      "5S",    "5sec", "5mins",  "5D",  "5us5",
        "5ns",  "INF",  "Inf",  "infinity", "never", "nan",  ".",      ".s",  "1..2",
        "5ms5", "1h30", "0x10", "1,5s",     "\t5s",  "5s\n", "1h 30m", "h1",  "1.5.m"}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d.has_value()) << "'" << bad << "' was accepted";
    if (!d) {
      EXPECT_EQ(d.error().code, ExitCode::usage) << bad;
      // quote() shows control characters escaped, so the line stays one line.
      EXPECT_NE(d.error().message.find(quote(bad)), std::string::npos) << d.error().message;
      EXPECT_FALSE(d.error().remedy.empty());
    }
  }
}

TEST(FormatDuration, CanonicalSpellings) {
  EXPECT_EQ(format_duration(Duration::forever()), "inf");
  EXPECT_EQ(format_duration(Duration::of(250ms)), "250ms");
  EXPECT_EQ(format_duration(Duration::of(30s)), "30s");
  EXPECT_EQ(format_duration(Duration::of(0ns)), "0s");
  EXPECT_EQ(format_duration(Duration::of(1s)), "1s");
  EXPECT_EQ(format_duration(Duration::of(5min)), "300s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (nanoseconds ns :
       {nanoseconds(0), nanoseconds(1), nanoseconds(1500), nanoseconds(999'999),
        nanoseconds(1'000'001), nanoseconds(1'234'567'891), nanoseconds(2'500'000'000),
        nanoseconds(60'000'000'001), nanoseconds(250ms), nanoseconds(1500ms), nanoseconds(1h)}) {
    std::string text = format_duration(Duration::of(ns));
    auto back = parse_duration(text);
    ASSERT_TRUE(back.has_value()) << ns.count() << "ns formatted as '" << text << "'";
    EXPECT_EQ(back->limit, ns) << "'" << text << "'";
  }
  auto inf = parse_duration(format_duration(Duration::forever()));
  ASSERT_TRUE(inf.has_value());
  EXPECT_TRUE(inf->is_forever());
}

}  // namespace
}  // namespace ktstr
