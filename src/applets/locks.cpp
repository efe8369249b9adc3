// locks: every ktstr lock file on the host and who holds it.
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>
#include <csignal>

#include "applets/applet.hpp"
#include "applets/output.hpp"
#include "lib/json_render.hpp"
#include "lib/lock_listing.hpp"
#include "lib/topology.hpp"

namespace ktstr::applet_locks {

struct Options {
  bool json = false;
  bool watch = false;
  std::optional<Duration> interval;
};

void declare(OptionTable& t) {
  t.flag("--json", &Options::json,
         "print one JSON object (one compact line per frame with --watch)");
  t.value("--watch", "DUR", &Options::interval,
          "redraw every DUR until interrupted (default interval: timeouts.watch, 1s)")
      .with_optional_value(&Options::watch);
}

// Each section's text columns come from its field table (lock_listing.hpp).
std::string render_text(const LocksSnapshot& s, const TextStyle& style) {
  std::string out;
  for (const auto& section : lock_sections()) {
    out += style.bold(section.title);
    out += '\n';
    const auto& rows = s.rows(section.kind);
    if (rows.empty()) {
      out += "  (none)\n";
      continue;
    }
    out += render_columns(text_columns(section.fields), rows, style, "  ");
  }
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
  auto topology = read_topology(sysfs_root_from_env().path);
  const Topology* topo = topology ? &*topology : nullptr;
  TextStyle style{!o.json && ctx.use_color(STDOUT_FILENO)};

  // Every frame is checked as it is written: a write error (exit 74) ends
  // --watch rather than drawing into a full disk or a closed pipe forever.
  auto frame = [&](bool pretty, std::string_view lead) -> Status {
    auto snap = take_locks_snapshot(s.lock_dir, s.cache_dir, s.runs_dir, topo);
    if (!snap) return Unexpected(snap.error());
    std::string out(lead);
    out += o.json ? locks_json(*snap, pretty) + "\n" : render_text(*snap, style);
    if (auto st = write_stdout(out); !st) return st;
    return flush_stdout();
  };
  if (!o.watch) {
    if (auto st = frame(true, ""); !st) return Unexpected(st.error());
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
    std::string_view lead;
    if (redraw_in_place) {
      lead = "\033[H\033[2J";  // home, clear screen
    } else if (!o.json && !first) {
      lead = "\n";
    }
    first = false;
    if (auto st = frame(false, lead); !st) return Unexpected(st.error());
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
        "permission denied\n78 configuration error\n71 unexpected system error\n74 write "
        "error on standard output",
    .output = OutputTables::lock_sections,
};

}  // namespace ktstr::applet_locks

namespace ktstr {
extern constinit const Applet k_locks_applet =
    make_applet<applet_locks::Options, applet_locks::declare, applet_locks::run>(
        "locks", "list every ktstr lock on the host and who holds it", "[--json] [--watch [DUR]]",
        &applet_locks::k_doc);
}  // namespace ktstr
