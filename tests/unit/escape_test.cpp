// escape_untrusted: what untrusted names look like in human output.
#include "lib/escape.hpp"
#include "lib/error.hpp"

#include <gtest/gtest.h>
#include <string>

namespace ktstr {
namespace {

using namespace std::string_literals;

TEST(EscapeUntrusted, PrintableTextIsUnchanged) {
  EXPECT_EQ(escape_untrusted("/tmp/ktstr-cpu-0.lock"), "/tmp/ktstr-cpu-0.lock");
  EXPECT_EQ(escape_untrusted("linux 6.6 x86_64"), "linux 6.6 x86_64");
  EXPECT_EQ(escape_untrusted("café €😀 x\xc2\xa0y"), "café €😀 x\xc2\xa0y");
  EXPECT_EQ(escape_untrusted(""), "");
}

TEST(EscapeUntrusted, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(escape_untrusted("\x1b[2Jx.lock"), "\\x1b[2Jx.lock");
  EXPECT_EQ(escape_untrusted("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(escape_untrusted("\x7f"), "\\x7f");
  EXPECT_EQ(escape_untrusted("a\0b"s), "a\\x00b");
  EXPECT_EQ(escape_untrusted("\x01\x1f"), "\\x01\\x1f");
}

TEST(EscapeUntrusted, C1ControlsAndBadUtf8AreEscapedPerByte) {
  // U+009B (CSI for 8-bit terminals) and U+0085 as UTF-8.
  EXPECT_EQ(escape_untrusted("a\xc2\x9b"
                             "31m"),
            "a\\xc2\\x9b31m");
  EXPECT_EQ(escape_untrusted("\xc2\x85"), "\\xc2\\x85");
  // A raw C1 byte, a stray continuation byte, a truncated sequence, an
  // overlong form and a surrogate.
  EXPECT_EQ(escape_untrusted("\x9b"), "\\x9b");
  EXPECT_EQ(escape_untrusted("\x80"
                             "ok"),
            "\\x80ok");
  EXPECT_EQ(escape_untrusted("caf\xc3"), "caf\\xc3");
  EXPECT_EQ(escape_untrusted("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(escape_untrusted("\xed\xa0\x80"), "\\xed\\xa0\\x80");
}

TEST(EscapeUntrusted, BackslashIsEscapedSoEscapesAreUnambiguous) {
  EXPECT_EQ(escape_untrusted("a\\x1b"), "a\\\\x1b");
  EXPECT_NE(escape_untrusted("\\x1b"), escape_untrusted("\x1b"));
}

TEST(EscapeUntrusted, OutputNeverHoldsAControlByte) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  std::string out = escape_untrusted(all);
  for (char c : out) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u < 0x7F) << static_cast<int>(u);
  }
}

TEST(Quote, UsesTheSameEscapes) {
  EXPECT_EQ(quote("\x1b[2J"), "'\\x1b[2J'");
  EXPECT_EQ(quote("a\xc2\x9b"), "'a\\xc2\\x9b'");
}

}  // namespace
}  // namespace ktstr
