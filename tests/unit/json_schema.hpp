// A small schema checker for the JSON the applets print: a document's shape
// as data (types, the exact set of keys of each object, null-ability, the
// strings a field may hold) and every way a parsed document departs from it.
// Parsing is nlohmann_json's strict RFC 8259 parser; nlohmann_json is a test
// dependency only (the applets write JSON with src/lib/json_writer.hpp).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ktstr::test {

enum class Type { string, unsigned_integer, integer, boolean, array, object };

struct SchemaKey;

struct Schema {
  Type type = Type::string;
  bool nullable = false;
  std::vector<SchemaKey> keys;          // object: exactly these keys, each present
  std::shared_ptr<const Schema> items;  // array: the schema of every element
  std::vector<std::string> one_of;      // string: the only values allowed, when not empty
};

struct SchemaKey {
  std::string name;
  Schema schema;
};

namespace schema {

inline Schema string() {
  return Schema{Type::string};
}
inline Schema one_of(std::vector<std::string> values) {
  Schema s{Type::string};
  s.one_of = std::move(values);
  return s;
}
// An integer >= 0, never a float ("3.0") and never a number in a string.
inline Schema unsigned_integer() {
  return Schema{Type::unsigned_integer};
}
inline Schema integer() {
  return Schema{Type::integer};
}
inline Schema boolean() {
  return Schema{Type::boolean};
}
inline Schema array_of(Schema items) {
  Schema s{Type::array};
  s.items = std::make_shared<const Schema>(std::move(items));
  return s;
}
inline Schema object(std::vector<SchemaKey> keys) {
  Schema s{Type::object};
  s.keys = std::move(keys);
  return s;
}
inline Schema nullable(Schema s) {
  s.nullable = true;
  return s;
}

}  // namespace schema

inline std::string_view type_name(Type t) {
  switch (t) {
    case Type::string:
      return "string";
    case Type::unsigned_integer:
      return "unsigned integer";
    case Type::integer:
      return "integer";
    case Type::boolean:
      return "boolean";
    case Type::array:
      return "array";
    case Type::object:
      break;
  }
  return "object";
}

inline bool is_non_negative_integer(const nlohmann::json& j) {
  // A parsed integer without a sign is number_unsigned; one set in a test
  // from an int is number_integer.
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
}

// What a value is, in the terms of the messages ("negative integer").
inline std::string describe_value(const nlohmann::json& j) {
  if (is_non_negative_integer(j)) return "unsigned integer " + j.dump();
  if (j.is_number_integer()) return "negative integer " + j.dump();
  if (j.is_number_float()) return "float " + j.dump();
  if (j.is_string()) return "string " + j.dump();
  return std::string(j.type_name());
}

inline bool has_type(const nlohmann::json& j, Type t) {
  switch (t) {
    case Type::string:
      return j.is_string();
    case Type::unsigned_integer:
      return is_non_negative_integer(j);
    case Type::integer:
      return j.is_number_integer();  // signed or unsigned, never float
    case Type::boolean:
      return j.is_boolean();
    case Type::array:
      return j.is_array();
    case Type::object:
      break;
  }
  return j.is_object();
}

// Appends to `errors` one line per departure of `j` (at `where`, a path such
// as "$.cpus[0].holders[1].pid") from `s`.
inline void collect_schema_errors(const nlohmann::json& j, const Schema& s,
                                  const std::string& where, std::vector<std::string>& errors) {
  if (j.is_null()) {
    if (!s.nullable) errors.push_back(where + ": null, expected " + std::string(type_name(s.type)));
    return;
  }
  if (!has_type(j, s.type)) {
    errors.push_back(where + ": " + describe_value(j) + ", expected " +
                     std::string(type_name(s.type)));
    return;
  }
  if (s.type == Type::string && !s.one_of.empty() &&
      std::find(s.one_of.begin(), s.one_of.end(), j.get<std::string>()) == s.one_of.end()) {
    errors.push_back(where + ": " + describe_value(j) + " is not an allowed value");
  }
  if (s.type == Type::array) {
    for (std::size_t i = 0; i < j.size(); ++i)
      collect_schema_errors(j[i], *s.items, where + "[" + std::to_string(i) + "]", errors);
  }
  if (s.type == Type::object) {
    for (const auto& k : s.keys) {
      auto it = j.find(k.name);
      if (it == j.end()) {
        errors.push_back(where + ": missing key \"" + k.name + "\"");
      } else {
        collect_schema_errors(*it, k.schema, where + "." + k.name, errors);
      }
    }
    for (const auto& [name, value] : j.items()) {
      bool known = std::any_of(s.keys.begin(), s.keys.end(),
                               [&](const SchemaKey& k) { return k.name == name; });
      if (!known) errors.push_back(where + ": unexpected key \"" + name + "\"");
    }
  }
}

inline std::vector<std::string> schema_errors(const nlohmann::json& j, const Schema& s) {
  std::vector<std::string> errors;
  collect_schema_errors(j, s, "$", errors);
  return errors;
}

// For EXPECT_TRUE(matches_schema(doc, s)): fails listing every departure.
inline ::testing::AssertionResult matches_schema(const nlohmann::json& j, const Schema& s) {
  auto errors = schema_errors(j, s);
  if (errors.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  for (const auto& e : errors)
    failure << e << "\n";
  return failure << "in: " << j.dump();
}

// Parses `text` as exactly one JSON document (nlohmann_json: RFC 8259, no
// trailing text, well-formed UTF-8 in strings) in which no object has a key
// twice: the DOM would keep one of the two silently. On failure `out` is
// left null and the result says why.
inline ::testing::AssertionResult parse_document(std::string_view text, nlohmann::json& out) {
  out = nullptr;
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto watch_keys = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                        nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) open_objects.emplace_back();
    if (event == Event::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == Event::key && !open_objects.empty() &&
        !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text, watch_keys);
  } catch (const nlohmann::json::parse_error& e) {
    return ::testing::AssertionFailure() << e.what() << "\nin: " << text;
  }
  if (!duplicate.empty()) {
    return ::testing::AssertionFailure()
           << "key \"" << duplicate << "\" twice in one object\nin: " << text;
  }
  out = std::move(parsed);
  return ::testing::AssertionSuccess();
}

}  // namespace ktstr::test
