// Fuzzes the JSON writer's strings (cache keys, paths, command lines of
// other users go through it). The document is strictly well-formed UTF-8
// with no raw control byte; decoding the string back (a decoder of its own,
// RFC 8259) gives the input exactly when the input is well-formed UTF-8, and
// otherwise the input with each malformed byte as U+FFFD.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "lib/json_writer.hpp"

namespace {

unsigned hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  __builtin_trap();
}

// Decodes the JSON string starting at doc[i] (its opening quote); leaves i
// after the closing quote.
std::string decode_string(std::string_view doc, std::size_t& i) {
  if (i >= doc.size() || doc[i] != '"') __builtin_trap();
  ++i;
  std::string out;
  auto u4 = [&]() {
    if (i + 4 > doc.size()) __builtin_trap();
    char32_t v = 0;
    for (int k = 0; k < 4; ++k)
      v = (v << 4) | hex_digit(doc[i++]);
    return v;
  };
  for (;;) {
    if (i >= doc.size()) __builtin_trap();
    char c = doc[i++];
    if (c == '"') return out;
    if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();  // raw control
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= doc.size()) __builtin_trap();
    char e = doc[i++];
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        char32_t cp = u4();
        if (cp >= 0xDC00 && cp <= 0xDFFF) __builtin_trap();  // lone low surrogate
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (i + 2 > doc.size() || doc[i] != '\\' || doc[i + 1] != 'u') __builtin_trap();
          i += 2;
          char32_t low = u4();
          if (low < 0xDC00 || low > 0xDFFF) __builtin_trap();
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        ktstr::fuzz::append_utf8(out, cp);
        break;
      }
      default:
        __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int indent : {0, 2}) {
    ktstr::JsonWriter w(indent);
    w.begin_object().key(in).value(in).end_object();
    const std::string& doc = w.str();
    // Raw bytes: well-formed UTF-8 (controls only as the pretty layout's
    // newlines, which sit outside strings and are checked below).
    if (!ktstr::fuzz::strict_utf8_length(doc, /*controls_ok=*/true)) __builtin_trap();
    std::size_t i = 0;
    auto skip_space = [&] {
      while (i < doc.size() && (doc[i] == ' ' || doc[i] == '\n'))
        ++i;
    };
    skip_space();
    if (i >= doc.size() || doc[i++] != '{') __builtin_trap();
    skip_space();
    std::string key = decode_string(doc, i);
    skip_space();
    if (i >= doc.size() || doc[i++] != ':') __builtin_trap();
    skip_space();
    std::string value = decode_string(doc, i);
    skip_space();
    if (i >= doc.size() || doc[i++] != '}') __builtin_trap();
    skip_space();
    if (i != doc.size()) __builtin_trap();
    std::string want = ktstr::fuzz::with_replacement_characters(in);
    if (key != want || value != want) __builtin_trap();
  }
  return 0;
}
