#include "context.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdio>

namespace ktstr {

void declare_global_options(OptionTable& t) {
  t.value("--config", "FILE", &GlobalOptions::config_file,
          "read settings from FILE (default: $KTSTR_CONFIG, "
          "$XDG_CONFIG_HOME/ktstr/ktstr.toml, /etc/ktstr/ktstr.toml)")
      .with_hint(ValueHint::file);
  t.value("--lock-dir", "DIR", &GlobalOptions::lock_dir,
          "where CPU and LLC lock files live (default: "
          "$KTSTR_LOCK_DIR, else /tmp)")
      .with_hint(ValueHint::directory);
  t.value("--cache-dir", "DIR", &GlobalOptions::cache_dir,
          "cache root whose .locks/ holds cache-entry locks "
          "(default: $KTSTR_CACHE_DIR, else $XDG_CACHE_HOME/ktstr/kernels)")
      .with_hint(ValueHint::directory);
  t.value("--runs-dir", "DIR", &GlobalOptions::runs_dir,
          "runs root whose .locks/ holds run-dir locks (default: $CARGO_TARGET_DIR/ktstr, "
          "else target/ktstr)")
      .with_hint(ValueHint::directory);
  t.value("--color", "WHEN", &GlobalOptions::color,
          "colour output: auto, always or never (NO_COLOR is honoured)")
      .with_choices({"auto", "always", "never"});
  t.flag("-q,--quiet", &GlobalOptions::quiet, "print nothing but errors");
  t.flag("-v,--verbose", &GlobalOptions::verbose, "say more about what is done");
}

std::string error_line(std::string_view applet, const Error& error) {
  return fmt::format("ktstr {}: {}", applet, error.describe());
}

Context::Context(std::string_view applet, GlobalOptions globals)
    : applet_(applet), globals_(std::move(globals)) {}

Result<const Settings*> Context::settings() {
  if (!settings_) {
    SettingsOverrides flags{globals_.config_file, globals_.lock_dir, globals_.cache_dir,
                            globals_.runs_dir};
    auto loaded = load_settings(flags, process_env);
    if (!loaded) return Unexpected(loaded.error());
    settings_ = std::move(*loaded);
  }
  return &*settings_;
}

bool Context::use_color(int fd) const {
  if (globals_.color == "always") return true;
  if (globals_.color == "never") return false;
  if (process_env("NO_COLOR")) return false;
  return ::isatty(fd) == 1;
}

void Context::warn(const Error& error) const {
  fmt::print(stderr, "{}\n", error_line(applet_, error));
}

void Context::info(std::string_view line) const {
  fmt::print(stderr, "ktstr {}: {}\n", applet_, line);
}

void Context::report(const Error& error) {
  warn(error);
  reported_ = std::max(reported_, static_cast<int>(error.code));
}

}  // namespace ktstr
