// The data part of the fish completion: one call per applet, option and
// operand of the functions that completions/ktstr.fish defines.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "applets/docgen.hpp"

namespace ktstr::docgen {
namespace {

// flag, optional (a free-text value that may be left out), or the kind of
// the value.
std::string_view fish_kind(const OptionSpec& spec) {
  if (!takes_value(spec)) return "flag";
  std::string_view kind = value_kind(spec);
  return kind == "text" && spec.present.has_value() ? "optional" : kind;
}

// `owner`: the applet, @global or @top (bare ktstr only).
void options(Out out, std::string_view owner, const OptionTable& table) {
  for (const OptionSpec& spec : table.specs()) {
    if (spec.positional) {
      fmt::format_to(out, "__ktstr_operands {} {}\n", owner, value_kind(spec));
      continue;
    }
    fmt::format_to(out, "__ktstr_option {} {} {} {}", owner, spec.names, fish_kind(spec),
                   shell_quote(spec.help));
    for (const std::string& choice : spec.choices)
      fmt::format_to(out, " {}", shell_quote(choice));
    fmt::format_to(out, "\n");
  }
}

}  // namespace

std::string fish_data() {
  auto all = applet_tables();
  std::string s;
  Out out{s};
  begin_block(out, "data");
  fmt::format_to(out, "set -g __ktstr_applets {}\n", applet_names(all));
  for (const auto& t : all)
    fmt::format_to(out, "__ktstr_applet {} {}\n", t.applet->name, shell_quote(t.applet->summary));
  options(out, "@top", top_level_options());
  options(out, "@global", global_options());
  options(out, "@global", standard_options());
  for (const auto& t : all)
    options(out, t.applet->name, t.table);
  return s;
}

}  // namespace ktstr::docgen
