// An applet's options, declared once as plain data. cli.cpp turns the table
// into CLI11 options for parsing and --help (CLI11 is the one heavy header we
// keep to a single translation unit); docgen.cpp turns the same table into
// man pages and shell completions. Nothing about an option is written twice.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "lib/duration.hpp"

namespace ktstr {

// What kind of value an option takes: drives parsing, completion and docs.
enum class ValueHint {
  none,       // free text
  file,       // a path to a file
  directory,  // a path to a directory
  cpu_list,   // "0-3,8" (appends to a std::vector<unsigned>)
  llc_list,   // "0,2" LLC indices (appends to a std::vector<unsigned>)
  duration,   // SPEC §2 grammar
  number,
  choice,   // one of `choices`
  command,  // the command and its arguments, after "--"
  cache_key,
};

// A flag that sets a bool shared with another flag to its own value, so
// that of "-s" and "-x" the one given last wins, as in flock(1).
struct BoolSetter {
  bool* target;
  bool value;
};

using OptionTarget = std::variant<bool*, std::string*, std::optional<std::string>*,
                                  std::vector<std::string>*, std::optional<Duration>*,
                                  std::optional<unsigned>*, std::vector<unsigned>*, BoolSetter>;

struct OptionSpec {
  std::string names;       // "-n,--nonblock"; a positional's is its metavar: "PATH"
  std::string value_name;  // "DUR"; empty for a flag
  std::string help;
  OptionTarget target;
  ValueHint hint = ValueHint::none;
  std::vector<std::string> choices;
  std::uint32_t min = 0;
  std::uint32_t max = UINT32_MAX;
  bool positional = false;
  bool required = false;
  bool repeatable = false;
  std::string excludes;          // the names of an option this one cannot go with
  bool* present = nullptr;       // with_optional_value: set when given, value or not
  bool* after_dashes = nullptr;  // a COMMAND's: set when "--" came before it

  OptionSpec& with_hint(ValueHint h) { return hint = h, *this; }
  OptionSpec& with_choices(std::vector<std::string> c) {
    hint = ValueHint::choice;
    return choices = std::move(c), *this;
  }
  OptionSpec& with_range(std::uint32_t lo, std::uint32_t hi) { return min = lo, max = hi, *this; }
  OptionSpec& make_required() { return required = true, *this; }
  OptionSpec& excluding(std::string other) { return excludes = std::move(other), *this; }
  // "--watch" alone sets `given` and leaves the value to its default;
  // "--watch 2s" sets both.
  OptionSpec& with_optional_value(bool& given) { return present = &given, *this; }
  OptionSpec& noting_dashes(bool& seen) { return after_dashes = &seen, *this; }
};

class OptionTable {
 public:
  OptionSpec& flag(std::string names, bool& target, std::string help) {
    return add(OptionSpec{std::move(names), "", std::move(help), &target});
  }
  // A flag that sets `target` to `value`; several may share one target.
  OptionSpec& flag_setting(std::string names, bool& target, bool value, std::string help) {
    return add(OptionSpec{std::move(names), "", std::move(help), BoolSetter{&target, value}});
  }
  template <class T>
  OptionSpec& value(std::string names, std::string value_name, T& target, std::string help) {
    OptionSpec spec{std::move(names), std::move(value_name), std::move(help), &target};
    if constexpr (std::is_same_v<T, std::vector<std::string>> ||
                  std::is_same_v<T, std::vector<unsigned>>) {
      spec.repeatable = true;
    }
    if constexpr (std::is_same_v<T, std::optional<Duration>>) spec.hint = ValueHint::duration;
    if constexpr (std::is_same_v<T, std::optional<unsigned>>) spec.hint = ValueHint::number;
    return add(std::move(spec));
  }
  OptionSpec& positional(const std::string& metavar, std::vector<std::string>& target,
                         std::string help) {
    OptionSpec spec{metavar, metavar, std::move(help), &target};
    spec.positional = true;
    spec.repeatable = true;
    return add(std::move(spec));
  }
  // COMMAND [ARGS...]: everything after the options (and an optional "--").
  OptionSpec& command(std::vector<std::string>& target, std::string help) {
    return positional("COMMAND", target, std::move(help)).with_hint(ValueHint::command);
  }

  // A deque, so the reference each builder call returns stays valid.
  [[nodiscard]] const std::deque<OptionSpec>& specs() const { return specs_; }

 private:
  OptionSpec& add(OptionSpec spec) {
    specs_.push_back(std::move(spec));
    return specs_.back();
  }
  std::deque<OptionSpec> specs_;
};

}  // namespace ktstr
