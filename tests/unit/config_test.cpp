// The config file (strict TOML) and where each setting comes from (SPEC §2).
#include "lib/config.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>

#include "lib/text.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using namespace std::chrono_literals;
using test::fixture_path;
using test::read_fixture;
using test::ScratchDir;

Result<ConfigFile> parse_fixture(std::string_view name) {
  std::string rel = "config/" + std::string(name);
  return parse_config(read_fixture(rel), fixture_path(rel));
}

// The error of a config that must fail, or a test failure.
Error config_error(std::string_view name) {
  auto cfg = parse_fixture(name);
  EXPECT_FALSE(cfg.has_value()) << name << " was accepted";
  return cfg ? Error{} : cfg.error();
}

TEST(ParseConfig, FullFile) {
  auto cfg = parse_fixture("full.toml");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_EQ(cfg->lock_dir, "/var/lock/ktstr");
  EXPECT_EQ(cfg->cache_dir, "/srv/ktstr-cache");
  EXPECT_EQ(cfg->acquire_timeout, Duration::of(30s));
  EXPECT_EQ(cfg->cache_shared_timeout, Duration::of(250ms));
  EXPECT_EQ(cfg->cache_exclusive_timeout, Duration::of(90s));  // integer: seconds
  EXPECT_EQ(cfg->watch_interval, Duration::of(500ms));         // float: seconds
  EXPECT_EQ(cfg->conflict_exit_code, 99);
  EXPECT_EQ(cfg->pin, false);
}

TEST(ParseConfig, FloatDurationsAreSeconds) {
  auto cfg = parse_config(
      "[timeouts]\nacquire = 0.00001\nwatch = 1.5\ncache_shared = 0.0\ncache_exclusive = 2e3\n",
      "f.toml");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_EQ(cfg->acquire_timeout, Duration::of(10us));
  EXPECT_EQ(cfg->watch_interval, Duration::of(1500ms));
  EXPECT_EQ(cfg->cache_shared_timeout, Duration::of(0ns));
  EXPECT_EQ(cfg->cache_exclusive_timeout, Duration::of(2000s));
  for (std::string_view bad : {"-0.5", "nan", "-1"}) {
    auto neg = parse_config("[timeouts]\nwatch = " + std::string(bad) + "\n", "n.toml");
    EXPECT_FALSE(neg.has_value()) << bad;
  }
}

TEST(ParseConfig, EmptyFileSetsNothing) {
  auto cfg = parse_fixture("empty.toml");
  ASSERT_TRUE(cfg.has_value());
  EXPECT_FALSE(cfg->lock_dir || cfg->cache_dir || cfg->acquire_timeout ||
               cfg->cache_shared_timeout || cfg->cache_exclusive_timeout || cfg->watch_interval ||
               cfg->conflict_exit_code || cfg->pin);
}

TEST(ParseConfig, DottedKeysAtTheRoot) {
  auto cfg = parse_fixture("dotted.toml");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  ASSERT_TRUE(cfg->acquire_timeout.has_value());
  EXPECT_TRUE(cfg->acquire_timeout->is_forever());
  EXPECT_EQ(cfg->pin, true);
  EXPECT_FALSE(cfg->lock_dir.has_value());
}

TEST(ParseConfig, SyntaxErrorNamesFileLineAndColumn) {
  Error e = config_error("syntax_error.toml");
  EXPECT_EQ(e.code, ExitCode::config);
  EXPECT_TRUE(e.message.starts_with(fixture_path("config/syntax_error.toml") + ":3:")) << e.message;
}

TEST(ParseConfig, WrongTypeNamesFileLineColumnAndKey) {
  Error e = config_error("wrong_type.toml");
  EXPECT_EQ(e.code, ExitCode::config);
  EXPECT_TRUE(e.message.starts_with(fixture_path("config/wrong_type.toml") + ":4:7: "))
      << e.message;
  EXPECT_NE(e.message.find("'acquire.pin'"), std::string::npos) << e.message;

  Error s = config_error("wrong_type_string.toml");
  EXPECT_EQ(s.code, ExitCode::config);
  EXPECT_TRUE(s.message.starts_with(fixture_path("config/wrong_type_string.toml") + ":2:12: "))
      << s.message;
  EXPECT_NE(s.message.find("'lock_dir' must be a string"), std::string::npos) << s.message;
}

TEST(ParseConfig, UnknownKeySuggestsTheNearestValidOne) {
  Error e = config_error("unknown_key.toml");
  EXPECT_EQ(e.code, ExitCode::config);
  // Line 5, column 1: where the misspelt key starts, not its value.
  EXPECT_TRUE(e.message.starts_with(fixture_path("config/unknown_key.toml") + ":5:1:"))
      << e.message;
  EXPECT_NE(e.message.find("unknown key 'timeouts.acquir'"), std::string::npos) << e.message;
  EXPECT_NE(e.remedy.find("'timeouts.acquire'"), std::string::npos) << e.remedy;

  auto root = parse_config("lockdir = \"/tmp\"\n", "inline.toml");
  ASSERT_FALSE(root.has_value());
  EXPECT_TRUE(root.error().message.starts_with("inline.toml:1:")) << root.error().message;
  EXPECT_NE(root.error().remedy.find("'lock_dir'"), std::string::npos) << root.error().remedy;

  auto pin = parse_config("[acquire]\n  pni = true\n", "inline.toml");
  ASSERT_FALSE(pin.has_value());
  EXPECT_TRUE(pin.error().message.starts_with("inline.toml:2:3:")) << pin.error().message;
  EXPECT_NE(pin.error().remedy.find("'acquire.pin'"), std::string::npos) << pin.error().remedy;
}

TEST(ParseConfig, UnknownTable) {
  Error e = config_error("unknown_table.toml");
  EXPECT_EQ(e.code, ExitCode::config);
  EXPECT_TRUE(e.message.starts_with(fixture_path("config/unknown_table.toml") + ":3:"))
      << e.message;
  EXPECT_NE(e.message.find("'locks'"), std::string::npos) << e.message;
}

TEST(ParseConfig, AMisspeltTableSuggestsTheNearestTable) {
  auto cfg = parse_config("[timeout]\nacquire = \"5s\"\n", "t.toml");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code, ExitCode::config);
  EXPECT_TRUE(cfg.error().message.starts_with("t.toml:1:")) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("unknown table 'timeout'"), std::string::npos)
      << cfg.error().message;
  EXPECT_EQ(cfg.error().remedy, "did you mean 'timeouts'?");
}

TEST(ParseConfig, TheFirstErrorInTheFileIsReported) {
  // toml++ sorts keys ("acquire" < "zzz"); the file has zzz first.
  auto cfg = parse_config("zzz = 1\n[acquire]\npin = \"yes\"\n", "t.toml");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_TRUE(cfg.error().message.starts_with("t.toml:1:1: unknown key 'zzz'"))
      << cfg.error().message;
  auto table = parse_config("lock_dir = 5\ntimeouts = 1\n", "t.toml");
  ASSERT_FALSE(table.has_value());
  EXPECT_TRUE(table.error().message.starts_with("t.toml:1:")) << table.error().message;
  EXPECT_NE(table.error().message.find("'lock_dir' must be a string"), std::string::npos)
      << table.error().message;
}

TEST(ParseConfig, TableKeyWithAScalarValue) {
  auto cfg = parse_config("timeouts = \"5s\"\n", "t.toml");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code, ExitCode::config);
  EXPECT_TRUE(cfg.error().message.starts_with("t.toml:1:")) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("'timeouts' must be a table"), std::string::npos);
}

TEST(ParseConfig, ConflictExitCodeRange) {
  Error e = config_error("exit_code_range.toml");
  EXPECT_EQ(e.code, ExitCode::config);
  EXPECT_TRUE(e.message.starts_with(fixture_path("config/exit_code_range.toml") + ":2:22: "))
      << e.message;
  EXPECT_NE(e.message.find("'acquire.conflict_exit_code'"), std::string::npos) << e.message;

  for (std::string_view bad : {"-1", "256", "75.0", "\"75\"", "true"}) {
    auto cfg = parse_config("[acquire]\nconflict_exit_code = " + std::string(bad) + "\n", "c.toml");
    EXPECT_FALSE(cfg.has_value()) << bad;
  }
  for (int ok : {0, 1, 75, 255}) {
    auto cfg = parse_config("[acquire]\nconflict_exit_code = " + std::to_string(ok) + "\n", "c");
    ASSERT_TRUE(cfg.has_value()) << ok;
    EXPECT_EQ(cfg->conflict_exit_code, ok);
  }
}

TEST(ParseConfig, BadDurationNamesTheKey) {
  Error e = config_error("bad_duration.toml");
  EXPECT_EQ(e.code, ExitCode::config);
  EXPECT_TRUE(e.message.starts_with(fixture_path("config/bad_duration.toml") + ":2:9: "))
      << e.message;
  EXPECT_NE(e.message.find("'timeouts.watch'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'soon'"), std::string::npos) << e.message;

  auto arr = parse_config("[timeouts]\nacquire = [1, 2]\n", "a.toml");
  ASSERT_FALSE(arr.has_value());
  EXPECT_TRUE(arr.error().message.starts_with("a.toml:2:")) << arr.error().message;
}

// A fake environment for load_settings.
struct FakeEnv {
  std::map<std::string, std::string, std::less<>> vars;
  EnvLookup lookup() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
  }
};

class LoadSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_ / "home";
    std::filesystem::create_directories(home_);
    // HOME and XDG_CONFIG_HOME point into the scratch dir, so the user's own
    // config never leaks in.
    env_.vars["HOME"] = home_;
    env_.vars["XDG_CONFIG_HOME"] = dir_ / "xdg-config";
  }
  std::string write_config(std::string_view name, std::string_view text) {
    std::string path = dir_ / name;
    test::write_file(path, text);
    return path;
  }
  Result<Settings> load(const SettingsOverrides& flags = {}) {
    return load_settings(flags, env_.lookup());
  }

  ScratchDir dir_;
  std::string home_;
  FakeEnv env_;
};

TEST_F(LoadSettingsTest, BuiltInDefaults) {
  env_.vars["KTSTR_CONFIG"] = write_config("empty.toml", "");
  auto s = load();
  ASSERT_TRUE(s.has_value()) << s.error().describe();
  EXPECT_EQ(s->lock_dir, "/tmp");
  EXPECT_EQ(s->cache_dir, home_ + "/.cache/ktstr/kernels");
  EXPECT_TRUE(s->acquire_timeout.is_forever());
  EXPECT_EQ(s->cache_shared_timeout, Duration::of(10s));
  EXPECT_EQ(s->cache_exclusive_timeout, Duration::of(60s));
  EXPECT_EQ(s->watch_interval, Duration::of(1s));
  EXPECT_EQ(s->conflict_exit_code, 75);
  EXPECT_TRUE(s->pin);
  EXPECT_EQ(s->config_path, dir_ / "empty.toml");
}

TEST_F(LoadSettingsTest, MissingDefaultLocationIsNotAnError) {
  auto s = load();
  ASSERT_TRUE(s.has_value()) << s.error().describe();
  EXPECT_EQ(s->lock_dir, "/tmp");
  // Only the system-wide file can have been found; ours does not exist.
  if (std::filesystem::exists("/etc/ktstr/ktstr.toml")) {
    EXPECT_EQ(s->config_path, "/etc/ktstr/ktstr.toml");
  } else {
    EXPECT_EQ(s->config_path, "");
  }
}

TEST_F(LoadSettingsTest, XdgCacheHome) {
  env_.vars["KTSTR_CONFIG"] = write_config("empty.toml", "");
  env_.vars["XDG_CACHE_HOME"] = "/xdg/cache";
  auto s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->cache_dir, "/xdg/cache/ktstr/kernels");
}

TEST_F(LoadSettingsTest, PrecedenceFlagEnvFileDefault) {
  env_.vars["KTSTR_CONFIG"] = write_config(
      "c.toml",
      "lock_dir = \"/from/file\"\ncache_dir = \"/cache/file\"\n[timeouts]\nwatch = \"3s\"\n");
  auto file_only = load();
  ASSERT_TRUE(file_only.has_value()) << file_only.error().describe();
  EXPECT_EQ(file_only->lock_dir, "/from/file");
  EXPECT_EQ(file_only->cache_dir, "/cache/file");
  EXPECT_EQ(file_only->watch_interval, Duration::of(3s));
  EXPECT_EQ(file_only->cache_shared_timeout, Duration::of(10s));  // not in the file

  env_.vars["KTSTR_LOCK_DIR"] = "/from/env";
  env_.vars["KTSTR_CACHE_DIR"] = "/cache/env";
  auto env_beats_file = load();
  ASSERT_TRUE(env_beats_file.has_value());
  EXPECT_EQ(env_beats_file->lock_dir, "/from/env");
  EXPECT_EQ(env_beats_file->cache_dir, "/cache/env");

  SettingsOverrides flags;
  flags.lock_dir = "/from/flag";
  flags.cache_dir = "/cache/flag";
  auto flag_beats_env = load(flags);
  ASSERT_TRUE(flag_beats_env.has_value());
  EXPECT_EQ(flag_beats_env->lock_dir, "/from/flag");
  EXPECT_EQ(flag_beats_env->cache_dir, "/cache/flag");
  EXPECT_EQ(flag_beats_env->watch_interval, Duration::of(3s));

  // Set but empty reads as unset: the file's value stands.
  env_.vars["KTSTR_LOCK_DIR"] = "";
  auto empty_env = load();
  ASSERT_TRUE(empty_env.has_value());
  EXPECT_EQ(empty_env->lock_dir, "/from/file");
}

TEST_F(LoadSettingsTest, ConfigFileSearchOrder) {
  std::string xdg = write_config("xdg-config/ktstr/ktstr.toml", "lock_dir = \"/xdg\"\n");
  std::string home_cfg = write_config("home/.config/ktstr/ktstr.toml", "lock_dir = \"/home\"\n");
  std::string named = write_config("named.toml", "lock_dir = \"/named\"\n");
  std::string flagged = write_config("flagged.toml", "lock_dir = \"/flagged\"\n");

  auto s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lock_dir, "/xdg");
  EXPECT_EQ(s->config_path, xdg);

  env_.vars.erase("XDG_CONFIG_HOME");
  s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lock_dir, "/home");
  EXPECT_EQ(s->config_path, home_cfg);

  env_.vars["KTSTR_CONFIG"] = named;
  s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lock_dir, "/named");

  SettingsOverrides flags;
  flags.config_file = flagged;
  s = load(flags);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lock_dir, "/flagged");
  EXPECT_EQ(s->config_path, flagged);
}

TEST_F(LoadSettingsTest, NamedConfigFileMissingIsNoInput) {
  SettingsOverrides flags;
  flags.config_file = dir_ / "nope.toml";
  auto by_flag = load(flags);
  ASSERT_FALSE(by_flag.has_value());
  EXPECT_EQ(by_flag.error().code, ExitCode::no_input);
  EXPECT_NE(by_flag.error().message.find(dir_ / "nope.toml"), std::string::npos);
  EXPECT_EQ(by_flag.error().sys_errno, ENOENT);

  env_.vars["KTSTR_CONFIG"] = dir_ / "also-nope.toml";
  auto by_env = load();
  ASSERT_FALSE(by_env.has_value());
  EXPECT_EQ(by_env.error().code, ExitCode::no_input);
  EXPECT_NE(by_env.error().message.find("also-nope.toml"), std::string::npos);
}

TEST_F(LoadSettingsTest, BadFileIsAConfigError) {
  SettingsOverrides flags;
  flags.config_file = write_config("bad.toml", "[timeouts]\nacquir = \"5s\"\n");
  auto s = load(flags);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ExitCode::config);
  EXPECT_TRUE(s.error().message.starts_with(*flags.config_file + ":2:")) << s.error().message;
}

TEST_F(LoadSettingsTest, TildeMeansHome) {
  env_.vars["KTSTR_CONFIG"] =
      write_config("t.toml", "lock_dir = \"~/locks\"\ncache_dir = \"~/cache\"\n");
  auto s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lock_dir, home_ + "/locks");
  EXPECT_EQ(s->cache_dir, home_ + "/cache");
}

TEST_F(LoadSettingsTest, RelativeDirectoriesAreRefused) {
  env_.vars["KTSTR_CONFIG"] = write_config("empty.toml", "");
  SettingsOverrides flags;
  flags.lock_dir = "rel";
  auto by_flag = load(flags);
  ASSERT_FALSE(by_flag.has_value());
  EXPECT_EQ(by_flag.error().code, ExitCode::usage);
  EXPECT_NE(by_flag.error().message.find("--lock-dir 'rel'"), std::string::npos);

  flags = {};
  flags.cache_dir = "./c";
  auto cache_flag = load(flags);
  ASSERT_FALSE(cache_flag.has_value());
  EXPECT_EQ(cache_flag.error().code, ExitCode::usage);

  env_.vars["KTSTR_CACHE_DIR"] = "c";
  auto by_env = load();
  ASSERT_FALSE(by_env.has_value());
  EXPECT_EQ(by_env.error().code, ExitCode::usage);
  EXPECT_NE(by_env.error().message.find("KTSTR_CACHE_DIR"), std::string::npos);
  env_.vars.erase("KTSTR_CACHE_DIR");

  for (std::string_view text :
       {"lock_dir = \"rel\"\n", "cache_dir = \"a/b\"\n", "cache_dir = \"~user/x\"\n"}) {
    env_.vars["KTSTR_CONFIG"] = write_config("rel.toml", text);
    auto in_file = load();
    ASSERT_FALSE(in_file.has_value()) << text;
    EXPECT_EQ(in_file.error().code, ExitCode::config) << text;
    EXPECT_NE(in_file.error().message.find("rel.toml"), std::string::npos);
  }
}

TEST_F(LoadSettingsTest, RelativeXdgAndHomeAreIgnored) {
  env_.vars["KTSTR_CONFIG"] = write_config("empty.toml", "");
  env_.vars["XDG_CACHE_HOME"] = "rel-cache";
  auto s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->cache_dir, home_ + "/.cache/ktstr/kernels");

  for (const char* home : {"rel-home", ""}) {
    env_.vars["HOME"] = home;
    s = load();
    ASSERT_TRUE(s.has_value()) << "HOME=" << home;
    EXPECT_EQ(s->cache_dir, "");
    auto root = s->cache_root();
    ASSERT_FALSE(root.has_value());
    EXPECT_EQ(root.error().code, ExitCode::config);
    EXPECT_NE(root.error().remedy.find("KTSTR_CACHE_DIR"), std::string::npos);
  }
  env_.vars["XDG_CACHE_HOME"] = "/xdg";
  s = load();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->cache_root().value(), "/xdg/ktstr/kernels");
}

TEST_F(LoadSettingsTest, TildeWithoutHomeIsAConfigError) {
  env_.vars.erase("HOME");
  env_.vars["KTSTR_CONFIG"] = write_config("t.toml", "cache_dir = \"~/x\"\n");
  auto s = load();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ExitCode::config);
  EXPECT_NE(s.error().message.find("HOME"), std::string::npos);
}

TEST_F(LoadSettingsTest, ConfigMustBeASmallRegularFile) {
  SettingsOverrides flags;
  flags.config_file = dir_.str();  // a directory
  auto dir = load(flags);
  ASSERT_FALSE(dir.has_value());
  EXPECT_EQ(dir.error().code, ExitCode::config);
  EXPECT_NE(dir.error().message.find("a directory"), std::string::npos);

  flags.config_file = "/dev/zero";
  auto dev = load(flags);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, ExitCode::config);

  flags.config_file = write_config("big.toml", std::string((1 << 20) + 1, '#'));
  auto big = load(flags);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, ExitCode::config);
  EXPECT_NE(big.error().message.find("1 MiB"), std::string::npos);

  flags.config_file = write_config("limit.toml", std::string(1 << 20, '#'));
  EXPECT_TRUE(load(flags).has_value());
}

TEST(ParseConfig, NulInAPathIsAConfigError) {
  for (std::string_view text : {"lock_dir = \"/tmp/a\\u0000b\"\n", "cache_dir = \"/c\\u0000\"\n"}) {
    auto c = parse_config(text, "f.toml");
    ASSERT_FALSE(c.has_value()) << text;
    EXPECT_EQ(c.error().code, ExitCode::config);
    EXPECT_NE(c.error().message.find("NUL"), std::string::npos) << c.error().message;
  }
}

// The example documents every key (one "key = value" line each) and holds
// exactly the built-in defaults.
TEST(ExampleConfig, DocumentsEveryKeyWithItsDefault) {
  std::string example_path = std::string(KTSTR_SOURCE_DIR) + "/ktstr.toml.example";
  auto text = read_small_file(example_path);
  ASSERT_TRUE(text.has_value()) << text.error().describe();

  std::set<std::string> documented;
  std::string table;
  for (auto line : split_lines(*text)) {
    line = trim(line);
    if (line.empty() || line.starts_with('#')) continue;
    if (line.starts_with('[') && line.ends_with(']')) {
      table = std::string(trim(line.substr(1, line.size() - 2)));
      continue;
    }
    auto eq = line.find('=');
    ASSERT_NE(eq, std::string_view::npos) << line;
    std::string key(trim(line.substr(0, eq)));
    documented.insert(table.empty() ? key : table + "." + key);
  }
  std::set<std::string> known;
  for (auto k : config_keys())
    known.emplace(k);
  EXPECT_EQ(documented, known);
  EXPECT_EQ(known.size(), config_keys().size());  // no key listed twice
  EXPECT_TRUE(known.contains("timeouts.acquire"));

  auto parsed = parse_config(*text, example_path);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_TRUE(parsed->lock_dir && parsed->cache_dir && parsed->runs_dir &&
              parsed->acquire_timeout && parsed->cache_shared_timeout &&
              parsed->cache_exclusive_timeout && parsed->watch_interval &&
              parsed->conflict_exit_code && parsed->pin);

  FakeEnv env;
  env.vars["HOME"] = "/home/someone";
  ScratchDir dir;
  test::write_file(dir / "empty.toml", "");
  SettingsOverrides from_example;
  from_example.config_file = example_path;
  SettingsOverrides from_empty;
  from_empty.config_file = dir / "empty.toml";
  auto ex = load_settings(from_example, env.lookup());
  ASSERT_TRUE(ex.has_value()) << ex.error().describe();
  auto def = load_settings(from_empty, env.lookup());
  ASSERT_TRUE(def.has_value()) << def.error().describe();
  EXPECT_EQ(ex->lock_dir, def->lock_dir);
  EXPECT_EQ(ex->cache_dir, def->cache_dir);
  EXPECT_EQ(ex->cache_dir, "/home/someone/.cache/ktstr/kernels");
  EXPECT_EQ(ex->runs_dir, def->runs_dir);
  EXPECT_EQ(ex->acquire_timeout, def->acquire_timeout);
  EXPECT_EQ(ex->cache_shared_timeout, def->cache_shared_timeout);
  EXPECT_EQ(ex->cache_exclusive_timeout, def->cache_exclusive_timeout);
  EXPECT_EQ(ex->watch_interval, def->watch_interval);
  EXPECT_EQ(ex->conflict_exit_code, def->conflict_exit_code);
  EXPECT_EQ(ex->pin, def->pin);
  EXPECT_EQ(ex->config_path, example_path);
}

TEST(ConfigKeys, DottedAndUnique) {
  std::set<std::string_view> seen;
  for (auto k : config_keys()) {
    EXPECT_TRUE(seen.insert(k).second) << k;
    EXPECT_FALSE(k.empty());
  }
  EXPECT_EQ(seen.size(), 9u);
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

// Crashes (undefined behaviour inside toml++) found by tests/fuzz/config_fuzz
// are refused with a config error before toml++ parses the text: the file
// must be ASCII.
TEST(ParseConfig, NonAsciiIsAConfigError) {
  for (std::string_view text :
       {std::string_view("l\xef\xb9\xbf"
                         "Fccqiu"),  // the first fuzz crash, U+FE7F
        std::string_view("\xc3\xa9 = 1\n"), std::string_view("lock_dir = \"/tmp/caf\xc3\xa9\"\n"),
        std::string_view("# r\xc3\xa9glages\n"),
        std::string_view("s=7''\"7=\xce\x93\";")}) {  // the second: a string toml++ did not see
    auto cfg = parse_config(text, "f.toml");
    ASSERT_FALSE(cfg.has_value()) << text;
    EXPECT_EQ(cfg.error().code, ExitCode::config);
    EXPECT_NE(cfg.error().message.find("non-ASCII"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().remedy.find("\\u"), std::string::npos) << cfg.error().remedy;
  }
  auto second_line = parse_config("lock_dir = \"/tmp\"\n  \xc3\xa9 = 1\n", "f.toml");
  ASSERT_FALSE(second_line.has_value());
  EXPECT_TRUE(second_line.error().message.starts_with("f.toml:2:3:"))
      << second_line.error().message;
}

TEST(ParseConfig, UnicodeEscapesSpellNonAsciiPaths) {
  auto cfg = parse_config("lock_dir = \"/tmp/caf\\u00e9\"\n", "f.toml");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_EQ(*cfg->lock_dir, "/tmp/caf\xc3\xa9");
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

class RunsDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.vars["HOME"] = dir_ / "home";
    env_.vars["KTSTR_CONFIG"] = dir_ / "empty.toml";
    test::write_file(dir_ / "empty.toml", "");
    cwd_ = std::filesystem::current_path().lexically_normal().string();
  }
  Result<Settings> load(const SettingsOverrides& flags = {}) {
    return load_settings(flags, env_.lookup());
  }
  ScratchDir dir_;
  FakeEnv env_;
  std::string cwd_;
};

// --runs-dir > runs_dir in the config > $CARGO_TARGET_DIR/ktstr >
// target/ktstr, made absolute against the current directory.
TEST_F(RunsDirTest, Precedence) {
  auto s = load();
  ASSERT_TRUE(s.has_value()) << s.error().describe();
  EXPECT_EQ(s->runs_dir, cwd_ + "/target/ktstr");

  env_.vars["CARGO_TARGET_DIR"] = "/build/t";
  EXPECT_EQ(load()->runs_dir, "/build/t/ktstr");
  env_.vars["CARGO_TARGET_DIR"] = "out";
  EXPECT_EQ(load()->runs_dir, cwd_ + "/out/ktstr");
  env_.vars["CARGO_TARGET_DIR"] = "";  // empty: unset, as for cargo's harness
  EXPECT_EQ(load()->runs_dir, cwd_ + "/target/ktstr");

  env_.vars["CARGO_TARGET_DIR"] = "/build/t";
  test::write_file(dir_ / "c.toml", "runs_dir = \"~/runs\"\n");
  env_.vars["KTSTR_CONFIG"] = dir_ / "c.toml";
  EXPECT_EQ(load()->runs_dir, dir_ / "home/runs");
  test::write_file(dir_ / "c.toml", "runs_dir = \"./rel/../r\"\n");
  EXPECT_EQ(load()->runs_dir, cwd_ + "/r");

  SettingsOverrides flags;
  flags.runs_dir = "/flag/runs";
  EXPECT_EQ(load(flags)->runs_dir, "/flag/runs");
  flags.runs_dir = "flag";
  EXPECT_EQ(load(flags)->runs_dir, cwd_ + "/flag");
}

TEST_F(RunsDirTest, WrongTypeInConfig) {
  auto cfg = parse_config("runs_dir = 3\n", "r.toml");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code, ExitCode::config);
  EXPECT_NE(cfg.error().message.find("'runs_dir'"), std::string::npos) << cfg.error().message;
}

// KTSTR_CACHE_STORE_LOCK_TIMEOUT (the Rust harness's variable, humantime
// syntax) is the environment layer of timeouts.cache_exclusive:
// environment > config file > 60s.
TEST_F(RunsDirTest, CacheStoreLockTimeoutIsTheEnvironmentLayer) {
  EXPECT_EQ(load()->cache_exclusive_timeout, Duration::of(60s));
  test::write_file(dir_ / "c.toml", "[timeouts]\ncache_exclusive = \"90s\"\n");
  env_.vars["KTSTR_CONFIG"] = dir_ / "c.toml";
  EXPECT_EQ(load()->cache_exclusive_timeout, Duration::of(90s));
  env_.vars["KTSTR_CACHE_STORE_LOCK_TIMEOUT"] = "5m";
  EXPECT_EQ(load()->cache_exclusive_timeout, Duration::of(5min));
  env_.vars["KTSTR_CACHE_STORE_LOCK_TIMEOUT"] = "10min";
  EXPECT_EQ(load()->cache_exclusive_timeout, Duration::of(10min));
  env_.vars["KTSTR_CACHE_STORE_LOCK_TIMEOUT"] = "1h 30m";
  EXPECT_EQ(load()->cache_exclusive_timeout, Duration::of(90min));
  env_.vars["KTSTR_CACHE_STORE_LOCK_TIMEOUT"] = "";  // empty: not set, as in the harness
  EXPECT_EQ(load()->cache_exclusive_timeout, Duration::of(90s));
  env_.vars["KTSTR_CACHE_STORE_LOCK_TIMEOUT"] = "soon";
  auto bad = load();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ExitCode::usage);
  EXPECT_NE(bad.error().message.find("KTSTR_CACHE_STORE_LOCK_TIMEOUT"), std::string::npos)
      << bad.error().message;
  // Other timeouts are not affected.
  env_.vars["KTSTR_CACHE_STORE_LOCK_TIMEOUT"] = "2s";
  EXPECT_EQ(load()->cache_shared_timeout, Duration::of(10s));
  EXPECT_TRUE(load()->acquire_timeout.is_forever());
}

TEST(ParseEnvDuration, HumantimeAndKtstrSyntax) {
  EXPECT_EQ(parse_env_duration("30s").value_or(Duration{}), Duration::of(30s));
  EXPECT_EQ(parse_env_duration("1.5s").value_or(Duration{}), Duration::of(1500ms));
  EXPECT_EQ(parse_env_duration("2 minutes").value_or(Duration{}), Duration::of(2min));
  EXPECT_EQ(parse_env_duration("1hour 2min 3sec").value_or(Duration{}),
            Duration::of(1h + 2min + 3s));
  EXPECT_EQ(parse_env_duration("250msec").value_or(Duration{}), Duration::of(250ms));
  EXPECT_EQ(parse_env_duration("1d").value_or(Duration{}), Duration::of(24h));
  for (std::string_view bad :
       {"", "s", "5 parsecs", "-5s", "5s x", "99999999999999999999 weeks", "9999999999 weeks"}) {
    EXPECT_FALSE(parse_env_duration(bad).has_value()) << bad;
  }
}

// The lock dir a Rust harness started from this environment uses, and where
// ktstr's came from (for fscheck's and acquire -v's note).
TEST_F(RunsDirTest, HarnessLockDirIsKtstrLockDirElseTmp) {
  auto s = load();
  ASSERT_TRUE(s.has_value()) << s.error().describe();
  EXPECT_EQ(s->harness_lock_dir, "/tmp");
  EXPECT_EQ(s->lock_dir_from, "the default");
  test::write_file(dir_ / "c.toml", "lock_dir = \"/cfg/locks\"\n");
  env_.vars["KTSTR_CONFIG"] = dir_ / "c.toml";
  EXPECT_EQ(load()->lock_dir, "/cfg/locks");
  EXPECT_EQ(load()->lock_dir_from, dir_ / "c.toml: lock_dir");
  EXPECT_EQ(load()->harness_lock_dir, "/tmp");
  env_.vars["KTSTR_LOCK_DIR"] = "/env/locks";
  EXPECT_EQ(load()->lock_dir_from, "KTSTR_LOCK_DIR");
  EXPECT_EQ(load()->harness_lock_dir, "/env/locks");
  SettingsOverrides flags;
  flags.lock_dir = "/flag/locks";
  EXPECT_EQ(load(flags)->lock_dir_from, "--lock-dir");
  EXPECT_EQ(load(flags)->harness_lock_dir, "/env/locks");
  env_.vars["KTSTR_LOCK_DIR"] = "";  // empty: unset, for both tools
  EXPECT_EQ(load(flags)->harness_lock_dir, "/tmp");
}

// --cpu-cap > KTSTR_CPU_CAP > none; the harness refuses 0 and non-numbers.
TEST(CpuCapSetting, FlagThenEnvironment) {
  FakeEnv env;
  EXPECT_EQ(cpu_cap_setting(std::nullopt, env.lookup()).value_or(7u), std::nullopt);
  EXPECT_EQ(cpu_cap_setting(3u, env.lookup()).value_or(std::nullopt), 3u);
  env.vars["KTSTR_CPU_CAP"] = "8";
  EXPECT_EQ(cpu_cap_setting(std::nullopt, env.lookup()).value_or(std::nullopt), 8u);
  EXPECT_EQ(cpu_cap_setting(3u, env.lookup()).value_or(std::nullopt), 3u);
  env.vars["KTSTR_CPU_CAP"] = "";
  EXPECT_EQ(cpu_cap_setting(std::nullopt, env.lookup()).value_or(7u), std::nullopt);
  for (std::string bad : {"0", "-1", "four", " 4", "4 ", "1.5", "65537", "99999999999999999999"}) {
    env.vars["KTSTR_CPU_CAP"] = bad;
    auto r = cpu_cap_setting(std::nullopt, env.lookup());
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ExitCode::usage) << bad;
    EXPECT_NE(r.error().message.find("KTSTR_CPU_CAP"), std::string::npos) << r.error().message;
    // A bad variable does not matter when the flag is given.
    EXPECT_EQ(cpu_cap_setting(2u, env.lookup()).value_or(std::nullopt), 2u) << bad;
  }
}

}  // namespace
}  // namespace ktstr
