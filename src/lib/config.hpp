// Settings and where they come from (SPEC §2): flag > environment > config
// file > built-in default. The config file is TOML; unknown keys, wrong types
// and syntax errors are errors naming file, line and column (exit 78).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "duration.hpp"
#include "error.hpp"

namespace ktstr {

// What the config file may say; unset fields leave the default in force.
struct ConfigFile {
  std::optional<std::string> lock_dir;
  std::optional<std::string> cache_dir;
  std::optional<std::string> runs_dir;
  std::optional<Duration> acquire_timeout;
  std::optional<Duration> cache_shared_timeout;
  std::optional<Duration> cache_exclusive_timeout;
  std::optional<Duration> watch_interval;
  std::optional<int> conflict_exit_code;
  std::optional<bool> pin;
};

// Every key the file accepts, dotted ("timeouts.acquire"); for suggestions,
// the man page and the test that ktstr.toml.example documents them all.
std::span<const std::string_view> config_keys();

// Pure: parses TOML text. `source` names the file in messages.
// Errors: ExitCode::config, "FILE:LINE:COL: what".
Result<ConfigFile> parse_config(std::string_view text, const std::string& source);

struct Settings {
  std::string lock_dir;  // absolute
  // Where lock_dir came from, for messages: "--lock-dir", "KTSTR_LOCK_DIR",
  // "FILE: lock_dir" or "the default".
  std::string lock_dir_from;
  // The lock dir a Rust harness started from this environment uses: it reads
  // only KTSTR_LOCK_DIR (set and non-empty), else /tmp (cache::resolve_lock_dir).
  std::string harness_lock_dir;
  std::string cache_dir;  // absolute, or "" when there is none (cache_dir_problem)
  // Why there is no cache root (no usable HOME, no KTSTR_CACHE_DIR or
  // XDG_CACHE_HOME): an error only for what needs it.
  std::optional<Error> cache_dir_problem;
  // Where run-dir locks live ({runs_dir}/.locks): --runs-dir, else runs_dir
  // in the config, else $CARGO_TARGET_DIR/ktstr, else target/ktstr, as cargo
  // and the Rust harness have it; made absolute against the current
  // directory once, here.
  std::string runs_dir;
  // For CPU, LLC and --path requests; cache entries have their own two.
  Duration acquire_timeout;
  Duration cache_shared_timeout;
  Duration cache_exclusive_timeout;  // env: KTSTR_CACHE_STORE_LOCK_TIMEOUT
  Duration watch_interval;
  int conflict_exit_code = 75;
  bool pin = true;
  std::string config_path;  // the file that was loaded, or "" for none

  // The cache root, or the config error saying why there is none.
  [[nodiscard]] Result<std::string> cache_root() const;
};

struct SettingsOverrides {
  std::optional<std::string> config_file;  // --config
  std::optional<std::string> lock_dir;     // --lock-dir
  std::optional<std::string> cache_dir;    // --cache-dir
  std::optional<std::string> runs_dir;     // --runs-dir
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment; unset and empty variables both read as nullopt.
std::optional<std::string> process_env(std::string_view name);

// The harness's duration syntax for KTSTR_CACHE_STORE_LOCK_TIMEOUT (Rust
// humantime: "30s", "2m", "10min", "1h 30m", "500ms"), or ktstr's own
// (parse_duration). Errors: ExitCode::usage naming the text.
Result<Duration> parse_env_duration(std::string_view text);

// Resolves every setting. Errors: no_input (a named config file is missing),
// no_perm, usage (a relative --lock-dir/--cache-dir or KTSTR_LOCK_DIR/
// KTSTR_CACHE_DIR), config (bad file contents, a relative directory in it,
// a config file that is not a regular file of at most 1 MiB), or a bad
// KTSTR_CACHE_STORE_LOCK_TIMEOUT.
Result<Settings> load_settings(const SettingsOverrides& flags, const EnvLookup& env);

// The CPU budget of `acquire --cpu-cap`: the flag, else KTSTR_CPU_CAP (set
// and non-empty, as the harness reads it), else none. Read only by acquire,
// so a stray KTSTR_CPU_CAP cannot break the other applets. Errors: usage
// when KTSTR_CPU_CAP is not a whole number from 1 to k_max_cpu_cap (the
// harness refuses 0 and non-numbers too).
inline constexpr unsigned k_max_cpu_cap = 65536;
Result<std::optional<unsigned>> cpu_cap_setting(std::optional<unsigned> flag, const EnvLookup& env);

}  // namespace ktstr
