// A streaming JSON writer: values go straight into one string, no document
// tree. `locks --json` on a busy host renders thousands of rows; building
// them as a DOM first (as nlohmann_json does) was 60% of its run time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

class JsonWriter {
 public:
  // indent 0: one compact line; otherwise pretty, `indent` spaces a level.
  explicit JsonWriter(int indent) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The key of the next value inside an object.
  JsonWriter& key(std::string_view k);

  // Strings are escaped per RFC 8259; bytes that are not well-formed UTF-8
  // (a path or argv byte) become U+FFFD, so the output is always valid JSON.
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(bool b);
  JsonWriter& null();

  // The document so far (complete once every begin has its end).
  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  void before_value();
  void newline();
  void open(char c);
  void close(char c);

  struct Level {
    bool empty = true;
  };
  int indent_;
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace ktstr
