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

void declare_top_level_options(OptionTable& t, TopLevelOptions& o) {
  t.flag("--list", o.list, "print the applet names, one a line");
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

CLI::Option* bind(CLI::App& app, const OptionSpec& spec) {
  CLI::Option* opt = std::visit(
      Overloaded{
          [&](bool* t) { return app.add_flag(spec.names, *t, spec.help); },
          [&](BoolSetter t) {
            // Triggered as parsed, so of two setters the last one given wins.
            return app
                .add_flag_callback(
                    spec.names, [t] { *t.target = t.value; }, spec.help)
                ->trigger_on_parse();
          },
          [&](std::string* t) { return app.add_option(spec.names, *t, spec.help); },
          [&](std::optional<std::string>* t) {
            return app.add_option_function<std::string>(
                spec.names, [t](const std::string& v) { *t = v; }, spec.help);
          },
          [&](std::vector<std::string>* t) { return app.add_option(spec.names, *t, spec.help); },
          [&](std::optional<Duration>* t) {
            return app.add_option_function<std::string>(
                spec.names,
                [t, &spec](const std::string& v) {
                  if (spec.present != nullptr) *spec.present = true;
                  if (spec.present != nullptr && v.empty()) return;
                  auto d = parse_duration(v);
                  if (!d) invalid(spec, d.error());
                  *t = *d;
                },
                spec.help);
          },
          [&](std::optional<unsigned>* t) {
            return app.add_option_function<std::string>(
                spec.names, [t, &spec](const std::string& v) { *t = parse_number(spec, v); },
                spec.help);
          },
          [&](std::vector<unsigned>* t) {
            // Repeatable: "--cpu 1 --cpu 4-5" appends 1, 4 and 5.
            return app
                .add_option_function<std::vector<std::string>>(
                    spec.names,
                    [t, &spec](const std::vector<std::string>& values) {
                      for (const auto& v : values) {
                        auto cpus = parse_cpu_list(v);
                        if (!cpus) invalid(spec, cpus.error());
                        if (cpus->empty()) {
                          invalid(spec, Error{ExitCode::usage, "an empty list names nothing"});
                        }
                        t->insert(t->end(), cpus->begin(), cpus->end());
                      }
                    },
                    spec.help)
                ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
          },
      },
      spec.target);
  if (!spec.value_name.empty()) opt->type_name(spec.value_name);
  if (spec.required) opt->required();
  if (!spec.choices.empty()) opt->check(CLI::IsMember(spec.choices));
  if (spec.repeatable && !spec.positional) opt->allow_extra_args(false);
  // A repeated option: the last one wins, as in flock(1) and GNU tools.
  if (!spec.repeatable) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (spec.present != nullptr) opt->expected(0, 1);
  return opt;
}

// Binds a whole table; returns the COMMAND positional, if the table has one.
const OptionSpec* bind_table(CLI::App& app, const OptionTable& table, std::string_view group) {
  const OptionSpec* command = nullptr;
  for (const auto& spec : table.specs()) {
    if (spec.hint == ValueHint::command) {
      command = &spec;  // collected from remaining(), see parse_applet
      continue;
    }
    CLI::Option* opt = bind(app, spec);
    if (!group.empty()) opt->group(std::string(group));
  }
  for (const auto& spec : table.specs()) {
    if (spec.excludes.empty()) continue;
    CLI::Option* self = app.get_option(display_name(spec));
    CLI::Option* other = app.get_option(spec.excludes);
    self->excludes(other);
  }
  return command;
}

std::vector<std::string> reversed_args(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 0; --i)
    args.emplace_back(argv[i]);
  return args;
}

int usage_error(std::string_view who, std::string_view what) {
  std::string_view hint_target = who == "ktstr" ? "ktstr" : who;
  fmt::print(stderr, "{}: {}; try '{} --help'\n", who, what, hint_target);
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

// The first argument before "--" that looks like an option `app` does not
// have. CLI11 reports a missing PATH before an unknown option; the unknown
// option is the more useful thing to name.
std::optional<std::string> first_unknown_option(const CLI::App& app, int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    std::string name(arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg.substr(0, 2));
    if (app.get_option_no_throw(name) == nullptr) return std::string(arg);
  }
  return std::nullopt;
}

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
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    if (what.ends_with(" is required")) {
      return fmt::format("missing {}", what.substr(0, what.size() - 12));
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
  } catch (const CLI::RequiredError& e) {
    if (auto unknown = first_unknown_option(app, argc, argv)) {
      return usage_error(who, unknown_option(app, *unknown));
    }
    return usage_error(who, plain_words(app, e));
  } catch (const CLI::ParseError& e) {
    return usage_error(who, plain_words(app, e));
  }
  return std::nullopt;
}

Exit run_applet(const Applet& applet, int argc, char** argv, GlobalOptions globals) {
  std::string who = fmt::format("ktstr {}", applet.name);
  CLI::App app{std::string(applet.summary), who};
  app.set_version_flag("--version", std::string(k_version));
  app.formatter(std::make_shared<UsageFormatter>(fmt::format("{} {}", who, applet.usage)));
  auto instance = applet.create();
  OptionTable table;
  instance->declare(table);
  const OptionSpec* command = bind_table(app, table, "");
  OptionTable global_table;
  declare_global_options(global_table, globals);
  bind_table(app, global_table, "Global options");
  if (command != nullptr) app.prefix_command();

  if (auto ended = parse_args(app, who, argc, argv)) return flush_stdout_or_report(who, *ended);
  if (command != nullptr) {
    auto rest = app.remaining();
    // prefix_command stops at the first argument it does not know: an
    // unknown option before "--" must be an error, not the command.
    if (!rest.empty() && rest.front().starts_with('-') && rest.front() != "--") {
      return usage_error(who, unknown_option(app, rest.front()));
    }
    if (!rest.empty() && rest.front() == "--") {
      rest.erase(rest.begin());
      if (command->after_dashes != nullptr) *command->after_dashes = true;
    }
    // An empty COMMAND is the applet's to judge (acquire -c needs none).
    *std::get<std::vector<std::string>*>(command->target) = std::move(rest);
  }

  Context ctx(applet.name, globals);
  Result<Exit> result = instance->run(ctx);
  // Flushed before any error line, so the two streams keep their order; a
  // write error (74) replaces the outcome.
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

std::string_view basename_of(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

const Applet* applet_for_program_name(std::string_view program) {
  std::string_view base = basename_of(program);
  if (base.starts_with("ktstr-")) base.remove_prefix(6);
  return find_applet(base);
}

// `--generate llc-indices`: the host's LLC indices, one a line, for the
// shell completions of --llc at TAB time.
int print_llc_indices() {
  auto topology = read_topology(sysfs_root_from_env());
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
  declare_top_level_options(top_table, top);
  bind_table(app, top_table, "");
  std::string generate;
  app.add_option("--generate", generate, "write generated docs (man, bash, zsh, fish)")
      ->group("");  // hidden: used by the build and by the shell completions
  GlobalOptions globals;
  OptionTable global_table;
  declare_global_options(global_table, globals);
  bind_table(app, global_table, "Global options");
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
  auto rest = app.remaining();
  if (generate == "llc-indices") return print_llc_indices();
  if (!generate.empty()) return generate_docs(generate, std::string(k_version), rest);
  if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
  if (rest.empty()) return usage_error("ktstr", "no applet given (see 'ktstr --list')");
  if (rest.front().starts_with('-')) {
    return usage_error("ktstr", fmt::format("unknown option {}", quote(rest.front())));
  }
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
