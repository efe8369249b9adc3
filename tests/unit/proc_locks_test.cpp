// The /proc/locks scanner on text in the kernel's own format
// (fs/locks.c lock_get_status and locks_show).
#include "lib/proc_locks.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::read_fixture;

LockKey key(std::string_view text) {
  auto k = parse_lock_key(text);
  EXPECT_TRUE(k.has_value()) << text;
  return k.value_or(LockKey{});
}

void expect_record(const LockRecord& r, std::int64_t pid, LockMode mode, std::string_view k,
                   bool waiter) {
  EXPECT_EQ(r.pid, pid);
  EXPECT_EQ(r.mode, mode) << "pid " << pid;
  EXPECT_EQ(format_lock_key(r.key), k) << "pid " << pid;
  EXPECT_EQ(r.waiter, waiter) << "pid " << pid;
}

TEST(ParseProcLocks, KeepsOnlyFlockRecordsInOrder) {
  auto recs = parse_proc_locks(read_fixture("proc_locks/mixed.txt"));
  ASSERT_EQ(recs.size(), 9u);
  expect_record(recs[0], 4242, LockMode::exclusive, "00:2f:5", false);
  expect_record(recs[1], 4243, LockMode::exclusive, "00:2f:5", true);
  expect_record(recs[2], 4244, LockMode::shared, "00:2f:5", true);
  expect_record(recs[3], 4250, LockMode::shared, "103:02:1048577", false);
  expect_record(recs[4], 4251, LockMode::shared, "103:02:1048577", false);
  expect_record(recs[5], 4242, LockMode::exclusive, "00:2f:6", false);
  expect_record(recs[6], 0, LockMode::exclusive, "00:2f:7", false);
  expect_record(recs[7], -1, LockMode::exclusive, "00:2f:12", false);
  expect_record(recs[8], 4270, LockMode::exclusive, "fd:100:10", false);
}

TEST(ParseProcLocks, PosixOfdLeaseAccessAndDelegationLinesAreIgnored) {
  auto recs = parse_proc_locks(read_fixture("proc_locks/mixed.txt"));
  for (const auto& r : recs) {
    EXPECT_NE(r.pid, 1210);               // POSIX
    EXPECT_NE(r.pid, 1236);               // POSIX
    EXPECT_NE(r.pid, 1237);               // POSIX waiter
    EXPECT_NE(r.pid, 1300);               // LEASE
    EXPECT_NE(r.pid, 1301);               // LEASE breaking
    EXPECT_NE(r.pid, 1302);               // ACCESS
    EXPECT_NE(r.pid, 1303);               // DELEG
    EXPECT_NE(r.key, key("00:05:1234"));  // OFDLCK, pid -1
    EXPECT_NE(r.pid, 4260);               // UNLCK holds nothing
  }
  EXPECT_TRUE(parse_proc_locks("1: POSIX  ADVISORY  WRITE 1210 00:1a:1172 0 EOF\n"
                               "2: OFDLCK ADVISORY  READ  -1 00:05:1234 0 EOF\n"
                               "3: ACCESS ADVISORY  READ  1302 08:01:99 0 EOF\n")
                  .empty());
}

TEST(ParseProcLocks, ReadIsSharedWriteIsExclusive) {
  auto recs = parse_proc_locks(
      "1: FLOCK  ADVISORY  READ  1234 00:2f:5 0 EOF\n"
      "2: FLOCK  ADVISORY  WRITE 1235 00:2f:6 0 EOF\n"
      "3: FLOCK  ADVISORY  UNLCK 1236 00:2f:7 0 EOF\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].mode, LockMode::shared);
  EXPECT_EQ(recs[1].mode, LockMode::exclusive);
}

TEST(ParseProcLocks, WaiterLinesAtAnyDepth) {
  // locks_show prints blocked requests with "-> ", indented one more space
  // per level of nesting.
  auto recs = parse_proc_locks(
      "1: FLOCK  ADVISORY  WRITE 100 00:2f:5 0 EOF\n"
      "1: -> FLOCK  ADVISORY  WRITE 101 00:2f:5 0 EOF\n"
      "1:  -> FLOCK  ADVISORY  READ  102 00:2f:5 0 EOF\n"
      "1:   -> FLOCK  ADVISORY  WRITE 103 00:2f:5 0 EOF\n"
      "  2: -> FLOCK  ADVISORY  WRITE 104 00:2f:5 0 EOF\n"
      "3:\t->\tFLOCK\tADVISORY\tREAD\t105\t00:2f:5\t0\tEOF\n");
  ASSERT_EQ(recs.size(), 6u);
  EXPECT_FALSE(recs[0].waiter);
  for (std::size_t i = 1; i < recs.size(); ++i) {
    EXPECT_TRUE(recs[i].waiter) << i;
    EXPECT_EQ(recs[i].pid, static_cast<std::int64_t>(100 + i));
    EXPECT_EQ(recs[i].key, key("00:2f:5"));
  }
  EXPECT_EQ(recs[2].mode, LockMode::shared);
  EXPECT_EQ(recs[3].mode, LockMode::exclusive);
}

TEST(ParseProcLocks, DuplicatedPidsAreKeptPerRecord) {
  auto recs = parse_proc_locks(
      "1: FLOCK  ADVISORY  WRITE 4242 00:2f:5 0 EOF\n"
      "2: FLOCK  ADVISORY  READ  4242 00:2f:6 0 EOF\n"
      "3: FLOCK  ADVISORY  READ  4242 00:2f:6 0 EOF\n");
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& r : recs)
    EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(recs[0].key, key("00:2f:5"));
  EXPECT_EQ(recs[1].key, key("00:2f:6"));
  EXPECT_EQ(recs[2].key, key("00:2f:6"));
}

TEST(ParseProcLocks, PidZeroAndMinusOneAreKept) {
  // 0: the locker is outside our pid namespace; -1: the kernel could not
  // name one. Either way the file is locked and the resolver must look
  // further, so the record stays.
  auto recs = parse_proc_locks(
      "1: FLOCK  ADVISORY  WRITE 0 00:2f:5 0 EOF\n"
      "2: FLOCK  ADVISORY  READ  -1 00:2f:6 0 EOF\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].pid, 0);
  EXPECT_EQ(recs[1].pid, -1);
  EXPECT_EQ(recs[1].mode, LockMode::shared);
}

TEST(ParseProcLocks, MalformedLinesAreSkipped) {
  auto recs = parse_proc_locks(read_fixture("proc_locks/malformed.txt"));
  ASSERT_EQ(recs.size(), 1u);
  expect_record(recs[0], 4295, LockMode::exclusive, "00:2f:17", false);
}

TEST(ParseProcLocks, TruncatedReadKeepsTheCompleteLines) {
  auto recs = parse_proc_locks(read_fixture("proc_locks/truncated.txt"));
  ASSERT_EQ(recs.size(), 2u);
  expect_record(recs[0], 4300, LockMode::exclusive, "00:2f:20", false);
  expect_record(recs[1], 4301, LockMode::shared, "00:2f:21", false);
}

TEST(ParseProcLocks, EmptyText) {
  EXPECT_TRUE(parse_proc_locks("").empty());
  EXPECT_TRUE(parse_proc_locks("\n").empty());
}

TEST(ReadProcLocks, ReadsTheLiveFile) {
  auto recs = read_proc_locks();
  ASSERT_TRUE(recs.has_value()) << recs.error().describe();
}

}  // namespace
}  // namespace ktstr
