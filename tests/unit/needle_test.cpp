// derive_needle and mount_of: which mount table entry gives a path's
// /proc/locks key. The mount tables are fixtures; the files are real, so
// inodes and devices come from stat(2), and the mount a scratch directory
// really sits on is found through statx's mount id and the mountinfo line
// with that id, not through the code under test.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/mountinfo.hpp"
#include "lib/needle.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using test::ScratchDir;
using test::write_file;

MountEntry entry(std::string point, unsigned major, unsigned minor) {
  return MountEntry{major, minor, std::move(point), "fixturefs", "fixture"};
}

// The mount point and device of the mount `path` is on, from the mountinfo
// line whose mount id statx reports for it. Empty when statx cannot say.
struct RealMount {
  std::string point;
  unsigned major = 0;
  unsigned minor = 0;
};
RealMount real_mount_of(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) != 0 ||
      (stx.stx_mask & STATX_MNT_ID) == 0) {
    return {};
  }
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // "ID PARENT MAJ:MIN ROOT POINT ..."
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (std::stoull(id) != stx.stx_mnt_id) continue;
    RealMount m;
    m.point = unescape_mount_field(point);
    m.major = static_cast<unsigned>(std::stoul(dev.substr(0, dev.find(':'))));
    m.minor = static_cast<unsigned>(std::stoul(dev.substr(dev.find(':') + 1)));
    return m;
  }
  return {};
}

// `path` and each of its ancestors up to "/", deepest first.
std::vector<std::string> self_and_ancestors(std::filesystem::path path) {
  std::vector<std::string> out;
  for (;;) {
    out.push_back(path.string());
    if (path == path.root_path()) return out;
    path = path.parent_path();
  }
}

class NeedleTest : public ::testing::Test {
 protected:
  NeedleTest() {
    write_file(file(), "");
    char* real = ::realpath(dir_.str().c_str(), nullptr);
    canonical_dir_ = real;
    ::free(real);
  }
  [[nodiscard]] std::string file() const { return dir_ / "f.lock"; }
  [[nodiscard]] std::string canonical_file() const { return canonical_dir_ + "/f.lock"; }

  ScratchDir dir_;
  std::string canonical_dir_;
};

TEST_F(NeedleTest, KeyDeviceFromTheMountTableInodeFromStat) {
  struct stat st {};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  // One entry covers everything; its device is none that stat reports here.
  std::vector<MountEntry> mounts{entry("/", 0x1f3, 0x2a7)};
  auto r = report_needle(file(), mounts);
  ASSERT_TRUE(r) << r.error().describe();
  const Needle& n = r->needle;
  EXPECT_EQ(n.path, file());
  EXPECT_EQ(n.key, (LockKey{0x1f3, 0x2a7, static_cast<std::uint64_t>(st.st_ino)}));
  EXPECT_EQ(format_lock_key(n.key), fmt::format("1f3:2a7:{}", st.st_ino));
  EXPECT_EQ(n.id, (FileId{st.st_dev, st.st_ino}));
  EXPECT_EQ(r->mount.mount_point, "/");
  EXPECT_EQ(r->mount.fs_type, "fixturefs");
  EXPECT_TRUE(r->mount.stat_dev_differs);
  // derive_needle is the identity alone, the same one.
  auto same = derive_needle(file(), mounts);
  ASSERT_TRUE(same) << same.error().describe();
  EXPECT_EQ(same->key, n.key);
  EXPECT_EQ(same->id, n.id);
}

TEST_F(NeedleTest, ASymlinkGivesItsTargetsInode) {
  std::string link = dir_ / "link";
  std::filesystem::create_symlink(file(), link);
  struct stat st {};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  auto n = derive_needle(link, {entry("/", 8, 1)});
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(n->path, link);
  EXPECT_EQ(n->key.inode, static_cast<std::uint64_t>(st.st_ino));
  EXPECT_EQ(n->id, (FileId{st.st_dev, st.st_ino}));
}

TEST_F(NeedleTest, AMissingPathIsNoInputNamingIt) {
  std::string missing = dir_ / "missing";
  auto n = derive_needle(missing, {entry("/", 8, 1)});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ExitCode::no_input);
  EXPECT_EQ(n.error().sys_errno, ENOENT);
  EXPECT_NE(n.error().message.find(missing), std::string::npos) << n.error().message;
}

TEST_F(NeedleTest, NoEntryCoveringThePathIsAnErrorNotAGuess) {
  auto n = derive_needle(file(), {});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ExitCode::os_error);
  EXPECT_NE(n.error().message.find(canonical_file()), std::string::npos) << n.error().message;
  // An entry that covers only somewhere else does not cover it either.
  n = derive_needle(file(), {entry("/nonexistent-mount", 8, 1)});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ExitCode::os_error);
}

TEST_F(NeedleTest, MountOfPicksTheMountThePathIsReallyOnNotTheLongestListedPrefix) {
  RealMount real = real_mount_of(canonical_dir_);
  if (real.point.empty()) GTEST_SKIP() << "statx gives no mount id here (kernel < 5.8)";
  // An entry for every ancestor of the scratch dir and the dir itself, each
  // its own device. The dir is no mount root, so its entry (the longest
  // prefix) is one a later mount on an ancestor would have hidden: its key
  // matches no lock the file can have.
  std::vector<MountEntry> mounts;
  unsigned minor = 1;
  for (const auto& p : self_and_ancestors(canonical_dir_))
    mounts.push_back(entry(p, 7, minor++));
  const MountEntry* m = mount_of(mounts, canonical_file());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->mount_point, real.point);
  EXPECT_NE(m->mount_point, canonical_dir_);

  // Two entries at that point: the later one is the mount on top.
  mounts.push_back(entry(real.point, 9, 100));
  mounts.push_back(entry(real.point, 9, 101));
  m = mount_of(mounts, canonical_file());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->minor, 101u);
}

TEST_F(NeedleTest, MountOfFallsBackToTheLongestPrefixWhenTheRealMountIsNotListed) {
  RealMount real = real_mount_of(canonical_dir_);
  if (real.point.empty()) GTEST_SKIP() << "statx gives no mount id here (kernel < 5.8)";
  std::vector<MountEntry> mounts;
  unsigned minor = 1;
  for (const auto& p : self_and_ancestors(canonical_dir_)) {
    if (p != real.point) mounts.push_back(entry(p, 7, minor++));
  }
  const MountEntry* m = mount_of(mounts, canonical_file());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->mount_point, canonical_dir_);
}

TEST_F(NeedleTest, OnTheRealMountTableTheKeyIsTheSuperblockDevice) {
  RealMount real = real_mount_of(canonical_dir_);
  if (real.point.empty()) GTEST_SKIP() << "statx gives no mount id here (kernel < 5.8)";
  auto mounts = read_mountinfo();
  ASSERT_TRUE(mounts) << mounts.error().describe();
  struct stat st {};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  auto n = report_needle(file(), *mounts);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(n->needle.key,
            (LockKey{real.major, real.minor, static_cast<std::uint64_t>(st.st_ino)}));
  EXPECT_EQ(n->mount.mount_point, real.point);
  // btrfs subvolumes and overlayfs report another st_dev; tmpfs and ext4 not.
  EXPECT_EQ(n->mount.stat_dev_differs,
            ::major(st.st_dev) != real.major || ::minor(st.st_dev) != real.minor);
}

}  // namespace
}  // namespace ktstr
