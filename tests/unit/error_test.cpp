#include "lib/error.hpp"

#include <cerrno>

#include <gtest/gtest.h>

namespace ktstr {
namespace {

TEST(Quote, WrapsInSingleQuotes) {
  EXPECT_EQ(quote("/tmp/x y"), "'/tmp/x y'");
  EXPECT_EQ(quote(""), "''");
}

TEST(Quote, EscapesControlCharactersSoTheLineStaysOne) {
  EXPECT_EQ(quote("5s\n"), "'5s\\n'");
  EXPECT_EQ(quote("\t5s"), "'\\t5s'");
  EXPECT_EQ(quote("a\x1b[31mb"), "'a\\x1b[31mb'");
  EXPECT_EQ(quote(std::string_view("a\0b", 3)), "'a\\x00b'");
  EXPECT_EQ(quote("\x7f"), "'\\x7f'");
  // UTF-8 passes through untouched.
  EXPECT_EQ(quote("é€"), "'é€'");
}

TEST(ErrorDescribe, AppendsErrnoTextAndRemedy) {
  Error e{ExitCode::no_input, "cannot open '/x'", ENOENT, "check the path"};
  EXPECT_EQ(e.describe(), "cannot open '/x': No such file or directory; check the path");
  Error plain{ExitCode::usage, "bad thing", 0, ""};
  EXPECT_EQ(plain.describe(), "bad thing");
}

TEST(ExitCodeForErrno, MapsPermissionAndMissingAndTheRest) {
  EXPECT_EQ(exit_code_for_errno(EACCES, ExitCode::os_error), ExitCode::no_perm);
  EXPECT_EQ(exit_code_for_errno(EPERM, ExitCode::os_error), ExitCode::no_perm);
  EXPECT_EQ(exit_code_for_errno(ENOENT, ExitCode::os_error), ExitCode::no_input);
  EXPECT_EQ(exit_code_for_errno(ENOTDIR, ExitCode::cant_create), ExitCode::no_input);
  EXPECT_EQ(exit_code_for_errno(ENOSPC, ExitCode::cant_create), ExitCode::cant_create);
  EXPECT_EQ(exit_code_for_errno(EIO, ExitCode::os_error), ExitCode::os_error);
}

TEST(Expected, HoldsValueOrError) {
  Result<int> ok = 3;
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 3);
  EXPECT_EQ(ok.value_or(7), 3);
  Result<int> bad = fail(ExitCode::usage, "nope");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ExitCode::usage);
  EXPECT_EQ(bad.value_or(7), 7);
  Status fine;
  EXPECT_TRUE(fine.has_value());
  Status broken = fail_errno("cannot x", EACCES);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().code, ExitCode::no_perm);
  EXPECT_EQ(broken.error().sys_errno, EACCES);
}

}  // namespace
}  // namespace ktstr
