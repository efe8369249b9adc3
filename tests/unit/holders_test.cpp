// Holder display (format_cmdline), fdinfo "lock:" lines, and HolderResolver
// against real processes holding real flocks.
#include "lib/holders.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "locking_child.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using namespace std::string_literals;
using test::LockingChild;
using test::read_fixture;
using test::ScratchDir;

const std::string k_ellipsis = "…";

// Code points in valid UTF-8; -1 when `s` is not valid UTF-8.
long utf8_length(std::string_view s) {
  long n = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return -1;
    }
    i += len;
    ++n;
  }
  return n;
}

TEST(FormatCmdline, NulsBecomeSpacesTrailingNulsGo) {
  EXPECT_EQ(format_cmdline("flock\0/tmp/ktstr-cpu-0.lock\0sleep\0"s
                           "3600\0"s),
            "flock /tmp/ktstr-cpu-0.lock sleep 3600");
  EXPECT_EQ(format_cmdline("sleep\0\0\0"s), "sleep");
  EXPECT_EQ(format_cmdline("a\0\0b\0"s), "a  b");
  EXPECT_EQ(format_cmdline("\0leading"s), " leading");
  EXPECT_EQ(format_cmdline("no-nul"), "no-nul");
}

TEST(FormatCmdline, EmptyIsUnavailable) {
  EXPECT_EQ(format_cmdline(""), k_cmdline_unavailable);
  EXPECT_EQ(format_cmdline("\0"s), k_cmdline_unavailable);
  EXPECT_EQ(format_cmdline("\0\0\0"s), k_cmdline_unavailable);
  EXPECT_EQ(k_cmdline_unavailable, "<cmdline unavailable>");
}

TEST(FormatCmdline, ControlCharactersBecomeQuestionMarks) {
  EXPECT_EQ(format_cmdline("echo\0\x1b[31mred\0"s), "echo ?[31mred");
  EXPECT_EQ(format_cmdline("a\tb\nc\rd\x7f"
                           "e"),
            "a?b?c?d?e");
  EXPECT_EQ(format_cmdline("\x01\x02"), "??");
  // C1 controls (U+0080..U+009F) as UTF-8: U+009B is CSI on many terminals.
  EXPECT_EQ(format_cmdline("a\xc2\x9b"
                           "31mb"),
            "a?31mb");
  EXPECT_EQ(format_cmdline("\xc2\x85"), "?");
  // U+00A0 and beyond are printable and kept.
  EXPECT_EQ(format_cmdline("x\xc2\xa0y"), "x\xc2\xa0y");
}

TEST(FormatCmdline, MultibyteCharactersAreKept) {
  EXPECT_EQ(format_cmdline("café\0naïve\0"s), "café naïve");
  EXPECT_EQ(format_cmdline("日本語\0€\0😀"s), "日本語 € 😀");
}

TEST(FormatCmdline, CutAtOneHundredCharacters) {
  std::string exactly(100, 'a');
  EXPECT_EQ(format_cmdline(exactly), exactly);
  EXPECT_EQ(format_cmdline(exactly + "\0\0"s), exactly);
  EXPECT_EQ(format_cmdline(exactly + "b"), exactly + k_ellipsis);
  EXPECT_EQ(format_cmdline(std::string(5000, 'x')), std::string(100, 'x') + k_ellipsis);
  // A NUL counts as the space it becomes.
  std::string with_args = std::string(60, 'a') + "\0"s + std::string(60, 'b');
  EXPECT_EQ(format_cmdline(with_args),
            std::string(60, 'a') + " " + std::string(39, 'b') + k_ellipsis);
}

TEST(FormatCmdline, CountsCodePointsNotBytes) {
  // 100 two-byte characters are 200 bytes but within the limit.
  std::string e_acute;
  for (int i = 0; i < 100; ++i)
    e_acute += "é";
  EXPECT_EQ(format_cmdline(e_acute), e_acute);
  std::string out = format_cmdline(e_acute + "é");
  EXPECT_EQ(out, e_acute + k_ellipsis);
  EXPECT_EQ(utf8_length(out), 101);

  std::string mixed;
  for (int i = 0; i < 50; ++i)
    mixed += "€";
  mixed += std::string(60, 'x');
  EXPECT_EQ(format_cmdline(mixed), mixed.substr(0, 150 + 50) + k_ellipsis);
}

TEST(FormatCmdline, MultibyteCharacterExactlyAtTheCut) {
  std::string prefix(99, 'a');
  // The 100th character is multibyte and the last: kept whole, no ellipsis.
  for (std::string ch : {"é"s, "€"s, "😀"s}) {
    SCOPED_TRACE(ch);
    EXPECT_EQ(format_cmdline(prefix + ch), prefix + ch);
    // The 100th is multibyte and more follows: kept whole, then the ellipsis.
    EXPECT_EQ(format_cmdline(prefix + ch + "z"), prefix + ch + k_ellipsis);
    // The 101st is multibyte: none of its bytes leak before the ellipsis.
    std::string out = format_cmdline(std::string(100, 'a') + ch);
    EXPECT_EQ(out, std::string(100, 'a') + k_ellipsis);
    EXPECT_EQ(utf8_length(out), 101);
  }
}

TEST(FormatCmdline, InvalidUtf8BecomesQuestionMarks) {
  EXPECT_EQ(format_cmdline("\xff"), "?");
  EXPECT_EQ(format_cmdline("\x80"
                           "abc"),
            "?abc");
  EXPECT_EQ(format_cmdline("caf\xc3"), "caf?");
  EXPECT_EQ(format_cmdline("\xc0\xaf"), "??");
  EXPECT_EQ(format_cmdline("\xf8\x88\x80\x80\x80"), "?????");
  // A truncated sequence followed by ASCII: the ASCII survives.
  std::string out = format_cmdline(
      "\xe2\x82"
      "A");
  EXPECT_TRUE(out.starts_with("?"));
  EXPECT_TRUE(out.ends_with("A"));
  EXPECT_GE(utf8_length(out), 2);
  // Invalid bytes at the cut are one character each, and the output stays
  // valid UTF-8.
  std::string at_cut = format_cmdline(std::string(99, 'a') + "\xff\xfe\xfd");
  EXPECT_EQ(at_cut, std::string(99, 'a') + "?" + k_ellipsis);
  std::string lead_at_cut = format_cmdline(std::string(99, 'a') + "\xe2\x82");
  EXPECT_NE(utf8_length(lead_at_cut), -1);
  EXPECT_TRUE(lead_at_cut.starts_with(std::string(99, 'a') + "?"));
}

TEST(FormatCmdline, IllFormedSequencesAreNotPassedThrough) {
  // Overlong encodings, UTF-16 surrogates and code points above U+10FFFF
  // have the right shape but are not UTF-8: each byte becomes '?'.
  EXPECT_EQ(format_cmdline("\xe0\x80\xaf"), "???");       // overlong '/'
  EXPECT_EQ(format_cmdline("\xed\xa0\x80"), "???");       // U+D800
  EXPECT_EQ(format_cmdline("\xf0\x80\x80\xaf"), "????");  // overlong
  EXPECT_EQ(format_cmdline("\xf4\x90\x80\x80"), "????");  // U+110000
  // Their well-formed neighbours stay.
  EXPECT_EQ(format_cmdline("\xe0\xa0\x80"), "\xe0\xa0\x80");          // U+0800
  EXPECT_EQ(format_cmdline("\xed\x9f\xbf"), "\xed\x9f\xbf");          // U+D7FF
  EXPECT_EQ(format_cmdline("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80");  // U+10000
  EXPECT_EQ(format_cmdline("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF
}

TEST(FormatCmdline, OutputIsAlwaysValidUtf8) {
  std::string junk;
  for (int i = 0; i < 400; ++i)
    junk += static_cast<char>((i * 37 + 11) & 0xff);
  std::string out = format_cmdline(junk);
  EXPECT_NE(utf8_length(out), -1);
  EXPECT_LE(utf8_length(out), 101);
}

TEST(ParseFdinfoLocks, ReadsTheLockLine) {
  auto recs = parse_fdinfo_locks(read_fixture("fdinfo/flock.txt"));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].pid, 4242);
  EXPECT_EQ(recs[0].mode, LockMode::exclusive);
  EXPECT_EQ(format_lock_key(recs[0].key), "103:02:1048577");
  EXPECT_FALSE(recs[0].waiter);
}

TEST(ParseFdinfoLocks, OnlyFlockLinesAmongOthers) {
  auto recs = parse_fdinfo_locks(read_fixture("fdinfo/mixed.txt"));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].pid, 4100);
  EXPECT_EQ(recs[0].mode, LockMode::shared);
  EXPECT_EQ(format_lock_key(recs[0].key), "00:2f:5");
}

TEST(ParseFdinfoLocks, NoLockLines) {
  EXPECT_TRUE(parse_fdinfo_locks(read_fixture("fdinfo/none.txt")).empty());
  EXPECT_TRUE(parse_fdinfo_locks(read_fixture("fdinfo/inotify.txt")).empty());
  EXPECT_TRUE(parse_fdinfo_locks("").empty());
  // "lock:" only at the start of a line counts.
  EXPECT_TRUE(
      parse_fdinfo_locks("flags:\t0 lock:\t1: FLOCK  ADVISORY  WRITE 1 00:2f:5 0 EOF\n").empty());
}

class HolderResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    locked_ = dir_ / "locked";
    unlocked_ = dir_ / "unlocked";
    test::write_file(locked_, "");
    test::write_file(unlocked_, "");
    auto m = read_mountinfo();
    ASSERT_TRUE(m.has_value()) << m.error().describe();
    mounts_ = std::move(*m);
  }

  std::vector<Holder> holders_of(const std::string& path) {
    auto needle = derive_needle(path, mounts_);
    EXPECT_TRUE(needle.has_value()) << needle.error().describe();
    if (!needle) return {};
    auto records = read_proc_locks();
    EXPECT_TRUE(records.has_value()) << records.error().describe();
    if (!records) return {};
    HolderResolver resolver;
    return resolver.resolve(*needle, *records);
  }

  // Polls /proc/locks until `pid` shows up as a waiter on `path`.
  bool wait_for_waiter(const std::string& path, pid_t pid) {
    auto needle = derive_needle(path, mounts_);
    if (!needle) return false;
    for (int i = 0; i < 500; ++i) {
      auto records = read_proc_locks();
      if (records) {
        for (const auto& r : *records) {
          if (r.waiter && r.pid == pid && r.key == needle->key) return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  ScratchDir dir_;
  std::string locked_, unlocked_;
  std::vector<MountEntry> mounts_;
};

TEST_F(HolderResolverTest, NamesTheChildThatHoldsTheLock) {
  LockingChild child(locked_, LOCK_EX);
  ASSERT_TRUE(child.started());
  auto holders = holders_of(locked_);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, child.pid());
  EXPECT_EQ(holders[0].mode, LockMode::exclusive);
  EXPECT_FALSE(holders[0].waiter);
  EXPECT_TRUE(holders[0].confirmed);
  // Forked without exec: the child's command line is ours.
  EXPECT_NE(holders[0].cmdline.find("ktstr_unit_tests"), std::string::npos) << holders[0].cmdline;

  EXPECT_TRUE(holders_of(unlocked_).empty());
  child.finish();
  EXPECT_TRUE(holders_of(locked_).empty());
}

TEST_F(HolderResolverTest, SharedHoldersThenWaiters) {
  LockingChild reader1(locked_, LOCK_SH);
  LockingChild reader2(locked_, LOCK_SH);
  ASSERT_TRUE(reader1.started());
  ASSERT_TRUE(reader2.started());
  LockingChild writer(locked_, LOCK_EX, /*wait_until_locked=*/false);
  ASSERT_TRUE(writer.started());
  ASSERT_TRUE(wait_for_waiter(locked_, writer.pid()));

  auto holders = holders_of(locked_);
  ASSERT_EQ(holders.size(), 3u);
  auto lo = std::min(reader1.pid(), reader2.pid());
  auto hi = std::max(reader1.pid(), reader2.pid());
  EXPECT_EQ(holders[0].pid, lo);
  EXPECT_EQ(holders[1].pid, hi);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(holders[i].mode, LockMode::shared);
    EXPECT_FALSE(holders[i].waiter);
    EXPECT_TRUE(holders[i].confirmed);
  }
  EXPECT_EQ(holders[2].pid, writer.pid());
  EXPECT_EQ(holders[2].mode, LockMode::exclusive);
  EXPECT_TRUE(holders[2].waiter);
  EXPECT_TRUE(holders_of(unlocked_).empty());
}

TEST_F(HolderResolverTest, LockOutlivesThePidThatTookIt) {
  // `exec 9<F; flock 9` in a subshell: the recorded pid exits, the open file
  // description (and so the lock) lives on in us.
  int fd = ::open(locked_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  pid_t locker = ::fork();
  if (locker == 0) ::_exit(::flock(fd, LOCK_EX) == 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(::waitpid(locker, &status, 0), locker);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  auto records = read_proc_locks();
  ASSERT_TRUE(records.has_value());
  auto needle = derive_needle(locked_, mounts_);
  ASSERT_TRUE(needle.has_value());
  bool recorded_for_locker = false;
  for (const auto& r : *records)
    recorded_for_locker |= r.key == needle->key && r.pid == locker;
  ASSERT_TRUE(recorded_for_locker) << "expected /proc/locks to name the exited pid";

  auto holders = holders_of(locked_);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, ::getpid());
  EXPECT_EQ(holders[0].mode, LockMode::exclusive);
  EXPECT_TRUE(holders[0].confirmed);
  ::close(fd);
  EXPECT_TRUE(holders_of(locked_).empty());
}

TEST_F(HolderResolverTest, RecordsForOtherKeysAreIgnored) {
  LockingChild child(locked_, LOCK_EX);
  ASSERT_TRUE(child.started());
  auto needle = derive_needle(unlocked_, mounts_);
  ASSERT_TRUE(needle.has_value());
  // A record that claims the child locks `unlocked_`, which it does not even
  // have open: the resolver must not believe it.
  LockRecord forged{needle->key, child.pid(), LockMode::exclusive, false};
  HolderResolver resolver;
  EXPECT_TRUE(resolver.resolve(*needle, {forged}).empty());
}

}  // namespace
}  // namespace ktstr
