// same_directory and lock_space_note: when a Rust harness started from the
// caller's environment would use another lock dir.
#include "lib/lock_space.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace ktstr {
namespace {

TEST(SameDirectory, ByIdentityNotSpelling) {
  test::ScratchDir dir;
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directory_symlink(dir / "a", dir / "link");
  EXPECT_TRUE(same_directory(dir / "a", dir / "a/"));
  EXPECT_TRUE(same_directory(dir / "a", dir / "a/./"));
  EXPECT_TRUE(same_directory(dir / "a", dir / "link"));
  EXPECT_FALSE(same_directory(dir / "a", dir.str()));
  // Not made yet: the same words below the nearest existing directory.
  EXPECT_TRUE(same_directory(dir / "new/x", dir / "link/../new//x"));
  EXPECT_FALSE(same_directory(dir / "new/x", dir / "new/y"));
}

TEST(LockSpaceNote, OnlyWhenTheHarnessWouldLockElsewhere) {
  test::ScratchDir dir;
  Settings s;
  s.lock_dir = dir / "locks";
  s.lock_dir_from = "--lock-dir";
  s.harness_lock_dir = "/tmp";
  auto note = lock_space_note(s);
  ASSERT_TRUE(note.has_value());
  EXPECT_NE(note->find("(from --lock-dir)"), std::string::npos) << *note;
  EXPECT_NE(note->find("'/tmp'"), std::string::npos) << *note;
  EXPECT_NE(note->find("KTSTR_LOCK_DIR='" + s.lock_dir + "'"), std::string::npos) << *note;
  EXPECT_EQ(note->find('\n'), std::string::npos);

  s.harness_lock_dir = s.lock_dir + "/";
  EXPECT_FALSE(lock_space_note(s).has_value());
}

}  // namespace
}  // namespace ktstr
