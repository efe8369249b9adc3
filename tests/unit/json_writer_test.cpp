#include "lib/json_writer.hpp"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

TEST(JsonWriter, CompactObjectWithEveryKindOfValue) {
  JsonWriter w(0);
  w.begin_object();
  w.key("s").value("x");
  w.key("n").value(std::int64_t{-3});
  w.key("u").value(std::uint64_t{18446744073709551615u});
  w.key("t").value(true);
  w.key("z").null();
  w.key("a").begin_array().value(1).value(2).end_array();
  w.key("e").begin_array().end_array();
  w.key("o").begin_object().end_object();
  w.end_object();
  EXPECT_EQ(
      w.str(),
      R"({"s":"x","n":-3,"u":18446744073709551615,"t":true,"z":null,"a":[1,2],"e":[],"o":{}})");
}

TEST(JsonWriter, PrettyIndentsByLevelAndKeepsEmptiesOnOneLine) {
  JsonWriter w(2);
  w.begin_object();
  w.key("a").begin_array().value(1).begin_object().key("k").value(false).end_object().end_array();
  w.key("b").begin_array().end_array();
  w.end_object();
  EXPECT_EQ(w.str(),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    {\n"
            "      \"k\": false\n"
            "    }\n"
            "  ],\n"
            "  \"b\": []\n"
            "}");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  JsonWriter w(0);
  w.value(std::string_view("a\"b\\c\nd\te\rf\x01g\x1fh\x7f", 16));
  EXPECT_EQ(w.str(), "\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u001fh\x7f\"");
}

TEST(JsonWriter, KeepsUtf8AndReplacesWhatIsNot) {
  JsonWriter w(0);
  w.begin_array();
  w.value("é€😀");
  w.value(
      "a\xff"
      "b");                 // stray byte
  w.value("\xe0\x80\xaf");  // overlong
  w.value("\xed\xa0\x80");  // surrogate
  w.value("caf\xc3");       // cut short
  w.end_array();
  EXPECT_EQ(w.str(),
            "[\"é€😀\",\"a\xEF\xBF\xBD"
            "b\",\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\",\"caf\xEF\xBF\xBD\"]");
}

}  // namespace
}  // namespace ktstr
