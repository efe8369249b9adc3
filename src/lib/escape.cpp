#include "escape.hpp"

#include "text.hpp"

namespace ktstr {

namespace {

// The length of the unit at s[i] that passes unchanged; 0 when the byte
// there must be escaped.
std::size_t safe_unit_length(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return (c >= 0x20 && c != 0x7F && c != '\\') ? 1 : 0;
  std::size_t len = utf8_sequence_length(s, i);
  // 0xC2 0x80..0x9F is U+0080..U+009F, the C1 controls.
  if (len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) return 0;
  return len;
}

}  // namespace

std::string escape_untrusted(std::string_view text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (std::size_t len = safe_unit_length(text, i); len > 0) {
      out.append(text.substr(i, len));
      i += len;
      continue;
    }
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\x";
        out += k_hex[c >> 4];
        out += k_hex[c & 0xF];
    }
    ++i;
  }
  return out;
}

}  // namespace ktstr
