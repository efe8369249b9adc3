// acquire: take a set of locks all or nothing, then run a command under them.
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "applets/applet.hpp"
#include "lib/acquire_plan.hpp"
#include "lib/command.hpp"
#include "lib/cpu_list.hpp"
#include "lib/holder_query.hpp"
#include "lib/lock_names.hpp"
#include "lib/lock_set.hpp"
#include "lib/lock_space.hpp"
#include "lib/mountinfo.hpp"
#include "lib/needle.hpp"
#include "lib/preflight.hpp"
#include "lib/proc_locks.hpp"
#include "lib/topology.hpp"

namespace ktstr::applet_acquire {

struct Options {
  std::vector<unsigned> cpus;
  std::optional<unsigned> cpu_count;
  std::vector<unsigned> llcs;
  std::vector<std::string> cache_keys;
  std::vector<std::string> paths;
  std::vector<std::string> sources;
  std::vector<std::string> runs;
  std::optional<unsigned> cpu_cap;
  bool shared = false;
  std::optional<Duration> timeout;
  bool nonblock = false;
  bool no_pin = false;
  bool no_fork = false;
  bool wait_descendants = false;
  bool close = false;  // flock(1)'s -o: the command never gets lock fds anyway
  std::optional<unsigned> conflict_exit_code;
  std::optional<std::string> shell_command;  // -c
  std::vector<std::string> command;
  bool command_after_dashes = false;
};

void declare(OptionTable& t) {
  t.value("--cpu", "LIST", &Options::cpus,
          "reserve these CPUs (e.g. 3 or 0-3,8): EX on each CPU lock, "
          "SH on its LLC lock")
      .with_hint(ValueHint::cpu_list);
  t.value("--cpus", "N", &Options::cpu_count,
          "reserve N free CPUs of those this process may run on, "
          "packed into the fewest LLCs")
      .with_range(1, 65536);
  t.value("--llc", "LIST", &Options::llcs, "reserve whole LLCs by index: EX on each LLC lock")
      .with_hint(ValueHint::llc_list);
  t.value("--cpu-cap", "N", &Options::cpu_cap,
          "share whole LLCs that cover N of the CPUs this process may run on, as the Rust "
          "harness's kernel builds do: SH on each LLC lock, no CPU lock; COMMAND runs on their "
          "CPUs with KTSTR_CPU_CAP=N (default: $KTSTR_CPU_CAP)")
      .with_range(1, k_max_cpu_cap);
  t.value("--cache", "KEY", &Options::cache_keys, "lock the cache entry KEY");
  t.value("--path", "FILE", &Options::paths, "lock FILE (created if missing)")
      .with_hint(ValueHint::file);
  t.value("--source", "DIR", &Options::sources,
          "serialise builds in the kernel source tree DIR: EX on its source-tree lock")
      .with_hint(ValueHint::directory);
  t.value("--run", "KEY", &Options::runs,
          "lock the run dir KEY ({kernel}-{commit} for the harness)");
  t.flag_setting("-s,--shared", &Options::shared, true,
                 "take --llc, --cache and --path locks shared (LOCK_SH)");
  t.flag_setting("-x,--exclusive", &Options::shared, false,
                 "take them exclusive (LOCK_EX, the default); of -s and -x the last wins");
  t.value("-w,--wait,--timeout", "DUR", &Options::timeout,
          "give up after DUR (250ms, 1.5s, 1h30m, inf; a bare number is seconds; 0 = one try)");
  t.flag("-n,--nb,--nonblock", &Options::nonblock, "fail at once if any lock is busy (--timeout 0)")
      .excluding("--timeout");
  t.flag("--no-pin", &Options::no_pin, "do not pin COMMAND to the reserved CPUs");
  t.flag("-F,--no-fork", &Options::no_fork, "exec COMMAND in place, handing it the lock fds");
  t.flag("-o,--close", &Options::close, "accepted for flock(1) users: COMMAND never gets lock fds");
  t.value("-c,--command", "CMD", &Options::shell_command, "run the shell command CMD with sh -c");
  t.flag("--wait-descendants", &Options::wait_descendants,
         "when COMMAND exits, keep the locks until the processes it left behind exit "
         "(default: end them, SIGTERM then SIGKILL after 1s)");
  t.value("-E,--conflict-exit-code", "N", &Options::conflict_exit_code,
          "exit with N when the locks cannot be had in time (default 75)")
      .with_range(0, 255);
  t.command(&Options::command, "the command to run while the locks are held")
      .noting_dashes(&Options::command_after_dashes);
}

// flock(1)'s forms: `acquire FILE COMMAND...` when no request is given and
// no "--" comes first, and `-c 'shell command'`. Returns the command to run.
Result<std::vector<std::string>> command_and_bare_path(Options& o) {
  bool any_request = !o.cpus.empty() || o.cpu_count || !o.llcs.empty() || !o.cache_keys.empty() ||
                     !o.paths.empty() || !o.sources.empty() || !o.runs.empty() || o.cpu_cap;
  std::vector<std::string> command = o.command;
  if (!any_request && !o.command_after_dashes && !command.empty()) {
    o.paths.push_back(command.front());
    command.erase(command.begin());
    // flock FILE -c 'shell command'
    if (command.size() == 2 && (command[0] == "-c" || command[0] == "--command")) {
      o.shell_command = command[1];
      command.clear();
    }
  }
  if (o.shell_command) {
    if (!command.empty()) {
      return fail(ExitCode::usage, "-c and a COMMAND cannot both be given",
                  "put the whole command in -c, or drop -c");
    }
    return std::vector<std::string>{"sh", "-c", *o.shell_command};
  }
  if (command.empty()) {
    return fail(ExitCode::usage, "no COMMAND given", "put the command after the requests and --");
  }
  return command;
}

// The requests, with --cpu-cap's environment layer (KTSTR_CPU_CAP) applied.
Result<AcquireRequests> requests_of(const Options& o, const Settings& s) {
  auto cap = cpu_cap_setting(o.cpu_cap, process_env);
  if (!cap) return Unexpected(cap.error());
  AcquireRequests r;
  r.cpu_cap = *cap;
  r.cpus = o.cpus;
  r.cpu_count = o.cpu_count;
  r.llcs = o.llcs;
  r.cache_keys = o.cache_keys;
  r.paths = o.paths;
  r.sources = o.sources;
  r.runs = o.runs;
  r.shared = o.shared;
  r.pin = s.pin && !o.no_pin;
  return r;
}

// --timeout wins; otherwise each kind of request brings its configured wait
// and the longest applies, so a mixed request never gives up on one part
// sooner than that part alone would.
Duration effective_timeout(const Options& o, const AcquireRequests& r, const Settings& s) {
  if (o.nonblock) return Duration::of(std::chrono::nanoseconds(0));
  if (o.timeout) return *o.timeout;
  std::optional<Duration> wait;
  auto consider = [&](const Duration& d) {
    if (!wait || d.is_forever() || (!wait->is_forever() && *d.limit > *wait->limit)) wait = d;
  };
  if (r.needs_topology() || !r.paths.empty() || !r.sources.empty() || !r.runs.empty()) {
    consider(s.acquire_timeout);
  }
  if (!r.cache_keys.empty()) {
    consider(r.shared ? s.cache_shared_timeout : s.cache_exclusive_timeout);
  }
  return wait.value_or(Duration::forever());
}

// ---- who holds what: for the status line and the conflict report ----

std::string describe_holders(const std::string& path) {
  auto query = HolderQuery::take();
  return query ? query->describe(path) : "holder unknown";
}

// The status line on a terminal, redrawn in place on each tick.
class StatusLine final : public WaitObserver {
 public:
  void waiting(const std::vector<BusyLock>& busy, std::chrono::nanoseconds waited) override {
    std::string what =
        busy.empty() ? std::string("free CPUs")
                     : fmt::format("{} {}", busy.front().path, describe_holders(busy.front().path));
    if (busy.size() > 1) what += fmt::format(" (+{} more busy)", busy.size() - 1);
    std::string line = fmt::format("ktstr acquire: waiting {:.1f}s for {}",
                                   std::chrono::duration<double>(waited).count(), what);
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col) {
      line.resize(ws.ws_col - 1);  // a wrapped line could not be redrawn with \r
    }
    fmt::print(stderr, "\r\033[K{}", line);
    std::fflush(stderr);
    s_active = 1;
  }
  void done() override { clear(); }

  static void clear() {
    if (s_active) {
      static constexpr char k_erase[] = "\r\033[K";
      ssize_t ignored = ::write(STDERR_FILENO, k_erase, sizeof k_erase - 1);
      (void)ignored;
      s_active = 0;
    }
  }
  static inline volatile sig_atomic_t s_active = 0;
};

// SIGINT while waiting: the wait ends with nothing held and acquire exits
// 130. The handler only raises a flag; it is installed without SA_RESTART
// so the blocking flock or poll returns at once.
constexpr int k_interrupted_exit = 130;
volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) {
  g_interrupted = 1;
}

// Installs on_interrupt for SIGINT for its lifetime, unless SIGINT was
// ignored on entry (a script's background job): that ignore stays in force.
class InterruptWhileWaiting {
 public:
  InterruptWhileWaiting() {
    ::sigaction(SIGINT, nullptr, &old_);
    if (old_.sa_handler == SIG_IGN) return;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
  }
  ~InterruptWhileWaiting() { ::sigaction(SIGINT, &old_, nullptr); }
  InterruptWhileWaiting(const InterruptWhileWaiting&) = delete;
  InterruptWhileWaiting& operator=(const InterruptWhileWaiting&) = delete;

 private:
  struct sigaction old_ {};
};

void report_conflict(const Conflict& c, const Options& o, Context& ctx) {
  if (c.busy.empty() && c.cpus_short == 0) {
    ctx.warn(Error{ExitCode::temp_fail, "the deadline passed before the locks were granted", 0,
                   "nothing was run; raise --timeout"});
  }
  if (c.cpus_short > 0) {
    ctx.warn(Error{ExitCode::temp_fail, fmt::format("--cpus {}: {} more free CPU(s) were needed",
                                                    *o.cpu_count, c.cpus_short)});
  }
  for (auto& line : describe_busy(c.busy))
    ctx.warn(Error{ExitCode::temp_fail, std::move(line)});
}

std::string joined_paths(const std::vector<HeldLock>& locks) {
  std::vector<std::string_view> paths;
  for (const auto& l : locks)
    paths.emplace_back(l.path);
  return fmt::format("{}", fmt::join(paths, ":"));
}

Result<AcquireOutcome> wait_for_locks(const LockPlan& plan, const Options& o,
                                      const AcquireRequests& r, const Settings& s, Context& ctx) {
  StatusLine status;
  AcquireOptions opts;
  opts.timeout = effective_timeout(o, r, s);
  if (!ctx.quiet() && ::isatty(STDERR_FILENO) == 1) opts.observer = &status;
  opts.interrupted = &g_interrupted;
  InterruptWhileWaiting sigint;
  return acquire_locks(plan.request, opts);
}

// -v: how long the wait took, as flock(1) --verbose says it; a wait that
// ended without the locks says so rather than claiming it got them.
void say_how_long(const AcquireOutcome& outcome, std::chrono::steady_clock::time_point started,
                  Context& ctx) {
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (outcome.acquired) {
    ctx.info(fmt::format("getting the locks took {:.6f} seconds", took));
  } else {
    ctx.info(fmt::format("{} after {:.6f} seconds, holding nothing",
                         outcome.interrupted ? "interrupted" : "gave up on the locks", took));
  }
}

// The command's environment carries the lock space this run used, so a Rust
// harness or a nested ktstr started by it (they read only the environment)
// locks the same files, whatever flag or config file chose them here.
CommandSpec command_of(const Options& o, const Settings& s, const LockPlan& plan, Acquired& held) {
  std::vector<unsigned> cpus = plan.fixed_cpus;
  cpus.insert(cpus.end(), held.dynamic_cpus.begin(), held.dynamic_cpus.end());
  std::sort(cpus.begin(), cpus.end());
  CommandSpec command;
  command.argv = o.command;
  if (plan.pin) command.pin_cpus = cpus;
  if (!cpus.empty()) command.env.emplace_back("KTSTR_CPUS", format_cpu_list(cpus));
  // So `make -j"$KTSTR_CPU_CAP"` runs as many jobs as the budget.
  if (plan.cpu_cap) command.env.emplace_back("KTSTR_CPU_CAP", fmt::format("{}", *plan.cpu_cap));
  command.env.emplace_back("KTSTR_LOCKS", joined_paths(held.locks));
  command.leftovers = o.wait_descendants ? Leftovers::wait : Leftovers::end;
  command.every_tick = [&held] { keep_lock_files(held); };
  command.env.emplace_back("KTSTR_LOCK_DIR", s.lock_dir);
  if (!s.cache_dir.empty()) command.env.emplace_back("KTSTR_CACHE_DIR", s.cache_dir);
  return command;
}

// What run() plans with. The plan points into the host's topology, so both
// stay where plan_request filled them in.
struct Planned {
  AcquireRequests requests;
  HostView host;
  LockPlan plan;
};

// The requests, the host as planning sees it (with who holds each LLC lock,
// for --cpu-cap), and the locks that answer them.
Status plan_request(const Options& o, const Settings& s, Planned& out) {
  auto requests = requests_of(o, s);
  if (!requests) return Unexpected(requests.error());
  out.requests = std::move(*requests);
  auto host = read_host(out.requests.needs_topology());
  if (!host) return Unexpected(host.error());
  out.host = std::move(*host);
  if (out.requests.cpu_cap) {
    auto states = read_llc_states(*out.host.topology, s.lock_dir);
    if (!states) return Unexpected(states.error());
    out.host.llc_state = std::move(*states);
  }
  auto plan = plan_locks(out.requests, s, out.host);
  if (!plan) return Unexpected(plan.error());
  out.plan = std::move(*plan);
  return {};
}

Result<Exit> run(const Options& given, Context& ctx) {
  Options o = given;
  auto argv = command_and_bare_path(o);
  if (!argv) return Unexpected(argv.error());
  o.command = std::move(*argv);
  auto settings = ctx.settings();
  if (!settings) return Unexpected(settings.error());
  const Settings& s = **settings;
  if (ctx.verbose()) {
    if (auto note = lock_space_note(s)) ctx.info(*note);
  }
  Planned planned;
  if (auto st = plan_request(o, s, planned); !st) return Unexpected(st.error());
  const LockPlan* plan = &planned.plan;
  if (auto st = preflight(*plan); !st) return Unexpected(st.error());

  auto started = std::chrono::steady_clock::now();
  auto outcome = wait_for_locks(*plan, o, planned.requests, s, ctx);
  if (!outcome) return Unexpected(outcome.error());
  if (ctx.verbose()) say_how_long(*outcome, started, ctx);
  if (ctx.verbose()) {
    for (const auto& e : outcome->skipped)
      ctx.warn(e);
  }
  if (outcome->interrupted) return k_interrupted_exit;
  if (!outcome->acquired) {
    report_conflict(outcome->conflict, o, ctx);
    return static_cast<int>(o.conflict_exit_code.value_or(s.conflict_exit_code));
  }
  Acquired* held = &outcome->held;
  if (ctx.verbose()) {
    for (const auto& l : held->locks)
      ctx.info(fmt::format("holding {} ({})", l.path, lock_mode_name(l.mode)));
  }
  CommandSpec command = command_of(o, s, *plan, *held);
  if (o.no_fork) {
    std::vector<int> fds;
    for (const auto& l : held->locks)
      fds.push_back(l.fd.get());
    std::fflush(nullptr);
    return Unexpected(exec_in_place(command, fds));
  }
  auto status_code = run_supervised(command, [&] { close_spare(*held); });
  // The command and what it left behind have ended (or, with
  // --wait-descendants, exited): release before anything else.
  release(*held);
  if (!status_code) return Unexpected(status_code.error());
  return exit_matching(*status_code);
}

constexpr AppletDoc k_doc{
    .exit_status =
        "COMMAND's own exit status, or 128+N when it died of signal N\n75 the locks could not "
        "be had in time (see --conflict-exit-code)\n130 interrupted while waiting\n64 usage "
        "error (bad CPU list, CPU not online, LLC out of range, bad cache key, a --cpu-cap or "
        "KTSTR_CPU_CAP that is not a CPU count or exceeds the CPUs available)\n69 a lock "
        "file would sit on NFS, CIFS, CephFS, AFS or FUSE\n73 a lock file cannot be "
        "created\n77 permission denied\n78 configuration error\n126 COMMAND is not "
        "executable\n127 COMMAND was not found",
};

}  // namespace ktstr::applet_acquire

namespace ktstr {
extern constinit const Applet k_acquire_applet =
    make_applet<applet_acquire::Options, applet_acquire::declare, applet_acquire::run>(
        "acquire", "take CPU, LLC, cache-entry or file locks, then run a command",
        "[REQUESTS...] [-s|-x] [-w DUR | -n] [-E N] [--no-pin] [-F] [--wait-descendants] "
        "-- COMMAND [ARGS...] | FILE COMMAND... | FILE -c CMD",
        &applet_acquire::k_doc);
}  // namespace ktstr
