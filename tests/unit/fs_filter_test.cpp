// classify_fs_magic: the table of filesystems flock(2) is refused on (SPEC §3)
// and the fallback for a magic it does not know; refused_fs_error's exit code
// and wording; probe_fs on this machine's filesystems.
#include "lib/fs_filter.hpp"

#include <gtest/gtest.h>
#include <cstdint>
#include <string>
#include <string_view>

#include "test_support.hpp"

namespace ktstr {
namespace {

struct Refused {
  std::uint64_t magic;
  std::string_view name;
  std::string_view reason_mentions;
};

// Every refused filesystem of SPEC §3, with its magic from
// include/uapi/linux/magic.h (and fs/afs, fs/ceph for the ones not there).
constexpr Refused k_refused[] = {
    {0x6969, "nfs", "NFS"},         {0xFF534D42, "cifs", "CIFS"}, {0xFE534D42, "smb2", "SMB2"},
    {0x00C36400, "ceph", "CephFS"}, {0x6B414653, "afs", "AFS"},   {0x5346414F, "openafs", "AFS"},
    {0x65735546, "fuse", "FUSE"},
};

TEST(ClassifyFsMagic, RefusesEachRemoteOrDaemonBackedFilesystem) {
  for (const auto& fs : k_refused) {
    SCOPED_TRACE(std::string(fs.name));
    auto v = classify_fs_magic(fs.magic);
    EXPECT_EQ(v.magic, fs.magic);
    EXPECT_EQ(v.name, fs.name);
    EXPECT_TRUE(v.refused);
    EXPECT_NE(v.reason.find(fs.reason_mentions), std::string_view::npos) << v.reason;
  }
}

TEST(ClassifyFsMagic, AcceptsLocalFilesystemsByName) {
  const std::pair<std::uint64_t, std::string_view> local[] = {
      {0xEF53, "ext4"},    {0x01021994, "tmpfs"},   {0x9123683E, "btrfs"},
      {0x58465342, "xfs"}, {0x794C7630, "overlay"}, {0x858458F6, "ramfs"},
  };
  for (const auto& [magic, name] : local) {
    SCOPED_TRACE(std::string(name));
    auto v = classify_fs_magic(magic);
    EXPECT_EQ(v.magic, magic);
    EXPECT_EQ(v.name, name);
    EXPECT_FALSE(v.refused);
    EXPECT_TRUE(v.reason.empty());
  }
}

TEST(ClassifyFsMagic, AnUnknownMagicIsNamelessAndNotRefused) {
  for (std::uint64_t magic : {0x0ULL, 0x12345678ULL, 0xFFFFFFFFULL, 0x6968ULL, 0x696AULL}) {
    SCOPED_TRACE(magic);
    auto v = classify_fs_magic(magic);
    EXPECT_EQ(v.magic, magic);
    EXPECT_TRUE(v.name.empty());
    EXPECT_FALSE(v.refused);
    EXPECT_TRUE(v.reason.empty());
  }
}

TEST(ClassifyFsMagic, MatchesTheWholeMagicNotPart) {
  // A magic with a refused one in its low half is not refused.
  EXPECT_FALSE(classify_fs_magic(0x10006969).refused);
  EXPECT_FALSE(classify_fs_magic(0x65735546ULL << 32).refused);
}

TEST(RefusedFsError, Exit69NamingPathFilesystemReasonAndRemedy) {
  auto v = classify_fs_magic(0x6969);
  auto e = refused_fs_error("/mnt/nfs/locks", v);
  EXPECT_EQ(e.code, ExitCode::unavailable);
  EXPECT_EQ(static_cast<int>(e.code), 69);
  auto line = e.describe();
  EXPECT_NE(line.find("/mnt/nfs/locks"), std::string::npos) << line;
  EXPECT_NE(line.find("nfs"), std::string::npos) << line;
  EXPECT_NE(line.find("0x6969"), std::string::npos) << line;
  EXPECT_NE(line.find(v.reason), std::string::npos) << line;
  EXPECT_NE(line.find("local filesystem"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
}

TEST(ProbeFs, ATempDirIsAcceptedAndAMissingPathIsAnError) {
  test::ScratchDir dir;
  auto v = probe_fs(dir.str());
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_FALSE(v->refused);
  auto missing = probe_fs(dir / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
  // The nearest existing ancestor stands in for a path yet to be made.
  auto nearest = probe_fs_of_nearest_existing(dir / "a/b/c");
  ASSERT_TRUE(nearest) << nearest.error().describe();
  EXPECT_EQ(nearest->checked_path, dir.str());
}

}  // namespace
}  // namespace ktstr
