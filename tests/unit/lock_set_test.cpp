// acquire_locks on real lock files: all or nothing, deadlines, hand-over.
#include "lib/lock_set.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "lib/lock_file.hpp"
#include "lib/lock_names.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::ScratchDir;

// Another open file description on `path`, as another acquirer would have.
UniqueFd other_fd(const std::string& path) {
  auto fd = open_lock_file(path, CreateMode::create_if_missing);
  EXPECT_TRUE(fd.has_value()) << path;
  return fd ? std::move(*fd) : UniqueFd();
}

// Whether `mode` on `path` could be taken right now by someone else.
bool free_for(const std::string& path, LockMode mode) {
  UniqueFd fd = other_fd(path);
  auto r = try_flock(fd.get(), mode, path);
  EXPECT_TRUE(r.has_value());
  return r && *r == TryLock::acquired;
}

UniqueFd hold(const std::string& path, LockMode mode) {
  UniqueFd fd = other_fd(path);
  EXPECT_EQ(*try_flock(fd.get(), mode, path), TryLock::acquired) << path;
  return fd;
}

std::vector<std::string> busy_paths(const Conflict& c) {
  std::vector<std::string> out;
  for (const auto& b : c.busy)
    out.push_back(b.path);
  return out;
}

AcquireOptions with_timeout(std::chrono::nanoseconds t) {
  AcquireOptions o;
  o.timeout = Duration::of(t);
  return o;
}

class LockSetTest : public ::testing::Test {
 protected:
  std::string path(std::string_view name) const { return dir_ / name; }
  AcquireRequest fixed(std::vector<LockSpec> targets) const {
    AcquireRequest r;
    r.fixed = std::move(targets);
    r.lock_dir = dir_.str();
    return r;
  }
  ScratchDir dir_;
};

TEST_F(LockSetTest, TakesEveryLockInItsMode) {
  auto req = fixed({{path("b.lock"), LockMode::shared}, {path("a.lock"), LockMode::exclusive}});
  auto out = acquire_locks(req, with_timeout(0ns));
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  ASSERT_TRUE(out->acquired);
  ASSERT_EQ(out->held.locks.size(), 2u);
  EXPECT_EQ(out->held.locks[0].path, path("a.lock"));
  EXPECT_EQ(out->held.locks[0].mode, LockMode::exclusive);
  EXPECT_EQ(out->held.locks[1].path, path("b.lock"));
  EXPECT_EQ(out->held.locks[1].mode, LockMode::shared);
  for (const auto& l : out->held.locks)
    EXPECT_TRUE(l.fd.valid());

  EXPECT_FALSE(free_for(path("a.lock"), LockMode::shared));
  EXPECT_TRUE(free_for(path("b.lock"), LockMode::shared));
  EXPECT_FALSE(free_for(path("b.lock"), LockMode::exclusive));

  out->held.locks.clear();  // the fds go, and the locks with them
  EXPECT_TRUE(free_for(path("a.lock"), LockMode::exclusive));
  EXPECT_TRUE(free_for(path("b.lock"), LockMode::exclusive));
}

TEST_F(LockSetTest, SamePathTwiceTakesTheStrongerMode) {
  auto req = fixed({{path("a.lock"), LockMode::shared}, {path("a.lock"), LockMode::exclusive}});
  auto out = acquire_locks(req, with_timeout(0ns));
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->acquired);
  ASSERT_EQ(out->held.locks.size(), 1u);
  EXPECT_EQ(out->held.locks[0].mode, LockMode::exclusive);
  EXPECT_FALSE(free_for(path("a.lock"), LockMode::shared));
}

TEST_F(LockSetTest, AllOrNothing) {
  UniqueFd busy = hold(path("b.lock"), LockMode::exclusive);
  auto req = fixed({{path("a.lock"), LockMode::exclusive},
                    {path("b.lock"), LockMode::exclusive},
                    {path("c.lock"), LockMode::exclusive}});
  auto out = acquire_locks(req, with_timeout(0ns));
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  EXPECT_FALSE(out->acquired);
  EXPECT_TRUE(out->held.locks.empty());
  EXPECT_EQ(busy_paths(out->conflict), std::vector<std::string>{path("b.lock")});
  EXPECT_EQ(out->conflict.busy[0].wanted, LockMode::exclusive);
  // a.lock sorts before b.lock and was taken first: it must be let go.
  EXPECT_TRUE(free_for(path("a.lock"), LockMode::exclusive));
  EXPECT_TRUE(free_for(path("c.lock"), LockMode::exclusive));
}

TEST_F(LockSetTest, ConflictNamesEveryBusyLock) {
  UniqueFd a = hold(path("a.lock"), LockMode::shared);
  UniqueFd c = hold(path("c.lock"), LockMode::exclusive);
  auto req = fixed({{path("c.lock"), LockMode::shared},
                    {path("b.lock"), LockMode::exclusive},
                    {path("a.lock"), LockMode::exclusive}});
  auto out = acquire_locks(req, with_timeout(0ns));
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->acquired);
  EXPECT_EQ(busy_paths(out->conflict), (std::vector<std::string>{path("a.lock"), path("c.lock")}));
  EXPECT_TRUE(free_for(path("b.lock"), LockMode::exclusive));
}

TEST_F(LockSetTest, SharedDoesNotConflictWithShared) {
  UniqueFd other = hold(path("a.lock"), LockMode::shared);
  auto out = acquire_locks(fixed({{path("a.lock"), LockMode::shared}}), with_timeout(0ns));
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->acquired);
}

TEST_F(LockSetTest, ShortTimeoutExpires) {
  UniqueFd busy = hold(path("a.lock"), LockMode::exclusive);
  auto start = Clock::now();
  auto out = acquire_locks(
      fixed({{path("a.lock"), LockMode::exclusive}, {path("b.lock"), LockMode::exclusive}}),
      with_timeout(150ms));
  auto took = Clock::now() - start;
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  EXPECT_FALSE(out->acquired);
  EXPECT_EQ(busy_paths(out->conflict), std::vector<std::string>{path("a.lock")});
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(free_for(path("b.lock"), LockMode::exclusive));
}

class RecordingObserver : public WaitObserver {
 public:
  void waiting(const std::vector<BusyLock>& busy, std::chrono::nanoseconds waited) override {
    ++ticks;
    last_busy = busy;
    last_waited = waited;
  }
  void done() override { ++dones; }
  int ticks = 0;
  int dones = 0;
  std::vector<BusyLock> last_busy;
  std::chrono::nanoseconds last_waited{};
};

TEST_F(LockSetTest, ObserverIsToldWhileWaiting) {
  UniqueFd busy = hold(path("a.lock"), LockMode::exclusive);
  RecordingObserver observer;
  AcquireOptions opt = with_timeout(200ms);
  opt.observer = &observer;
  opt.tick = 20ms;
  auto out = acquire_locks(fixed({{path("a.lock"), LockMode::exclusive}}), opt);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->acquired);
  EXPECT_GE(observer.ticks, 2);
  EXPECT_EQ(observer.dones, 1);
  ASSERT_EQ(observer.last_busy.size(), 1u);
  EXPECT_EQ(observer.last_busy[0].path, path("a.lock"));
  EXPECT_GT(observer.last_waited, 0ns);
}

// A child process that holds `path` EX until release(): no timing involved.
// It takes the lock before the constructor returns, and lets go (exits) only
// when told to through a pipe, or when the test's end closes that pipe.
class ChildHolder {
 public:
  explicit ChildHolder(const std::string& path) {
    int ready[2];
    int go[2];
    if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(go, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::close(go[1]);
      int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
      if (::write(ready[1], "l", 1) != 1) ::_exit(2);
      char c;
      // Blocks until release() writes, or the parent's end is closed.
      while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(go[0]);
    release_fd_ = go[1];
    char c;
    bool ok = ::read(ready[0], &c, 1) == 1;
    ::close(ready[0]);
    if (!ok) throw std::runtime_error("the child could not take " + path);
  }
  ~ChildHolder() {
    release();
    wait();
  }
  ChildHolder(const ChildHolder&) = delete;
  ChildHolder& operator=(const ChildHolder&) = delete;

  // Tells the child to exit, dropping its lock. Safe from another thread.
  void release() {
    int fd = release_fd_.exchange(-1);
    if (fd >= 0) {
      [[maybe_unused]] auto n = ::write(fd, "g", 1);
      ::close(fd);
    }
  }
  bool released() const { return release_fd_.load() < 0; }

  // Reaps the child; true when it exited 0.
  bool wait() {
    if (pid_ <= 0) return exited_ok_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    exited_ok_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return exited_ok_;
  }

 private:
  pid_t pid_ = -1;
  std::atomic<int> release_fd_{-1};
  bool exited_ok_ = false;
};

// Releases `holder` the first time acquire_locks reports that it waits,
// that is once it has found the lock busy: the release then happens while
// it waits, whatever the machine's speed. A backstop releases it after 10 s
// (a hang, not a slow machine) so that a test fails instead of hanging; the
// test checks the backstop was not needed.
class ReleaseWhenWaiting : public WaitObserver {
 public:
  // Releases the holder at the `release_at`-th wait report: a test that needs
  // the waiter to have reached a later stage of its wait (the --cpus queue
  // is joined after the second report) waits for that report.
  explicit ReleaseWhenWaiting(ChildHolder& holder, int release_at = 1)
      : holder_(holder), release_at_(release_at) {
    backstop_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      if (!cv_.wait_for(lock, 10s, [this] { return finished_; })) {
        backstop_fired_ = true;
        holder_.release();
      }
    });
  }
  ~ReleaseWhenWaiting() override {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    cv_.notify_all();
    backstop_.join();
  }
  ReleaseWhenWaiting(const ReleaseWhenWaiting&) = delete;
  ReleaseWhenWaiting& operator=(const ReleaseWhenWaiting&) = delete;

  void waiting(const std::vector<BusyLock>& /*busy*/,
               std::chrono::nanoseconds /*waited*/) override {
    if (++waits >= release_at_) holder_.release();
  }
  void done() override { ++dones; }

  AcquireOptions options(Duration timeout) {
    AcquireOptions o;
    o.timeout = timeout;
    o.observer = this;
    o.tick = 10ms;
    return o;
  }
  bool backstop_fired() {
    std::lock_guard lock(mutex_);
    return backstop_fired_;
  }

  int waits = 0;
  int dones = 0;

 private:
  ChildHolder& holder_;
  int release_at_ = 1;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool finished_ = false;
  bool backstop_fired_ = false;
  std::thread backstop_;
};

TEST_F(LockSetTest, LockReleasedByAnotherProcessWhileWaiting) {
  ChildHolder child(path("b.lock"));
  ASSERT_FALSE(free_for(path("b.lock"), LockMode::exclusive));
  ReleaseWhenWaiting observer(child);
  auto out = acquire_locks(
      fixed({{path("a.lock"), LockMode::exclusive}, {path("b.lock"), LockMode::exclusive}}),
      observer.options(Duration::of(20s)));
  EXPECT_FALSE(observer.backstop_fired());
  EXPECT_TRUE(child.wait());
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  ASSERT_TRUE(out->acquired);
  // It did wait: found b.lock busy, and got it once the child let go.
  EXPECT_GE(observer.waits, 1);
  EXPECT_EQ(observer.dones, 1);
  EXPECT_EQ(out->held.locks.size(), 2u);
  EXPECT_FALSE(free_for(path("a.lock"), LockMode::shared));
  EXPECT_FALSE(free_for(path("b.lock"), LockMode::shared));
}

TEST_F(LockSetTest, WaitsForeverUntilReleased) {
  ChildHolder child(path("a.lock"));
  ReleaseWhenWaiting observer(child);
  // The default: no limit.
  auto out = acquire_locks(fixed({{path("a.lock"), LockMode::shared}}),
                           observer.options(Duration::forever()));
  EXPECT_FALSE(observer.backstop_fired());
  EXPECT_TRUE(child.wait());
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->acquired);
  EXPECT_GE(observer.waits, 1);
}

TEST_F(LockSetTest, LockFilesAreCreatedMode0666) {
  auto out = acquire_locks(fixed({{path("new.lock"), LockMode::exclusive}}), with_timeout(0ns));
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->acquired);
  EXPECT_EQ(std::filesystem::status(path("new.lock")).permissions(), std::filesystem::perms(0666));
}

TEST_F(LockSetTest, UnopenableLockFileIsAnErrorAndNothingIsHeld) {
  std::filesystem::create_directory(path("dir.lock"));
  auto out = acquire_locks(
      fixed({{path("a.lock"), LockMode::exclusive}, {path("dir.lock"), LockMode::exclusive}}),
      with_timeout(0ns));
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ExitCode::cant_create);
  EXPECT_TRUE(free_for(path("a.lock"), LockMode::exclusive));
}

// --cpus N on a small topology: LLC 0 = CPUs 0-1, LLC 1 = CPUs 2-3.
class DynamicCpusTest : public LockSetTest {
 protected:
  DynamicCpusTest() {
    topo_.cpus = {{0, 0, 0}, {1, 0, 0}, {2, 1, 0}, {3, 1, 0}};
    topo_.llcs = {Llc{0, 0, 3, {0, 1}, 0}, Llc{1, 1, 3, {2, 3}, 0}};
  }
  AcquireRequest cpus(unsigned n) const {
    AcquireRequest r;
    r.dynamic_count = n;
    r.dynamic_candidates = {0, 1, 2, 3};
    r.topology = &topo_;
    r.lock_dir = dir_.str();
    return r;
  }
  std::string cpu(unsigned c) const { return cpu_lock_path(dir_.str(), c); }
  std::string llc(unsigned l) const { return llc_lock_path(dir_.str(), l); }
  Topology topo_;
};

TEST_F(DynamicCpusTest, PacksIntoTheLlcWithRoom) {
  UniqueFd busy = hold(cpu(0), LockMode::exclusive);
  auto out = acquire_locks(cpus(2), with_timeout(0ns));
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  ASSERT_TRUE(out->acquired);
  EXPECT_EQ(out->held.dynamic_cpus, (std::vector<unsigned>{2, 3}));
  std::vector<std::pair<std::string, LockMode>> held;
  for (const auto& l : out->held.locks)
    held.emplace_back(l.path, l.mode);
  EXPECT_EQ(held, (std::vector<std::pair<std::string, LockMode>>{{llc(1), LockMode::shared},
                                                                 {cpu(2), LockMode::exclusive},
                                                                 {cpu(3), LockMode::exclusive}}));
  // Probed but not chosen: let go again.
  EXPECT_TRUE(free_for(cpu(1), LockMode::exclusive));
  EXPECT_TRUE(free_for(llc(0), LockMode::exclusive));
  EXPECT_FALSE(free_for(llc(1), LockMode::exclusive));
  EXPECT_TRUE(free_for(llc(1), LockMode::shared));
}

TEST_F(DynamicCpusTest, AnLlcHeldExclusiveRulesOutItsCpus) {
  UniqueFd whole = hold(llc(1), LockMode::exclusive);
  UniqueFd one = hold(cpu(0), LockMode::exclusive);
  auto out = acquire_locks(cpus(2), with_timeout(0ns));
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->acquired);
  EXPECT_EQ(out->conflict.cpus_short, 1u);
  auto busy = busy_paths(out->conflict);
  EXPECT_NE(std::find(busy.begin(), busy.end(), llc(1)), busy.end());
  EXPECT_NE(std::find(busy.begin(), busy.end(), cpu(0)), busy.end());
  EXPECT_TRUE(free_for(cpu(1), LockMode::exclusive));
}

TEST_F(DynamicCpusTest, CpuFreedWhileWaitingIsTaken) {
  UniqueFd busy = hold(cpu(0), LockMode::exclusive);
  ChildHolder child(cpu(2));
  UniqueFd busy3 = hold(cpu(3), LockMode::exclusive);
  ReleaseWhenWaiting observer(child);
  auto out = acquire_locks(cpus(2), observer.options(Duration::of(20s)));
  EXPECT_FALSE(observer.backstop_fired());
  EXPECT_TRUE(child.wait());
  EXPECT_GE(observer.waits, 1);
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->acquired);
  EXPECT_EQ(out->held.dynamic_cpus, (std::vector<unsigned>{1, 2}));
}

TEST_F(DynamicCpusTest, AWaiterLeavesTheQueueOnlyWhenItsSpareIsClosed) {
  std::string queue = dir_ / "ktstr-cpus-queue.lock";
  UniqueFd busy = hold(cpu(0), LockMode::exclusive);
  UniqueFd busy1 = hold(cpu(1), LockMode::exclusive);
  UniqueFd busy3 = hold(cpu(3), LockMode::exclusive);
  ChildHolder child(cpu(2));
  // Released only once the waiter is queued: reports 1 (then it watches) and
  // 2 (then it joins the queue) come first.
  ReleaseWhenWaiting observer(child, 3);
  auto out = acquire_locks(cpus(1), observer.options(Duration::of(20s)));
  EXPECT_FALSE(observer.backstop_fired());
  EXPECT_TRUE(child.wait());
  EXPECT_GE(observer.waits, 3);
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  ASSERT_TRUE(out->acquired);
  EXPECT_EQ(out->held.dynamic_cpus, std::vector<unsigned>{2});
  // Still at the head of the queue, so no other waiter wakes before the
  // command runs...
  EXPECT_FALSE(free_for(queue, LockMode::exclusive));
  close_spare(out->held);
  // ...and out of it once the spare descriptors are closed; the CPU is kept.
  EXPECT_TRUE(out->held.spare.empty());
  EXPECT_TRUE(free_for(queue, LockMode::exclusive));
  EXPECT_FALSE(free_for(cpu(2), LockMode::shared));
}

TEST_F(DynamicCpusTest, ReleaseLetsGoOfTheLocksAndTheSpare) {
  std::string queue = dir_ / "ktstr-cpus-queue.lock";
  UniqueFd busy = hold(cpu(0), LockMode::exclusive);
  ChildHolder child(cpu(1));
  UniqueFd llc1 = hold(llc(1), LockMode::exclusive);
  ReleaseWhenWaiting observer(child);
  auto out = acquire_locks(cpus(1), observer.options(Duration::of(20s)));
  EXPECT_FALSE(observer.backstop_fired());
  EXPECT_TRUE(child.wait());
  EXPECT_GE(observer.waits, 1);
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  ASSERT_TRUE(out->acquired);
  EXPECT_EQ(out->held.dynamic_cpus, std::vector<unsigned>{1});
  EXPECT_FALSE(out->held.spare.empty());
  release(out->held);
  EXPECT_TRUE(out->held.locks.empty());
  EXPECT_TRUE(out->held.spare.empty());
  EXPECT_TRUE(free_for(cpu(1), LockMode::exclusive));
  EXPECT_TRUE(free_for(llc(0), LockMode::exclusive));
  EXPECT_TRUE(free_for(queue, LockMode::exclusive));
}

}  // namespace
}  // namespace ktstr
