// An applet's options, declared once as plain data: each names a member of
// the applet's Options struct, and no object exists until cli.cpp binds the
// table to one at parse time. cli.cpp turns the table into CLI11 options for
// parsing and --help (CLI11 is the one heavy header we keep to a single
// translation unit); docgen reads the same table, with no object at all, for
// the man pages and shell completions. Nothing about an option is written
// twice.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <typeinfo>
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
  choice,     // one of `choices`
  command,    // the command and its arguments, after "--"
};

// An options struct whose type only the applet knows, carried with that
// type so that a table's members are never applied to another struct.
class OptionsObject {
 public:
  template <class O>
  static OptionsObject make() {
    return OptionsObject(std::make_shared<O>(), typeid(O));
  }
  // One the caller owns and keeps alive (GlobalOptions in cli.cpp).
  template <class O>
  static OptionsObject borrow(O& object) {
    return OptionsObject(std::shared_ptr<void>(&object, [](void*) {}), typeid(O));
  }
  [[nodiscard]] void* as(const std::type_info& type) const {
    if (type != *type_) throw std::logic_error("an option table bound to another options struct");
    return object_.get();
  }

 private:
  OptionsObject(std::shared_ptr<void> object, const std::type_info& type)
      : object_(std::move(object)), type_(&type) {}
  std::shared_ptr<void> object_;
  const std::type_info* type_;
};

// Where a value goes: a member of an options struct, named when the table is
// declared and reached in the object bound at parse time.
template <class T>
class Member {
 public:
  template <class O>
  explicit Member(T O::*member)
      : owner_(&typeid(O)),
        at_([member](void* object) -> T& { return static_cast<O*>(object)->*member; }) {}
  T& in(const OptionsObject& object) const { return at_(object.as(*owner_)); }

 private:
  const std::type_info* owner_;
  std::function<T&(void*)> at_;
};

// A flag that sets a bool shared with another flag to its own value, so
// that of "-s" and "-x" the one given last wins, as in flock(1).
struct BoolSetter {
  Member<bool> target;
  bool value;
};

// An option the parser itself acts on (--help, --version): documented in the
// tables, stored nowhere.
struct BuiltIn {};

using OptionTarget =
    std::variant<BuiltIn, Member<bool>, Member<std::string>, Member<std::optional<std::string>>,
                 Member<std::vector<std::string>>, Member<std::optional<Duration>>,
                 Member<std::optional<unsigned>>, Member<std::vector<unsigned>>, BoolSetter>;

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
  std::string excludes;                      // the names of an option this one cannot go with
  std::optional<Member<bool>> present;       // with_optional_value: set when given, value or not
  std::optional<Member<bool>> after_dashes;  // a COMMAND's: set when "--" came before it

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
  template <class O>
  OptionSpec& with_optional_value(bool O::*given) {
    return present = Member<bool>(given), *this;
  }
  template <class O>
  OptionSpec& noting_dashes(bool O::*seen) {
    return after_dashes = Member<bool>(seen), *this;
  }
};

class OptionTable {
 public:
  template <class O>
  OptionSpec& flag(std::string names, bool O::*target, std::string help) {
    return add(OptionSpec{std::move(names), "", std::move(help), Member<bool>(target)});
  }
  // A flag that sets `target` to `value`; several may share one target.
  template <class O>
  OptionSpec& flag_setting(std::string names, bool O::*target, bool value, std::string help) {
    return add(
        OptionSpec{std::move(names), "", std::move(help), BoolSetter{Member<bool>(target), value}});
  }
  // A flag the parser handles itself (--help, --version).
  OptionSpec& built_in(std::string names, std::string help) {
    return add(OptionSpec{std::move(names), "", std::move(help), BuiltIn{}});
  }
  template <class O, class T>
  OptionSpec& value(std::string names, std::string value_name, T O::*target, std::string help) {
    OptionSpec spec{std::move(names), std::move(value_name), std::move(help), Member<T>(target)};
    if constexpr (std::is_same_v<T, std::vector<std::string>> ||
                  std::is_same_v<T, std::vector<unsigned>>) {
      spec.repeatable = true;
    }
    if constexpr (std::is_same_v<T, std::optional<Duration>>) spec.hint = ValueHint::duration;
    return add(std::move(spec));
  }
  template <class O>
  OptionSpec& positional(const std::string& metavar, std::vector<std::string> O::*target,
                         std::string help) {
    OptionSpec spec{metavar, metavar, std::move(help), Member<std::vector<std::string>>(target)};
    spec.positional = true;
    spec.repeatable = true;
    return add(std::move(spec));
  }
  // COMMAND [ARGS...]: everything after the options (and an optional "--").
  template <class O>
  OptionSpec& command(std::vector<std::string> O::*target, std::string help) {
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
