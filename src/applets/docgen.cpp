// Man pages and shell completions, generated from the same option tables
// and doc blocks that --help shows. The per-page facts that are not about one
// option (which environment variables and files an applet reads) sit in the
// two tables below, next to the code that renders them.
#include "applets/docgen.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>

#include "applets/applet.hpp"
#include "applets/context.hpp"
#include "lib/config.hpp"
#include "lib/topology.hpp"

namespace ktstr {

void declare_top_level_options(OptionTable& t, TopLevelOptions& o) {
  t.flag("--list", o.list, "print the applet names, one a line");
}

namespace {

using Out = std::back_insert_iterator<std::string>;

// ktstr(1)'s doc block; SPEC §5 is its EXIT STATUS.
constexpr AppletDoc k_ktstr_doc{
    .description =
        "ktstr coordinates the advisory flock(2) lock files that Linux scheduler test "
        "harnesses use to reserve CPUs, last-level caches (LLCs) and cache entries on a "
        "shared host, and shows who holds them. Its lock files and lock modes are those of "
        "the Rust ktstr harness, so a VM run by that harness and a command run under "
        "ktstr-acquire(1) exclude each other.\n\n"
        "It is one binary holding several applets. Run one as ktstr APPLET, or through a "
        "link named ktstr-APPLET (or APPLET) pointing at the binary. Global options may "
        "come before the applet name or among the applet's own options.\n\n"
        "Settings come from, highest first: a command-line flag, an environment variable, "
        "the config file (see ktstr.toml(5)), the built-in default.",
    .exit_status =
        "0 success; for holders and fscheck, the answer is yes\n"
        "1 the answer is no (holders: not held; fscheck: refused filesystem)\n"
        "64 usage error: unknown option, bad number, bad duration, bad CPU list\n"
        "66 a named input (PATH, config file) does not exist\n"
        "69 lock dir or lock file on a refused filesystem\n"
        "71 unexpected system error\n"
        "73 a lock file cannot be created\n"
        "75 acquire: the locks could not be had in time (overridable)\n"
        "77 permission denied\n"
        "78 configuration error\n"
        "126 acquire: COMMAND is not executable\n"
        "127 acquire: COMMAND not found; ktstr: unknown applet name\n"
        "128+N acquire: COMMAND died of signal N",
    .examples =
        "  ktstr acquire --cpus 2 -- ./run-test.sh\n"
        "  ktstr locks\n"
        "  ktstr --lock-dir /run/lock/ktstr locks --json",
    .see_also = "flock(1), flock(2), lslocks(8)",
};

// Which applets a fact applies to: space-separated names; ktstr(1) lists all.
struct Fact {
  std::string_view tag;  // "{X}" in a FILES tag is set in italics
  std::string_view applets;
  std::string_view text;
};

constexpr std::string_view k_settings_users = "acquire fscheck locks toml";

constexpr Fact k_environment[] = {
    {"KTSTR_LOCK_DIR", k_settings_users,
     "The lock dir, when set and not empty. --lock-dir overrides it; it overrides lock_dir "
     "in the config file. Default: /tmp."},
    {"KTSTR_CACHE_DIR", k_settings_users,
     "The cache root, whose .locks/ directory holds cache-entry locks. --cache-dir "
     "overrides it; it overrides cache_dir in the config file."},
    {"KTSTR_CONFIG", k_settings_users,
     "The config file to read when --config is not given. Unlike the default locations, "
     "it must exist."},
    {"XDG_CONFIG_HOME", k_settings_users,
     "The config file is looked for as $XDG_CONFIG_HOME/ktstr/ktstr.toml "
     "(default: ~/.config/ktstr/ktstr.toml)."},
    {"XDG_CACHE_HOME", "acquire fscheck locks",
     "The default cache root is $XDG_CACHE_HOME/ktstr/kernels "
     "(default: ~/.cache/ktstr/kernels)."},
    {"KTSTR_SYSFS_ROOT", "acquire locks",
     "Read the CPU topology from this directory instead of /sys; for tests."},
    {"NO_COLOR", "locks", "When set and not empty, output is not coloured unless --color always."},
    {"KTSTR_CPUS", "acquire",
     "Set in COMMAND's environment when CPUs were reserved: their list, as in 2-3,6."},
    {"KTSTR_LOCKS", "acquire",
     "Set in COMMAND's environment: the lock files held, colon-separated."},
};

constexpr Fact k_files[] = {
    {"{lock_dir}/ktstr-cpu-{N}.lock", "acquire locks",
     "The lock of CPU N: LOCK_EX while the CPU is reserved."},
    {"{lock_dir}/ktstr-llc-{N}.lock", "acquire locks",
     "The lock of the Nth last-level cache, counted in the order of the sysfs cache ids: "
     "LOCK_SH while some of its CPUs are reserved, LOCK_EX while the whole LLC is."},
    {"{cache_root}/.locks/{KEY}.lock", "acquire locks", "The lock of cache entry KEY."},
    {"{lock_dir}/ktstr-cpus-queue.lock", "acquire",
     "Where acquire --cpus waiters short of CPUs line up: the head of the queue holds it "
     "LOCK_EX and alone probes the CPU locks, until its command has started. Not a "
     "reservation; locks does not list it."},
    {"{lock_dir}", "fscheck", "Checked when no PATH is given."},
    {"{cache_root}/.locks", "fscheck", "Checked when no PATH is given."},
    {"$XDG_CONFIG_HOME/ktstr/ktstr.toml", k_settings_users,
     "The per-user config file (~/.config/ktstr/ktstr.toml when XDG_CONFIG_HOME is unset)."},
    {"/etc/ktstr/ktstr.toml", k_settings_users,
     "The host-wide config file, read when there is no per-user one."},
    {"/proc/locks", "acquire holders locks", "The kernel's list of file locks."},
    {"/proc/self/mountinfo", "holders locks needle",
     "Where the device numbers of /proc/locks come from."},
    {"/proc/{PID}/fdinfo", "holders locks", "Which open files of a process carry which lock."},
};

bool applies(std::string_view applets, std::string_view page) {
  if (page.empty()) return true;  // ktstr(1): everything
  std::istringstream in{std::string(applets)};
  std::string word;
  while (in >> word) {
    if (word == page) return true;
  }
  return false;
}

// ---- roff ----

// A word that reads as code: an option, a path, a man page reference, a
// variable. Its hyphens are minus signs (\-) so it can be copied and
// searched for; the hyphens of ordinary words stay hyphens.
bool is_code_word(std::string_view w) {
  while (!w.empty() && (w.front() == '(' || w.front() == '"' || w.front() == '\'')) {
    w.remove_prefix(1);
  }
  while (!w.empty() && std::string_view(".,;:)\"'").find(w.back()) != std::string_view::npos) {
    w.remove_suffix(1);
  }
  if (w.empty()) return false;
  if (w.front() == '-') return true;
  return w.find_first_of("/._$=(`{") != std::string_view::npos;
}

// Escapes one piece of text for a roff text line (not its start: see line()).
// `code`: every '-' is \- . Non-ASCII becomes \[uXXXX]. Backquotes `x` set x
// in bold.
std::string escape(std::string_view text, bool code) {
  std::string out;
  bool bold = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += code ? "\\-" : "-";
    } else if (c == '`') {
      out += bold ? "\\fR" : "\\fB";
      bold = !bold;
    } else if (c >= 0x80) {
      // Decode one UTF-8 sequence.
      unsigned cp = 0;
      int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
      cp = c & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
      }
      out += fmt::format("\\[u{:04X}]", cp);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bold) out += "\\fR";
  return out;
}

// Escapes prose: code words get \- , other words keep their hyphens.
std::string prose(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(i, end - i);
    // \% keeps a code word from being hyphenated at the end of a line.
    bool code = is_code_word(word);
    out += code ? "\\%" + escape(word, true) : escape(word, false);
    if (end < text.size()) out += ' ';
    i = end + 1;
  }
  return out;
}

// A finished text line: a leading '.' or '\'' would make it a request.
std::string line(std::string text) {
  if (!text.empty() && (text[0] == '.' || text[0] == '\'')) text.insert(0, "\\&");
  return text + "\n";
}

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string sentence(std::string_view s) {
  std::string out = capitalized(s);
  if (!out.empty() && out.back() != '.') out += '.';
  return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// A doc block text: blank lines separate paragraphs, lines starting with two
// spaces are commands, shown as such.
// `after_heading`: the first paragraph needs no .PP (mandoc warns about one).
void blocks(Out out, std::string_view text, bool after_heading = true) {
  bool in_example = false;
  bool new_paragraph = true;
  bool first = after_heading;
  for (std::string_view l : split(text, '\n')) {
    if (l.starts_with("  ")) {
      if (!in_example) fmt::format_to(out, "{}.RS 4\n.EX\n", first ? "" : ".PP\n");
      in_example = true;
      first = false;
      fmt::format_to(out, "{}", line(escape(l.substr(2), true)));
      continue;
    }
    if (in_example) fmt::format_to(out, ".EE\n.RE\n");
    in_example = false;
    if (l.empty()) {
      new_paragraph = true;
      continue;
    }
    if (new_paragraph && !first) fmt::format_to(out, ".PP\n");
    new_paragraph = false;
    first = false;
    fmt::format_to(out, "{}", line(prose(l)));
  }
  if (in_example) fmt::format_to(out, ".EE\n.RE\n");
}

// "[--json] [--watch [DUR]] PATH..." with options bold and metavars italic.
std::string styled_usage(std::string_view usage) {
  std::string out;
  std::size_t i = 0;
  auto word_char = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  while (i < usage.size()) {
    char c = usage[i];
    bool at_start = i == 0 || std::string_view(" [|").find(usage[i - 1]) != std::string_view::npos;
    if (at_start && (c == '-' || (c >= 'A' && c <= 'Z'))) {
      std::size_t end = i;
      while (end < usage.size() && word_char(usage[end]))
        ++end;
      std::string_view word = usage.substr(i, end - i);
      fmt::format_to(std::back_inserter(out), "\\f{}{}\\fR", c == '-' ? 'B' : 'I',
                     escape(word, true));
      i = end;
    } else {
      out += escape(usage.substr(i, 1), true);
      ++i;
    }
  }
  return out;
}

std::string date() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) now = std::atoll(epoch);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

void header(Out out, std::string_view title, int section, const std::string& version) {
  std::string upper(title);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  fmt::format_to(out, ".TH {} {} {} \"ktstr {}\" \"{}\"\n", escape(upper, true), section, date(),
                 version, section == 5 ? "File Formats" : "User Commands");
}

// "-n,--nonblock" -> ["-n", "--nonblock"]
std::vector<std::string_view> option_names(const OptionSpec& spec) {
  return split(spec.names, ',');
}

std::string long_name(const OptionSpec& spec) {
  return std::string(option_names(spec).back());
}

// The .TP tag of an option: "\fB\-n\fR, \fB\-\-nonblock\fR" and its value.
std::string option_tag(const OptionSpec& spec) {
  if (spec.positional) {
    return fmt::format("\\fI{}\\fR{}", escape(spec.value_name, true),
                       spec.repeatable ? "\\&..." : "");
  }
  std::string tag;
  for (std::string_view name : option_names(spec)) {
    if (!tag.empty()) tag += ", ";
    tag += fmt::format("\\fB{}\\fR", escape(name, true));
  }
  if (!spec.value_name.empty()) {
    tag += spec.present != nullptr ? fmt::format(" [\\fI{}\\fR]", escape(spec.value_name, true))
                                   : fmt::format(" \\fI{}\\fR", escape(spec.value_name, true));
  }
  return tag;
}

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

void option_entries(Out out, const OptionTable& table) {
  for (const OptionSpec& spec : table.specs()) {
    fmt::format_to(out, ".TP\n{}", line(option_tag(spec)));
    std::string text = sentence(spec.help);
    if (!spec.choices.empty()) {
      text += fmt::format(" {} is one of: {}.", spec.value_name, joined(spec.choices, ", "));
    }
    if (spec.min != 0 || spec.max != UINT32_MAX) {
      text += fmt::format(" {} is from {} to {}.", spec.value_name, spec.min, spec.max);
    }
    if (spec.present != nullptr) text += fmt::format(" {} may be left out.", spec.value_name);
    if (spec.positional) {
      if (spec.hint == ValueHint::command) {
        text += " It follows the options, after an optional --.";
      } else {
        text += spec.required ? " At least one is required." : " Optional.";
      }
    } else if (spec.repeatable) {
      text += " May be given more than once.";
    }
    std::vector<std::string> excluded;
    if (!spec.excludes.empty()) excluded.push_back(spec.excludes);
    for (const OptionSpec& other : table.specs()) {
      if (other.excludes == long_name(spec)) excluded.push_back(long_name(other));
    }
    if (!excluded.empty()) text += fmt::format(" Not with {}.", joined(excluded, " or "));
    fmt::format_to(out, "{}", line(prose(text)));
  }
}

// CLI11's built-in options; documented, not declared, since CLI11 adds them.
OptionTable standard_options() {
  static bool unused = false;
  OptionTable t;
  t.flag("-h,--help", unused, "print the help and exit");
  t.flag("--version", unused, "print the version and exit");
  return t;
}

OptionTable global_options() {
  static GlobalOptions unused;
  OptionTable t;
  declare_global_options(t, unused);
  return t;
}

OptionTable applet_options(const Applet& applet, std::unique_ptr<AppletInstance>& keep) {
  keep = applet.create();
  OptionTable t;
  keep->declare(t);
  return t;
}

void exit_status(Out out, std::string_view text) {
  fmt::format_to(out, ".SH EXIT STATUS\n");
  bool first = true;
  for (std::string_view l : split(text, '\n')) {
    if (l.empty()) continue;
    if (l[0] >= '0' && l[0] <= '9') {
      std::size_t space = l.find(' ');
      fmt::format_to(
          out, ".TP\n.B {}\n{}", escape(l.substr(0, space), true),
          line(prose(sentence(space == std::string_view::npos ? "" : l.substr(space + 1)))));
    } else {
      fmt::format_to(out, "{}{}", first ? "" : ".PP\n", line(prose(sentence(l))));
    }
    first = false;
  }
}

std::string file_tag(std::string_view tag) {
  std::string out;
  for (char c : tag) {
    if (c == '{') {
      out += "\\fI";
    } else if (c == '}') {
      out += "\\fR";
    } else {
      out += escape(std::string_view(&c, 1), true);
    }
  }
  return out;
}

void facts(Out out, std::string_view title, std::span<const Fact> list, std::string_view page,
           bool files) {
  bool any = false;
  for (const Fact& f : list) {
    if (!applies(f.applets, page)) continue;
    if (!any) fmt::format_to(out, ".SH {}\n", title);
    any = true;
    fmt::format_to(out, ".TP\n{}{}",
                   files ? line(file_tag(f.tag)) : fmt::format(".B {}\n", escape(f.tag, true)),
                   line(prose(f.text)));
  }
}

void examples(Out out, std::string_view text) {
  if (text.empty()) return;
  fmt::format_to(out, ".SH EXAMPLES\n");
  blocks(out, text);
}

// "ktstr-locks(1), flock(2)" -> one .BR per reference, comma-separated.
void see_also(Out out, std::vector<std::string> refs) {
  fmt::format_to(out, ".SH SEE ALSO\n");
  for (std::size_t i = 0; i < refs.size(); ++i) {
    std::string_view ref = refs[i];
    std::size_t paren = ref.find('(');
    fmt::format_to(out, ".BR {} {}{}\n", escape(ref.substr(0, paren), true), ref.substr(paren),
                   i + 1 < refs.size() ? " ," : "");
  }
}

std::vector<std::string> references(std::string_view text) {
  std::vector<std::string> refs;
  for (std::string_view part : split(text, ',')) {
    while (part.starts_with(' '))
      part.remove_prefix(1);
    while (part.ends_with(' '))
      part.remove_suffix(1);
    if (!part.empty()) refs.emplace_back(part);
  }
  return refs;
}

void add_reference(std::vector<std::string>& refs, std::string ref, std::size_t at) {
  if (std::find(refs.begin(), refs.end(), ref) == refs.end()) {
    refs.insert(refs.begin() + static_cast<std::ptrdiff_t>(std::min(at, refs.size())),
                std::move(ref));
  }
}

std::string applet_page(const Applet& applet, const std::string& version) {
  std::string page;
  Out out{page};
  std::unique_ptr<AppletInstance> instance;
  OptionTable table = applet_options(applet, instance);
  std::string name = fmt::format("ktstr-{}", applet.name);
  header(out, name, 1, version);
  fmt::format_to(out, ".SH NAME\n{} \\- {}\n", escape(name, true), prose(applet.summary));
  fmt::format_to(out, ".SH SYNOPSIS\n.SY \"ktstr {}\"\n{}\n.YS\n.SY {}\n{}\n.YS\n", applet.name,
                 styled_usage(applet.usage), escape(name, true), styled_usage(applet.usage));
  fmt::format_to(out, ".SH DESCRIPTION\n");
  blocks(out, applet.doc->description);
  fmt::format_to(out, ".SH OPTIONS\n");
  option_entries(out, table);
  fmt::format_to(out, ".SS Global options\n");
  option_entries(out, global_options());
  option_entries(out, standard_options());
  exit_status(out, applet.doc->exit_status);
  facts(out, "ENVIRONMENT", k_environment, applet.name, false);
  facts(out, "FILES", k_files, applet.name, true);
  examples(out, applet.doc->examples);
  std::vector<std::string> refs = references(applet.doc->see_also);
  add_reference(refs, "ktstr(1)", 0);
  if (applies(k_settings_users, applet.name)) add_reference(refs, "ktstr.toml(5)", 1);
  see_also(out, refs);
  return page;
}

std::string ktstr_page(const std::string& version) {
  std::string page;
  Out out{page};
  header(out, "ktstr", 1, version);
  fmt::format_to(out, ".SH NAME\nktstr \\- {}\n", prose(k_ktstr_summary));
  fmt::format_to(out,
                 ".SH SYNOPSIS\n"
                 ".SY ktstr\n[\\fIOPTIONS\\fR] \\fIAPPLET\\fR [\\fIARGS\\fR]\n.YS\n"
                 ".SY ktstr\\-\\fIAPPLET\\fR\n[\\fIARGS\\fR]\n.YS\n"
                 ".SY ktstr\n\\fB\\-\\-list\\fR\n.YS\n");
  fmt::format_to(out, ".SH DESCRIPTION\n");
  blocks(out, k_ktstr_doc.description);
  fmt::format_to(out, ".SS Applets\n");
  for (const Applet* a : applets()) {
    fmt::format_to(
        out, ".TP\n.B {}\n{}", a->name,
        line(prose(fmt::format("{}; see ktstr-{}(1).", capitalized(a->summary), a->name))));
  }
  fmt::format_to(out, ".SH OPTIONS\n");
  TopLevelOptions unused;
  OptionTable top;
  declare_top_level_options(top, unused);
  option_entries(out, top);
  option_entries(out, standard_options());
  fmt::format_to(out, ".SS Global options\n");
  option_entries(out, global_options());
  exit_status(out, k_ktstr_doc.exit_status);
  facts(out, "ENVIRONMENT", k_environment, "", false);
  facts(out, "FILES", k_files, "", true);
  examples(out, k_ktstr_doc.examples);
  std::vector<std::string> refs;
  for (const Applet* a : applets())
    refs.push_back(fmt::format("ktstr-{}(1)", a->name));
  refs.emplace_back("ktstr.toml(5)");
  for (auto& r : references(k_ktstr_doc.see_also))
    refs.push_back(std::move(r));
  see_also(out, refs);
  return page;
}

// ---- ktstr.toml(5), from the comments of ktstr.toml.example ----

struct ConfigDoc {
  std::vector<std::string> preamble;  // lines of the leading comment; "" = break
  struct Key {
    std::string table;  // "" for the top level
    std::string key;    // dotted
    std::string value;  // the example's (default) value, as written
    std::vector<std::string> comment;
  };
  std::vector<Key> keys;
};

ConfigDoc parse_example(std::istream& in) {
  ConfigDoc doc;
  std::string l;
  std::string table;
  std::vector<std::string> pending;
  bool in_preamble = true;
  while (std::getline(in, l)) {
    if (l.starts_with("#")) {
      std::string text = l.size() > 1 && l[1] == ' ' ? l.substr(2) : l.substr(1);
      (in_preamble ? doc.preamble : pending).push_back(text);
      continue;
    }
    in_preamble = false;
    if (l.empty()) {
      pending.clear();
      continue;
    }
    if (l.starts_with("[")) {
      table = l.substr(1, l.find(']') - 1);
      pending.clear();
      continue;
    }
    std::size_t eq = l.find('=');
    if (eq == std::string::npos) continue;
    std::string key = l.substr(0, l.find_last_not_of(' ', eq - 1) + 1);
    std::string value = l.substr(l.find_first_not_of(' ', eq + 1));
    doc.keys.push_back({table, table.empty() ? key : table + "." + key, value, pending});
    pending.clear();
  }
  return doc;
}

std::string joined_comment(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) {
    if (l.empty()) {
      text += "\n\n";
    } else {
      if (!text.empty() && !text.ends_with('\n')) text += ' ';
      text += l;
    }
  }
  return text;
}

int config_page(const std::vector<std::string>& args, const std::string& version) {
  if (args.size() != 1) {
    fmt::print(stderr, "ktstr: --generate man:ktstr.toml needs the path of ktstr.toml.example\n");
    return static_cast<int>(ExitCode::usage);
  }
  std::ifstream in(args[0]);
  if (!in) {
    fmt::print(stderr, "ktstr: cannot read '{}'\n", args[0]);
    return static_cast<int>(ExitCode::no_input);
  }
  ConfigDoc doc = parse_example(in);
  // The example must document exactly the keys the parser accepts.
  bool complete = true;
  for (std::string_view key : config_keys()) {
    auto it = std::find_if(doc.keys.begin(), doc.keys.end(),
                           [&](const ConfigDoc::Key& k) { return k.key == key; });
    if (it == doc.keys.end() || it->comment.empty()) {
      fmt::print(stderr, "ktstr: {}: key {} is not documented\n", args[0], key);
      complete = false;
    }
  }
  for (const auto& k : doc.keys) {
    auto keys = config_keys();
    if (std::find(keys.begin(), keys.end(), k.key) == keys.end()) {
      fmt::print(stderr, "ktstr: {}: {} is not a config key\n", args[0], k.key);
      complete = false;
    }
  }
  if (!complete) return static_cast<int>(ExitCode::config);

  std::string page;
  Out out{page};
  header(out, "ktstr.toml", 5, version);
  fmt::format_to(out,
                 ".SH NAME\nktstr.toml \\- configuration file of ktstr\n"
                 ".SH SYNOPSIS\n\\fI$XDG_CONFIG_HOME\\fR/ktstr/ktstr.toml\n.br\n"
                 "/etc/ktstr/ktstr.toml\n");
  fmt::format_to(out, ".SH DESCRIPTION\n");
  // The first preamble line is the example file's title, not a description.
  std::vector<std::string> preamble(doc.preamble.begin() + (doc.preamble.empty() ? 0 : 1),
                                    doc.preamble.end());
  std::string description = joined_comment(preamble);
  bool first = true;
  for (std::string_view para : split(description, '\n')) {
    if (para.empty()) continue;
    fmt::format_to(out, "{}{}", first ? "" : ".PP\n", line(prose(para)));
    first = false;
  }
  std::string table = "-";
  for (const auto& k : doc.keys) {
    if (k.table != table) {
      table = k.table;
      fmt::format_to(out, ".SS {}\n",
                     table.empty() ? "Top-level keys" : fmt::format("The [{}] table", table));
    }
    fmt::format_to(
        out, ".TP\n{}",
        line(fmt::format("\\fB{}\\fR = {}", escape(k.key, true), escape(k.value, true))));
    std::string comment = joined_comment(k.comment);
    bool first_para = true;
    for (std::string_view para : split(comment, '\n')) {
      if (para.empty()) continue;
      fmt::format_to(out, "{}{}", first_para ? "" : ".IP\n", line(prose(para)));
      first_para = false;
    }
  }
  facts(out, "ENVIRONMENT", k_environment, "toml", false);
  facts(out, "FILES", k_files, "toml", true);
  fmt::format_to(out, ".SH EXAMPLES\nEvery key at its default:\n.PP\n.RS 4\n.EX\n");
  for (std::size_t i = 0; i < doc.keys.size(); ++i) {
    const auto& k = doc.keys[i];
    if (i > 0 && k.table != doc.keys[i - 1].table) {
      fmt::format_to(out, "\n{}", line(fmt::format("[{}]", k.table)));
    }
    std::string bare = k.table.empty() ? k.key : k.key.substr(k.table.size() + 1);
    fmt::format_to(out, "{}", line(escape(fmt::format("{} = {}", bare, k.value), true)));
  }
  fmt::format_to(out, ".EE\n.RE\n");
  see_also(out, {"ktstr(1)", "ktstr-acquire(1)", "ktstr-locks(1)", "ktstr-fscheck(1)"});
  fmt::print("{}", page);
  return 0;
}

// ---- completions ----

struct AppletTables {
  const Applet* applet;
  std::unique_ptr<AppletInstance> instance;
  OptionTable table;
};

std::vector<AppletTables> all_tables() {
  std::vector<AppletTables> all;
  for (const Applet* a : applets()) {
    AppletTables t{a, nullptr, {}};
    t.table = applet_options(*a, t.instance);
    all.push_back(std::move(t));
  }
  return all;
}

bool takes_value(const OptionSpec& spec) {
  return !spec.positional && !spec.value_name.empty();
}

std::string all_names(const OptionTable& table) {
  std::string out;
  for (const OptionSpec& spec : table.specs()) {
    if (spec.positional) continue;
    for (std::string_view n : option_names(spec)) {
      if (!out.empty()) out += ' ';
      out += n;
    }
  }
  return out;
}

// A string as a single-quoted shell word (bash, zsh and fish alike).
std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

constexpr std::string_view k_bash_helpers =
    R"(# The online CPUs, from sysfs at TAB time: "0-3,8" -> 0 1 2 3 8.
_ktstr_online_cpus() {
  local list part lo hi
  list=$(< "${KTSTR_SYSFS_ROOT:-/sys}/devices/system/cpu/online") 2>/dev/null || return
  local IFS=,
  for part in $list; do
    lo=${part%-*} hi=${part#*-}
    while [ "$lo" -le "$hi" ]; do
      printf '%s\n' "$lo"
      lo=$((lo + 1))
    done
  done
}

# The LLC indices (ktstr-llc-N.lock's N), from the binary that is completed.
_ktstr_llc_indices() {
  local bin=$1
  case ${bin##*/} in
    ktstr-*) bin=${bin%-*} ;;
    ktstr) ;;
    *) bin=ktstr ;;
  esac
  "$bin" --generate llc-indices 2>/dev/null
}

# Completes one element of a comma-separated list: "0-3,<TAB>" offers
# "0-3,4", ...
_ktstr_list() {
  local cur=$1 words=$2 head=
  [[ $cur == *,* ]] && head=${cur%,*},
  local IFS=$'\n'
  COMPREPLY=($(compgen -P "$head" -W "$words" -- "${cur##*,}"))
}
)";

std::string bash_value_case(const OptionSpec& spec, std::string_view applet) {
  std::string pattern;
  for (std::string_view n : option_names(spec)) {
    if (!pattern.empty()) pattern += '|';
    pattern += fmt::format("{}:{}", applet, n);
  }
  std::string action;
  switch (spec.hint) {
    case ValueHint::choice:
      action = fmt::format("COMPREPLY=($(compgen -W {} -- \"$cur\"))",
                           shell_quote(joined(spec.choices, " ")));
      break;
    case ValueHint::file:
      action = "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))";
      break;
    case ValueHint::directory:
      action = "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))";
      break;
    case ValueHint::cpu_list:
      action = "_ktstr_list \"$cur\" \"$(_ktstr_online_cpus)\"";
      break;
    case ValueHint::llc_list:
      action = "_ktstr_list \"$cur\" \"$(_ktstr_llc_indices \"${COMP_WORDS[0]}\")\"";
      break;
    default:
      action = "COMPREPLY=()";  // free text: nothing sensible to offer
  }
  return fmt::format("    {}) {}; return ;;\n", pattern, action);
}

std::string bash_completion() {
  auto all = all_tables();
  OptionTable globals = global_options();
  OptionTable standard = standard_options();
  std::string s;
  Out out{s};
  fmt::format_to(out,
                 "# bash completion for ktstr and its ktstr-APPLET links.\n"
                 "# Generated by 'ktstr --generate bash'; do not edit.\n\n{}\n",
                 k_bash_helpers);
  std::string applet_names;
  for (const auto& t : all)
    applet_names += (applet_names.empty() ? "" : " ") + std::string(t.applet->name);
  TopLevelOptions unused;
  OptionTable top;
  declare_top_level_options(top, unused);

  fmt::format_to(out, "_ktstr() {{\n");
  fmt::format_to(out, "  local cur=${{COMP_WORDS[COMP_CWORD]}} prev= applet= i word\n");
  fmt::format_to(out,
                 "  [ \"$COMP_CWORD\" -gt 0 ] && prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
                 "  # \"--color=al\": COMP_WORDBREAKS splits at '=', leaving \"=\" a word.\n"
                 "  if [ \"$prev\" = = ] && [ \"$COMP_CWORD\" -gt 1 ]; then\n"
                 "    prev=${{COMP_WORDS[COMP_CWORD-2]}}\n"
                 "  elif [ \"$cur\" = = ]; then\n"
                 "    cur=\n"
                 "  fi\n");
  fmt::format_to(out, "  local cmd=${{COMP_WORDS[0]##*/}}\n");
  fmt::format_to(
      out, "  case $cmd in ktstr-*) applet=${{cmd#ktstr-}} ;; ktstr) ;; *) applet=$cmd ;; esac\n");
  // Global options that take a value: their value is not the applet name.
  std::string global_valued;
  for (const OptionSpec& spec : globals.specs()) {
    if (!takes_value(spec)) continue;
    for (std::string_view n : option_names(spec)) {
      global_valued += (global_valued.empty() ? "" : "|") + std::string(n);
    }
  }
  fmt::format_to(out,
                 "  # Find the applet name and whether \"--\" was seen (then COMMAND follows).\n"
                 "  local dashdash=0 first_arg=0\n"
                 "  i=1\n"
                 "  while [ \"$i\" -lt \"$COMP_CWORD\" ]; do\n"
                 "    word=${{COMP_WORDS[i]}}\n"
                 "    if [ \"$dashdash\" -eq 1 ]; then [ \"$first_arg\" -eq 0 ] && first_arg=$i; "
                 "i=$((i + 1)); continue; fi\n"
                 "    case $word in\n"
                 "      --) dashdash=1 ;;\n"
                 "      {}) i=$((i + 1)) ;;\n"
                 "      -*) ;;\n"
                 "      *) if [ -z \"$applet\" ]; then applet=$word; fi ;;\n"
                 "    esac\n"
                 "    i=$((i + 1))\n"
                 "  done\n",
                 global_valued);
  // After "--" (acquire's COMMAND): commands, then their files.
  fmt::format_to(out,
                 "  if [ \"$dashdash\" -eq 1 ]; then\n"
                 "    if [ \"$first_arg\" -eq 0 ]; then\n"
                 "      COMPREPLY=($(compgen -c -- \"$cur\" | sort -u))\n"
                 "    else\n"
                 "      compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))\n"
                 "    fi\n"
                 "    return\n"
                 "  fi\n");
  // Values of the option just before the cursor.
  fmt::format_to(out, "  case ${{applet:-ktstr}}:$prev in\n");
  for (const auto& t : all) {
    for (const OptionSpec& spec : t.table.specs()) {
      if (takes_value(spec) && spec.present == nullptr) {
        fmt::format_to(out, "{}", bash_value_case(spec, t.applet->name));
      }
    }
  }
  for (const OptionSpec& spec : globals.specs()) {
    if (takes_value(spec)) fmt::format_to(out, "{}", bash_value_case(spec, "*"));
  }
  fmt::format_to(out, "  esac\n");
  // Options, applets, positionals.
  fmt::format_to(out, "  local opts={}\n",
                 shell_quote(all_names(globals) + " " + all_names(standard)));
  fmt::format_to(out, "  case $applet in\n");
  fmt::format_to(out, "    '') opts=\"$opts {}\" ;;\n", all_names(top));
  for (const auto& t : all) {
    fmt::format_to(out, "    {}) opts=\"{} $opts\" ;;\n", t.applet->name, all_names(t.table));
  }
  fmt::format_to(out, "  esac\n");
  fmt::format_to(out,
                 "  if [[ $cur == -* ]]; then\n"
                 "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
                 "    return\n"
                 "  fi\n"
                 "  if [ -z \"$applet\" ]; then\n"
                 "    COMPREPLY=($(compgen -W {} -- \"$cur\"))\n"
                 "    return\n"
                 "  fi\n",
                 shell_quote(applet_names));
  fmt::format_to(out, "  case $applet in\n");
  for (const auto& t : all) {
    for (const OptionSpec& spec : t.table.specs()) {
      if (!spec.positional) continue;
      if (spec.hint == ValueHint::command) {
        fmt::format_to(out, "    {}) COMPREPLY=($(compgen -W \"-- $opts\" -- \"$cur\")) ;;\n",
                       t.applet->name);
      } else {
        fmt::format_to(out,
                       "    {}) compopt -o filenames 2>/dev/null; "
                       "COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n",
                       t.applet->name);
      }
    }
  }
  fmt::format_to(out, "  esac\n}}\n\n");
  fmt::format_to(out, "complete -F _ktstr ktstr");
  for (const auto& t : all)
    fmt::format_to(out, " ktstr-{}", t.applet->name);
  fmt::format_to(out, "\n");
  return s;
}

// zsh: one _arguments spec per option, e.g.
//   '(-n --nonblock --timeout)'{-n,--nonblock}'[fail at once ...]'
std::string zsh_escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_action(const OptionSpec& spec) {
  switch (spec.hint) {
    case ValueHint::choice:
      return fmt::format("({})", joined(spec.choices, " "));
    case ValueHint::file:
      return "_files";
    case ValueHint::directory:
      return "_files -/";
    case ValueHint::cpu_list:
      return "_ktstr_cpus";
    case ValueHint::llc_list:
      return "_ktstr_llcs";
    default:
      return " ";
  }
}

std::string zsh_spec(const OptionSpec& spec, const OptionTable& table) {
  std::string help = zsh_escape_help(spec.help);
  if (spec.positional) {
    if (spec.hint == ValueHint::command) return "'*::command:_normal'";
    return shell_quote(fmt::format("*:{}:{}", spec.value_name, zsh_action(spec)));
  }
  auto names = option_names(spec);
  std::vector<std::string> excl;
  if (!spec.repeatable) {
    for (auto n : names)
      excl.emplace_back(n);
  }
  if (!spec.excludes.empty()) excl.push_back(spec.excludes);
  for (const OptionSpec& other : table.specs()) {
    if (other.excludes == long_name(spec)) {
      for (auto n : option_names(other))
        excl.emplace_back(n);
    }
  }
  std::string value;
  if (takes_value(spec)) {
    value = fmt::format("{}{}:{}", spec.present != nullptr ? "::" : ":",
                        zsh_escape_help(spec.value_name), zsh_action(spec));
  }
  std::string prefix = excl.empty() ? "" : fmt::format("({})", joined(excl, " "));
  if (spec.repeatable) prefix += '*';
  if (names.size() == 1) {
    return shell_quote(fmt::format("{}{}[{}]{}", prefix, names[0], help, value));
  }
  std::string brace;
  for (auto n : names)
    brace += (brace.empty() ? "" : ",") + std::string(n);
  return fmt::format("{}{{{}}}{}", shell_quote(prefix), brace,
                     shell_quote(fmt::format("[{}]{}", help, value)));
}

std::string zsh_specs(const OptionTable& table, std::string_view indent) {
  std::string out;
  for (const OptionSpec& spec : table.specs()) {
    out += fmt::format("{}{}\n", indent, zsh_spec(spec, table));
  }
  return out;
}

std::string zsh_completion() {
  auto all = all_tables();
  OptionTable globals = global_options();
  std::string s;
  Out out{s};
  fmt::format_to(out, "#compdef ktstr");
  for (const auto& t : all)
    fmt::format_to(out, " ktstr-{}", t.applet->name);
  fmt::format_to(out,
                 "\n# zsh completion for ktstr and its ktstr-APPLET links.\n"
                 "# Generated by 'ktstr --generate zsh'; do not edit.\n\n");
  fmt::format_to(out,
                 "_ktstr_cpus() {{\n"
                 "  local list part lo hi\n"
                 "  local -a cpus\n"
                 "  list=$(<${{KTSTR_SYSFS_ROOT:-/sys}}/devices/system/cpu/online) 2>/dev/null "
                 "|| return 1\n"
                 "  for part in ${{(s:,:)list}}; do\n"
                 "    lo=${{part%-*}} hi=${{part#*-}}\n"
                 "    cpus+=({{$lo..$hi}})\n"
                 "  done\n"
                 "  _values -s , CPU $cpus\n"
                 "}}\n\n"
                 "_ktstr_llcs() {{\n"
                 "  local bin=$words[1]\n"
                 "  case ${{bin:t}} in\n"
                 "    ktstr-*) bin=${{bin%-*}} ;;\n"
                 "    ktstr) ;;\n"
                 "    *) bin=ktstr ;;\n"
                 "  esac\n"
                 "  local -a llcs\n"
                 "  llcs=(${{(f)\"$($bin --generate llc-indices 2>/dev/null)\"}})\n"
                 "  (( $#llcs )) && _values -s , LLC $llcs\n"
                 "}}\n\n");
  fmt::format_to(out,
                 "_ktstr_global_options=(\n{}  '(- *)'{{-h,--help}}'[print the help and exit]'\n"
                 "  '(- *)--version[print the version and exit]'\n)\n\n",
                 zsh_specs(globals, "  "));
  for (const auto& t : all) {
    fmt::format_to(out, "_ktstr_{}() {{\n  _arguments -s -S : $_ktstr_global_options \\\n",
                   t.applet->name);
    std::string specs = zsh_specs(t.table, "    ");
    // Join the specs with line continuations.
    std::string joined_specs;
    for (std::string_view l : split(specs, '\n')) {
      if (l.empty()) continue;
      if (!joined_specs.empty()) joined_specs += " \\\n";
      joined_specs += l;
    }
    fmt::format_to(out, "{}\n}}\n\n", joined_specs);
  }
  TopLevelOptions unused;
  OptionTable top;
  declare_top_level_options(top, unused);
  fmt::format_to(out, "_ktstr_applets() {{\n  local -a applets\n  applets=(\n");
  for (const auto& t : all) {
    fmt::format_to(out, "    {}\n",
                   shell_quote(fmt::format("{}:{}", t.applet->name, t.applet->summary)));
  }
  fmt::format_to(out, "  )\n  _describe -t applets 'ktstr applet' applets\n}}\n\n");
  fmt::format_to(out,
                 "_ktstr() {{\n"
                 "  local applet=${{service#ktstr-}}\n"
                 "  if [[ $service == ktstr-* ]] && (( $+functions[_ktstr_$applet] )); then\n"
                 "    _ktstr_$applet\n"
                 "    return\n"
                 "  fi\n"
                 "  local curcontext=$curcontext state line ret=1\n"
                 "  _arguments -s -C : $_ktstr_global_options \\\n"
                 "{}"
                 "    '1:applet:_ktstr_applets' \\\n"
                 "    '*::arg:->args' && ret=0\n"
                 "  if [[ $state == args ]]; then\n"
                 "    applet=$words[1]\n"
                 "    curcontext=${{curcontext%:*:*}}:ktstr-$applet:\n"
                 "    (( $+functions[_ktstr_$applet] )) && _ktstr_$applet && ret=0\n"
                 "  fi\n"
                 "  return ret\n"
                 "}}\n\n"
                 "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
                 "  _ktstr \"$@\"\n"
                 "else\n"
                 "  compdef _ktstr ktstr",
                 [&] {
                   std::string specs;
                   for (const OptionSpec& spec : top.specs()) {
                     specs += fmt::format("    {} \\\n", zsh_spec(spec, top));
                   }
                   return specs;
                 }());
  for (const auto& t : all)
    fmt::format_to(out, " ktstr-{}", t.applet->name);
  fmt::format_to(out, "\nfi\n");
  return s;
}

// fish: `complete` lines for `ktstr` (conditioned on the applet seen) and
// for each `ktstr-APPLET` link.
std::string fish_option(const OptionSpec& spec, std::string_view command,
                        std::string_view condition) {
  std::string line = fmt::format("complete -c {}", command);
  if (!condition.empty()) line += fmt::format(" -n {}", shell_quote(condition));
  for (std::string_view n : option_names(spec)) {
    if (n.starts_with("--")) {
      line += fmt::format(" -l {}", n.substr(2));
    } else {
      line += fmt::format(" -s {}", n.substr(1));
    }
  }
  if (takes_value(spec)) {
    switch (spec.hint) {
      case ValueHint::choice:
        line += fmt::format(" -x -a {}", shell_quote(joined(spec.choices, " ")));
        break;
      case ValueHint::file:
        line += " -r -F";
        break;
      case ValueHint::directory:
        line += " -x -a '(__fish_complete_directories (commandline -ct))'";
        break;
      case ValueHint::cpu_list:
        line += " -x -a '(__ktstr_list (__ktstr_online_cpus))'";
        break;
      case ValueHint::llc_list:
        line += " -x -a '(__ktstr_list (__ktstr_llc_indices))'";
        break;
      default:
        line += spec.present != nullptr ? "" : " -x";
    }
  }
  return line + fmt::format(" -d {}\n", shell_quote(spec.help));
}

std::string fish_completion() {
  auto all = all_tables();
  OptionTable globals = global_options();
  OptionTable standard = standard_options();
  TopLevelOptions unused;
  OptionTable top;
  declare_top_level_options(top, unused);
  std::string s;
  Out out{s};
  std::string applet_names;
  for (const auto& t : all)
    applet_names += (applet_names.empty() ? "" : " ") + std::string(t.applet->name);
  fmt::format_to(out,
                 "# fish completion for ktstr and its ktstr-APPLET links.\n"
                 "# Generated by 'ktstr --generate fish'; do not edit.\n\n"
                 "function __ktstr_online_cpus\n"
                 "    set -l root /sys\n"
                 "    set -q KTSTR_SYSFS_ROOT; and test -n \"$KTSTR_SYSFS_ROOT\"; "
                 "and set root $KTSTR_SYSFS_ROOT\n"
                 "    read -l list < $root/devices/system/cpu/online 2>/dev/null; or return\n"
                 "    for part in (string split , -- $list)\n"
                 "        set -l ends (string split - -- $part)\n"
                 "        seq $ends[1] $ends[-1]\n"
                 "    end\n"
                 "end\n\n"
                 "function __ktstr_llc_indices\n"
                 "    set -l bin (commandline -opc)[1]\n"
                 "    switch (string replace -r -- '.*/' '' $bin)\n"
                 "        case 'ktstr-*'\n"
                 "            set bin (string replace -r -- '-[^-/]*$' '' $bin)\n"
                 "        case ktstr\n"
                 "        case '*'\n"
                 "            set bin ktstr\n"
                 "    end\n"
                 "    $bin --generate llc-indices 2>/dev/null\n"
                 "end\n\n"
                 "# Offers each item after what the current list word already has: \"0-3,\"\n"
                 "function __ktstr_list\n"
                 "    set -l cur (commandline -ct)\n"
                 "    set -l head (string match -r -- '^.*,' $cur)\n"
                 "    for item in $argv\n"
                 "        printf '%s%s\\n' \"$head\" $item\n"
                 "    end\n"
                 "end\n\n"
                 "function __ktstr_after_dashdash\n"
                 "    contains -- -- (commandline -opc)\n"
                 "end\n\n"
                 "# acquire's COMMAND: what follows \"--\" completes as a command line.\n"
                 "function __ktstr_command\n"
                 "    set -l tokens (commandline -opc)\n"
                 "    set -l i (contains -i -- -- $tokens)\n"
                 "    set -l rest $tokens[(math $i + 1)..-1]\n"
                 "    complete -C (string join ' ' -- (string escape -- $rest) (commandline -ct))\n"
                 "end\n\n"
                 "set -l ktstr_applets {}\n\n"
                 "complete -c ktstr -f\n",
                 applet_names);
  for (const auto& t : all) {
    fmt::format_to(
        out,
        "complete -c ktstr -n \"not __fish_seen_subcommand_from $ktstr_applets\" -a {} -d {}\n",
        t.applet->name, shell_quote(t.applet->summary));
  }
  for (const OptionSpec& spec : top.specs()) {
    fmt::format_to(out, "{}",
                   fish_option(spec, "ktstr", "not __fish_seen_subcommand_from " + applet_names));
  }
  for (const OptionSpec& spec : globals.specs()) {
    fmt::format_to(out, "{}", fish_option(spec, "ktstr", "not __ktstr_after_dashdash"));
  }
  for (const OptionSpec& spec : standard.specs()) {
    fmt::format_to(out, "{}", fish_option(spec, "ktstr", "not __ktstr_after_dashdash"));
  }
  for (const auto& t : all) {
    std::string name(t.applet->name);
    std::string link = "ktstr-" + name;
    std::string seen = "__fish_seen_subcommand_from " + name;
    fmt::format_to(out, "\n# {}\ncomplete -c {} -f\n", name, link);
    for (const OptionSpec& spec : globals.specs()) {
      fmt::format_to(out, "{}", fish_option(spec, link, "not __ktstr_after_dashdash"));
    }
    for (const OptionSpec& spec : standard.specs()) {
      fmt::format_to(out, "{}", fish_option(spec, link, "not __ktstr_after_dashdash"));
    }
    for (const OptionSpec& spec : t.table.specs()) {
      if (spec.positional) {
        if (spec.hint == ValueHint::command) {
          fmt::format_to(out, "complete -c ktstr -n {} -x -a '(__ktstr_command)'\n",
                         shell_quote(seen + "; and __ktstr_after_dashdash"));
          fmt::format_to(
              out, "complete -c {} -n __ktstr_after_dashdash -x -a '(__ktstr_command)'\n", link);
        } else {
          fmt::format_to(out, "complete -c ktstr -n {} -F\n", shell_quote(seen));
          fmt::format_to(out, "complete -c {} -F\n", link);
        }
        continue;
      }
      fmt::format_to(out, "{}",
                     fish_option(spec, "ktstr", seen + "; and not __ktstr_after_dashdash"));
      fmt::format_to(out, "{}", fish_option(spec, link, "not __ktstr_after_dashdash"));
    }
  }
  return s;
}

int llc_indices() {
  auto topology = read_topology(sysfs_root_from_env());
  if (!topology) {
    fmt::print(stderr, "ktstr: {}\n", topology.error().describe());
    return static_cast<int>(topology.error().code);
  }
  for (const Llc& llc : topology->llcs)
    fmt::print("{}\n", llc.index);
  return 0;
}

}  // namespace

int generate_docs(const std::string& kind, const std::string& version,
                  const std::vector<std::string>& args) {
  if (kind == "llc-indices") return llc_indices();
  if (kind == "man:ktstr.toml") return config_page(args, version);
  if (!args.empty()) {
    fmt::print(stderr, "ktstr: --generate {}: unexpected argument '{}'\n", kind, args[0]);
    return static_cast<int>(ExitCode::usage);
  }
  if (kind == "man:ktstr") {
    fmt::print("{}", ktstr_page(version));
    return 0;
  }
  if (kind.starts_with("man:ktstr-")) {
    if (const Applet* applet = find_applet(std::string_view(kind).substr(10))) {
      fmt::print("{}", applet_page(*applet, version));
      return 0;
    }
  }
  if (kind == "bash") return fmt::print("{}", bash_completion()), 0;
  if (kind == "zsh") return fmt::print("{}", zsh_completion()), 0;
  if (kind == "fish") return fmt::print("{}", fish_completion()), 0;
  fmt::print(stderr,
             "ktstr: --generate {}: unknown kind (man:ktstr, man:ktstr-APPLET, man:ktstr.toml, "
             "bash, zsh, fish, llc-indices)\n",
             kind);
  return static_cast<int>(ExitCode::usage);
}

}  // namespace ktstr
