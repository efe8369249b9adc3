// What every generator shares: the tables, the reading of an option spec and
// the dispatch on --generate's KIND. One file per output beside it:
// docgen_man.cpp, docgen_toml.cpp, docgen_bash.cpp, docgen_zsh.cpp,
// docgen_fish.cpp.
#include "applets/docgen.hpp"

#include <fmt/format.h>

#include "applets/cli.hpp"
#include "applets/context.hpp"
#include "lib/error.hpp"
#include "lib/text.hpp"

namespace ktstr {
namespace docgen {

void begin_block(Out out, std::string_view name) {
  fmt::format_to(out, "@KTSTR_BLOCK {}@\n", name);
}

std::vector<AppletTable> applet_tables() {
  std::vector<AppletTable> all;
  for (const Applet* a : applets()) {
    AppletTable t{a, {}};
    a->declare(t.table);
    all.push_back(std::move(t));
  }
  return all;
}

OptionTable global_options() {
  OptionTable t;
  declare_global_options(t);
  return t;
}

// The parser's own options; documented, not declared, since CLI11 adds them.
OptionTable standard_options() {
  OptionTable t;
  t.built_in("-h,--help", "print the help and exit");
  t.built_in("--version", "print the version and exit");
  return t;
}

OptionTable top_level_options() {
  OptionTable t;
  declare_top_level_options(t);
  return t;
}

std::string applet_names(const std::vector<AppletTable>& all) {
  std::vector<std::string_view> names;
  for (const auto& t : all)
    names.push_back(t.applet->name);
  return fmt::format("{}", fmt::join(names, " "));
}

std::vector<std::string_view> option_names(const OptionSpec& spec) {
  return split(spec.names, ',');
}

std::string_view long_name(const OptionSpec& spec) {
  return option_names(spec).back();
}

bool takes_value(const OptionSpec& spec) {
  return !spec.positional && !spec.value_name.empty();
}

bool requires_value(const OptionSpec& spec) {
  return takes_value(spec) && !spec.present.has_value();
}

std::string_view value_kind(const OptionSpec& spec) {
  switch (spec.hint) {
    case ValueHint::file:
      return "file";
    case ValueHint::directory:
      return "directory";
    case ValueHint::cpu_list:
      return "cpu_list";
    case ValueHint::llc_list:
      return "llc_list";
    case ValueHint::choice:
      return "choice";
    case ValueHint::command:
      return "command";
    default:
      return spec.positional ? "file" : "text";
  }
}

std::vector<std::string_view> exclusions(const OptionSpec& spec, const OptionTable& table) {
  std::vector<std::string_view> out;
  if (!spec.excludes.empty()) out.emplace_back(spec.excludes);
  for (const OptionSpec& other : table.specs()) {
    if (other.excludes == long_name(spec)) out.push_back(long_name(other));
  }
  return out;
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string_view("'\\''") : std::string_view(&c, 1);
  }
  return out + "'";
}

}  // namespace docgen

int generate_docs(const std::string& kind, const std::string& version,
                  const std::vector<std::string>& args) {
  std::string_view k = kind;
  if (k == "man:ktstr.toml") return docgen::config_blocks(args, version);
  if (!args.empty()) {
    fmt::print(stderr, "ktstr: --generate {}: unexpected argument {}\n", kind, quote(args[0]));
    return static_cast<int>(ExitCode::usage);
  }
  if (k == "man:ktstr" || (k.starts_with("man:ktstr-") && find_applet(k.substr(10)))) {
    return docgen::man_blocks(k.substr(4), version);
  }
  std::string data;
  if (k == "bash") data = docgen::bash_data();
  if (k == "zsh") data = docgen::zsh_data();
  if (k == "fish") data = docgen::fish_data();
  if (data.empty()) {
    fmt::print(stderr,
               "ktstr: --generate {}: unknown kind (man:ktstr, man:ktstr-APPLET, man:ktstr.toml, "
               "bash, zsh, fish, llc-indices)\n",
               kind);
    return static_cast<int>(ExitCode::usage);
  }
  fmt::print("{}", data);
  return 0;
}

}  // namespace ktstr
