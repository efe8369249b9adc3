// Lock file names shared with the Rust harness (SPEC §3).
#include "lib/lock_names.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace ktstr {
namespace {

using namespace std::string_literals;

TEST(LockNames, Paths) {
  EXPECT_EQ(llc_lock_path("/tmp", 0), "/tmp/ktstr-llc-0.lock");
  EXPECT_EQ(llc_lock_path("/run/lock", 12), "/run/lock/ktstr-llc-12.lock");
  EXPECT_EQ(cpu_lock_path("/tmp", 3), "/tmp/ktstr-cpu-3.lock");
  EXPECT_EQ(cpu_lock_path("/var/tmp/x", 255), "/var/tmp/x/ktstr-cpu-255.lock");
  EXPECT_EQ(cache_locks_dir("/home/u/.cache/ktstr/kernels"), "/home/u/.cache/ktstr/kernels/.locks");
  EXPECT_EQ(cache_lock_path("/c", "linux-6.9-x86_64"), "/c/.locks/linux-6.9-x86_64.lock");
}

TEST(ValidateCacheKey, AcceptsOrdinaryKeys) {
  for (std::string_view ok : {"linux-6.9.1-x86_64", "a", "key.with.dots", "a.b", "x_y-z", "tmp-x",
                              "a.tmp-b", "über", "a..b", "with space", "a~b"}) {
    EXPECT_TRUE(validate_cache_key(ok).has_value()) << ok;
  }
}

TEST(ValidateCacheKey, RejectsEachRule) {
  struct Case {
    std::string key;
    std::string why;
  };
  for (const Case& c :
       {Case{"", "empty"}, Case{".", "directory"}, Case{"..", "directory"}, Case{"a/b", "'/'"},
        Case{"/abs", "'/'"}, Case{"a\\b", "'\\'"}, Case{"..a", "'.'"}, Case{"...", "'.'"},
        Case{".tmp-x", "'.'"}, Case{".hidden", "'.'"}, Case{"a:b", "':'"}, Case{"a\0b"s, "NUL"},
        Case{"\0"s, "NUL"}, Case{"a\x1b[2Jb", "control"}, Case{"a\x7f", "control"},
        Case{"a\xc2\x9b", "control"}, Case{"a\xff", "UTF-8"},
        Case{std::string(201, 'k'), "201 bytes"}}) {
    auto st = validate_cache_key(c.key);
    EXPECT_FALSE(st.has_value()) << "accepted '" << c.key << "'";
    if (!st) {
      EXPECT_EQ(st.error().code, ExitCode::usage);
      EXPECT_NE(st.error().message.find(c.why), std::string::npos)
          << "'" << c.key << "': " << st.error().message;
    }
  }
}

TEST(ValidateCacheKey, TwoHundredBytesIsTheLimit) {
  EXPECT_TRUE(validate_cache_key(std::string(200, 'k')).has_value());
}

TEST(ValidateCacheKey, ALongKeyIsCutInTheMessage) {
  auto st = validate_cache_key(std::string(4000, 'k') + "/");
  ASSERT_FALSE(st.has_value());
  EXPECT_LT(st.error().describe().size(), 300u) << st.error().describe();
  EXPECT_NE(st.error().message.find("..."), std::string::npos);
}

TEST(ParseLockFileName, CanonicalNames) {
  auto cpu = parse_lock_file_name("ktstr-cpu-12.lock");
  ASSERT_TRUE(cpu.has_value());
  EXPECT_EQ(cpu->kind, LockKind::cpu);
  EXPECT_EQ(cpu->number, 12u);
  auto llc = parse_lock_file_name("ktstr-llc-0.lock");
  ASSERT_TRUE(llc.has_value());
  EXPECT_EQ(llc->kind, LockKind::llc);
  EXPECT_EQ(llc->number, 0u);
  auto big = parse_lock_file_name("ktstr-cpu-4294967295.lock");
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->number, 4294967295u);
}

TEST(ParseLockFileName, RoundTripsThePathFunctions) {
  for (unsigned n : {0u, 1u, 9u, 10u, 255u, 8191u}) {
    auto cpu = parse_lock_file_name(cpu_lock_path(".", n).substr(2));
    ASSERT_TRUE(cpu.has_value()) << n;
    EXPECT_EQ(cpu->kind, LockKind::cpu);
    EXPECT_EQ(cpu->number, n);
    auto llc = parse_lock_file_name(llc_lock_path(".", n).substr(2));
    ASSERT_TRUE(llc.has_value()) << n;
    EXPECT_EQ(llc->kind, LockKind::llc);
    EXPECT_EQ(llc->number, n);
  }
}

TEST(ParseLockFileName, RejectsEverythingElse) {
  for (std::string_view bad : {"ktstr-llc-oops.lock",
                               "ktstr-cpu-01.lock",
                               "ktstr-cpu-00.lock",
                               "ktstr-cpu-.lock",
                               "ktstr-cpu-1.lockx",
                               "ktstr-cpu-1.lock.bak",
                               "ktstr-cpu-1",
                               "ktstr-cpu--1.lock",
                               "ktstr-cpu-+1.lock",
                               "ktstr-cpu- 1.lock",
                               "ktstr-cpu-1 .lock",
                               "ktstr-cpu-0x1.lock",
                               "ktstr-cpu-4294967296.lock",
                               "ktstr-cpu-99999999999999999999.lock",
                               "ktstr-gpu-1.lock",
                               "Ktstr-cpu-1.lock",
                               "xktstr-cpu-1.lock",
                               "ktstr-cpu1.lock",
                               "ktstr-llc.lock",
                               "",
                               ".lock",
                               "ktstr-cpu-1.LOCK"}) {
    EXPECT_FALSE(parse_lock_file_name(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseCacheLockName, KeyPlusLock) {
  EXPECT_EQ(parse_cache_lock_name("linux-6.9.lock"), std::optional<std::string_view>("linux-6.9"));
  EXPECT_EQ(parse_cache_lock_name("x.lock.lock"), std::optional<std::string_view>("x.lock"));
  EXPECT_EQ(parse_cache_lock_name("a.lock"), std::optional<std::string_view>("a"));
  for (std::string_view bad : {".lock", "lock", "", "key", "key.lck", "key.lock.tmp", ".tmp-x.lock",
                               "..lock", "a:b.lock", "a\\b.lock", "\x1b.lock"}) {
    EXPECT_FALSE(parse_cache_lock_name(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

// Expected values computed outside ktstr, with Python's zlib:
//   python3 -c 'import zlib; print("%08x" % zlib.crc32(b"/usr/src/linux"))'
// (and the same for each string below; "k\u00e9rnel" encoded as UTF-8).
TEST(SourceLockName, IsZlibCrc32OfThePathBytes) {
  EXPECT_EQ(source_lock_name("/usr/src/linux"), "source-9990a221.lock");
  EXPECT_EQ(source_lock_name("/"), "source-79d3d2d4.lock");
  EXPECT_EQ(source_lock_name("/home/u/src/linux-6.12"), "source-56b41197.lock");
  EXPECT_EQ(source_lock_name("/tmp/a b"), "source-97979d49.lock");
  EXPECT_EQ(source_lock_name("/srv/k\xc3\xa9rnel"), "source-9be89c5a.lock");
  EXPECT_EQ(source_lock_name(""), "source-00000000.lock");  // leading zeros kept
}

TEST(SourceLockPath, ResolvesTheDirectory) {
  test::ScratchDir dir;
  std::filesystem::create_directories(dir / "linux");
  std::filesystem::create_directory_symlink(dir / "linux", dir / "link");
  auto real = std::filesystem::canonical(dir / "linux").string();
  auto want = "/c/.locks/" + source_lock_name(real);
  EXPECT_EQ(source_lock_path("/c", dir / "linux").value_or(""), want);
  EXPECT_EQ(source_lock_path("/c", dir / "link").value_or(""), want);
  EXPECT_EQ(source_lock_path("/c", dir / "linux/../linux/").value_or(""), want);
}

TEST(SourceLockPath, Errors) {
  test::ScratchDir dir;
  test::write_file(dir / "file", "x");
  auto missing = source_lock_path("/c", dir / "nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ExitCode::no_input);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  auto file = source_lock_path("/c", dir / "file");
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code, ExitCode::usage);
  EXPECT_NE(file.error().message.find("not a directory"), std::string::npos);
  auto under_file = source_lock_path("/c", dir / "file/x");
  ASSERT_FALSE(under_file.has_value());
  EXPECT_EQ(under_file.error().code, ExitCode::usage);
}

TEST(RunLockPath, KeysFollowTheCacheKeyRules) {
  EXPECT_EQ(run_lock_path("/w/target/ktstr", "6.12.0-abc1234").value_or(""),
            "/w/target/ktstr/.locks/6.12.0-abc1234.lock");
  EXPECT_EQ(run_locks_dir("/w/target/ktstr"), "/w/target/ktstr/.locks");
  for (std::string_view bad : {"", "a/b", "..", ".tmp-x"}) {
    auto p = run_lock_path("/r", bad);
    ASSERT_FALSE(p.has_value()) << bad;
    EXPECT_EQ(p.error().code, ExitCode::usage);
    EXPECT_NE(p.error().message.find("run key"), std::string::npos) << p.error().message;
  }
}

TEST(LockNameParsing, SourceAndRunLocks) {
  EXPECT_EQ(parse_cache_lock_name("source-9990a221.lock"), "source-9990a221");
  EXPECT_TRUE(is_source_lock_key("source-9990a221"));
  EXPECT_TRUE(is_source_lock_key("source-00000000"));
  for (std::string_view no : {"source-9990A221", "source-9990a22", "source-9990a2211", "source-",
                              "source-9990a22g", "sources-9990a221", "linux-6.12", "source"}) {
    EXPECT_FALSE(is_source_lock_key(no)) << no;
  }
  EXPECT_EQ(parse_run_lock_name("6.12.0-abc1234.lock"), "6.12.0-abc1234");
  EXPECT_EQ(parse_run_lock_name("x.lockx"), std::nullopt);
  EXPECT_EQ(parse_run_lock_name(".lock"), std::nullopt);
}

}  // namespace
}  // namespace ktstr
