// The data part of the zsh completion: the `#compdef` line and one
// _arguments spec per option, e.g.
//   '(-n --nonblock --timeout)'{-n,--nonblock}'[fail at once ...]'
// which completions/ktstr.zsh hands to _arguments.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "applets/docgen.hpp"

namespace ktstr::docgen {
namespace {

std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The _arguments action of a value: a kind of completions/ktstr.zsh's
// (_ktstr_cpus, _ktstr_llcs), a zsh one, or none.
std::string action(const OptionSpec& spec) {
  std::string_view kind = value_kind(spec);
  if (kind == "choice") return fmt::format("({})", fmt::join(spec.choices, " "));
  if (kind == "file") return "_files";
  if (kind == "directory") return "_files -/";
  if (kind == "cpu_list") return "_ktstr_cpus";
  if (kind == "llc_list") return "_ktstr_llcs";
  return " ";
}

// `ends_run`: --help and --version, which exclude everything else.
std::string spec_of(const OptionSpec& spec, const OptionTable& table, bool ends_run) {
  if (spec.positional) {
    if (spec.hint == ValueHint::command) return "'*::command:_normal'";
    return shell_quote(fmt::format("*:{}:{}", spec.value_name, action(spec)));
  }
  auto names = option_names(spec);
  std::vector<std::string_view> excl;
  if (!spec.repeatable) excl = names;
  for (std::string_view other : exclusions(spec, table)) {
    for (const OptionSpec& o : table.specs()) {
      if (long_name(o) != other) continue;
      for (std::string_view n : option_names(o))
        excl.push_back(n);
    }
  }
  std::string prefix = ends_run       ? "(- *)"
                       : excl.empty() ? ""
                                      : fmt::format("({})", fmt::join(excl, " "));
  if (spec.repeatable) prefix += '*';
  std::string value;
  if (takes_value(spec)) {
    value = fmt::format("{}{}:{}", spec.present.has_value() ? "::" : ":",
                        escape_help(spec.value_name), action(spec));
  }
  std::string rest = fmt::format("[{}]{}", escape_help(spec.help), value);
  if (names.size() == 1) return shell_quote(fmt::format("{}{}{}", prefix, names[0], rest));
  return fmt::format("{}{{{}}}{}", shell_quote(prefix), fmt::join(names, ","), shell_quote(rest));
}

// "name=(\n  spec\n  ...\n)"
void spec_array(Out out, std::string_view name, const OptionTable& table, bool ends_run = false,
                bool close = true) {
  fmt::format_to(out, "typeset -ga {}=(\n", name);
  for (const OptionSpec& spec : table.specs())
    fmt::format_to(out, "  {}\n", spec_of(spec, table, ends_run));
  if (close) fmt::format_to(out, ")\n");
}

}  // namespace

std::string zsh_data() {
  auto all = applet_tables();
  std::string s;
  Out out{s};
  begin_block(out, "compdef");
  fmt::format_to(out, "#compdef ktstr");
  for (const auto& t : all)
    fmt::format_to(out, " ktstr-{}", t.applet->name);
  fmt::format_to(out, "\n");
  begin_block(out, "data");
  std::vector<std::string_view> names;
  std::vector<std::string> described;
  for (const auto& t : all) {
    names.push_back(t.applet->name);
    described.push_back(shell_quote(fmt::format("{}:{}", t.applet->name, t.applet->summary)));
  }
  fmt::format_to(out, "_ktstr_applet_names=({})\n", fmt::join(names, " "));
  fmt::format_to(out, "_ktstr_applet_descriptions=(\n  {}\n)\n", fmt::join(described, "\n  "));
  spec_array(out, "_ktstr_global_specs", global_options(), false, false);
  OptionTable standard = standard_options();
  for (const OptionSpec& spec : standard.specs())
    fmt::format_to(out, "  {}\n", spec_of(spec, standard, true));
  fmt::format_to(out, ")\n");
  spec_array(out, "_ktstr_top_specs", top_level_options());
  for (const auto& t : all)
    spec_array(out, fmt::format("_ktstr_specs_{}", t.applet->name), t.table);
  return s;
}

}  // namespace ktstr::docgen
