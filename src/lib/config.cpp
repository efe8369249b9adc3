// The only translation unit that includes toml++ (compiled header-only here,
// so the binary needs no libtomlplusplus at run time).
#include "config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <utility>

#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "safe_path.hpp"
#include "text.hpp"
#include "unique_fd.hpp"

namespace ktstr {

namespace {

constexpr std::string_view k_keys[] = {
    "lock_dir",
    "cache_dir",
    "runs_dir",
    "timeouts.acquire",
    "timeouts.cache_shared",
    "timeouts.cache_exclusive",
    "timeouts.watch",
    "acquire.conflict_exit_code",
    "acquire.pin",
};

constexpr std::string_view k_tables[] = {"timeouts", "acquire"};

std::string where(const std::string& source, const toml::source_region& region) {
  return fmt::format("{}:{}:{}", source, region.begin.line, region.begin.column);
}

Unexpected<Error> config_error(const std::string& source, const toml::node& node, std::string what,
                               std::string remedy = {}) {
  return fail(ExitCode::config, fmt::format("{}: {}", where(source, node.source()), what),
              std::move(remedy));
}

Result<std::string> get_string(const std::string& source, const std::string& key,
                               const toml::node& node) {
  if (auto v = node.value<std::string>(); v && node.is_string()) return *v;
  return config_error(source, node, fmt::format("{} must be a string", quote(key)));
}

// A path: a NUL (TOML's \u0000) would silently cut it short at open time.
Result<std::string> get_path(const std::string& source, const std::string& key,
                             const toml::node& node) {
  auto v = get_string(source, key, node);
  if (v && v->find('\0') != std::string::npos) {
    return config_error(source, node, fmt::format("{} contains a NUL byte", quote(key)));
  }
  return v;
}

Result<Duration> get_duration(const std::string& source, const std::string& key,
                              const toml::node& node) {
  std::string text;
  if (node.is_string()) {
    text = *node.value<std::string>();
  } else if (node.is_integer()) {
    text = std::to_string(*node.value<std::int64_t>());
  } else if (node.is_floating_point()) {
    // Fixed notation: "{}" prints 0.00001 as "1e-05", which the duration
    // grammar (no exponents) rejects although the TOML value is fine.
    text = fmt::format("{:.9f}", *node.value<double>());
  } else {
    return config_error(source, node,
                        fmt::format("{} must be a duration such as \"30s\"", quote(key)));
  }
  auto d = parse_duration(text);
  if (!d) {
    return config_error(source, node, fmt::format("{} for {}", d.error().message, quote(key)),
                        d.error().remedy);
  }
  return *d;
}

// Points at the key itself (not its value), where the typo is. A table
// ([timeout]) is compared with the table names, anything else with the
// dotted keys.
Status unknown_key(const std::string& source, const toml::source_region& key_at,
                   const std::string& key, bool is_table) {
  std::string remedy = "see ktstr.toml.example for every key";
  auto near = is_table ? nearest(key, k_tables) : nearest(key, k_keys);
  if (near) remedy = fmt::format("did you mean {}?", quote(*near));
  return fail(ExitCode::config,
              fmt::format("{}: unknown {} {}", where(source, key_at), is_table ? "table" : "key",
                          quote(key)),
              remedy);
}

Status apply(ConfigFile& cfg, const std::string& source, const std::string& key,
             const toml::source_region& key_at, const toml::node& node) {
  auto assign = [](auto& field, auto result) -> Status {
    if (!result) return Unexpected(result.error());
    field = std::move(*result);
    return {};
  };
  if (key == "lock_dir") return assign(cfg.lock_dir, get_path(source, key, node));
  if (key == "cache_dir") return assign(cfg.cache_dir, get_path(source, key, node));
  if (key == "runs_dir") return assign(cfg.runs_dir, get_string(source, key, node));
  if (key == "timeouts.acquire")
    return assign(cfg.acquire_timeout, get_duration(source, key, node));
  if (key == "timeouts.cache_shared") {
    return assign(cfg.cache_shared_timeout, get_duration(source, key, node));
  }
  if (key == "timeouts.cache_exclusive") {
    return assign(cfg.cache_exclusive_timeout, get_duration(source, key, node));
  }
  if (key == "timeouts.watch") return assign(cfg.watch_interval, get_duration(source, key, node));
  if (key == "acquire.conflict_exit_code") {
    auto v = node.value<std::int64_t>();
    if (!node.is_integer() || !v || *v < 0 || *v > 255) {
      return config_error(source, node,
                          fmt::format("{} must be an integer from 0 to 255", quote(key)));
    }
    cfg.conflict_exit_code = static_cast<int>(*v);
    return {};
  }
  if (key == "acquire.pin") {
    if (!node.is_boolean())
      return config_error(source, node, fmt::format("{} must be true or false", quote(key)));
    cfg.pin = *node.value<bool>();
    return {};
  }
  return unknown_key(source, key_at, key, node.is_table());
}

// toml++ 3.3 reaches __builtin_unreachable (undefined behaviour) in
// is_non_ascii_horizontal_whitespace for most non-ASCII characters, "é = 1"
// among them (found by tests/fuzz); where its lexer meets one depends on how
// it recovers from earlier errors, so no pre-scan short of "none at all" is
// safe. A ktstr config needs none: keys are ASCII, and a string value can
// spell any character as a \uXXXX escape. Returns the 1-based line and column
// of the first non-ASCII byte, if any.
std::optional<std::pair<std::size_t, std::size_t>> first_non_ascii(std::string_view text) {
  std::size_t line = 1, column = 0;
  for (char c : text) {
    ++column;
    if (static_cast<unsigned char>(c) >= 0x80) return std::pair(line, column);
    if (c == '\n') {
      ++line;
      column = 0;
    }
  }
  return std::nullopt;
}

}  // namespace

std::span<const std::string_view> config_keys() {
  return k_keys;
}

Result<ConfigFile> parse_config(std::string_view text, const std::string& source) {
  if (auto at = first_non_ascii(text)) {
    return fail(ExitCode::config,
                fmt::format("{}:{}:{}: a non-ASCII character", source, at->first, at->second),
                "the config file is ASCII; write other characters in strings as \\uXXXX");
  }
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    // toml++ quotes the bytes it saw ("saw 'tr\v'"): escape any control
    // character among them, as quote() does, so the line stays one
    // printable line.
    std::string description = quote(e.description());
    description = description.substr(1, description.size() - 2);
    return fail(ExitCode::config, fmt::format("{}: {}", where(source, e.source()), description));
  }
  // toml++ keeps a table's keys sorted; they are applied in file order so
  // that the error reported is the first one in the file.
  struct Entry {
    std::string key;  // dotted
    toml::source_region key_at;
    const toml::node* node;
    bool not_a_table = false;  // a table name given a value: an error
  };
  std::vector<Entry> entries;
  for (auto&& [k, node] : root) {
    std::string key(k.str());
    bool is_table_key =
        std::find(std::begin(k_tables), std::end(k_tables), key) != std::end(k_tables);
    if (is_table_key && node.is_table()) {
      for (auto&& [sub, subnode] : *node.as_table()) {
        entries.push_back({key + "." + std::string(sub.str()), sub.source(), &subnode});
      }
      continue;
    }
    entries.push_back({key, k.source(), &node, is_table_key});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.key_at.begin.line, a.key_at.begin.column) <
           std::pair(b.key_at.begin.line, b.key_at.begin.column);
  });
  ConfigFile cfg;
  for (const auto& e : entries) {
    if (e.not_a_table)
      return config_error(source, *e.node, fmt::format("{} must be a table", quote(e.key)));
    if (auto st = apply(cfg, source, e.key, e.key_at, *e.node); !st) return Unexpected(st.error());
  }
  return cfg;
}

std::optional<std::string> process_env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

namespace {

// An environment variable naming a directory counts only when absolute:
// relative XDG_* variables are ignored, as the XDG spec says, and so is a
// relative HOME.
std::optional<std::string> absolute_env(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (v && v->starts_with('/')) return v;
  return std::nullopt;
}

// "~/x" -> "$HOME/x", as a shell would; without a usable HOME that is a
// config error, never "./~/x".
Result<std::string> expand_home(const std::string& path, const std::string& source,
                                std::string_view key, const EnvLookup& env) {
  if (path != "~" && !path.starts_with("~/")) return path;
  if (auto home = absolute_env(env, "HOME")) return *home + path.substr(1);
  return fail(
      ExitCode::config,
      fmt::format("{}: {} {} needs HOME, which is unset or not absolute", source, key, quote(path)),
      "set HOME, or write an absolute path");
}

// A relative lock dir or cache root would resolve against each caller's
// working directory, splitting the lock space.
Status require_absolute(const std::string& path, std::string_view from, ExitCode code) {
  if (path.starts_with('/')) return {};
  return fail(code,
              fmt::format("{} {} is relative: it would mean a different directory in each "
                          "working directory",
                          from, quote(path)),
              "give an absolute path");
}

// A regular file of at most 1 MiB: opened O_NONBLOCK so a FIFO cannot hang
// the open, its type checked on the fd, and never read past the limit.
constexpr std::size_t k_max_config_size = 1 << 20;

Result<std::string> read_config_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) return fail_errno("cannot read config file " + quote(path), errno, ExitCode::config);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail_errno("cannot stat config file " + quote(path), errno, ExitCode::config);
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ExitCode::config,
                fmt::format("config file {} is {}", quote(path), file_type_name(st.st_mode)),
                "point --config or KTSTR_CONFIG at a regular file");
  }
  auto too_big = [&] {
    return fail(ExitCode::config, fmt::format("config file {} is larger than 1 MiB", quote(path)),
                "a ktstr config is a few lines; point --config at the right file");
  };
  if (static_cast<std::uint64_t>(st.st_size) > k_max_config_size) return too_big();
  std::string text(k_max_config_size + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("cannot read config file " + quote(path), errno, ExitCode::config);
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > k_max_config_size) return too_big();
  text.resize(used);
  return text;
}

// Relative to the current directory, as cargo resolves CARGO_TARGET_DIR;
// left as it is when the current directory is gone.
std::string make_absolute(const std::string& path) {
  if (path.starts_with('/')) return path;
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  if (ec) return path;
  return (cwd / path).lexically_normal().string();
}

// One "<number><unit>" term of the harness's humantime syntax, in ns.
std::optional<std::chrono::nanoseconds> humantime_unit(std::string_view unit) {
  using namespace std::chrono;
  struct U {
    std::string_view name;
    nanoseconds ns;
  };
  static constexpr U units[] = {{"nsec", 1ns},
                                {"ns", 1ns},
                                {"usec", 1us},
                                {"us", 1us},
                                {"msec", 1ms},
                                {"ms", 1ms},
                                {"seconds", 1s},
                                {"second", 1s},
                                {"sec", 1s},
                                {"s", 1s},
                                {"minutes", 1min},
                                {"minute", 1min},
                                {"min", 1min},
                                {"mins", 1min},
                                {"m", 1min},
                                {"hours", 1h},
                                {"hour", 1h},
                                {"hr", 1h},
                                {"hrs", 1h},
                                {"h", 1h},
                                {"days", 24h},
                                {"day", 24h},
                                {"d", 24h},
                                {"weeks", 168h},
                                {"week", 168h},
                                {"w", 168h},
                                {"months", 2'630'016s},
                                {"month", 2'630'016s},
                                {"M", 2'630'016s},
                                {"years", 31'557'600s},
                                {"year", 31'557'600s},
                                {"y", 31'557'600s}};
  for (const U& u : units) {
    if (u.name == unit) return u.ns;
  }
  return std::nullopt;
}

struct ConfigLocation {
  std::string path;
  bool named;  // by --config or KTSTR_CONFIG: must exist
};

std::optional<ConfigLocation> find_config(const SettingsOverrides& flags, const EnvLookup& env) {
  if (flags.config_file) return ConfigLocation{*flags.config_file, true};
  if (auto p = env("KTSTR_CONFIG")) return ConfigLocation{*p, true};
  std::string user;
  if (auto xdg = absolute_env(env, "XDG_CONFIG_HOME")) {
    user = *xdg + "/ktstr/ktstr.toml";
  } else if (auto home = absolute_env(env, "HOME")) {
    user = *home + "/.config/ktstr/ktstr.toml";
  }
  for (const auto& candidate : {user, std::string("/etc/ktstr/ktstr.toml")}) {
    if (!candidate.empty() && ::access(candidate.c_str(), F_OK) == 0) {
      return ConfigLocation{candidate, false};
    }
  }
  return std::nullopt;
}

// flag > environment > file > default, for one directory setting; a
// relative value is 64 from a flag or the environment, 78 from the file.
Result<std::optional<std::string>> directory_setting(const std::optional<std::string>& flag,
                                                     std::string_view flag_name,
                                                     std::string_view env_name,
                                                     const std::optional<std::string>& in_file,
                                                     std::string_view key, const Settings& s,
                                                     const EnvLookup& env) {
  std::optional<std::string> value;
  Status st;
  if (flag) {
    value = *flag;
    st = require_absolute(*value, flag_name, ExitCode::usage);
  } else if (auto e = env(env_name)) {
    value = *e;
    st = require_absolute(*value, env_name, ExitCode::usage);
  } else if (in_file) {
    auto expanded = expand_home(*in_file, s.config_path, key, env);
    if (!expanded) return Unexpected(expanded.error());
    value = *expanded;
    st = require_absolute(*value, fmt::format("{}: {}", s.config_path, key), ExitCode::config);
  }
  if (!st) return Unexpected(st.error());
  return value;
}

// --runs-dir > runs_dir in the file > $CARGO_TARGET_DIR/ktstr >
// target/ktstr, made absolute. The file beats the environment here:
// CARGO_TARGET_DIR is set for every cargo build, not to place ktstr's locks.
Result<std::string> runs_root_setting(const SettingsOverrides& flags, const ConfigFile& file,
                                      const std::string& config_path, const EnvLookup& env) {
  std::string dir;
  if (flags.runs_dir) {
    dir = *flags.runs_dir;
  } else if (file.runs_dir) {
    auto expanded = expand_home(*file.runs_dir, config_path, "runs_dir", env);
    if (!expanded) return Unexpected(expanded.error());
    dir = *expanded;
  } else if (auto target = env("CARGO_TARGET_DIR")) {
    dir = *target + "/ktstr";
  } else {
    dir = "target/ktstr";
  }
  return make_absolute(dir);
}

}  // namespace

Result<std::string> Settings::cache_root() const {
  if (cache_dir_problem) return Unexpected(*cache_dir_problem);
  return cache_dir;
}

Result<Duration> parse_env_duration(std::string_view text) {
  if (auto d = parse_duration(text)) return d;
  // humantime: terms of digits and a unit, with optional spaces between.
  auto bad = fail(ExitCode::usage, fmt::format("bad duration {}", quote(text)));
  std::string_view rest = trim(text);
  if (rest.empty()) return bad;
  std::chrono::nanoseconds total{0};
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
      ++digits;
    auto n = parse_u64(rest.substr(0, digits));
    if (!n) return bad;
    rest = rest.substr(digits);
    while (rest.starts_with(' '))
      rest.remove_prefix(1);
    std::size_t letters = 0;
    while (letters < rest.size() && ((rest[letters] >= 'a' && rest[letters] <= 'z') ||
                                     (rest[letters] >= 'A' && rest[letters] <= 'Z')))
      ++letters;
    auto unit = humantime_unit(rest.substr(0, letters));
    if (!unit ||
        *n > static_cast<std::uint64_t>(std::chrono::nanoseconds::max().count() / unit->count())) {
      return bad;
    }
    auto term = *unit * static_cast<std::int64_t>(*n);
    if (total > std::chrono::nanoseconds::max() - term) return bad;
    total += term;
    rest = rest.substr(letters);
    while (rest.starts_with(' '))
      rest.remove_prefix(1);
  }
  return Duration::of(total);
}

Result<Settings> load_settings(const SettingsOverrides& flags, const EnvLookup& env) {
  ConfigFile file;
  Settings s;
  if (auto loc = find_config(flags, env)) {
    auto text = read_config_file(loc->path);
    if (!text) return Unexpected(text.error());
    auto parsed = parse_config(*text, loc->path);
    if (!parsed) return Unexpected(parsed.error());
    file = std::move(*parsed);
    s.config_path = loc->path;
  }

  auto lock_dir = directory_setting(flags.lock_dir, "--lock-dir", "KTSTR_LOCK_DIR", file.lock_dir,
                                    "lock_dir", s, env);
  if (!lock_dir) return Unexpected(lock_dir.error());
  s.lock_dir = lock_dir->value_or("/tmp");
  s.harness_lock_dir = env("KTSTR_LOCK_DIR").value_or("/tmp");
  s.lock_dir_from = flags.lock_dir          ? "--lock-dir"
                    : env("KTSTR_LOCK_DIR") ? "KTSTR_LOCK_DIR"
                    : file.lock_dir         ? s.config_path + ": lock_dir"
                                            : "the default";
  auto cache_dir = directory_setting(flags.cache_dir, "--cache-dir", "KTSTR_CACHE_DIR",
                                     file.cache_dir, "cache_dir", s, env);
  if (!cache_dir) return Unexpected(cache_dir.error());
  if (*cache_dir) {
    s.cache_dir = **cache_dir;
  } else if (auto xdg = absolute_env(env, "XDG_CACHE_HOME")) {
    s.cache_dir = *xdg + "/ktstr/kernels";
  } else if (auto home = absolute_env(env, "HOME")) {
    s.cache_dir = *home + "/.cache/ktstr/kernels";
  } else {
    // Only an error for what needs the cache root (Settings::cache_root).
    s.cache_dir_problem = Error{ExitCode::config,
                                "no cache root: HOME is unset or not absolute, and neither "
                                "KTSTR_CACHE_DIR nor XDG_CACHE_HOME is set",
                                0, "set KTSTR_CACHE_DIR to an absolute path"};
  }
  auto runs_dir = runs_root_setting(flags, file, s.config_path, env);
  if (!runs_dir) return Unexpected(runs_dir.error());
  s.runs_dir = std::move(*runs_dir);
  using namespace std::chrono_literals;
  s.acquire_timeout = file.acquire_timeout.value_or(Duration::forever());
  s.cache_shared_timeout = file.cache_shared_timeout.value_or(Duration::of(10s));
  if (auto text = env("KTSTR_CACHE_STORE_LOCK_TIMEOUT")) {
    auto d = parse_env_duration(*text);
    if (!d) {
      return fail(ExitCode::usage,
                  fmt::format("{} in KTSTR_CACHE_STORE_LOCK_TIMEOUT", d.error().message),
                  "give a duration such as 30s, 5m or 1h, or unset it");
    }
    s.cache_exclusive_timeout = *d;
  } else {
    s.cache_exclusive_timeout = file.cache_exclusive_timeout.value_or(Duration::of(60s));
  }
  s.watch_interval = file.watch_interval.value_or(Duration::of(1s));
  s.conflict_exit_code = file.conflict_exit_code.value_or(75);
  s.pin = file.pin.value_or(true);
  return s;
}

Result<std::optional<unsigned>> cpu_cap_setting(std::optional<unsigned> flag,
                                                const EnvLookup& env) {
  if (flag) return flag;
  auto text = env("KTSTR_CPU_CAP");
  if (!text) return std::optional<unsigned>();
  auto n = parse_u64(*text);
  if (!n || *n == 0 || *n > k_max_cpu_cap) {
    return fail(ExitCode::usage, fmt::format("KTSTR_CPU_CAP {} is not a CPU count", quote(*text)),
                fmt::format("give a whole number from 1 to {}, or unset it", k_max_cpu_cap));
  }
  return std::optional<unsigned>(static_cast<unsigned>(*n));
}

}  // namespace ktstr
