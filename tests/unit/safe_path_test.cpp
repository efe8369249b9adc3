// Directories reached and made without a window; the recheck after a flock.
#include "lib/safe_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <cstdio>

#include "lib/lock_file.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using test::ScratchDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

TEST(OpenDirWalk, CreatesParentsAndASharedStickyLeaf) {
  ScratchDir dir;
  mode_t old = ::umask(022);
  auto fd = open_dir_walk(dir / "a/b//c/", true, LeafMode::shared_sticky);
  ::umask(old);
  ASSERT_TRUE(fd.has_value()) << fd.error().describe();
  EXPECT_EQ(mode_of(dir / "a") & 07777, 0755u);
  EXPECT_EQ(mode_of(dir / "a/b") & 07777, 0755u);
  EXPECT_EQ(mode_of(dir / "a/b/c") & 07777, 01777u);
}

TEST(OpenDirWalk, AnExistingDirectoryKeepsItsMode) {
  ScratchDir dir;
  ASSERT_EQ(::mkdir((dir / "d").c_str(), 0700), 0);
  auto fd = open_dir_walk(dir / "d", true, LeafMode::shared_sticky);
  ASSERT_TRUE(fd.has_value()) << fd.error().describe();
  EXPECT_EQ(mode_of(dir / "d") & 07777, 0700u);
}

TEST(OpenDirWalk, MissingWithoutCreateIsAnError) {
  ScratchDir dir;
  auto fd = open_dir_walk(dir / "nope/x", false, LeafMode::as_created);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().sys_errno, ENOENT);
  EXPECT_FALSE(std::filesystem::exists(dir / "nope"));
}

TEST(OpenDirWalk, FollowsOwnLinksAndDotDot) {
  ScratchDir dir;
  ASSERT_EQ(::mkdir((dir / "real").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("real", (dir / "rel-link").c_str()), 0);
  ASSERT_EQ(::symlink((dir / "real").c_str(), (dir / "abs-link").c_str()), 0);
  for (const char* via : {"rel-link/new1", "abs-link/new2", "real/../real/new3"}) {
    auto fd = open_dir_walk(dir / via, true, LeafMode::shared_sticky);
    ASSERT_TRUE(fd.has_value()) << via << ": " << fd.error().describe();
  }
  EXPECT_TRUE(S_ISDIR(mode_of(dir / "real/new1")));
  EXPECT_TRUE(S_ISDIR(mode_of(dir / "real/new2")));
  EXPECT_EQ(mode_of(dir / "real/new3") & 07777, 01777u);
}

TEST(OpenDirWalk, ALinkLoopIsAnError) {
  ScratchDir dir;
  ASSERT_EQ(::symlink("b", (dir / "a").c_str()), 0);
  ASSERT_EQ(::symlink("a", (dir / "b").c_str()), 0);
  auto fd = open_dir_walk(dir / "a/x", true, LeafMode::shared_sticky);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().sys_errno, ELOOP);
}

TEST(OpenDirWalk, AFileOnTheWayIsNotADirectory) {
  ScratchDir dir;
  test::write_file(dir / "f", "");
  auto fd = open_dir_walk(dir / "f/x", true, LeafMode::shared_sticky);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().code, ExitCode::cant_create);
  EXPECT_NE(fd.error().message.find("not a directory"), std::string::npos);
}

// protected_symlinks, whatever the sysctl says: in a sticky world-writable
// directory, only the caller's links and the directory owner's are followed.
TEST(OpenDirWalk, AnotherUsersLinkInAStickyDirIsNotFollowed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a link to another user";
  ScratchDir dir;
  std::string sticky = dir / "sticky";
  ASSERT_EQ(::mkdir(sticky.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(sticky.c_str(), 01777), 0);
  ASSERT_EQ(::mkdir((dir / "private").c_str(), 0700), 0);
  std::string link = sticky + "/link";
  ASSERT_EQ(::symlink((dir / "private").c_str(), link.c_str()), 0);
  ASSERT_EQ(::lchown(link.c_str(), 65534, 65534), 0);
  auto fd = open_dir_walk(link + "/locks", true, LeafMode::shared_sticky);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().code, ExitCode::no_perm);
  EXPECT_NE(fd.error().message.find(link), std::string::npos) << fd.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "private/locks"));

  // The directory's owner may point it elsewhere: then it is followed.
  ASSERT_EQ(::chown(sticky.c_str(), 65534, 65534), 0);
  auto owners = open_dir_walk(link + "/locks", true, LeafMode::shared_sticky);
  ASSERT_TRUE(owners.has_value()) << owners.error().describe();
  // So is the caller's own link, in a directory someone else owns.
  ASSERT_EQ(::chown(sticky.c_str(), 1, 1), 0);
  ASSERT_EQ(::lchown(link.c_str(), 0, 0), 0);
  EXPECT_TRUE(open_dir_walk(link + "/locks", true, LeafMode::shared_sticky).has_value());
}

TEST(UserName, RootAndUnknown) {
  EXPECT_EQ(user_name(0), "root");
  EXPECT_EQ(user_name(4'000'000'000u), "uid 4000000000");
}

TEST(StillNamedBy, SameFileRemovedRenamedReplaced) {
  ScratchDir dir;
  std::string path = dir / "f.lock";
  auto fd = open_lock_file(path, CreateMode::create_if_missing);
  ASSERT_TRUE(fd.has_value());
  EXPECT_EQ(still_named_by(fd->get(), path).value(), true);

  ASSERT_EQ(std::rename(path.c_str(), (dir / "moved").c_str()), 0);
  EXPECT_EQ(still_named_by(fd->get(), path).value(), false);  // gone from the path
  test::write_file(path, "");
  EXPECT_EQ(still_named_by(fd->get(), path).value(), false);  // another file there now
  ASSERT_EQ(std::rename((dir / "moved").c_str(), path.c_str()), 0);
  EXPECT_EQ(still_named_by(fd->get(), path).value(), true);  // back again
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(still_named_by(fd->get(), path).value(), false);
}

}  // namespace
}  // namespace ktstr
