// The data part of the bash completion: the tables that
// completions/ktstr.bash reads. Everything else is in that file.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "applets/docgen.hpp"

namespace ktstr::docgen {
namespace {

// Every option name of a table, space-separated.
std::string names_of(const OptionTable& table) {
  std::vector<std::string_view> names;
  for (const OptionSpec& spec : table.specs()) {
    if (spec.positional) continue;
    for (std::string_view n : option_names(spec))
      names.push_back(n);
  }
  return fmt::format("{}", fmt::join(names, " "));
}

// The value kinds (and choices) of the options that need a value.
// `owner`: the applet, or "*" for the global options.
void value_kinds(Out out, const OptionTable& table, std::string_view owner) {
  for (const OptionSpec& spec : table.specs()) {
    if (!requires_value(spec)) continue;
    for (std::string_view n : option_names(spec)) {
      std::string key = shell_quote(fmt::format("{}:{}", owner, n));
      fmt::format_to(out, "_ktstr_value_kinds[{}]={}\n", key, shell_quote(value_kind(spec)));
      if (!spec.choices.empty()) {
        fmt::format_to(out, "_ktstr_choices[{}]={}\n", key,
                       shell_quote(fmt::format("{}", fmt::join(spec.choices, " "))));
      }
    }
  }
}

}  // namespace

std::string bash_data() {
  auto all = applet_tables();
  std::string s;
  Out out{s};
  begin_block(out, "data");
  fmt::format_to(out, "_ktstr_applets=({})\n", applet_names(all));
  fmt::format_to(out, "_ktstr_top_options={}\n", shell_quote(names_of(top_level_options())));
  fmt::format_to(out, "_ktstr_global_options={}\n",
                 shell_quote(names_of(global_options()) + " " + names_of(standard_options())));
  value_kinds(out, global_options(), "*");
  for (const auto& t : all) {
    std::string_view name = t.applet->name;
    fmt::format_to(out, "_ktstr_options[{}]={}\n", name, shell_quote(names_of(t.table)));
    value_kinds(out, t.table, name);
    for (const OptionSpec& spec : t.table.specs()) {
      if (spec.positional)
        fmt::format_to(out, "_ktstr_positionals[{}]={}\n", name, shell_quote(value_kind(spec)));
    }
  }
  return s;
}

}  // namespace ktstr::docgen
