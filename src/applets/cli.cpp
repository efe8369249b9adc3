// The command line: the only translation unit that includes CLI11 (it costs
// ~13 s of compile time per file here), and the one place where errors turn
// into "ktstr APPLET: ..." lines and exit codes.
#include "applets/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "applets/applet.hpp"
#include "applets/docgen.hpp"
#include "applets/output.hpp"
#include "lib/cpu_list.hpp"
#include "lib/text.hpp"
#include "lib/topology.hpp"

#ifndef KTSTR_VERSION
#define KTSTR_VERSION "0.0.0"
#endif

namespace ktstr {

void declare_top_level_options(OptionTable& t) {
  t.flag("--list", &TopLevelOptions::list, "print the applet names, one a line");
}

namespace {

constexpr std::string_view k_version = KTSTR_VERSION;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The long name of an option ("--timeout" from "-t,--timeout"), for messages.
std::string display_name(const OptionSpec& spec) {
  auto comma = spec.names.find_last_of(',');
  return comma == std::string::npos ? spec.names : spec.names.substr(comma + 1);
}

[[noreturn]] void invalid(const OptionSpec& spec, const Error& e) {
  throw CLI::ValidationError(display_name(spec), e.describe());
}

unsigned parse_number(const OptionSpec& spec, const std::string& text) {
  auto n = parse_u64(text);
  if (!n || *n < spec.min || *n > spec.max) {
    invalid(spec, Error{ExitCode::usage, fmt::format("{} is not a number from {} to {}",
                                                     quote(text), spec.min, spec.max)});
  }
  return static_cast<unsigned>(*n);
}

// The list parser an option's hint names: "--llc 0-x" is a bad LLC list.
auto list_parser(const OptionSpec& spec) {
  return spec.hint == ValueHint::llc_list ? &parse_llc_list : &parse_cpu_list;
}

// Repeatable: "--cpu 1 --cpu 4-5" appends 1, 4 and 5.
CLI::Option* add_list(CLI::App& app, const OptionSpec& spec, std::vector<unsigned>& target) {
  auto parse = list_parser(spec);
  return app
      .add_option_function<std::vector<std::string>>(
          spec.names,
          [&target, &spec, parse](const std::vector<std::string>& values) {
            for (const auto& v : values) {
              auto items = parse(v);
              if (!items) invalid(spec, items.error());
              if (items->empty())
                invalid(spec, Error{ExitCode::usage, "an empty list names nothing"});
              target.insert(target.end(), items->begin(), items->end());
            }
          },
          spec.help)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// "--watch" alone sets `present` and leaves the value to its default;
// "--watch 2s" sets both.
CLI::Option* add_duration(CLI::App& app, const OptionSpec& spec, std::optional<Duration>& target,
                          bool* present) {
  return app.add_option_function<std::string>(
      spec.names,
      [&target, &spec, present](const std::string& v) {
        if (present != nullptr) *present = true;
        if (present != nullptr && v.empty()) return;
        auto d = parse_duration(v);
        if (!d) invalid(spec, d.error());
        target = *d;
      },
      spec.help);
}

// Adds one option to `app`, its value stored in `object`.
CLI::Option* add(CLI::App& app, const OptionSpec& spec, const OptionsObject& object) {
  bool* present = spec.present ? &spec.present->in(object) : nullptr;
  return std::visit(
      Overloaded{
          [&](BuiltIn) -> CLI::Option* { throw std::logic_error("a built-in option bound"); },
          [&](const Member<bool>& m) { return app.add_flag(spec.names, m.in(object), spec.help); },
          [&](const BoolSetter& t) {
            // Triggered as parsed, so of two setters the last one given wins.
            bool* target = &t.target.in(object);
            return app
                .add_flag_callback(
                    spec.names, [target, value = t.value] { *target = value; }, spec.help)
                ->trigger_on_parse();
          },
          [&](const Member<std::string>& m) {
            return app.add_option(spec.names, m.in(object), spec.help);
          },
          [&](const Member<std::optional<std::string>>& m) {
            auto* target = &m.in(object);
            return app.add_option_function<std::string>(
                spec.names, [target](const std::string& v) { *target = v; }, spec.help);
          },
          [&](const Member<std::vector<std::string>>& m) {
            return app.add_option(spec.names, m.in(object), spec.help);
          },
          [&](const Member<std::optional<Duration>>& m) {
            return add_duration(app, spec, m.in(object), present);
          },
          [&](const Member<std::optional<unsigned>>& m) {
            auto* target = &m.in(object);
            return app.add_option_function<std::string>(
                spec.names,
                [target, &spec](const std::string& v) { *target = parse_number(spec, v); },
                spec.help);
          },
          [&](const Member<std::vector<unsigned>>& m) { return add_list(app, spec, m.in(object)); },
      },
      spec.target);
}

CLI::Option* bind(CLI::App& app, const OptionSpec& spec, const OptionsObject& object) {
  CLI::Option* opt = add(app, spec, object);
  if (!spec.value_name.empty()) opt->type_name(spec.value_name);
  if (!spec.choices.empty()) opt->check(CLI::IsMember(spec.choices));
  if (spec.repeatable && !spec.positional) opt->allow_extra_args(false);
  // A repeated option: the last one wins, as in flock(1) and GNU tools.
  if (!spec.repeatable) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (spec.present) opt->expected(0, 1);
  return opt;
}

// A table bound to its object: the COMMAND positional, if the table has one
// (prefix_command leaves it in remaining()), and the options that must be
// given. Required-ness is checked after parsing, not by CLI11, so that an
// unknown option is named before a missing PATH.
struct BoundTable {
  const OptionSpec* command = nullptr;
  std::vector<std::pair<const OptionSpec*, const CLI::Option*>> required;
};

BoundTable bind_table(CLI::App& app, const OptionTable& table, const OptionsObject& object,
                      std::string_view group) {
  BoundTable bound;
  for (const auto& spec : table.specs()) {
    if (spec.hint == ValueHint::command) {
      bound.command = &spec;
      continue;
    }
    CLI::Option* opt = bind(app, spec, object);
    if (!group.empty()) opt->group(std::string(group));
    if (spec.required) bound.required.emplace_back(&spec, opt);
  }
  for (const auto& spec : table.specs()) {
    if (spec.excludes.empty()) continue;
    app.get_option(display_name(spec))->excludes(app.get_option(spec.excludes));
  }
  return bound;
}

// "missing PATH" for the first required option not given.
std::optional<std::string> missing_required(const BoundTable& bound) {
  for (const auto& [spec, opt] : bound.required) {
    if (opt->count() == 0) return fmt::format("missing {}", display_name(*spec));
  }
  return std::nullopt;
}

std::vector<std::string> reversed_args(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 0; --i)
    args.emplace_back(argv[i]);
  return args;
}

int usage_error(std::string_view who, std::string_view what) {
  fmt::print(stderr, "{}: {}; try '{} --help'\n", who, what, who);
  return static_cast<int>(ExitCode::usage);
}

std::string lowercase_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && (s.size() < 2 || !(s[1] >= 'A' && s[1] <= 'Z'))) {
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  }
  return s;
}

// CLI11 2.1 builds the usage line from the options alone and cannot be told
// one; each applet's usage string is what the man page says too.
class UsageFormatter final : public CLI::Formatter {
 public:
  explicit UsageFormatter(std::string usage) : usage_(std::move(usage)) { column_width(32); }
  std::string make_usage(const CLI::App* /*app*/, std::string /*name*/) const override {
    return "Usage: " + usage_ + "\n";
  }
  // The value name, and "..." for a repeatable option; not CLI11's
  // "Excludes: ..." and ":{choices}" additions, which break the columns and
  // which the error for a misuse spells out anyway.
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0) return {};
    std::string name = opt->get_type_name();
    if (auto colon = name.find(':'); colon != std::string::npos) name.resize(colon);
    std::string out = name.empty() ? "" : " " + name;
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    return out;
  }

 private:
  std::string usage_;
};

// "unknown option '--jsn'; did you mean '--json'?"
std::string unknown_option(const CLI::App& app, std::string_view arg) {
  std::string name(arg.substr(0, arg.find('=')));
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    for (const auto& l : opt->get_lnames())
      names.push_back("--" + l);
    for (const auto& s : opt->get_snames())
      names.push_back("-" + s);
  }
  std::vector<std::string_view> views(names.begin(), names.end());
  std::string line = fmt::format("unknown option {}", quote(name));
  if (auto near = nearest(name, views)) line += fmt::format("; did you mean {}?", quote(*near));
  return line;
}

// The text after "PREFIX" in a CLI11 message, or the whole message.
std::string_view after(std::string_view what, std::string_view prefix) {
  auto at = what.find(prefix);
  return at == std::string_view::npos ? what : what.substr(at + prefix.size());
}

// CLI11's wording never reaches the user: each parse error is said again in
// ours, naming the option or argument at fault.
std::string plain_words(const CLI::App& app, const CLI::ParseError& e) {
  std::string_view what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    std::string_view extras = after(what, ": ");
    std::string_view first = extras.substr(0, extras.find(' '));
    if (first.starts_with('-')) return unknown_option(app, first);
    return fmt::format("unexpected argument {}", quote(first));
  }
  if (dynamic_cast<const CLI::ExcludesError*>(&e) != nullptr) {
    auto at = what.find(" excludes ");
    if (at != std::string_view::npos) {
      return fmt::format("{} and {} cannot be used together", what.substr(0, at),
                         what.substr(at + 10));
    }
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    auto colon = what.find(':');
    if (colon != std::string_view::npos && what.starts_with('-')) {
      return fmt::format("{} needs a value", what.substr(0, colon));
    }
  }
  return lowercase_first(std::string(what));
}

// Parses argv into `app`. Returns the exit code when parsing ends the run
// (--help, --version, a usage error), nullopt when the applet should run.
std::optional<int> parse_args(CLI::App& app, std::string_view who, int argc, char** argv) {
  try {
    app.parse(reversed_args(argc, argv));
  } catch (const CLI::CallForHelp&) {
    (void)write_stdout(app.help());  // a failure shows in the final flush
    return 0;
  } catch (const CLI::CallForVersion&) {
    (void)write_stdout(fmt::format("ktstr {}\n", k_version));
    return 0;
  } catch (const CLI::ParseError& e) {
    return usage_error(who, plain_words(app, e));
  }
  return std::nullopt;
}

// The words prefix_command left after the options: a COMMAND, or for bare
// ktstr an applet and its arguments.
struct Rest {
  std::vector<std::string> words;
  bool after_dashes = false;         // "--" came first (and is dropped)
  std::optional<std::string> error;  // an unknown option where the words begin
};

// prefix_command stops at the first argument it does not know: an unknown
// option before "--" is an error, not the command.
Rest rest_of(const CLI::App& app) {
  Rest rest{app.remaining()};
  if (rest.words.empty()) return rest;
  if (rest.words.front() == "--") {
    rest.words.erase(rest.words.begin());
    rest.after_dashes = true;
  } else if (rest.words.front().starts_with('-')) {
    rest.error = unknown_option(app, rest.words.front());
  }
  return rest;
}

// Runs the applet and turns its outcome into the process's: stdout flushed
// before any error line, so the two streams keep their order; a write error
// (74) replaces the outcome.
Exit finish(const Applet& applet, const OptionsObject& options, GlobalOptions globals) {
  std::string who = fmt::format("ktstr {}", applet.name);
  Context ctx(applet.name, std::move(globals));
  Result<Exit> result = applet.run(options, ctx);
  int code =
      flush_stdout_or_report(who, result ? result->code : static_cast<int>(result.error().code));
  if (result && code != result->code) *result = Exit(code);
  if (!result) {
    fmt::print(stderr, "{}\n", error_line(applet.name, result.error()));
    return static_cast<int>(result.error().code);
  }
  if (result->signal != 0) return *result;
  // A reported error (one bad PATH among several) outranks a plain "no".
  return std::max(result->code, ctx.reported_exit_code());
}

Exit run_applet(const Applet& applet, int argc, char** argv, GlobalOptions globals) {
  std::string who = fmt::format("ktstr {}", applet.name);
  CLI::App app{std::string(applet.summary), who};
  app.set_version_flag("--version", std::string(k_version));
  app.formatter(std::make_shared<UsageFormatter>(fmt::format("{} {}", who, applet.usage)));
  OptionsObject options = applet.make_options();
  OptionTable table;
  applet.declare(table);
  BoundTable bound = bind_table(app, table, options, "");
  OptionTable global_table;
  declare_global_options(global_table);
  bind_table(app, global_table, OptionsObject::borrow(globals), "Global options");
  if (bound.command != nullptr) app.prefix_command();

  if (auto ended = parse_args(app, who, argc, argv)) return flush_stdout_or_report(who, *ended);
  if (bound.command != nullptr) {
    Rest rest = rest_of(app);
    if (rest.error) return usage_error(who, *rest.error);
    if (bound.command->after_dashes) bound.command->after_dashes->in(options) = rest.after_dashes;
    // An empty COMMAND is the applet's to judge (acquire -c needs none).
    std::get<Member<std::vector<std::string>>>(bound.command->target).in(options) =
        std::move(rest.words);
  }
  if (auto missing = missing_required(bound)) return usage_error(who, *missing);
  return finish(applet, options, std::move(globals));
}

const Applet* applet_for_program_name(std::string_view program) {
  std::string_view base = base_name(program);
  if (base.starts_with("ktstr-")) base.remove_prefix(6);
  return find_applet(base);
}

// `--generate llc-indices`: the host's LLC indices, one a line, for the
// shell completions of --llc at TAB time.
int print_llc_indices() {
  auto topology = read_topology(sysfs_root_from_env().path);
  if (!topology) {
    fmt::print(stderr, "ktstr: {}\n", topology.error().describe());
    return static_cast<int>(topology.error().code);
  }
  for (const Llc& llc : topology->llcs)
    fmt::print("{}\n", llc.index);
  return 0;
}

Exit top_level(int argc, char** argv) {
  // `ktstr APPLET ...`, no option before the applet: the usual call, which
  // needs no top-level parser (building one is a good part of start-up).
  if (argc > 1 && argv[1][0] != '-') {
    if (const Applet* applet = find_applet(argv[1])) {
      return run_applet(*applet, argc - 2, argv + 2, GlobalOptions{});
    }
  }
  CLI::App app{std::string(k_ktstr_summary), "ktstr"};
  app.formatter(std::make_shared<UsageFormatter>("ktstr [GLOBAL OPTIONS] APPLET [ARGS...]"));
  app.set_version_flag("--version", std::string(k_version));
  TopLevelOptions top;
  OptionTable top_table;
  declare_top_level_options(top_table);
  bind_table(app, top_table, OptionsObject::borrow(top), "");
  std::string generate;
  app.add_option("--generate", generate, "write generated docs (man, bash, zsh, fish)")
      ->group("");  // hidden: used by the build and by the shell completions
  GlobalOptions globals;
  OptionTable global_table;
  declare_global_options(global_table);
  bind_table(app, global_table, OptionsObject::borrow(globals), "Global options");
  std::string footer = "Applets:\n";
  for (const Applet* a : applets())
    footer += fmt::format("  {:<10}{}\n", a->name, a->summary);
  footer += "\nRun 'ktstr APPLET --help' for an applet's options; 'man ktstr' for more.";
  app.footer(footer);
  app.prefix_command();
  if (auto ended = parse_args(app, "ktstr", argc - 1, argv + 1)) {
    return flush_stdout_or_report("ktstr", *ended);
  }
  if (top.list) {
    for (const Applet* a : applets())
      (void)write_stdout(fmt::format("{}\n", a->name));
    return flush_stdout_or_report("ktstr", 0);
  }
  if (generate == "llc-indices") return print_llc_indices();
  if (!generate.empty()) return generate_docs(generate, std::string(k_version), app.remaining());
  Rest tail = rest_of(app);
  if (tail.error) return usage_error("ktstr", *tail.error);
  auto& rest = tail.words;
  if (rest.empty()) return usage_error("ktstr", "no applet given (see 'ktstr --list')");
  const Applet* applet = find_applet(rest.front());
  if (applet == nullptr) {
    std::vector<std::string_view> names;
    for (const Applet* a : applets())
      names.push_back(a->name);
    std::string line = fmt::format("ktstr: unknown applet {}", quote(rest.front()));
    if (auto near = nearest(rest.front(), names))
      line += fmt::format("; did you mean {}?", quote(*near));
    fmt::print(stderr, "{} (see 'ktstr --list')\n", line);
    return static_cast<int>(ExitCode::not_found);
  }
  std::vector<char*> args;
  // argv strings outlive this call; `rest` holds copies, so point into it.
  for (auto& s : rest)
    args.push_back(s.data());
  return run_applet(*applet, static_cast<int>(args.size()) - 1, args.data() + 1, globals);
}

// Dies of the signal the wrapped command died of, so the calling shell sees
// what it would have seen without acquire. Core dumps are off: the command
// already dumped if it was going to.
int die_like(const Exit& exit) {
  std::fflush(nullptr);
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::signal(exit.signal, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, exit.signal);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(exit.signal);
  return exit.code;  // a signal that does not kill (SIGCHLD, SIGWINCH...)
}

Exit dispatch(int argc, char** argv) {
  if (argc > 0) {
    if (const Applet* applet = applet_for_program_name(argv[0])) {
      return run_applet(*applet, argc - 1, argv + 1, GlobalOptions{});
    }
  }
  return top_level(argc, argv);
}

}  // namespace

int cli_main(int argc, char** argv) {
  Exit exit;
  try {
    exit = dispatch(argc, argv);
  } catch (const std::exception& e) {
    // fmt::print throws std::system_error when stdio cannot write (a closed
    // pipe with SIGPIPE ignored): a write error, not an internal one.
    const auto* sys = dynamic_cast<const std::system_error*>(&e);
    if (sys != nullptr && std::ferror(stdout) != 0) {
      Error write{ExitCode::io_error, "write error", sys->code().value(), ""};
      fmt::print(stderr, "ktstr: {}\n", write.describe());
      return static_cast<int>(ExitCode::io_error);
    }
    // Only allocation failures and library bugs get here.
    fmt::print(stderr, "ktstr: internal error: {}\n", e.what());
    return static_cast<int>(ExitCode::os_error);
  }
  if (exit.signal != 0) return die_like(exit);
  return exit.code;
}

}  // namespace ktstr
