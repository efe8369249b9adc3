// take_locks_snapshot on scratch lock, cache and runs dirs, with real flocks
// taken by this process (and a forked waiter), and the field tables that
// print its rows. Holders are checked against getpid() and this process's
// own /proc/self/cmdline, waiters against a child seen blocked in
// /proc/locks: nothing expected comes from the code under test.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lib/lock_listing.hpp"
#include "lib/proc_locks.hpp"
#include "lib/text.hpp"
#include "lib/topology.hpp"
#include "lib/unique_fd.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using test::FakeSysfs;
using test::ScratchDir;
using test::write_file;

std::vector<unsigned> numbers(const std::vector<LockRow>& rows) {
  std::vector<unsigned> out;
  for (const auto& r : rows)
    out.push_back(r.number);
  return out;
}

std::vector<std::string> keys(const std::vector<LockRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows)
    out.push_back(r.key);
  return out;
}

const LockRow* row_numbered(const std::vector<LockRow>& rows, unsigned n) {
  for (const auto& r : rows) {
    if (r.number == n) return &r;
  }
  return nullptr;
}

// This process's command line as a holder row shows it.
std::string own_cmdline() {
  auto raw = read_small_file("/proc/self/cmdline");
  return raw ? format_cmdline(*raw) : std::string();
}

class LockListingTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::string lock_dir() const { return dir_ / "locks"; }
  [[nodiscard]] std::string cache_root() const { return dir_ / "cache"; }
  [[nodiscard]] std::string runs_root() const { return dir_ / "runs"; }

  // Creates `path` and takes flock `op` on a descriptor of it, held until
  // the descriptor goes.
  static UniqueFd locked(const std::string& path, int op) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
    EXPECT_TRUE(fd) << path;
    EXPECT_EQ(::flock(fd.get(), op | LOCK_NB), 0) << path;
    return fd;
  }

  LocksSnapshot snapshot(const Topology* topology = nullptr) {
    auto snap = take_locks_snapshot(lock_dir(), cache_root(), runs_root(), topology);
    EXPECT_TRUE(snap) << snap.error().describe();
    return snap ? std::move(*snap) : LocksSnapshot{};
  }

  ScratchDir dir_;
};

TEST_F(LockListingTest, MissingDirsAreEmptySectionsAndStayMissing) {
  LocksSnapshot s = snapshot();
  EXPECT_TRUE(s.llcs.empty());
  EXPECT_TRUE(s.cpus.empty());
  EXPECT_TRUE(s.cache.empty());
  EXPECT_TRUE(s.run_dirs.empty());
  EXPECT_FALSE(std::filesystem::exists(lock_dir()));
  EXPECT_FALSE(std::filesystem::exists(cache_root()));
  EXPECT_FALSE(std::filesystem::exists(runs_root()));
}

TEST_F(LockListingTest, OnlyRegularFilesWithCanonicalNamesSortedByNumber) {
  for (const char* name :
       {"ktstr-cpu-10.lock", "ktstr-cpu-2.lock", "ktstr-cpu-0.lock", "ktstr-llc-3.lock",
        "ktstr-llc-1.lock", "ktstr-cpu-01.lock", "ktstr-cpu-x.lock", "ktstr-cpu-4.lock.bak",
        "ktstr-llc-.lock", "other.lock"}) {
    write_file(lock_dir() + "/" + name, "");
  }
  std::filesystem::create_directory(lock_dir() + "/ktstr-cpu-5.lock");
  std::filesystem::create_symlink(lock_dir() + "/ktstr-cpu-0.lock",
                                  lock_dir() + "/ktstr-cpu-6.lock");
  ASSERT_EQ(::mkfifo((lock_dir() + "/ktstr-cpu-7.lock").c_str(), 0600), 0);

  LocksSnapshot s = snapshot();
  EXPECT_EQ(numbers(s.cpus), (std::vector<unsigned>{0, 2, 10}));
  EXPECT_EQ(numbers(s.llcs), (std::vector<unsigned>{1, 3}));
  for (const auto& r : s.cpus) {
    EXPECT_EQ(r.kind, LockRowKind::cpu);
    EXPECT_EQ(r.lockfile, lock_dir() + "/ktstr-cpu-" + std::to_string(r.number) + ".lock");
    EXPECT_TRUE(r.holders.empty());
    EXPECT_EQ(r.waiters, 0u);
  }
  EXPECT_EQ(s.llcs[0].kind, LockRowKind::llc);
  EXPECT_EQ(s.llcs[0].lockfile, lock_dir() + "/ktstr-llc-1.lock");
  // Lock-dir names are never cache or run rows.
  EXPECT_TRUE(s.cache.empty());
  EXPECT_TRUE(s.run_dirs.empty());
}

TEST_F(LockListingTest, CacheAndRunDirRowsFromTheirLocksDirsSortedByKey) {
  std::string cache = cache_root() + "/.locks";
  std::string runs = runs_root() + "/.locks";
  for (const char* name :
       {"zeta.lock", "alpha.lock", "source-9990a221.lock", ".tmp-x.lock", "not-a-lock"}) {
    write_file(cache + "/" + name, "");
  }
  write_file(runs + "/6.6-abc.lock", "");
  write_file(runs + "/6.1-def.lock", "");
  // A lock-dir name in the cache's .locks is a cache key like any other.
  write_file(cache + "/ktstr-cpu-1.lock", "");

  LocksSnapshot s = snapshot();
  EXPECT_EQ(keys(s.cache),
            (std::vector<std::string>{"alpha", "ktstr-cpu-1", "source-9990a221", "zeta"}));
  EXPECT_EQ(s.cache[0].lockfile, cache + "/alpha.lock");
  EXPECT_EQ(s.cache[0].kind, LockRowKind::cache);
  EXPECT_EQ(keys(s.run_dirs), (std::vector<std::string>{"6.1-def", "6.6-abc"}));
  EXPECT_EQ(s.run_dirs[1].lockfile, runs + "/6.6-abc.lock");
  EXPECT_EQ(s.run_dirs[1].kind, LockRowKind::run_dir);
  EXPECT_TRUE(s.cpus.empty());
}

TEST_F(LockListingTest, NoCacheRootOrRunsRootListsNothingThere) {
  write_file(cache_root() + "/.locks/k.lock", "");
  write_file(runs_root() + "/.locks/r.lock", "");
  auto snap = take_locks_snapshot(lock_dir(), "", "", nullptr);
  ASSERT_TRUE(snap) << snap.error().describe();
  EXPECT_TRUE(snap->cache.empty());
  EXPECT_TRUE(snap->run_dirs.empty());
}

TEST_F(LockListingTest, HoldersWithTheirModeFromRealFlocks) {
  UniqueFd cpu = locked(lock_dir() + "/ktstr-cpu-3.lock", LOCK_EX);
  UniqueFd llc = locked(lock_dir() + "/ktstr-llc-0.lock", LOCK_SH);
  UniqueFd cache = locked(cache_root() + "/.locks/k.lock", LOCK_SH);
  UniqueFd run = locked(runs_root() + "/.locks/r.lock", LOCK_EX);
  write_file(lock_dir() + "/ktstr-cpu-4.lock", "");

  LocksSnapshot s = snapshot();
  auto expect_held_by_us = [](const LockRow* r, LockMode mode) {
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->holders.size(), 1u) << r->lockfile;
    EXPECT_EQ(r->holders[0].pid, ::getpid());
    EXPECT_EQ(r->holders[0].mode, mode);
    EXPECT_FALSE(r->holders[0].waiter);
    EXPECT_TRUE(r->holders[0].confirmed);
    EXPECT_EQ(r->holders[0].cmdline, own_cmdline());
    EXPECT_EQ(r->waiters, 0u);
  };
  expect_held_by_us(row_numbered(s.cpus, 3), LockMode::exclusive);
  expect_held_by_us(row_numbered(s.llcs, 0), LockMode::shared);
  ASSERT_EQ(s.cache.size(), 1u);
  expect_held_by_us(&s.cache[0], LockMode::shared);
  ASSERT_EQ(s.run_dirs.size(), 1u);
  expect_held_by_us(&s.run_dirs[0], LockMode::exclusive);
  const LockRow* free = row_numbered(s.cpus, 4);
  ASSERT_NE(free, nullptr);
  EXPECT_TRUE(free->holders.empty());

  // Released: the same rows, no holders.
  cpu.reset();
  cache.reset();
  s = snapshot();
  ASSERT_NE(row_numbered(s.cpus, 3), nullptr);
  EXPECT_TRUE(row_numbered(s.cpus, 3)->holders.empty());
  EXPECT_TRUE(s.cache[0].holders.empty());
  EXPECT_EQ(row_numbered(s.llcs, 0)->holders.size(), 1u);
}

// Whether /proc/locks shows `pid` blocked on a flock.
bool blocked_in_flock(pid_t pid) {
  auto records = read_proc_locks();
  if (!records) return false;
  for (const auto& r : *records) {
    if (r.waiter && r.pid == pid) return true;
  }
  return false;
}

TEST_F(LockListingTest, AWaiterIsCountedNotListedAsAHolder) {
  std::string path = lock_dir() + "/ktstr-cpu-1.lock";
  UniqueFd held = locked(path, LOCK_EX);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Its own open file description, so its flock waits for ours.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ::flock(fd, LOCK_SH);
    ::_exit(0);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!blocked_in_flock(child) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  bool blocked = blocked_in_flock(child);

  LocksSnapshot s = blocked ? snapshot() : LocksSnapshot{};
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(blocked) << "the child never blocked on the lock";
  const LockRow* r = row_numbered(s.cpus, 1);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->holders.size(), 1u);
  EXPECT_EQ(r->holders[0].pid, ::getpid());
  EXPECT_EQ(r->waiters, 1u);
}

TEST_F(LockListingTest, NumaNodesFromTheTopologyAndZeroWithoutIt) {
  FakeSysfs fs;
  test::two_sockets(fs);
  auto topo = read_topology(fs.root());
  ASSERT_TRUE(topo) << topo.error().describe();
  // CPU 9 is on node 1, CPU 2 on node 0, CPU 99 is unknown; LLC 3 (cache
  // id 24, CPUs 8-11) is on node 1, LLC 0 (id 0, CPUs 4-7) on node 0, LLC 7
  // does not exist.
  for (const char* name : {"ktstr-cpu-9.lock", "ktstr-cpu-2.lock", "ktstr-cpu-99.lock",
                           "ktstr-llc-3.lock", "ktstr-llc-0.lock", "ktstr-llc-7.lock"}) {
    write_file(lock_dir() + "/" + name, "");
  }
  LocksSnapshot s = snapshot(&*topo);
  EXPECT_EQ(row_numbered(s.cpus, 9)->numa_node, 1u);
  EXPECT_EQ(row_numbered(s.cpus, 2)->numa_node, 0u);
  EXPECT_EQ(row_numbered(s.cpus, 99)->numa_node, 0u);
  EXPECT_EQ(row_numbered(s.llcs, 3)->numa_node, 1u);
  EXPECT_EQ(row_numbered(s.llcs, 0)->numa_node, 0u);
  EXPECT_EQ(row_numbered(s.llcs, 7)->numa_node, 0u);

  s = snapshot(nullptr);
  for (const auto& r : s.cpus)
    EXPECT_EQ(r.numa_node, 0u) << r.lockfile;
  for (const auto& r : s.llcs)
    EXPECT_EQ(r.numa_node, 0u) << r.lockfile;
}

// ---- the field tables ----

const Field<LockRow>* field_titled(std::span<const Field<LockRow>> fields, std::string_view t) {
  for (const auto& f : fields) {
    if (f.title == t) return &f;
  }
  return nullptr;
}

std::vector<std::string_view> titles(std::span<const Field<LockRow>> fields) {
  std::vector<std::string_view> out;
  for (const auto* f : text_columns(fields))
    out.push_back(f->title);
  return out;
}

std::vector<std::string_view> json_keys(std::span<const Field<LockRow>> fields) {
  std::vector<std::string_view> out;
  for (const auto& f : fields) {
    if (!f.json_key.empty()) out.push_back(f.json_key);
  }
  return out;
}

TEST(LockSections, InOutputOrderWithTheirColumnsAndKeys) {
  auto sections = lock_sections();
  ASSERT_EQ(sections.size(), 4u);
  using V = std::vector<std::string_view>;
  struct Want {
    std::string_view title, key;
    LockRowKind kind;
    V columns, json;
  };
  const Want want[] = {
      {"LLC locks:", "llcs", LockRowKind::llc, V{"LLC", "NODE", "LOCKFILE", "HOLDERS"},
       V{"llc_idx", "numa_node", "lockfile", "holders", "waiters"}},
      {"Per-CPU locks:", "cpus", LockRowKind::cpu, V{"CPU", "NODE", "LOCKFILE", "HOLDERS"},
       V{"cpu", "numa_node", "lockfile", "holders", "waiters"}},
      {"Cache-entry locks:", "cache", LockRowKind::cache, V{"CACHE KEY", "LOCKFILE", "HOLDERS"},
       V{"cache_key", "lockfile", "holders", "waiters"}},
      {"Run-dir locks:", "run_dirs", LockRowKind::run_dir, V{"RUN KEY", "LOCKFILE", "HOLDERS"},
       V{"run_key", "lockfile", "holders", "waiters"}},
  };
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(sections[i].title, want[i].title);
    EXPECT_EQ(sections[i].json_key, want[i].key);
    EXPECT_EQ(sections[i].kind, want[i].kind);
    EXPECT_EQ(titles(sections[i].fields), want[i].columns) << want[i].title;
    EXPECT_EQ(json_keys(sections[i].fields), want[i].json) << want[i].title;
  }
}

TEST(LockSections, HoldersCellOneLineEachUnconfirmedMarkedThenWaiters) {
  const Field<LockRow>* holders = field_titled(lock_sections()[1].fields, "HOLDERS");
  ASSERT_NE(holders, nullptr);
  LockRow r;
  EXPECT_EQ(holders->text(r, TextStyle{}), "-");
  r.waiters = 1;
  EXPECT_EQ(holders->text(r, TextStyle{}), "-\n(1 waiting)");
  r.holders.push_back(Holder{12, LockMode::exclusive, false, true, "flock -x f sleep 9"});
  r.holders.push_back(Holder{345, LockMode::shared, false, false, "<cmdline unavailable>"});
  r.waiters = 2;
  EXPECT_EQ(holders->text(r, TextStyle{}),
            "12 exclusive flock -x f sleep 9\n345 shared? <cmdline unavailable>\n(2 waiting)");
}

TEST(LockSections, LockfileAndKeyCellsAreEscaped) {
  LockRow r;
  r.lockfile = "/tmp/a\033[2Jb/ktstr-cpu-1.lock";
  r.key = "k\ney";
  const Field<LockRow>* lockfile = field_titled(lock_sections()[1].fields, "LOCKFILE");
  const Field<LockRow>* key = field_titled(lock_sections()[2].fields, "CACHE KEY");
  ASSERT_NE(lockfile, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(lockfile->text(r, TextStyle{}), "/tmp/a\\x1b[2Jb/ktstr-cpu-1.lock");
  EXPECT_EQ(key->text(r, TextStyle{}), "k\\ney");
}

TEST(HolderFields, StateSaysHeldOrWaitingAndMarksTheUnconfirmed) {
  const Field<Holder>* state = nullptr;
  for (const auto& f : holder_fields()) {
    if (f.title == "STATE") state = &f;
  }
  ASSERT_NE(state, nullptr);
  auto text = [&](bool waiter, bool confirmed) {
    return state->text(Holder{1, LockMode::shared, waiter, confirmed, "x"}, TextStyle{});
  };
  EXPECT_EQ(text(false, true), "held");
  EXPECT_EQ(text(false, false), "held?");
  EXPECT_EQ(text(true, true), "waiting");
  EXPECT_EQ(text(true, false), "waiting?");
}

}  // namespace
}  // namespace ktstr
