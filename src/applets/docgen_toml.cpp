// The generated blocks of ktstr.toml(5): every key with its default and its
// comment, from ktstr.toml.example, which must document exactly the keys the
// config parser accepts. The rest of the page is man/ktstr.toml.5.in.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "applets/docgen.hpp"
#include "lib/config.hpp"
#include "lib/error.hpp"

namespace ktstr::docgen {
namespace {

struct ConfigKey {
  std::string table;  // "" for the top level
  std::string key;    // dotted
  std::string value;  // the example's (default) value, as written
  std::vector<std::string> comment;
};

// The keys of the example; a key's comment is the comment block right above
// it. The file's leading comment documents the file, not a key.
std::vector<ConfigKey> parse_example(std::istream& in) {
  std::vector<ConfigKey> keys;
  std::string l;
  std::string table;
  std::vector<std::string> pending;
  bool in_preamble = true;
  while (std::getline(in, l)) {
    if (l.starts_with("#")) {
      if (!in_preamble) pending.push_back(l.size() > 1 && l[1] == ' ' ? l.substr(2) : l.substr(1));
      continue;
    }
    in_preamble = false;
    if (l.empty() || l.starts_with("[")) {
      if (l.starts_with("[")) table = l.substr(1, l.find(']') - 1);
      pending.clear();
      continue;
    }
    std::size_t eq = l.find('=');
    if (eq == std::string::npos) continue;
    std::string key = l.substr(0, l.find_last_not_of(' ', eq - 1) + 1);
    std::string value = l.substr(l.find_first_not_of(' ', eq + 1));
    keys.push_back({table, table.empty() ? key : table + "." + key, value, pending});
    pending.clear();
  }
  return keys;
}

// Whether the example documents exactly the keys the parser accepts; names
// each one that is missing, undocumented or unknown on stderr.
bool complete(const std::vector<ConfigKey>& keys, const std::string& path) {
  bool ok = true;
  auto known = config_keys();
  for (std::string_view key : known) {
    auto it =
        std::find_if(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.key == key; });
    if (it == keys.end() || it->comment.empty()) {
      fmt::print(stderr, "ktstr: {}: key {} is not documented\n", path, key);
      ok = false;
    }
  }
  for (const auto& k : keys) {
    if (std::find(known.begin(), known.end(), k.key) == known.end()) {
      fmt::print(stderr, "ktstr: {}: {} is not a config key\n", path, k.key);
      ok = false;
    }
  }
  return ok;
}

// A comment's lines as paragraphs: an empty comment line separates them.
std::vector<std::string> paragraphs(const std::vector<std::string>& lines) {
  std::vector<std::string> out(1);
  for (const auto& l : lines) {
    if (l.empty()) {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    out.back() += (out.back().empty() ? "" : " ") + l;
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// One subsection per table, one .TP entry per key.
void key_entries(Out out, const std::vector<ConfigKey>& keys) {
  std::string table = "-";
  for (const auto& k : keys) {
    if (k.table != table) {
      table = k.table;
      fmt::format_to(out, ".SS {}\n",
                     table.empty() ? "Top-level keys" : fmt::format("The [{}] table", table));
    }
    fmt::format_to(
        out, ".TP\n{}",
        line(fmt::format("\\fB{}\\fR = {}", escape(k.key, true), escape(k.value, true))));
    bool first = true;
    for (const std::string& para : paragraphs(k.comment)) {
      fmt::format_to(out, "{}{}", first ? "" : ".IP\n", line(prose(para)));
      first = false;
    }
  }
}

// Every key at its default, as a file.
void example_lines(Out out, const std::vector<ConfigKey>& keys) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    if (i > 0 && k.table != keys[i - 1].table) {
      fmt::format_to(out, "\n{}", line(fmt::format("[{}]", k.table)));
    }
    std::string bare = k.table.empty() ? k.key : k.key.substr(k.table.size() + 1);
    fmt::format_to(out, "{}", line(escape(fmt::format("{} = {}", bare, k.value), true)));
  }
}

}  // namespace

int config_blocks(const std::vector<std::string>& args, const std::string& version) {
  if (args.size() != 1) {
    fmt::print(stderr, "ktstr: --generate man:ktstr.toml needs the path of ktstr.toml.example\n");
    return static_cast<int>(ExitCode::usage);
  }
  std::ifstream in(args[0]);
  if (!in) {
    fmt::print(stderr, "ktstr: cannot read {}\n", quote(args[0]));
    return static_cast<int>(ExitCode::no_input);
  }
  std::vector<ConfigKey> keys = parse_example(in);
  if (!complete(keys, args[0])) return static_cast<int>(ExitCode::config);
  std::string s;
  Out out{s};
  begin_block(out, "th");
  th_line(out, "ktstr.toml", 5, version);
  begin_block(out, "keys");
  key_entries(out, keys);
  begin_block(out, "environment");
  environment_block(out, "toml");
  begin_block(out, "files");
  files_block(out, "toml");
  begin_block(out, "example");
  example_lines(out, keys);
  fmt::print("{}", s);
  return 0;
}

}  // namespace ktstr::docgen
