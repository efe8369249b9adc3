// The generated blocks of ktstr(1) and ktstr-APPLET(1): what the option
// tables, the applet registry and the two tables below (the environment
// variables and files each applet reads) know. The prose is in man/.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <span>
#include <stdexcept>
#include <utility>

#include "applets/cli.hpp"
#include "applets/docgen.hpp"
#include "lib/lock_listing.hpp"

namespace ktstr::docgen {
namespace {

// SPEC §5: the exit codes of ktstr as a whole, for ktstr(1).
constexpr std::string_view k_ktstr_exit_status =
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
    "128+N acquire: COMMAND died of signal N";

// The pages a fact appears on, besides ktstr(1), which lists them all.
enum Page : unsigned {
  acquire = 1U << 0,
  fscheck = 1U << 1,
  holders = 1U << 2,
  locks = 1U << 3,
  needle = 1U << 4,
  toml = 1U << 5,  // ktstr.toml(5)
};

constexpr std::pair<std::string_view, Page> k_pages[] = {
    {"acquire", acquire}, {"fscheck", fscheck}, {"holders", holders},
    {"locks", locks},     {"needle", needle},   {"toml", toml},
};

struct Fact {
  std::string_view tag;  // "{X}" in a FILES tag is set in italics
  unsigned pages;        // Page bits
  std::string_view text;
};

// The pages of what reads the settings (SPEC §2).
constexpr unsigned k_settings_users = acquire | fscheck | locks | toml;

constexpr Fact k_environment[] = {
    {"KTSTR_LOCK_DIR", k_settings_users,
     "The lock dir, when set and not empty. --lock-dir overrides it; it overrides lock_dir "
     "in the config file. Default: /tmp. It is all the Rust harness reads: fscheck, and "
     "acquire with -v, say so when the lock dir in force is another one. acquire sets it in "
     "COMMAND's environment to the lock dir it used."},
    {"KTSTR_CACHE_DIR", k_settings_users,
     "The cache root, whose .locks/ directory holds cache-entry and source-tree locks. "
     "--cache-dir overrides it; it overrides cache_dir in the config file. acquire sets it in "
     "COMMAND's environment to the cache root it used."},
    {"CARGO_TARGET_DIR", acquire | locks | toml,
     "The runs root is $CARGO_TARGET_DIR/ktstr when neither --runs-dir nor runs_dir in the "
     "config file is given (default: target/ktstr under the current directory)."},
    {"KTSTR_CPU_CAP", acquire,
     "The budget of --cpu-cap when the option is not given: a whole number from 1, as the Rust "
     "harness reads it (empty is unset). Set in COMMAND's environment with --cpu-cap."},
    {"KTSTR_CACHE_STORE_LOCK_TIMEOUT", acquire | toml,
     "How long acquire --cache waits for an exclusive cache-entry lock, in the Rust harness's "
     "syntax (30s, 5m, 1h 30m); it overrides timeouts.cache_exclusive in the config file."},
    {"KTSTR_CONFIG", k_settings_users,
     "The config file to read when --config is not given. Unlike the default locations, "
     "it must exist."},
    {"XDG_CONFIG_HOME", k_settings_users,
     "The config file is looked for as $XDG_CONFIG_HOME/ktstr/ktstr.toml "
     "(default: ~/.config/ktstr/ktstr.toml)."},
    {"XDG_CACHE_HOME", acquire | fscheck | locks,
     "The default cache root is $XDG_CACHE_HOME/ktstr/kernels "
     "(default: ~/.cache/ktstr/kernels)."},
    {"KTSTR_SYSFS_ROOT", acquire | locks,
     "Read the CPU topology from this directory instead of /sys; for tests."},
    {"NO_COLOR", locks, "When set and not empty, output is not coloured unless --color always."},
    {"KTSTR_CPUS", acquire,
     "Set in COMMAND's environment when CPUs were reserved: their list, as in 2-3,6."},
    {"KTSTR_LOCKS", acquire, "Set in COMMAND's environment: the lock files held, colon-separated."},
};

constexpr Fact k_files[] = {
    {"{lock_dir}/ktstr-cpu-{N}.lock", acquire | locks,
     "The lock of CPU N: LOCK_EX while the CPU is reserved."},
    {"{lock_dir}/ktstr-llc-{N}.lock", acquire | locks,
     "The lock of the Nth last-level cache, counted as the Rust harness counts them: by the "
     "sysfs cache id of each CPU's highest-level cache, else the lowest CPU sharing it, "
     "ascending. LOCK_SH while some of its CPUs are reserved or --cpu-cap shares it, "
     "LOCK_EX while the whole LLC is."},
    {"{cache_root}/.locks/{KEY}.lock", acquire | locks, "The lock of cache entry KEY."},
    {"{cache_root}/.locks/source-{HASH}.lock", acquire | locks,
     "The lock of a kernel source tree (acquire --source), HASH being the CRC-32 of its real "
     "path in 8 hex digits: LOCK_EX while a build runs in it. locks lists it among the cache "
     "entries."},
    {"{runs_root}/.locks/{KEY}.lock", acquire | locks,
     "The lock of run directory KEY (acquire --run), which the Rust harness holds LOCK_EX "
     "while it writes a run's files."},
    {"{lock_dir}/ktstr-cpus-queue.lock", acquire,
     "Where acquire --cpus waiters short of CPUs line up: the head of the queue holds it "
     "LOCK_EX and alone probes the CPU locks, until its command has started. Not a "
     "reservation; locks does not list it."},
    {"{lock_dir}", fscheck, "Checked when no PATH is given."},
    {"{cache_root}/.locks", fscheck, "Checked when no PATH is given."},
    {"$XDG_CONFIG_HOME/ktstr/ktstr.toml", k_settings_users,
     "The per-user config file (~/.config/ktstr/ktstr.toml when XDG_CONFIG_HOME is unset)."},
    {"/etc/ktstr/ktstr.toml", k_settings_users,
     "The host-wide config file, read when there is no per-user one."},
    {"/proc/locks", acquire | holders | locks, "The kernel's list of file locks."},
    {"/proc/self/mountinfo", holders | locks | needle,
     "Where the device numbers of /proc/locks come from."},
    {"/proc/{PID}/fdinfo", holders | locks, "Which open files of a process carry which lock."},
};

// A page with no entry in k_pages is a bug in this file, not a page
// without facts: the build stops.
bool applies(unsigned pages, std::string_view page) {
  if (page.empty()) return true;  // ktstr(1): everything
  for (const auto& [name, bit] : k_pages) {
    if (name == page) return (pages & bit) != 0;
  }
  throw std::logic_error(fmt::format("docgen: no page bit for {}", page));
}

void facts(Out out, std::string_view title, std::span<const Fact> list, std::string_view page,
           bool files) {
  bool any = false;
  for (const Fact& f : list) {
    if (!applies(f.pages, page)) continue;
    if (!any) fmt::format_to(out, ".SH {}\n", title);
    any = true;
    fmt::format_to(out, ".TP\n{}{}",
                   files ? line(file_tag(f.tag)) : fmt::format(".B {}\n", escape(f.tag, true)),
                   line(prose(f.text)));
  }
}

// One .TP entry per field of `fields`: its JSON key in bold, the text
// column's title when it has one, and what it holds.
template <class Row>
void field_entries(Out out, std::span<const Field<Row>> fields) {
  for (const auto& f : fields) {
    if (f.json_key.empty()) continue;
    std::string column =
        f.title.empty() ? "(JSON only)" : fmt::format("(column {})", escape(f.title, true));
    fmt::format_to(out, ".TP\n.B {}\n{}{}", escape(f.json_key, true), line(column),
                   line(prose(sentence(f.help))));
  }
}

// The OUTPUT block: what the text and JSON forms hold, field by field.
void output_block(Out out, OutputTables tables) {
  if (tables == OutputTables::lock_sections) {
    fmt::format_to(out, "{}",
                   line(prose("The text form has one section per kind of lock; --json prints one "
                              "object with an array per section:")));
    for (const LockSection& s : lock_sections()) {
      fmt::format_to(out, ".TP\n.B {}\n{}.RS\n", escape(s.json_key, true),
                     line(prose(sentence(fmt::format("the rows of the {} section",
                                                     s.title.substr(0, s.title.find(':')))))));
      field_entries(out, s.fields);
      fmt::format_to(out, ".RE\n");
    }
    fmt::format_to(out, ".PP\n{}", line("Each object of a holders array has these fields:"));
  } else {
    fmt::format_to(out, "{}",
                   line(prose("One row per holder or waiter; with --json, an array of objects, one "
                              "per PATH (path, needle, holders, waiters), whose holders and "
                              "waiters have these fields:")));
  }
  field_entries(out, holder_fields());
}

void applet_blocks(Out out, const AppletTable& t, const std::string& version) {
  const Applet& applet = *t.applet;
  std::string name = fmt::format("ktstr-{}", applet.name);
  begin_block(out, "th");
  th_line(out, name, 1, version);
  begin_block(out, "name");
  fmt::format_to(out, "{} \\- {}\n", escape(name, true), prose(applet.summary));
  begin_block(out, "synopsis");
  std::string usage = styled_usage(applet.usage);
  fmt::format_to(out, ".SY \"ktstr {}\"\n{}\n.YS\n.SY {}\n{}\n.YS\n", applet.name, usage,
                 escape(name, true), usage);
  begin_block(out, "options");
  option_entries(out, t.table);
  begin_block(out, "global-options");
  option_entries(out, global_options());
  option_entries(out, standard_options());
  if (applet.doc->output != OutputTables::none) {
    begin_block(out, "output");
    output_block(out, applet.doc->output);
  }
  begin_block(out, "exit-status");
  exit_status_entries(out, applet.doc->exit_status);
  begin_block(out, "environment");
  environment_block(out, applet.name);
  begin_block(out, "files");
  files_block(out, applet.name);
}

void ktstr_blocks(Out out, const std::string& version) {
  begin_block(out, "th");
  th_line(out, "ktstr", 1, version);
  begin_block(out, "name");
  fmt::format_to(out, "ktstr \\- {}\n", prose(k_ktstr_summary));
  begin_block(out, "synopsis");
  OptionTable top = top_level_options();
  for (const OptionSpec& spec : top.specs()) {
    fmt::format_to(out, ".SY ktstr\n{}\n.YS\n", styled_usage(long_name(spec)));
  }
  begin_block(out, "applets");
  for (const Applet* a : applets()) {
    fmt::format_to(
        out, ".TP\n.B {}\n{}", a->name,
        line(prose(fmt::format("{}; see ktstr-{}(1).", capitalized(a->summary), a->name))));
  }
  begin_block(out, "options");
  option_entries(out, top);
  option_entries(out, standard_options());
  begin_block(out, "global-options");
  option_entries(out, global_options());
  begin_block(out, "exit-status");
  exit_status_entries(out, k_ktstr_exit_status);
  begin_block(out, "environment");
  environment_block(out, "");
  begin_block(out, "files");
  files_block(out, "");
  begin_block(out, "applet-pages");
  for (const Applet* a : applets())
    fmt::format_to(out, ".BR ktstr\\-{} (1) ,\n", escape(a->name, true));
}

}  // namespace

void environment_block(Out out, std::string_view page) {
  facts(out, "ENVIRONMENT", k_environment, page, false);
}

void files_block(Out out, std::string_view page) {
  facts(out, "FILES", k_files, page, true);
}

int man_blocks(std::string_view page, const std::string& version) {
  std::string s;
  Out out{s};
  if (page == "ktstr") {
    ktstr_blocks(out, version);
  } else {
    for (const AppletTable& t : applet_tables()) {
      if (page == fmt::format("ktstr-{}", t.applet->name)) applet_blocks(out, t, version);
    }
  }
  fmt::print("{}", s);
  return 0;
}

}  // namespace ktstr::docgen
