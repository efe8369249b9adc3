// What an applet's run() gets besides its options: the global options, the
// settings (loaded on first use, so applets that need none read no config),
// and the one way to report an error that does not end the run.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "applets/options.hpp"
#include "lib/config.hpp"
#include "lib/error.hpp"

namespace ktstr {

struct GlobalOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> lock_dir;
  std::optional<std::string> cache_dir;
  std::optional<std::string> runs_dir;
  std::string color = "auto";
  bool quiet = false;
  bool verbose = false;
};

// The options every applet accepts, and ktstr itself before the applet name.
void declare_global_options(OptionTable& table);

// "ktstr APPLET: what: strerror; remedy" (no newline). The single formatter
// of error lines, used for fatal errors and for reported ones alike.
std::string error_line(std::string_view applet, const Error& error);

class Context {
 public:
  Context(std::string_view applet, GlobalOptions globals);

  [[nodiscard]] std::string_view applet() const { return applet_; }
  [[nodiscard]] const GlobalOptions& globals() const { return globals_; }
  [[nodiscard]] bool quiet() const { return globals_.quiet; }
  [[nodiscard]] bool verbose() const { return globals_.verbose; }

  // Settings from flags, environment, config file and defaults (SPEC §2).
  Result<const Settings*> settings();

  // Whether to colour output written to `fd`: --color, then NO_COLOR, then
  // whether fd is a terminal.
  [[nodiscard]] bool use_color(int fd) const;

  // Prints the error line now and remembers the highest exit code reported,
  // for applets that carry on past a bad PATH to the next one.
  void report(const Error& error);
  // Prints the error line without touching the exit code: for details that
  // accompany an outcome the applet returns itself.
  void warn(const Error& error) const;
  [[nodiscard]] int reported_exit_code() const { return reported_; }
  // An informational line on stderr ("ktstr APPLET: what"), for -v output.
  void info(std::string_view line) const;

 private:
  std::string applet_;
  GlobalOptions globals_;
  std::optional<Settings> settings_;
  int reported_ = 0;
};

}  // namespace ktstr
