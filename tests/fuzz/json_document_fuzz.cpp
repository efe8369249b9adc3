// Fuzzes JsonWriter with whole documents. The input drives the writer's
// calls: objects and arrays nested up to 32 deep, arbitrary byte strings as
// keys and string values, integers, booleans and nulls, written compact and
// pretty. nlohmann_json, a parser made apart from ktstr, must accept each
// document, and its SAX events must be the calls made, in order: the same
// keys and strings (bytes that are not well-formed UTF-8 as U+FFFD, the
// writer's documented rule), the same numbers, the same nesting.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "lib/json_writer.hpp"

namespace {

using Json = nlohmann::json;
using Events = std::vector<std::string>;

// Every SAX event as one line of text.
class Recorder final : public nlohmann::json_sax<Json> {
 public:
  Events events;

  bool null() override { return add("null"); }
  bool boolean(bool b) override { return add(b ? "true" : "false"); }
  bool number_integer(number_integer_t n) override { return add("int " + std::to_string(n)); }
  bool number_unsigned(number_unsigned_t n) override { return add("uint " + std::to_string(n)); }
  bool number_float(number_float_t /*n*/, const string_t& s) override {
    return add("float " + s);  // the writer prints none
  }
  bool string(string_t& s) override { return add("string " + s); }
  bool binary(binary_t& /*b*/) override { return add("binary"); }
  bool start_object(std::size_t /*n*/) override { return add("{"); }
  bool key(string_t& k) override { return add("key " + k); }
  bool end_object() override { return add("}"); }
  bool start_array(std::size_t /*n*/) override { return add("["); }
  bool end_array() override { return add("]"); }
  bool parse_error(std::size_t /*pos*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*e*/) override {
    return false;
  }

 private:
  bool add(std::string e) {
    events.push_back(std::move(e));
    return true;
  }
};

constexpr int k_max_depth = 32;
constexpr int k_max_members = 6;
constexpr std::size_t k_max_string = 48;

std::string text_of(std::string_view bytes) {
  return ktstr::fuzz::with_replacement_characters(bytes);
}

// Writes one value of the kind the input picks, and the events a parser
// must see for it.
void write_value(FuzzedDataProvider& in, ktstr::JsonWriter& w, Events& want, int depth) {
  int kind = in.ConsumeIntegralInRange<int>(0, depth < k_max_depth ? 6 : 4);
  switch (kind) {
    case 0: {
      std::string s = in.ConsumeRandomLengthString(k_max_string);
      w.value(std::string_view(s));
      want.push_back("string " + text_of(s));
      break;
    }
    case 1: {
      auto n = in.ConsumeIntegral<std::int64_t>();
      w.value(n);
      // A parser reads a number without a sign as unsigned.
      want.push_back((n < 0 ? "int " : "uint ") + std::to_string(n));
      break;
    }
    case 2: {
      auto n = in.ConsumeIntegral<std::uint64_t>();
      w.value(n);
      want.push_back("uint " + std::to_string(n));
      break;
    }
    case 3: {
      bool b = in.ConsumeBool();
      w.value(b);
      want.emplace_back(b ? "true" : "false");
      break;
    }
    case 4:
      w.null();
      want.emplace_back("null");
      break;
    case 5: {
      w.begin_object();
      want.emplace_back("{");
      for (int i = in.ConsumeIntegralInRange<int>(0, k_max_members); i > 0; --i) {
        std::string k = in.ConsumeRandomLengthString(k_max_string);
        w.key(k);
        want.push_back("key " + text_of(k));
        write_value(in, w, want, depth + 1);
      }
      w.end_object();
      want.emplace_back("}");
      break;
    }
    default: {
      w.begin_array();
      want.emplace_back("[");
      for (int i = in.ConsumeIntegralInRange<int>(0, k_max_members); i > 0; --i)
        write_value(in, w, want, depth + 1);
      w.end_array();
      want.emplace_back("]");
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (int indent : {0, 2}) {
    // The same calls for both layouts: each gets the input afresh.
    FuzzedDataProvider in(data, size);
    ktstr::JsonWriter w(indent);
    Events want;
    write_value(in, w, want, 0);
    const std::string& doc = w.str();
    if (indent == 0 && doc.find('\n') != std::string::npos) __builtin_trap();
    Recorder seen;
    if (!Json::sax_parse(doc, &seen, Json::input_format_t::json, /*strict=*/true)) {
      __builtin_trap();
    }
    if (seen.events != want) __builtin_trap();
  }
  return 0;
}
