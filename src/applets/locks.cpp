// locks: every ktstr lock file on the host and who holds it.
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>
#include <csignal>
#include <cstdio>

#include "applets/applet.hpp"
#include "lib/json_render.hpp"
#include "lib/lock_listing.hpp"
#include "lib/topology.hpp"

namespace ktstr::applet_locks {

struct Options {
  bool json = false;
  bool watch = false;
  std::optional<Duration> interval;
};

void declare(OptionTable& t, Options& o) {
  t.flag("--json", o.json, "print one JSON object (one compact line per frame with --watch)");
  t.value("--watch", "DUR", o.interval,
          "redraw every DUR until interrupted (default interval: timeouts.watch, 1s)")
      .with_optional_value(o.watch);
}

// The columns of each section, declared once: title and the cell of a row.
struct Column {
  std::string_view title;
  std::string (*cell)(const LockRow&);
};

std::string number_cell(const LockRow& r) {
  return r.number ? fmt::format("{}", *r.number) : "?";
}
std::string node_cell(const LockRow& r) {
  return fmt::format("{}", r.numa_node);
}
std::string key_cell(const LockRow& r) {
  return r.cache_key;
}
std::string file_cell(const LockRow& r) {
  return r.lockfile;
}

constexpr Column k_llc_columns[] = {
    {"LLC", number_cell}, {"NODE", node_cell}, {"LOCKFILE", file_cell}};
constexpr Column k_cpu_columns[] = {
    {"CPU", number_cell}, {"NODE", node_cell}, {"LOCKFILE", file_cell}};
constexpr Column k_cache_columns[] = {{"CACHE KEY", key_cell}, {"LOCKFILE", file_cell}};

struct Style {
  bool color = false;
  [[nodiscard]] std::string bold(std::string_view s) const {
    return color ? fmt::format("\033[1m{}\033[0m", s) : std::string(s);
  }
  [[nodiscard]] std::string mode(LockMode m) const {
    std::string_view name = lock_mode_name(m);
    if (!color) return std::string(name);
    return fmt::format("{}{}\033[0m", m == LockMode::exclusive ? "\033[31m" : "\033[32m", name);
  }
};

// The HOLDERS cell: one line per holder, then a waiter count.
std::vector<std::string> holder_lines(const LockRow& r, const Style& style) {
  std::vector<std::string> lines;
  for (const auto& h : r.holders) {
    lines.push_back(
        fmt::format("{} {}{} {}", h.pid, style.mode(h.mode), h.confirmed ? "" : "?", h.cmdline));
  }
  if (lines.empty()) lines.emplace_back("-");
  if (r.waiters > 0) lines.push_back(fmt::format("({} waiting)", r.waiters));
  return lines;
}

template <std::size_t N>
void print_section(std::string& out, std::string_view title, const Column (&columns)[N],
                   const std::vector<LockRow>& rows, const Style& style) {
  out += style.bold(title);
  out += '\n';
  if (rows.empty()) {
    out += "  (none)\n";
    return;
  }
  std::size_t widths[N];
  for (std::size_t c = 0; c < N; ++c) {
    widths[c] = columns[c].title.size();
    for (const auto& r : rows)
      widths[c] = std::max(widths[c], columns[c].cell(r).size());
  }
  std::string header = "  ";
  for (std::size_t c = 0; c < N; ++c)
    header += fmt::format("{:<{}}  ", columns[c].title, widths[c]);
  out += style.bold(header + "HOLDERS");
  out += '\n';
  for (const auto& r : rows) {
    auto holders = holder_lines(r, style);
    std::string lead = "  ";
    std::string blank = "  ";
    for (std::size_t c = 0; c < N; ++c) {
      lead += fmt::format("{:<{}}  ", columns[c].cell(r), widths[c]);
      blank += std::string(widths[c] + 2, ' ');
    }
    for (std::size_t i = 0; i < holders.size(); ++i) {
      out += (i == 0 ? lead : blank) + holders[i] + '\n';
    }
  }
}

std::string render_text(const LocksSnapshot& s, const Style& style) {
  std::string out;
  print_section(out, "LLC locks:", k_llc_columns, s.llcs, style);
  print_section(out, "Per-CPU locks:", k_cpu_columns, s.cpus, style);
  print_section(out, "Cache-entry locks:", k_cache_columns, s.cache, style);
  return out;
}

volatile sig_atomic_t g_stop = 0;
void on_stop(int) {
  g_stop = 1;
}

Result<int> run(const Options& o, Context& ctx) {
  auto settings = ctx.settings();
  if (!settings) return Unexpected(settings.error());
  const Settings& s = **settings;
  // NUMA nodes are a nicety: a host without readable sysfs still gets a listing.
  auto topology = read_topology(sysfs_root_from_env());
  const Topology* topo = topology ? &*topology : nullptr;
  Style style{!o.json && ctx.use_color(STDOUT_FILENO)};

  auto frame = [&](bool pretty) -> Status {
    auto snap = take_locks_snapshot(s.lock_dir, s.cache_dir, topo);
    if (!snap) return Unexpected(snap.error());
    if (o.json) {
      fmt::print("{}\n", locks_json(*snap, pretty));
    } else {
      fmt::print("{}", render_text(*snap, style));
    }
    std::fflush(stdout);
    return {};
  };
  if (!o.watch) {
    if (auto st = frame(true); !st) return Unexpected(st.error());
    return 0;
  }

  Duration interval = o.interval.value_or(s.watch_interval);
  if (!interval.is_forever() && interval.limit->count() <= 0) {
    return fail(ExitCode::usage, "--watch needs an interval above 0",
                "e.g. --watch 500ms; see 'ktstr locks --help'");
  }
  // No SA_RESTART: SIGINT must cut the sleep short, not wait it out.
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  bool redraw_in_place = !o.json && ::isatty(STDOUT_FILENO) == 1;
  bool first = true;
  while (!g_stop) {
    if (redraw_in_place) {
      fmt::print("\033[H\033[2J");  // home, clear screen
    } else if (!o.json && !first) {
      fmt::print("\n");
    }
    first = false;
    if (auto st = frame(false); !st) return Unexpected(st.error());
    int ms = interval.is_forever()
                 ? -1
                 : static_cast<int>(
                       std::chrono::ceil<std::chrono::milliseconds>(*interval.limit).count());
    if (!g_stop) ::poll(nullptr, 0, ms);
  }
  return 0;
}

constexpr AppletDoc k_doc{
    .exit_status =
        "0 success (also when interrupted during --watch)\n64 usage error\n77 "
        "permission denied\n78 configuration error\n71 unexpected system error",
};

}  // namespace ktstr::applet_locks

namespace ktstr {
extern const Applet k_locks_applet{
    "locks", "list every ktstr lock on the host and who holds it", "[--json] [--watch [DUR]]",
    &applet_locks::k_doc,
    &AppletOf<applet_locks::Options, applet_locks::declare, applet_locks::run>::make};
}  // namespace ktstr
