// HolderResolver against a fake /proc tree built in a scratch directory:
// PID/fd/N links to real files, PID/fdinfo/N with or without a "lock:" line,
// PID/cmdline. The pids are beyond any live process's, so each case is
// exactly the tree it builds, whatever runs on the machine.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/holders.hpp"
#include "lib/needle.hpp"
#include "lib/proc_locks.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using test::ScratchDir;
using test::write_file;

// Far above the pid_max of any machine's default, below its 2^22 ceiling.
constexpr std::int64_t k_pid_a = 4190001;
constexpr std::int64_t k_pid_b = 4190002;
constexpr std::int64_t k_pid_gone = 4190009;

class FakeProcTest : public ::testing::Test {
 protected:
  FakeProcTest() {
    std::filesystem::create_directories(proc());
    write_file(dir_ / "files/a.lock", "");
    write_file(dir_ / "files/b.lock", "");
  }

  [[nodiscard]] std::string proc() const { return dir_ / "proc"; }
  [[nodiscard]] std::string file(const std::string& name) const { return dir_ / ("files/" + name); }

  // A key like a btrfs one: its device is not the files' st_dev, so only an
  // fdinfo "lock:" line can confirm a holder (b.lock gets the same key).
  [[nodiscard]] LockKey shared_key() const {
    struct stat st {};
    EXPECT_EQ(::stat(file("a.lock").c_str(), &st), 0);
    return LockKey{::major(st.st_dev) + 1, ::minor(st.st_dev), 4242};
  }

  [[nodiscard]] Needle needle_of(const std::string& name, const LockKey& key) const {
    struct stat st {};
    EXPECT_EQ(::stat(file(name).c_str(), &st), 0);
    Needle n;
    n.path = file(name);
    n.key = key;
    n.id = FileId{st.st_dev, st.st_ino};
    return n;
  }

  void process(std::int64_t pid, std::string_view cmdline) const {
    std::string base = proc() + "/" + std::to_string(pid);
    std::filesystem::create_directories(base + "/fd");
    std::filesystem::create_directories(base + "/fdinfo");
    write_file(base + "/cmdline", cmdline);
  }

  // PID has `name` open as FD; with `lock_pid`, its fdinfo carries a lock
  // line for `key` taken by lock_pid.
  void open_file(std::int64_t pid, int fd, const std::string& name, const LockKey& key,
                 std::int64_t lock_pid = 0) const {
    std::string base = proc() + "/" + std::to_string(pid);
    std::filesystem::create_symlink(file(name), base + "/fd/" + std::to_string(fd));
    std::string info = "pos:\t0\nflags:\t0100000\nmnt_id:\t30\n";
    if (lock_pid != 0) {
      info += "lock:\t1: FLOCK  ADVISORY  WRITE " + std::to_string(lock_pid) + " " +
              format_lock_key(key) + " 0 EOF\n";
    }
    write_file(base + "/fdinfo/" + std::to_string(fd), info);
  }

  static std::vector<LockRecord> records(const std::string& text) { return parse_proc_locks(text); }

  static std::string line(int n, std::int64_t pid, const LockKey& key, bool waiter = false,
                          const char* mode = "WRITE") {
    return std::to_string(n) + (waiter ? ": -> FLOCK  ADVISORY  " : ": FLOCK  ADVISORY  ") + mode +
           " " + std::to_string(pid) + " " + format_lock_key(key) + " 0 EOF\n";
  }

  ScratchDir dir_;
};

TEST_F(FakeProcTest, AHolderIsConfirmedByItsFdinfoLockLine) {
  LockKey key = shared_key();
  process(k_pid_a, std::string("flock\0-x\0a.lock\0", 16));
  open_file(k_pid_a, 3, "a.lock", key, k_pid_a);
  HolderResolver resolver(proc());
  auto holders = resolver.resolve(needle_of("a.lock", key), records(line(1, k_pid_a, key)));
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, k_pid_a);
  EXPECT_EQ(holders[0].mode, LockMode::exclusive);
  EXPECT_FALSE(holders[0].waiter);
  EXPECT_TRUE(holders[0].confirmed);
  EXPECT_EQ(holders[0].cmdline, "flock -x a.lock");
}

TEST_F(FakeProcTest, OpenButLockingAnotherSameKeyFileIsNoHolder) {
  // Process A locks a.lock and has b.lock open too; both files print the
  // same key. A is a holder of a.lock, not of b.lock.
  LockKey key = shared_key();
  process(k_pid_a, std::string("holder\0", 7));
  open_file(k_pid_a, 3, "a.lock", key, k_pid_a);
  open_file(k_pid_a, 4, "b.lock", key);
  HolderResolver resolver(proc());
  auto recs = records(line(1, k_pid_a, key));
  EXPECT_TRUE(resolver.resolve(needle_of("b.lock", key), recs).empty());
  auto of_a = resolver.resolve(needle_of("a.lock", key), recs);
  ASSERT_EQ(of_a.size(), 1u);
  EXPECT_EQ(of_a[0].pid, k_pid_a);
}

TEST_F(FakeProcTest, WhenTheRecordedPidIsGoneTheLiveOwnersAreNamed) {
  // The pid that took the lock has exited; B inherited the descriptor, and
  // its fdinfo shows the lock (with the recorded pid). A has the file open
  // without the lock: not an owner.
  LockKey key = shared_key();
  process(k_pid_a, std::string("bystander\0", 10));
  open_file(k_pid_a, 3, "a.lock", key);
  process(k_pid_b, std::string("sleep\0"
                               "600\0",
                               10));
  open_file(k_pid_b, 9, "a.lock", key, k_pid_gone);
  HolderResolver resolver(proc());
  auto holders = resolver.resolve(needle_of("a.lock", key), records(line(1, k_pid_gone, key)));
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, k_pid_b);
  EXPECT_TRUE(holders[0].confirmed);
  EXPECT_EQ(holders[0].cmdline, "sleep 600");
}

TEST_F(FakeProcTest, AWaiterWithTheFileOpenIsAWaiterAndOneWithoutItIsNot) {
  LockKey key = shared_key();
  process(k_pid_a, std::string("holder\0", 7));
  open_file(k_pid_a, 3, "a.lock", key, k_pid_a);
  process(k_pid_b, std::string("waiter\0", 7));
  open_file(k_pid_b, 5, "a.lock", key);
  HolderResolver resolver(proc());
  auto recs = records(line(1, k_pid_a, key) + line(1, k_pid_b, key, /*waiter=*/true, "READ"));
  auto of_a = resolver.resolve(needle_of("a.lock", key), recs);
  ASSERT_EQ(of_a.size(), 2u);
  EXPECT_EQ(of_a[0].pid, k_pid_a);
  EXPECT_FALSE(of_a[0].waiter);
  EXPECT_EQ(of_a[1].pid, k_pid_b);
  EXPECT_TRUE(of_a[1].waiter);
  EXPECT_EQ(of_a[1].mode, LockMode::shared);
  // b.lock shares the key, but neither process has it open.
  EXPECT_TRUE(resolver.resolve(needle_of("b.lock", key), recs).empty());
}

TEST_F(FakeProcTest, AnUnreadableCmdlineIsShownAsUnavailable) {
  LockKey key = shared_key();
  process(k_pid_a, "");
  open_file(k_pid_a, 3, "a.lock", key, k_pid_a);
  HolderResolver resolver(proc());
  auto holders = resolver.resolve(needle_of("a.lock", key), records(line(1, k_pid_a, key)));
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].cmdline, k_cmdline_unavailable);
}

TEST_F(FakeProcTest, RecordsOfAPidWithNoProcEntryAndNoLiveOwnerNameNobody) {
  LockKey key = shared_key();
  HolderResolver resolver(proc());
  EXPECT_TRUE(
      resolver.resolve(needle_of("a.lock", key), records(line(1, k_pid_gone, key))).empty());
}

TEST_F(FakeProcTest, AWaiterWithNoProcEntryIsNoWaiterOnceItIsGone) {
  LockKey key = shared_key();
  process(k_pid_a, std::string("holder\0", 7));
  open_file(k_pid_a, 3, "a.lock", key, k_pid_a);
  HolderResolver resolver(proc());
  auto holders = resolver.resolve(needle_of("a.lock", key),
                                  records(line(1, k_pid_a, key) + line(1, k_pid_gone, key, true)));
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].pid, k_pid_a);
  EXPECT_FALSE(holders[0].waiter);
}

// "pid waiter confirmed cmdline", one line per entry, for comparing whole
// answers.
std::string summary(const std::vector<Holder>& holders) {
  std::string out;
  for (const auto& h : holders) {
    out += std::to_string(h.pid) + (h.waiter ? " waiter" : " holder") +
           (h.confirmed ? " confirmed " : " unconfirmed ") + h.cmdline + "\n";
  }
  return out;
}

TEST_F(FakeProcTest, LiveProcessesWithoutAProcEntryAreShownUnconfirmed) {
  // /proc mounted hidepid=2: another user's processes have no /proc/PID at
  // all, although they are alive. This process and its parent are alive and
  // have no entry in the fake tree. Neither can be confirmed, and nothing
  // about them can be read, but both are there: a holder and a waiter.
  LockKey key = shared_key();
  auto self = static_cast<std::int64_t>(::getpid());
  auto parent = static_cast<std::int64_t>(::getppid());
  HolderResolver resolver(proc());
  auto holders =
      resolver.resolve(needle_of("a.lock", key),
                       records(line(1, parent, key, /*waiter=*/true, "READ") + line(1, self, key)));
  EXPECT_EQ(summary(holders), std::to_string(self) + " holder unconfirmed <cmdline unavailable>\n" +
                                  std::to_string(parent) +
                                  " waiter unconfirmed <cmdline unavailable>\n");
  ASSERT_EQ(holders.size(), 2u);
  EXPECT_EQ(holders[0].mode, LockMode::exclusive);
  EXPECT_EQ(holders[1].mode, LockMode::shared);
}

// Runs `resolve` for `target` in a child that cannot read what root can
// (user nobody when run as root) and returns its summary().
std::string summary_as_unprivileged(const std::string& proc_root, const Needle& target,
                                    const std::vector<LockRecord>& recs) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return "pipe failed";
  pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    ::close(pipefd[0]);
    if (::geteuid() == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      if (nobody == nullptr || ::setgroups(0, nullptr) != 0 || ::setgid(nobody->pw_gid) != 0 ||
          ::setuid(nobody->pw_uid) != 0) {
        ::_exit(2);
      }
    }
    HolderResolver resolver(proc_root);
    std::string out = summary(resolver.resolve(target, recs));
    bool written = ::write(pipefd[1], out.data(), out.size()) == static_cast<ssize_t>(out.size());
    ::_exit(written ? 0 : 3);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child failed: " + out;
  return out;
}

TEST_F(FakeProcTest, UnreadableFdDirsLeaveAHolderAndAWaiterUnconfirmed) {
  // Another user's process on a normal /proc: its cmdline is readable, its
  // fd directory is not (EACCES). Both the holder and the waiter are named,
  // with what could be read, and marked unconfirmed.
  LockKey key = shared_key();
  process(k_pid_a, std::string("holder\0", 7));
  open_file(k_pid_a, 3, "a.lock", key, k_pid_a);
  process(k_pid_b, std::string("waiter\0", 7));
  open_file(k_pid_b, 5, "a.lock", key);
  for (auto pid : {k_pid_a, k_pid_b}) {
    std::filesystem::permissions(proc() + "/" + std::to_string(pid) + "/fd",
                                 std::filesystem::perms::none);
  }
  // The way down to the tree is open to the unprivileged child.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  auto recs = records(line(1, k_pid_a, key) + line(1, k_pid_b, key, /*waiter=*/true));
  EXPECT_EQ(summary_as_unprivileged(proc(), needle_of("a.lock", key), recs),
            std::to_string(k_pid_a) + " holder unconfirmed holder\n" + std::to_string(k_pid_b) +
                " waiter unconfirmed waiter\n");
  // Readable, the same tree confirms both.
  HolderResolver resolver(proc());
  for (auto pid : {k_pid_a, k_pid_b}) {
    std::filesystem::permissions(proc() + "/" + std::to_string(pid) + "/fd",
                                 std::filesystem::perms::owner_all);
  }
  EXPECT_EQ(summary(resolver.resolve(needle_of("a.lock", key), recs)),
            std::to_string(k_pid_a) + " holder confirmed holder\n" + std::to_string(k_pid_b) +
                " waiter confirmed waiter\n");
}

}  // namespace
}  // namespace ktstr
