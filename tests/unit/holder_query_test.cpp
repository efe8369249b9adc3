// HolderQuery and HolderResolver against a fake /proc tree: pid reuse (a
// waiter that took over a dead locker's pid is never named as the holder),
// the confirming re-reads of /proc/locks, and the capped conflict report.
#include "lib/holder_query.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace ktstr {
namespace {

using namespace std::string_literals;
using test::ScratchDir;

// A /proc with only what the resolver reads: PID/fd/N (a symlink to the
// file, as the kernel's magic links stat() to it), PID/fdinfo/N and
// PID/cmdline.
class FakeProc {
 public:
  [[nodiscard]] std::string root() const { return dir_.str(); }

  void open_file(int pid, int fd, const std::string& target, std::string_view lock_lines) {
    std::string base = dir_ / std::to_string(pid);
    std::filesystem::create_directories(base + "/fd");
    std::filesystem::create_symlink(target, base + "/fd/" + std::to_string(fd));
    test::write_file(base + "/fdinfo/" + std::to_string(fd),
                     "pos:\t0\nflags:\t02100000\nmnt_id:\t29\n" + std::string(lock_lines));
  }
  void cmdline(int pid, std::string_view raw) {
    test::write_file(dir_ / (std::to_string(pid) + "/cmdline"), raw);
  }

 private:
  ScratchDir dir_;
};

std::string fdinfo_lock(std::int64_t pid, const LockKey& key, std::string_view mode = "WRITE") {
  return fmt::format("lock:\t1: FLOCK  ADVISORY  {} {} {} 0 EOF\n", mode, pid,
                     format_lock_key(key));
}

class HolderQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = files_ / "ktstr-cpu-0.lock";
    other_ = files_ / "ktstr-cpu-1.lock";
    test::write_file(file_, "");
    test::write_file(other_, "");
    auto m = read_mountinfo();
    ASSERT_TRUE(m.has_value()) << m.error().describe();
    mounts_ = std::move(*m);
    auto n = derive_needle(file_, mounts_);
    ASSERT_TRUE(n.has_value()) << n.error().describe();
    needle_ = *n;
  }

  HolderQuery query(std::vector<LockRecord> records, HolderQuery::LocksReader reread = nullptr) {
    return HolderQuery(mounts_, std::move(records), proc_.root(), std::move(reread));
  }

  ScratchDir files_;
  FakeProc proc_;
  std::string file_, other_;
  std::vector<MountEntry> mounts_;
  Needle needle_;
};

// The locker (pid 100) took the lock and exited; its child (pid 200) keeps
// the open file description and so the lock. Pid 100 was then reused by a
// process that opened the file and now waits for the lock. /proc/locks
// shows "FLOCK WRITE 100 KEY" and "-> FLOCK WRITE 100 KEY".
TEST_F(HolderQueryTest, AWaiterThatReusedTheLockersPidIsNotTheHolder) {
  proc_.open_file(100, 3, file_, "");
  proc_.cmdline(100, "waiter\0"s);
  proc_.open_file(200, 4, file_, fdinfo_lock(100, needle_.key));
  proc_.cmdline(200, "child\0"s);
  auto q = query({LockRecord{needle_.key, 100, LockMode::exclusive, false},
                  LockRecord{needle_.key, 100, LockMode::exclusive, true}});
  auto holders = q.holders_of(needle_);
  ASSERT_EQ(holders.size(), 2u);
  EXPECT_EQ(holders[0].pid, 200);
  EXPECT_FALSE(holders[0].waiter);
  EXPECT_TRUE(holders[0].confirmed);
  EXPECT_EQ(holders[0].cmdline, "child");
  EXPECT_EQ(holders[1].pid, 100);
  EXPECT_TRUE(holders[1].waiter);
  EXPECT_EQ(holders[1].cmdline, "waiter");
}

TEST_F(HolderQueryTest, AnOpenFdWithoutTheLockLineNamesNoOne) {
  // Pid 100 has the file open, but the lock it is recorded with is not on
  // any of its descriptors, and no one else has it: not held.
  proc_.open_file(100, 3, file_, "");
  proc_.cmdline(100, "opener\0"s);
  auto q = query({LockRecord{needle_.key, 100, LockMode::exclusive, false}});
  EXPECT_TRUE(q.holders_of(needle_).empty());
}

TEST_F(HolderQueryTest, TheLockLineMustMatchPidAndMode) {
  // Pid 100's descriptor carries a shared lock taken by pid 7 (inherited),
  // not the exclusive one of pid 100 the record names: pid 100 is named for
  // what its descriptor holds, shared, never as the record's exclusive.
  proc_.open_file(100, 3, file_, fdinfo_lock(7, needle_.key, "READ"));
  proc_.cmdline(100, "other\0"s);
  auto q = query({LockRecord{needle_.key, 100, LockMode::exclusive, false}});
  auto holders = q.holders_of(needle_);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, 100);
  EXPECT_EQ(holders[0].mode, LockMode::shared);
}

TEST_F(HolderQueryTest, MissingFromEveryReadTheOpenersFdinfoStillAnswers) {
  // No read of /proc/locks listed the lock (it kept moving across page
  // boundaries): the holder's fdinfo still names it.
  proc_.open_file(300, 5, file_, fdinfo_lock(300, needle_.key));
  proc_.open_file(301, 6, other_, fdinfo_lock(301, needle_.key));
  proc_.cmdline(300, "holder\0"s);
  proc_.cmdline(301, "elsewhere\0"s);
  auto q = query({}, []() -> Result<std::vector<LockRecord>> { return std::vector<LockRecord>{}; });
  auto holders = q.holders_of(needle_);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, 300);
  EXPECT_EQ(holders[0].cmdline, "holder");
}

TEST_F(HolderQueryTest, TheHolderItselfIsNamed) {
  proc_.open_file(300, 5, file_, fdinfo_lock(300, needle_.key, "READ"));
  proc_.cmdline(300, "flock\0-s\0F\0"s);
  auto q = query({LockRecord{needle_.key, 300, LockMode::shared, false}});
  auto holders = q.holders_of(needle_);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, 300);
  EXPECT_EQ(holders[0].mode, LockMode::shared);
  EXPECT_EQ(holders[0].cmdline, "flock -s F");
}

TEST_F(HolderQueryTest, NotHeldIsConfirmedByReadingAgain) {
  // The first read missed the lock (it moved across a page boundary); the
  // confirming read has it.
  proc_.open_file(300, 5, file_, fdinfo_lock(300, needle_.key));
  proc_.cmdline(300, "holder\0"s);
  int reads = 0;
  auto q = query({}, [&]() -> Result<std::vector<LockRecord>> {
    ++reads;
    return std::vector<LockRecord>{LockRecord{needle_.key, 300, LockMode::exclusive, false}};
  });
  auto holders = q.holders_of(needle_);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, 300);
  EXPECT_EQ(reads, 1);
}

TEST_F(HolderQueryTest, ConfirmingReadsAreSharedByTheWholeQuery) {
  int reads = 0;
  auto q = query({}, [&]() -> Result<std::vector<LockRecord>> {
    ++reads;
    return std::vector<LockRecord>{};
  });
  for (const auto& path : {file_, other_, file_}) {
    auto r = q.holders_of(path);
    ASSERT_TRUE(r.has_value()) << r.error().describe();
    EXPECT_TRUE(r->holders.empty());
  }
  EXPECT_EQ(reads, k_locks_reads - 1);
}

TEST_F(HolderQueryTest, AStaleRecordFromAnEarlierReadNamesNoOne) {
  // The first read saw pid 300's lock; it was released before the resolver
  // looked (no lock line any more): merged records do not resurrect it.
  proc_.open_file(300, 5, file_, "");
  proc_.cmdline(300, "released\0"s);
  auto q = query({LockRecord{needle_.key, 300, LockMode::exclusive, false}},
                 []() -> Result<std::vector<LockRecord>> { return std::vector<LockRecord>{}; });
  EXPECT_TRUE(q.holders_of(needle_).empty());
}

TEST(DescribeBusy, NamesAtMostTenThenHowManyMore) {
  std::vector<BusyLock> busy;
  for (int i = 0; i < 13; ++i)
    busy.push_back(BusyLock{fmt::format("/nonexistent/ktstr-cpu-{}.lock", i), LockMode::shared});
  auto lines = describe_busy(busy);
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[0],
            "'/nonexistent/ktstr-cpu-0.lock' is busy (shared wanted): held holder unknown");
  EXPECT_EQ(lines[9].substr(0, 31), "'/nonexistent/ktstr-cpu-9.lock'");
  EXPECT_EQ(lines[10], "and 3 more busy lock(s), see `ktstr locks`");

  busy.resize(10);
  lines = describe_busy(busy);
  EXPECT_EQ(lines.size(), 10u);
  EXPECT_TRUE(describe_busy({}).empty());
}

TEST(DescribeBusy, EscapesThePath) {
  auto lines = describe_busy({BusyLock{"/nonexistent/\x1b[2Jx.lock", LockMode::exclusive}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find('\x1b'), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace ktstr
