// identify_file / refuse_one_file_named_twice on real directories: spellings
// of one file agree, whether or not the file, or its directory, exists yet.
#include "lib/same_file.hpp"

#include <unistd.h>

#include <gtest/gtest.h>
#include <filesystem>

#include "test_support.hpp"

namespace ktstr {
namespace {

using test::ScratchDir;

class SameFileTest : public ::testing::Test {
 protected:
  SameFileTest() { std::filesystem::create_directory(dir_ / "a"); }
  FileIdentity id(const std::string& path) const {
    auto r = identify_file(path);
    EXPECT_TRUE(r.has_value()) << path;
    return r.value_or(FileIdentity{});
  }
  ScratchDir dir_;
};

TEST_F(SameFileTest, SpellingsOfAnExistingFileAgree) {
  test::write_file(dir_ / "a/x", "");
  FileIdentity x = id(dir_ / "a/x");
  EXPECT_EQ(x.rest, "");
  EXPECT_EQ(id(dir_ / "a//x"), x);
  EXPECT_EQ(id(dir_ / "a/./x"), x);
  EXPECT_EQ(id(dir_ / "a/../a/x"), x);
  test::write_file(dir_ / "a/y", "");
  EXPECT_NE(id(dir_ / "a/y"), x);
}

TEST_F(SameFileTest, SpellingsOfAMissingFileAgree) {
  FileIdentity x = id(dir_ / "a/x");
  EXPECT_EQ(x.rest, "x");
  EXPECT_EQ(id(dir_ / "a//x"), x);
  EXPECT_EQ(id(dir_ / "a/./x/"), x);
  EXPECT_NE(id(dir_ / "a/y"), x);
}

TEST_F(SameFileTest, DotDotAppliesBelowAMissingDirectory) {
  FileIdentity x = id(dir_ / "a/new/x");
  EXPECT_EQ(x.rest, "new/x");
  EXPECT_EQ(id(dir_ / "a/new/../new/x"), x);
  EXPECT_EQ(id(dir_ / "a/new/sub/../x"), x);
}

TEST_F(SameFileTest, ASymlinkedDirectoryLeadsToTheSameFile) {
  std::filesystem::create_directory_symlink(dir_ / "a", dir_ / "link");
  EXPECT_EQ(id(dir_ / "link/x"), id(dir_ / "a/x"));
  test::write_file(dir_ / "a/x", "");
  EXPECT_EQ(id(dir_ / "link/x"), id(dir_ / "a/x"));
}

TEST_F(SameFileTest, RelativePathsStartFromTheWorkingDirectory) {
  std::string here = std::filesystem::current_path();
  ASSERT_EQ(::chdir((dir_ / "a").c_str()), 0);
  FileIdentity relative = id("x");
  FileIdentity dotted = id("./x");
  ASSERT_EQ(::chdir(here.c_str()), 0);
  EXPECT_EQ(relative, id(dir_ / "a/x"));
  EXPECT_EQ(dotted, relative);
}

TEST_F(SameFileTest, RefusesOneFileNamedTwiceNamingBoth) {
  std::string x = dir_ / "a/x";
  std::string x2 = dir_ / "a//x";
  EXPECT_TRUE(refuse_one_file_named_twice({x, dir_ / "a/y", x}).has_value());
  auto st = refuse_one_file_named_twice({x, dir_ / "a/y", x2});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ExitCode::usage);
  EXPECT_NE(st.error().message.find(x), std::string::npos);
  EXPECT_NE(st.error().message.find(x2), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(x));  // looked at, never created
}

}  // namespace
}  // namespace ktstr
