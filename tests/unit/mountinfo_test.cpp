// /proc/self/mountinfo parsing, the covering mount of a path, and the
// MAJOR:MINOR:INODE key /proc/locks prints (fs/locks.c lock_get_status).
#include "lib/mountinfo.hpp"
#include "lib/lock_key.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::read_fixture;

const MountEntry* find_mount(const std::vector<MountEntry>& mounts, std::string_view mp) {
  for (const auto& m : mounts) {
    if (m.mount_point == mp) return &m;
  }
  return nullptr;
}

std::string key_of(const std::vector<MountEntry>& mounts, std::string_view path) {
  const MountEntry* m = covering_mount(mounts, path);
  if (m == nullptr) return "<none>";
  return format_lock_key(LockKey{m->major, m->minor, 7});
}

TEST(UnescapeMountField, DecodesTheKernelsOctalEscapes) {
  EXPECT_EQ(unescape_mount_field(R"(/mnt/my\040disk)"), "/mnt/my disk");
  EXPECT_EQ(unescape_mount_field(R"(/mnt/tab\011here)"), "/mnt/tab\there");
  EXPECT_EQ(unescape_mount_field(R"(/mnt/back\134slash)"), "/mnt/back\\slash");
  EXPECT_EQ(unescape_mount_field(R"(/mnt/new\012line)"), "/mnt/new\nline");
  EXPECT_EQ(unescape_mount_field(R"(\040\040)"), "  ");
  EXPECT_EQ(unescape_mount_field(R"(/end\040)"), "/end ");
}

TEST(UnescapeMountField, LeavesIncompleteOrNonOctalEscapesAlone) {
  EXPECT_EQ(unescape_mount_field("/plain/path"), "/plain/path");
  EXPECT_EQ(unescape_mount_field(""), "");
  EXPECT_EQ(unescape_mount_field(R"(/a\04)"), R"(/a\04)");
  EXPECT_EQ(unescape_mount_field(R"(/a\0)"), R"(/a\0)");
  EXPECT_EQ(unescape_mount_field(R"(/a\)"), R"(/a\)");
  EXPECT_EQ(unescape_mount_field(R"(/a\089)"), R"(/a\089)");
  EXPECT_EQ(unescape_mount_field(R"(/a\x41)"), R"(/a\x41)");
  // An escaped backslash followed by digits: decoded once, not twice.
  EXPECT_EQ(unescape_mount_field(R"(\134040)"), R"(\040)");
}

TEST(ParseMountinfo, ReadsEveryWellFormedLine) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  ASSERT_EQ(mounts.size(), 15u);
  EXPECT_EQ(mounts[0].mount_point, "/");
  EXPECT_EQ(mounts[0].major, 8u);
  EXPECT_EQ(mounts[0].minor, 1u);
  EXPECT_EQ(mounts[0].fs_type, "ext4");
  EXPECT_EQ(mounts[0].source, "/dev/sda1");
  EXPECT_EQ(mounts.back().mount_point, "/mnt/fuse mount");
}

TEST(ParseMountinfo, DecodesEscapesInMountPointAndSource) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  ASSERT_NE(find_mount(mounts, "/mnt/my disk"), nullptr);
  EXPECT_EQ(find_mount(mounts, "/mnt/my disk")->minor, 17u);
  ASSERT_NE(find_mount(mounts, "/mnt/tab\there"), nullptr);
  EXPECT_EQ(find_mount(mounts, "/mnt/tab\there")->fs_type, "xfs");
  ASSERT_NE(find_mount(mounts, "/mnt/back\\slash"), nullptr);
  ASSERT_NE(find_mount(mounts, "/mnt/new\nline"), nullptr);
  const MountEntry* fuse = find_mount(mounts, "/mnt/fuse mount");
  ASSERT_NE(fuse, nullptr);
  EXPECT_EQ(fuse->fs_type, "fuse.bindfs");
  EXPECT_EQ(fuse->source, "bindfs src");
  EXPECT_EQ(find_mount(mounts, R"(/mnt/my\040disk)"), nullptr);
}

TEST(ParseMountinfo, OptionalFieldsBeforeTheSeparator) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  // "shared:30 master:4 propagate_from:2 unbindable -": four optional fields.
  const MountEntry* a = find_mount(mounts, "/mnt/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->fs_type, "tmpfs");
  EXPECT_EQ(a->source, "tmpfs");
  EXPECT_EQ(a->major, 0u);
  EXPECT_EQ(a->minor, 61u);
  // No optional field at all.
  const MountEntry* tab = find_mount(mounts, "/mnt/tab\there");
  ASSERT_NE(tab, nullptr);
  EXPECT_EQ(tab->source, "/dev/sdb2");
}

TEST(ParseMountinfo, BindMountOverTmpfsKeepsTheSuperblockDevice) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  // /srv/locks is /tmp/shared/locks bound elsewhere: same superblock, so the
  // same /proc/locks device whichever path a file is reached through.
  EXPECT_EQ(key_of(mounts, "/srv/locks/ktstr-cpu-0.lock"), "00:1a:7");
  EXPECT_EQ(key_of(mounts, "/tmp/shared/locks/ktstr-cpu-0.lock"), "00:1a:7");
  EXPECT_EQ(covering_mount(mounts, "/srv/locks/x")->mount_point, "/srv/locks");
  EXPECT_EQ(key_of(mounts, "/srv/other"), "08:01:7");
}

TEST(ParseMountinfo, LargeMajorsAndMinors) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  const MountEntry* nvme = find_mount(mounts, "/nvme");
  ASSERT_NE(nvme, nullptr);
  EXPECT_EQ(nvme->major, 259u);
  EXPECT_EQ(nvme->minor, 3u);
  const MountEntry* btrfs = find_mount(mounts, "/nvme/home");
  ASSERT_NE(btrfs, nullptr);
  EXPECT_EQ(btrfs->minor, 1234u);
  EXPECT_EQ(key_of(mounts, "/nvme/data/f"), "103:03:7");
  EXPECT_EQ(key_of(mounts, "/nvme/home/u/f"), "00:4d2:7");
  EXPECT_EQ(key_of(mounts, "/dm/f"), "fd:100:7");
}

TEST(ParseMountinfo, StackedMountsTheLaterOneWins) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/stacked.txt"));
  ASSERT_EQ(mounts.size(), 5u);
  const MountEntry* m = covering_mount(mounts, "/mnt/stack/file");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->minor, 41u);
  EXPECT_EQ(covering_mount(mounts, "/mnt/stack")->minor, 41u);
  EXPECT_EQ(covering_mount(mounts, "/mnt/stack/inner/x")->minor, 42u);
  EXPECT_EQ(covering_mount(mounts, "/mnt/stack/innerx")->minor, 41u);
  EXPECT_EQ(covering_mount(mounts, "/mnt/stack2/x")->minor, 43u);

  // The same mounts listed the other way round: still the last listed wins.
  std::vector<MountEntry> reversed{mounts[0], mounts[2], mounts[1]};
  EXPECT_EQ(covering_mount(reversed, "/mnt/stack/file")->minor, 40u);
}

TEST(ParseMountinfo, SkipsMalformedLines) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/malformed.txt"));
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].mount_point, "/");
  EXPECT_EQ(mounts[1].mount_point, "/mnt/good");
  EXPECT_EQ(mounts[1].minor, 33u);
}

TEST(ParseMountinfo, TruncatedReadKeepsTheCompleteLines) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/truncated.txt"));
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mount_point, "/mnt/last");
  EXPECT_EQ(mounts[0].minor, 50u);
}

TEST(ParseMountinfo, EmptyText) {
  EXPECT_TRUE(parse_mountinfo("").empty());
  EXPECT_TRUE(parse_mountinfo("\n\n").empty());
}

TEST(CoveringMount, LongestPrefixOnComponentBoundariesOnly) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  // /mnt/a must not cover /mnt/ab: that falls through to /.
  EXPECT_EQ(covering_mount(mounts, "/mnt/ab")->mount_point, "/");
  EXPECT_EQ(covering_mount(mounts, "/mnt/ab/f")->mount_point, "/");
  EXPECT_EQ(covering_mount(mounts, "/mnt/a")->mount_point, "/mnt/a");
  EXPECT_EQ(covering_mount(mounts, "/mnt/a/f")->mount_point, "/mnt/a");
  EXPECT_EQ(covering_mount(mounts, "/mnt/a/b/c")->mount_point, "/mnt/a");
  EXPECT_EQ(covering_mount(mounts, "/tmpfoo")->mount_point, "/");
  EXPECT_EQ(covering_mount(mounts, "/tmp")->mount_point, "/tmp");
  EXPECT_EQ(covering_mount(mounts, "/")->mount_point, "/");
  EXPECT_EQ(covering_mount(mounts, "/mnt/my disk/x")->mount_point, "/mnt/my disk");
  EXPECT_EQ(covering_mount(mounts, "/mnt/my")->mount_point, "/");
}

TEST(CoveringMount, NothingCoversARelativePathOrAnEmptyTable) {
  auto mounts = parse_mountinfo(read_fixture("mountinfo/host.txt"));
  EXPECT_EQ(covering_mount(mounts, "relative/path"), nullptr);
  EXPECT_EQ(covering_mount(mounts, ""), nullptr);
  EXPECT_EQ(covering_mount({}, "/tmp/x"), nullptr);
  // Without a root mount, a path outside every mount point is uncovered.
  auto stacked = parse_mountinfo(read_fixture("mountinfo/stacked.txt"));
  std::vector<MountEntry> no_root(stacked.begin() + 1, stacked.end());
  EXPECT_EQ(covering_mount(no_root, "/etc/passwd"), nullptr);
}

TEST(FormatLockKey, AtLeastTwoLowercaseHexDigitsNeverCut) {
  EXPECT_EQ(format_lock_key(LockKey{0, 0x2f, 5}), "00:2f:5");
  EXPECT_EQ(format_lock_key(LockKey{8, 1, 1234}), "08:01:1234");
  EXPECT_EQ(format_lock_key(LockKey{0xfd, 0x01, 456}), "fd:01:456");
  EXPECT_EQ(format_lock_key(LockKey{259, 3, 1048577}), "103:03:1048577");
  EXPECT_EQ(format_lock_key(LockKey{0, 1234, 1}), "00:4d2:1");
  EXPECT_EQ(format_lock_key(LockKey{0xfff, 0xfffff, 0}), "fff:fffff:0");
  EXPECT_EQ(format_lock_key(LockKey{0xAB, 0xCD, 18446744073709551615ull}),
            "ab:cd:18446744073709551615");
}

TEST(ParseLockKey, InverseOfFormat) {
  for (const LockKey& k : {LockKey{0, 0x2f, 5}, LockKey{259, 3, 1048577}, LockKey{0, 1234, 1},
                           LockKey{0xfd, 1, 456}, LockKey{0, 0, 0}}) {
    auto parsed = parse_lock_key(format_lock_key(k));
    ASSERT_TRUE(parsed.has_value()) << format_lock_key(k);
    EXPECT_EQ(*parsed, k);
  }
  auto k = parse_lock_key("fd:01:456");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->major, 0xfdu);
  EXPECT_EQ(k->minor, 1u);
  EXPECT_EQ(k->inode, 456u);
  // Hex digits may come in either case; the inode is decimal.
  EXPECT_EQ(parse_lock_key("FD:0A:10"), (LockKey{0xfd, 0x0a, 10}));
}

TEST(ParseLockKey, RejectsMalformedKeys) {
  for (std::string_view bad :
       {"", "00:2f", "00:2f:", ":2f:5", "00::5", "00:2f:5:", "00:2f:5x", "00:2f:x5", "zz:2f:5",
        "00:2f:0x5", "<none>:0", "00 2f 5", "00:2f:-5", " 00:2f:5", "00:2f:5 "}) {
    EXPECT_FALSE(parse_lock_key(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ReadMountinfo, OurOwnMountTableCoversRoot) {
  auto mounts = read_mountinfo();
  ASSERT_TRUE(mounts.has_value()) << mounts.error().describe();
  ASSERT_FALSE(mounts->empty());
  const MountEntry* root = covering_mount(*mounts, "/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->mount_point, "/");
}

}  // namespace
}  // namespace ktstr
