// acquire: take a set of locks all or nothing, then run a command under them.
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <csignal>
#include <cstring>

#include "applets/applet.hpp"
#include "lib/command.hpp"
#include "lib/cpu_list.hpp"
#include "lib/fs_filter.hpp"
#include "lib/holder_query.hpp"
#include "lib/lock_file.hpp"
#include "lib/lock_names.hpp"
#include "lib/lock_set.hpp"
#include "lib/mountinfo.hpp"
#include "lib/needle.hpp"
#include "lib/proc_locks.hpp"
#include "lib/same_file.hpp"
#include "lib/topology.hpp"

namespace ktstr::applet_acquire {

struct Options {
  std::vector<unsigned> cpus;
  std::optional<unsigned> cpu_count;
  std::vector<unsigned> llcs;
  std::vector<std::string> cache_keys;
  std::vector<std::string> paths;
  bool shared = false;
  std::optional<Duration> timeout;
  bool nonblock = false;
  bool no_pin = false;
  bool no_fork = false;
  std::optional<unsigned> conflict_exit_code;
  std::vector<std::string> command;
};

void declare(OptionTable& t, Options& o) {
  t.value("--cpu", "LIST", o.cpus,
          "reserve these CPUs (e.g. 3 or 0-3,8): EX on each CPU lock, "
          "SH on its LLC lock")
      .with_hint(ValueHint::cpu_list);
  t.value("--cpus", "N", o.cpu_count,
          "reserve N free CPUs of those this process may run on, "
          "packed into the fewest LLCs")
      .with_range(1, 65536);
  t.value("--llc", "LIST", o.llcs, "reserve whole LLCs by index: EX on each LLC lock")
      .with_hint(ValueHint::llc_list);
  t.value("--cache", "KEY", o.cache_keys, "lock the cache entry KEY")
      .with_hint(ValueHint::cache_key);
  t.value("--path", "FILE", o.paths, "lock FILE (created if missing)").with_hint(ValueHint::file);
  t.flag("--shared", o.shared, "take --llc, --cache and --path locks shared (LOCK_SH)");
  t.value("--timeout", "DUR", o.timeout, "give up after DUR (250ms, 1.5s, 5m, inf; 0 = one try)");
  t.flag("-n,--nonblock", o.nonblock, "fail at once if any lock is busy (--timeout 0)")
      .excluding("--timeout");
  t.flag("--no-pin", o.no_pin, "do not pin COMMAND to the reserved CPUs");
  t.flag("--no-fork", o.no_fork, "exec COMMAND in place, handing it the lock fds");
  t.value("--conflict-exit-code", "N", o.conflict_exit_code,
          "exit with N when the locks cannot be had in time (default 75)")
      .with_range(0, 255);
  t.command(o.command, "the command to run while the locks are held");
}

// ---- validation: everything is checked before any file is created ----

Result<std::vector<unsigned>> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) {
    return fail_errno("cannot read this process's CPU affinity", errno);
  }
  std::vector<unsigned> cpus;
  for (unsigned c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

bool contains(const std::vector<unsigned>& sorted, unsigned v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

struct Plan {
  AcquireRequest request;
  std::vector<unsigned> fixed_cpus;   // --cpu and the CPUs of --llc
  std::vector<std::string> dirs;      // directories lock files go in
  std::vector<std::string> own_dirs;  // of those, ktstr's own: created when missing
  bool pin = true;
  bool names_files = false;  // --path or --cache: names that may repeat another
};

void add_dir(Plan& plan, std::string dir) {
  if (std::find(plan.dirs.begin(), plan.dirs.end(), dir) == plan.dirs.end()) {
    plan.dirs.push_back(std::move(dir));
  }
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Result<Plan> make_plan(const Options& o, const Settings& s, std::optional<Topology>& topo) {
  Plan plan;
  plan.pin = s.pin && !o.no_pin;
  AcquireRequest& req = plan.request;
  req.lock_dir = s.lock_dir;
  if (o.cpus.empty() && !o.cpu_count && o.llcs.empty() && o.cache_keys.empty() && o.paths.empty()) {
    return fail(ExitCode::usage, "nothing to acquire",
                "give --cpu, --cpus, --llc, --cache or --path");
  }
  LockMode shared_or_ex = o.shared ? LockMode::shared : LockMode::exclusive;

  if (!o.cpus.empty() || o.cpu_count || !o.llcs.empty()) {
    auto t = read_topology(sysfs_root_from_env());
    if (!t) return Unexpected(t.error());
    topo = std::move(*t);
    req.topology = &*topo;
    add_dir(plan, s.lock_dir);
    plan.own_dirs.push_back(s.lock_dir);
  }
  auto allowed = allowed_cpus();
  if (!allowed) return Unexpected(allowed.error());

  for (unsigned c : o.cpus) {
    const CpuPlace* place = topo->find_cpu(c);
    if (place == nullptr) {
      return fail(ExitCode::usage, fmt::format("--cpu: CPU {} is not online", c),
                  fmt::format("online CPUs: {}", format_cpu_list([&] {
                                std::vector<unsigned> v;
                                for (const auto& p : topo->cpus)
                                  v.push_back(p.cpu);
                                return v;
                              }())));
    }
    if (plan.pin && !contains(*allowed, c)) {
      return fail(ExitCode::usage,
                  fmt::format("--cpu: CPU {} is not in this process's affinity mask ({})", c,
                              format_cpu_list(*allowed)),
                  "use --no-pin to lock it without running on it");
    }
    req.fixed.push_back({cpu_lock_path(s.lock_dir, c), LockMode::exclusive});
    if (place->llc) req.fixed.push_back({llc_lock_path(s.lock_dir, *place->llc), LockMode::shared});
    plan.fixed_cpus.push_back(c);
  }
  for (unsigned l : o.llcs) {
    if (l >= topo->llcs.size()) {
      return fail(
          ExitCode::usage,
          fmt::format("--llc: LLC {} does not exist (this host has {})", l, topo->llcs.size()),
          topo->llcs.empty() ? "sysfs describes no caches here"
                             : fmt::format("use 0-{}", topo->llcs.size() - 1));
    }
    req.fixed.push_back({llc_lock_path(s.lock_dir, l), shared_or_ex});
    for (unsigned c : topo->llcs[l].cpus) {
      if (!plan.pin || contains(*allowed, c)) plan.fixed_cpus.push_back(c);
    }
  }
  for (const auto& key : o.cache_keys) {
    if (auto st = validate_cache_key(key); !st) return Unexpected(st.error());
    req.fixed.push_back({cache_lock_path(s.cache_dir, key), shared_or_ex});
    add_dir(plan, cache_locks_dir(s.cache_dir));
    if (plan.own_dirs.empty() || plan.own_dirs.back() != cache_locks_dir(s.cache_dir)) {
      plan.own_dirs.push_back(cache_locks_dir(s.cache_dir));
    }
  }
  for (const auto& path : o.paths) {
    if (path.empty()) return fail(ExitCode::usage, "--path: an empty path names nothing");
    req.fixed.push_back({path, shared_or_ex});
    add_dir(plan, parent_dir(path));
  }
  plan.names_files = !o.paths.empty() || !o.cache_keys.empty();
  std::sort(plan.fixed_cpus.begin(), plan.fixed_cpus.end());
  plan.fixed_cpus.erase(std::unique(plan.fixed_cpus.begin(), plan.fixed_cpus.end()),
                        plan.fixed_cpus.end());
  if (!o.llcs.empty() && plan.fixed_cpus.empty() && plan.pin && o.cpus.empty()) {
    return fail(ExitCode::usage, "--llc: none of the LLC's CPUs is in this process's affinity mask",
                "use --no-pin to reserve it without running on it");
  }

  if (o.cpu_count) {
    // The candidates are the CPUs this process may run on. On a fake sysfs
    // (KTSTR_SYSFS_ROOT) with --no-pin, this machine's affinity mask says
    // nothing about the fake host's CPUs and no command runs on them, so the
    // fake online list stands in for it.
    std::vector<unsigned> pool = *allowed;
    if (!plan.pin && sysfs_root_from_env() != "/sys") {
      pool.clear();
      for (const auto& p : topo->cpus)
        pool.push_back(p.cpu);
    }
    for (unsigned c : pool) {
      if (topo->find_cpu(c) != nullptr && !contains(plan.fixed_cpus, c)) {
        req.dynamic_candidates.push_back(c);
      }
    }
    if (*o.cpu_count > req.dynamic_candidates.size()) {
      return fail(ExitCode::usage,
                  fmt::format("--cpus {}: only {} online CPUs are available to this process ({})",
                              *o.cpu_count, req.dynamic_candidates.size(),
                              format_cpu_list(req.dynamic_candidates)));
    }
    req.dynamic_count = *o.cpu_count;
  }
  return plan;
}

// Refused filesystems first (SPEC §3: before any lock file is opened), then
// the directories, then whether each missing lock file could be created: a
// request that is refused leaves no lock file behind.
Status prepare_dirs(const Plan& plan) {
  for (const auto& dir : plan.dirs) {
    auto probe = probe_fs_of_nearest_existing(dir);
    if (!probe) return Unexpected(probe.error());
    if (probe->verdict.refused) return Unexpected(refused_fs_error(dir, probe->verdict));
  }
  // CPU and LLC lock names are distinct by construction; only a --path or
  // a cache entry can name one of them, or each other, a second time.
  if (plan.names_files) {
    if (auto st = refuse_one_file_named_twice(lock_paths_of(plan.request)); !st) return st;
  }
  // Only the lock dir and the cache's .locks are ktstr's to create; the
  // directory of a --path FILE is the caller's, like flock(1)'s.
  for (const auto& dir : plan.own_dirs) {
    if (auto st = make_lock_dir(dir); !st) return st;
  }
  for (const auto& t : plan.request.fixed) {
    if (::access(t.path.c_str(), F_OK) == 0) continue;
    if (errno != ENOENT) {
      return fail_errno(fmt::format("cannot reach lock file {}", quote(t.path)), errno);
    }
    std::string dir = parent_dir(t.path);
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      return fail_errno(fmt::format("cannot create lock file {}", quote(t.path)), errno,
                        ExitCode::cant_create);
    }
  }
  return {};
}

// --timeout wins; otherwise each kind of request brings its configured wait
// and the longest applies, so a mixed request never gives up on one part
// sooner than that part alone would.
Duration effective_timeout(const Options& o, const Settings& s) {
  if (o.nonblock) return Duration::of(std::chrono::nanoseconds(0));
  if (o.timeout) return *o.timeout;
  std::optional<Duration> wait;
  auto consider = [&](const Duration& d) {
    if (!wait || d.is_forever() || (!wait->is_forever() && *d.limit > *wait->limit)) wait = d;
  };
  if (!o.cpus.empty() || o.cpu_count || !o.llcs.empty() || !o.paths.empty()) {
    consider(s.acquire_timeout);
  }
  if (!o.cache_keys.empty()) {
    consider(o.shared ? s.cache_shared_timeout : s.cache_exclusive_timeout);
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

// SIGINT while waiting: nothing is held that the kernel will not drop at
// exit, so erase the status line and leave with 130 at once.
void interrupted_while_waiting(int) {
  StatusLine::clear();
  ::_exit(130);
}

void report_conflict(const Conflict& c, const Options& o, Context& ctx) {
  if (c.cpus_short > 0) {
    ctx.warn(Error{ExitCode::temp_fail, fmt::format("--cpus {}: {} more free CPU(s) were needed",
                                                    *o.cpu_count, c.cpus_short)});
  }
  for (auto& line : describe_busy(c.busy))
    ctx.warn(Error{ExitCode::temp_fail, std::move(line)});
}

std::string joined_paths(const std::vector<HeldLock>& locks) {
  std::string out;
  for (const auto& l : locks) {
    if (!out.empty()) out += ':';
    out += l.path;
  }
  return out;
}

Result<int> run(const Options& o, Context& ctx) {
  auto settings = ctx.settings();
  if (!settings) return Unexpected(settings.error());
  const Settings& s = **settings;
  std::optional<Topology> topo;
  auto plan = make_plan(o, s, topo);
  if (!plan) return Unexpected(plan.error());
  if (auto st = prepare_dirs(*plan); !st) return Unexpected(st.error());

  StatusLine status;
  AcquireOptions opts;
  opts.timeout = effective_timeout(o, s);
  if (!ctx.quiet() && ::isatty(STDERR_FILENO) == 1) opts.observer = &status;
  struct sigaction sa {};
  sa.sa_handler = interrupted_while_waiting;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {};
  ::sigaction(SIGINT, &sa, &old_int);
  auto outcome = acquire_locks(plan->request, opts);
  ::sigaction(SIGINT, &old_int, nullptr);
  if (!outcome) return Unexpected(outcome.error());
  if (!outcome->acquired) {
    report_conflict(outcome->conflict, o, ctx);
    return static_cast<int>(
        o.conflict_exit_code.value_or(static_cast<unsigned>(s.conflict_exit_code)));
  }

  Acquired& held = outcome->held;
  std::vector<unsigned> cpus = plan->fixed_cpus;
  cpus.insert(cpus.end(), held.dynamic_cpus.begin(), held.dynamic_cpus.end());
  std::sort(cpus.begin(), cpus.end());
  if (ctx.verbose()) {
    for (const auto& l : held.locks) {
      ctx.warn(Error{ExitCode::ok, fmt::format("holding {} ({})", l.path, lock_mode_name(l.mode))});
    }
  }
  CommandSpec command;
  command.argv = o.command;
  if (plan->pin) command.pin_cpus = cpus;
  if (!cpus.empty()) command.env.emplace_back("KTSTR_CPUS", format_cpu_list(cpus));
  command.env.emplace_back("KTSTR_LOCKS", joined_paths(held.locks));

  if (o.no_fork) {
    std::vector<int> fds;
    for (const auto& l : held.locks)
      fds.push_back(l.fd.get());
    std::fflush(nullptr);
    return Unexpected(exec_in_place(command, fds));
  }
  auto status_code = run_supervised(command, [&] { close_spare(held); });
  // Release the moment the command ends, before anything else: grandchildren
  // it left behind hold no lock fd and do not keep the locks.
  release(held);
  if (!status_code) return Unexpected(status_code.error());
  exit_like(*status_code);
}

constexpr AppletDoc k_doc{
    .description =
        "Takes every lock of every request, all together or none, then runs COMMAND.\n\n"
        "--cpu C takes LOCK_EX on LOCKDIR/ktstr-cpu-C.lock and LOCK_SH on the lock of C's "
        "last-level cache, LOCKDIR/ktstr-llc-N.lock, where N is the LLC's position in the "
        "host's LLC list sorted by sysfs cache id. --llc N takes LOCK_EX on that LLC lock (a "
        "whole-LLC reservation, which also excludes --cpu on any of its CPUs). --cache KEY "
        "locks CACHEDIR/.locks/KEY.lock, --path FILE locks FILE. These are the files and "
        "modes of the Rust ktstr harness, so its VMs and commands run here exclude each "
        "other.\n\n"
        "The locks are never waited for while part of the set is held: a busy lock is "
        "waited for alone, with every other lock released, so two acquire runs whose sets "
        "overlap cannot deadlock. A release is noticed at once (blocking flock on a single "
        "busy lock; inotify close events for --cpus).\n\n"
        "By default acquire forks: COMMAND runs without any lock descriptor while acquire "
        "holds the locks, forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to "
        "it, and exits with its status, or dies of the same signal. The locks are released "
        "the moment COMMAND exits, even if its children live on. COMMAND is killed if "
        "acquire is. With --no-fork, acquire execs COMMAND, which inherits the lock fds.\n\n"
        "COMMAND runs pinned to the reserved CPUs (those of --cpu, --cpus and --llc) unless "
        "--no-pin, with KTSTR_CPUS (the CPU list) and KTSTR_LOCKS (the lock files, "
        "colon-separated) in its environment.\n\n"
        "The wait is bounded by --timeout; without it, CPU, LLC and --path requests wait "
        "timeouts.acquire (default: forever) and cache entries timeouts.cache_shared (10s) "
        "or timeouts.cache_exclusive (60s), the longest of those that apply. On a terminal "
        "a status line names the busy lock and its holder.",
    .exit_status =
        "COMMAND's own exit status, or 128+N when it died of signal N\n75 the locks could not "
        "be had in time (see --conflict-exit-code)\n130 interrupted while waiting\n64 usage "
        "error (bad CPU list, CPU not online, LLC out of range, bad cache key)\n69 a lock "
        "file would sit on NFS, CIFS, CephFS, AFS or FUSE\n73 a lock file cannot be "
        "created\n77 permission denied\n78 configuration error\n126 COMMAND is not "
        "executable\n127 COMMAND was not found",
    .examples =
        "  ktstr acquire --cpu 3 -- make -j1\n"
        "  ktstr acquire --cpus 2 --timeout 5m -- ./run-vm.sh\n"
        "  ktstr acquire --cache linux-6.12 --shared -- ./boot.sh",
    .see_also = "ktstr-locks(1), ktstr-holders(1), flock(1), flock(2)",
};

}  // namespace ktstr::applet_acquire

namespace ktstr {
extern const Applet k_acquire_applet{
    "acquire", "take CPU, LLC, cache-entry or file locks, then run a command",
    "[REQUESTS...] [--shared] [--timeout DUR | -n] [--no-pin] [--no-fork] -- COMMAND [ARGS...]",
    &applet_acquire::k_doc,
    &AppletOf<applet_acquire::Options, applet_acquire::declare, applet_acquire::run>::make};
}  // namespace ktstr
