// Oracles shared by the fuzz targets, written independently of the library
// they check (no ktstr helper decides what is valid here).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ktstr::fuzz {

// Decodes one strictly well-formed UTF-8 sequence (RFC 3629, table 3-7 of
// the Unicode standard: no overlong forms, no surrogates U+D800..U+DFFF,
// nothing above U+10FFFF) at s[i]; sets `len`. nullopt when malformed.
inline std::optional<char32_t> decode_utf8(std::string_view s, std::size_t i, std::size_t& len) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = byte(0);
  // The allowed range of the second byte for each lead byte.
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c < 0x80) {
    len = 1;
    return c;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong below U+10000
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return std::nullopt;  // 0x80..0xC1 (continuation, overlong 2-byte), 0xF5..
  }
  if (i + len > s.size()) return std::nullopt;
  if (byte(1) < lo || byte(1) > hi) return std::nullopt;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(k) < 0x80 || byte(k) > 0xBF) return std::nullopt;
  }
  char32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (byte(k) & 0x3F);
  return cp;
}

inline bool is_control(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// The number of code points of `s` when it is strictly well-formed UTF-8
// (and, unless `controls_ok`, free of C0, DEL and C1 controls); else nullopt.
inline std::optional<std::size_t> strict_utf8_length(std::string_view s, bool controls_ok = false) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    std::size_t len = 0;
    auto cp = decode_utf8(s, i, len);
    if (!cp || (!controls_ok && is_control(*cp))) return std::nullopt;
    i += len;
  }
  return n;
}

// `s` as JsonWriter must encode it: each byte that does not start a
// well-formed UTF-8 sequence becomes U+FFFD, the rest is kept.
inline std::string with_replacement_characters(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = 0;
    if (decode_utf8(s, i, len)) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      i += 1;
    }
  }
  return out;
}

// Appends code point `cp` as UTF-8.
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace ktstr::fuzz
