// Fuzzes the holder command-line formatter: the result is valid UTF-8 of at
// most 100 characters plus the ellipsis, with no control characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/holders.hpp"

namespace {

// Counts code points; traps on anything that is not well-formed UTF-8.
std::size_t utf8_length(std::string_view s) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > s.size()) __builtin_trap();
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) __builtin_trap();
    }
    if (len == 1 && (c < 0x20 || c == 0x7F)) __builtin_trap();
    i += len;
  }
  return chars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string shown = ktstr::format_cmdline(raw);
  if (utf8_length(shown) > ktstr::k_cmdline_max_chars + 1) __builtin_trap();
  return 0;
}
