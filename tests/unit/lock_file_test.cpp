// Opening lock files under the SPEC §3 policy, and flock on them.
#include "lib/lock_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::ScratchDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

// Sets the umask for one scope.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(old_); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  mode_t old_;
};

// Runs `body` in a child process and returns its exit code, or -1 when it
// had not finished within `limit` (then it is killed): a test of "never
// blocks" must not hang the whole suite when it fails.
int run_bounded(const std::function<int()>& body, std::chrono::milliseconds limit) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

TEST(OpenLockFile, CreatesMode0666WhateverTheUmask) {
  ScratchDir dir;
  std::string path = dir / "ktstr-cpu-0.lock";
  UmaskGuard mask(077);
  auto fd = open_lock_file(path, CreateMode::create_if_missing);
  ASSERT_TRUE(fd.has_value()) << fd.error().describe();
  EXPECT_TRUE(fd->valid());
  mode_t mode = mode_of(path);
  EXPECT_TRUE(S_ISREG(mode));
  EXPECT_EQ(mode & 07777, 0666u);
}

TEST(OpenLockFile, ReadOnlyAndCloseOnExec) {
  ScratchDir dir;
  std::string path = dir / "f.lock";
  auto fd = open_lock_file(path, CreateMode::create_if_missing);
  ASSERT_TRUE(fd.has_value());
  EXPECT_EQ(::fcntl(fd->get(), F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(OpenLockFile, ExistingFileIsNeitherTruncatedNorChmodded) {
  ScratchDir dir;
  std::string path = dir / "kept.lock";
  test::write_file(path, "contents");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  for (CreateMode m : {CreateMode::open_existing, CreateMode::create_if_missing}) {
    auto fd = open_lock_file(path, m);
    ASSERT_TRUE(fd.has_value()) << fd.error().describe();
  }
  EXPECT_EQ(mode_of(path) & 07777, 0600u);
  EXPECT_EQ(std::filesystem::file_size(path), 8u);
}

TEST(OpenLockFile, MissingWithOpenExistingIsNoInput) {
  ScratchDir dir;
  std::string path = dir / "absent.lock";
  auto fd = open_lock_file(path, CreateMode::open_existing);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().code, ExitCode::no_input);
  EXPECT_EQ(fd.error().sys_errno, ENOENT);
  EXPECT_NE(fd.error().message.find(path), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(OpenLockFile, MissingDirectoryCannotCreate) {
  ScratchDir dir;
  auto fd = open_lock_file(dir / "no/such/dir/x.lock", CreateMode::create_if_missing);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().sys_errno, ENOENT);
}

TEST(OpenLockFile, RefusesASymlink) {
  ScratchDir dir;
  std::string target = dir / "target";
  test::write_file(target, "");
  std::string link = dir / "link.lock";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  for (CreateMode m : {CreateMode::open_existing, CreateMode::create_if_missing}) {
    auto fd = open_lock_file(link, m);
    ASSERT_FALSE(fd.has_value());
    EXPECT_EQ(fd.error().code, ExitCode::cant_create);
    EXPECT_NE(fd.error().message.find("symbolic link"), std::string::npos) << fd.error().message;
    EXPECT_NE(fd.error().message.find(link), std::string::npos);
  }

  // A dangling link is not followed to create its target.
  std::string dangling = dir / "dangling.lock";
  std::string nowhere = dir / "nowhere";
  ASSERT_EQ(::symlink(nowhere.c_str(), dangling.c_str()), 0);
  auto fd = open_lock_file(dangling, CreateMode::create_if_missing);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().code, ExitCode::cant_create);
  EXPECT_FALSE(std::filesystem::exists(nowhere));
}

TEST(OpenLockFile, RefusesAFifoWithoutBlocking) {
  ScratchDir dir;
  std::string fifo = dir / "fifo.lock";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  int rc = run_bounded(
      [&] {
        auto fd = open_lock_file(fifo, CreateMode::create_if_missing);
        if (fd) return 10;
        if (fd.error().code != ExitCode::cant_create) return 11;
        if (fd.error().message.find("FIFO") == std::string::npos) return 12;
        return 0;
      },
      std::chrono::seconds(5));
  EXPECT_NE(rc, -1) << "open_lock_file blocked on a FIFO";
  EXPECT_EQ(rc, 0);
}

TEST(OpenLockFile, RefusesADirectory) {
  ScratchDir dir;
  std::string sub = dir / "sub.lock";
  std::filesystem::create_directory(sub);
  auto fd = open_lock_file(sub, CreateMode::create_if_missing);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().code, ExitCode::cant_create);
  EXPECT_NE(fd.error().message.find("directory"), std::string::npos) << fd.error().message;
}

TEST(OpenLockFile, RefusesACharacterDevice) {
  int rc = run_bounded(
      [] {
        auto fd = open_lock_file("/dev/null", CreateMode::open_existing);
        if (fd) return 10;
        if (fd.error().code != ExitCode::cant_create) return 11;
        if (fd.error().message.find("character device") == std::string::npos) return 12;
        return 0;
      },
      std::chrono::seconds(5));
  EXPECT_EQ(rc, 0);
}

TEST(MakeLockDir, CreatesParentsAndGivesTheLeaf1777) {
  ScratchDir dir;
  std::string leaf = dir / "a/b/locks";
  UmaskGuard mask(077);
  auto st = make_lock_dir(leaf);
  ASSERT_TRUE(st.has_value()) << st.error().describe();
  EXPECT_TRUE(S_ISDIR(mode_of(leaf)));
  EXPECT_EQ(mode_of(leaf) & 07777, 01777u);
  EXPECT_TRUE(S_ISDIR(mode_of(dir / "a")));
  EXPECT_TRUE(S_ISDIR(mode_of(dir / "a/b")));
  // Parents keep the umask's mode: only the meeting point is opened up.
  EXPECT_EQ(mode_of(dir / "a") & 07777, 0700u);
}

TEST(MakeLockDir, ExistingDirectoryIsLeftAlone) {
  ScratchDir dir;
  std::string existing = dir / "existing";
  std::filesystem::create_directory(existing);
  ASSERT_EQ(::chmod(existing.c_str(), 0750), 0);
  ASSERT_TRUE(make_lock_dir(existing).has_value());
  EXPECT_EQ(mode_of(existing) & 07777, 0750u);
}

TEST(MakeLockDir, AFileInTheWay) {
  ScratchDir dir;
  std::string file = dir / "file";
  test::write_file(file, "");
  auto st = make_lock_dir(file);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ExitCode::cant_create);
  EXPECT_NE(st.error().message.find(file), std::string::npos);

  auto below = make_lock_dir(file + "/sub");
  EXPECT_FALSE(below.has_value());
}

TEST(TryFlock, ExclusiveAndSharedAcrossOpenFileDescriptions) {
  ScratchDir dir;
  std::string path = dir / "ktstr-llc-0.lock";
  auto a = open_lock_file(path, CreateMode::create_if_missing);
  auto b = open_lock_file(path, CreateMode::open_existing);
  auto c = open_lock_file(path, CreateMode::open_existing);
  ASSERT_TRUE(a && b && c);

  EXPECT_EQ(*try_flock(a->get(), LockMode::exclusive, path), TryLock::acquired);
  EXPECT_EQ(*try_flock(b->get(), LockMode::exclusive, path), TryLock::busy);
  EXPECT_EQ(*try_flock(b->get(), LockMode::shared, path), TryLock::busy);
  ASSERT_EQ(::flock(a->get(), LOCK_UN), 0);

  EXPECT_EQ(*try_flock(a->get(), LockMode::shared, path), TryLock::acquired);
  EXPECT_EQ(*try_flock(b->get(), LockMode::shared, path), TryLock::acquired);
  EXPECT_EQ(*try_flock(c->get(), LockMode::exclusive, path), TryLock::busy);
  a->reset();  // closing the last fd of an open file description drops its lock
  EXPECT_EQ(*try_flock(c->get(), LockMode::exclusive, path), TryLock::busy);
  b->reset();
  EXPECT_EQ(*try_flock(c->get(), LockMode::exclusive, path), TryLock::acquired);
}

TEST(TryFlock, BadFdIsAnError) {
  auto r = try_flock(-1, LockMode::exclusive, "/nowhere");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().sys_errno, EBADF);
  EXPECT_NE(r.error().message.find("/nowhere"), std::string::npos);
}

TEST(WaitFlock, FreeLockIsTakenAtOnce) {
  ScratchDir dir;
  std::string path = dir / "w.lock";
  auto fd = open_lock_file(path, CreateMode::create_if_missing);
  ASSERT_TRUE(fd.has_value());
  EXPECT_EQ(*wait_flock(fd->get(), LockMode::exclusive, path), TryLock::acquired);
}

}  // namespace
}  // namespace ktstr
