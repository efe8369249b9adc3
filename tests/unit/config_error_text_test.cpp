// Config errors are one printable line whatever bytes the file holds: the
// TOML parser's own description quotes the offending text, control
// characters included (found by tests/fuzz/config_fuzz).
#include <gtest/gtest.h>
#include <string>

#include "lib/config.hpp"

namespace ktstr {
namespace {

bool printable_line(const std::string& s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

TEST(ConfigErrorText, AControlCharacterInABadValueIsEscaped) {
  auto parsed = parse_config("[acquire]\npin = tr\x0b\n", "k.toml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ExitCode::config);
  std::string line = parsed.error().describe();
  EXPECT_TRUE(printable_line(line)) << line;
  EXPECT_TRUE(line.starts_with("k.toml:2:")) << line;
  EXPECT_NE(line.find("\\x0b"), std::string::npos) << line;
}

TEST(ConfigErrorText, AnEscapeSequenceInABadValueCannotReachTheTerminal) {
  auto parsed = parse_config("lock_dir = \x1b[2J\n", "k.toml");
  ASSERT_FALSE(parsed);
  std::string line = parsed.error().describe();
  EXPECT_TRUE(printable_line(line)) << line;
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
}

}  // namespace
}  // namespace ktstr
