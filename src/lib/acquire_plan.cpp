#include "acquire_plan.hpp"

#include <sched.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "cpu_list.hpp"
#include "lock_names.hpp"
#include "mountinfo.hpp"
#include "needle.hpp"

namespace ktstr {

bool AcquireRequests::empty() const {
  return cpus.empty() && !cpu_count && llcs.empty() && cache_keys.empty() && paths.empty() &&
         sources.empty() && runs.empty() && !cpu_cap;
}

bool AcquireRequests::needs_topology() const {
  return !cpus.empty() || cpu_count || !llcs.empty() || cpu_cap;
}

namespace {

Result<std::vector<unsigned>> read_affinity() {
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

void add_once(std::vector<std::string>& dirs, std::string dir) {
  if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(std::move(dir));
}

std::vector<unsigned> online_cpus(const Topology& topo) {
  std::vector<unsigned> cpus;
  for (const auto& p : topo.cpus)
    cpus.push_back(p.cpu);
  return cpus;
}

// Planning state shared by the per-kind steps below.
struct Planner {
  const AcquireRequests& req;
  const Settings& settings;
  const HostView& host;
  LockPlan plan;

  [[nodiscard]] LockMode requested_mode() const {
    return req.shared ? LockMode::shared : LockMode::exclusive;
  }
  void add(LockSpec spec) { plan.request.fixed.push_back(std::move(spec)); }
  [[nodiscard]] const Topology& topo() const { return *host.topology; }
};

// --cpu C: EX on C's lock, SH on its LLC's.
Status plan_cpu(Planner& p, unsigned c) {
  const CpuPlace* place = p.topo().find_cpu(c);
  if (place == nullptr) {
    return fail(ExitCode::usage, fmt::format("--cpu: CPU {} is not online", c),
                fmt::format("online CPUs: {}", format_cpu_list(online_cpus(p.topo()))));
  }
  if (p.plan.pin && !contains(p.host.allowed, c)) {
    return fail(ExitCode::usage,
                fmt::format("--cpu: CPU {} is not in this process's affinity mask ({})", c,
                            format_cpu_list(p.host.allowed)),
                "use --no-pin to lock it without running on it");
  }
  const std::string& dir = p.settings.lock_dir;
  p.add({cpu_lock_path(dir, c), LockMode::exclusive, LockKind::cpu, c});
  if (place->llc) {
    p.add({llc_lock_path(dir, *place->llc), LockMode::shared, LockKind::llc, *place->llc});
  }
  p.plan.fixed_cpus.push_back(c);
  return {};
}

// --llc N: the whole LLC, EX (SH with --shared).
Status plan_llc(Planner& p, unsigned l) {
  const auto& llcs = p.topo().llcs;
  if (l >= llcs.size()) {
    return fail(
        ExitCode::usage,
        fmt::format("--llc: LLC {} does not exist (this host has {})", l, llcs.size()),
        llcs.empty() ? "sysfs describes no caches here" : fmt::format("use 0-{}", llcs.size() - 1));
  }
  p.add({llc_lock_path(p.settings.lock_dir, l), p.requested_mode(), LockKind::llc, l});
  for (unsigned c : llcs[l].cpus) {
    if (!p.plan.pin || contains(p.host.allowed, c)) p.plan.fixed_cpus.push_back(c);
  }
  return {};
}

// --cache KEY: {cache_root}/.locks/KEY.lock.
Status plan_cache(Planner& p, const std::string& key) {
  if (auto st = validate_cache_key(key); !st) return st;
  auto root = p.settings.cache_root();  // an error only now that one is needed
  if (!root) return Unexpected(root.error());
  p.add({cache_lock_path(*root, key), p.requested_mode(), LockKind::cache, 0});
  add_once(p.plan.dirs_to_create, cache_locks_dir(*root));
  p.plan.has_caller_named_files = true;
  return {};
}

// --source DIR: EX on {cache_root}/.locks/source-{crc32(realpath)}.lock, the
// harness's lock serialising builds in one kernel tree.
Status plan_source(Planner& p, const std::string& dir) {
  auto root = p.settings.cache_root();
  if (!root) return Unexpected(root.error());
  auto path = source_lock_path(*root, dir);
  if (!path) return Unexpected(path.error());
  p.add({*path, LockMode::exclusive, LockKind::source, 0});
  add_once(p.plan.dirs_to_create, cache_locks_dir(*root));
  return {};
}

// --run KEY: EX on {runs_root}/.locks/KEY.lock, as the harness takes it while
// it writes a run's files.
Status plan_run(Planner& p, const std::string& key) {
  auto path = run_lock_path(p.settings.runs_dir, key);
  if (!path) return Unexpected(path.error());
  p.add({*path, LockMode::exclusive, LockKind::run, 0});
  add_once(p.plan.dirs_to_create, run_locks_dir(p.settings.runs_dir));
  return {};
}

// --path FILE: the caller's file, in the caller's directory.
Status plan_path(Planner& p, const std::string& path) {
  if (path.empty()) return fail(ExitCode::usage, "--path: an empty path names nothing");
  p.add({path, p.requested_mode(), LockKind::path, 0});
  std::string dir = std::filesystem::path(path).parent_path().string();
  add_once(p.plan.caller_dirs, dir.empty() ? "." : dir);
  p.plan.has_caller_named_files = true;
  return {};
}

// The CPUs a planned command may run on: the affinity mask. With a fake
// sysfs and --no-pin no command runs on the fake host's CPUs, so its online
// list stands in for the mask.
std::vector<unsigned> cpu_pool(const Planner& p) {
  if (!p.plan.pin && p.host.fake_topology) return online_cpus(p.topo());
  return p.host.allowed;
}

// --cpu-cap N: the harness's no-perf / kernel-build plan (plan_cpu_cap): SH
// on whole LLCs whose CPUs in the pool cover N, no CPU lock; the command
// runs on all of those CPUs. LLCs held EX now are left out; when the rest
// cannot cover N, they are planned too, ranked after every other LLC, so
// the request waits for them (or reports them) like any busy lock.
Status plan_cpu_cap_request(Planner& p, unsigned count) {
  std::vector<unsigned> pool = cpu_pool(p);
  auto plan = plan_cpu_cap(p.topo(), pool, p.host.llc_state, count);
  if (!plan) {
    std::vector<LlcState> waitable(p.topo().llcs.size());
    for (std::size_t i = 0; i < p.host.llc_state.size() && i < waitable.size(); ++i) {
      const LlcState& now = p.host.llc_state[i];
      if (!now.exclusive) waitable[i].shared_holders = now.shared_holders + 1;
    }
    for (std::size_t i = p.host.llc_state.size(); i < waitable.size(); ++i)
      waitable[i].shared_holders = 1;
    plan = plan_cpu_cap(p.topo(), pool, waitable, count);
  }
  if (!plan) {
    std::vector<unsigned> usable;
    for (unsigned c : pool) {
      const CpuPlace* place = p.topo().find_cpu(c);
      if (place != nullptr && place->llc) usable.push_back(c);
    }
    return fail(ExitCode::usage,
                fmt::format("--cpu-cap {}: only {} online CPUs are available to this process ({})",
                            count, usable.size(), format_cpu_list(usable)),
                "give a smaller budget");
  }
  for (unsigned l : plan->llcs) {
    p.add({llc_lock_path(p.settings.lock_dir, l), LockMode::shared, LockKind::llc, l});
    for (unsigned c : p.topo().llcs[l].cpus) {
      if (contains(pool, c)) p.plan.fixed_cpus.push_back(c);
    }
  }
  p.plan.cpu_cap = count;
  return {};
}

// --cpus N: the candidates are the CPUs this process may run on and that no
// other request of this run already takes.
Status plan_cpus(Planner& p, unsigned count) {
  std::vector<unsigned> pool = cpu_pool(p);
  AcquireRequest& r = p.plan.request;
  for (unsigned c : pool) {
    if (p.topo().find_cpu(c) != nullptr && !contains(p.plan.fixed_cpus, c)) {
      r.dynamic_candidates.push_back(c);
    }
  }
  if (count > r.dynamic_candidates.size()) {
    return fail(
        ExitCode::usage,
        fmt::format("--cpus {}: only {} online CPUs are available to this process ({})", count,
                    r.dynamic_candidates.size(), format_cpu_list(r.dynamic_candidates)));
  }
  r.dynamic_count = count;
  return {};
}

// --llc with pinning, when the command could run on none of the LLCs' CPUs:
// names the LLCs, their CPUs and the mask.
Error llc_outside_mask(std::vector<unsigned> llcs, const HostView& host) {
  std::sort(llcs.begin(), llcs.end());
  llcs.erase(std::unique(llcs.begin(), llcs.end()), llcs.end());
  std::vector<unsigned> cpus;
  for (unsigned l : llcs) {
    const auto& of = host.topology->llcs[l].cpus;
    cpus.insert(cpus.end(), of.begin(), of.end());
  }
  std::sort(cpus.begin(), cpus.end());
  return Error{
      ExitCode::usage,
      fmt::format("--llc {}: none of its CPUs ({}) is in this process's affinity mask ({})",
                  format_cpu_list(llcs), format_cpu_list(cpus), format_cpu_list(host.allowed)),
      0, "use --no-pin to reserve it without running on it"};
}

template <class Items, class Step>
Status plan_each(Planner& p, const Items& items, Step step) {
  for (const auto& item : items) {
    if (auto st = step(p, item); !st) return st;
  }
  return {};
}

}  // namespace

Result<HostView> read_host(bool with_topology) {
  HostView host;
  auto allowed = read_affinity();
  if (!allowed) return Unexpected(allowed.error());
  host.allowed = std::move(*allowed);
  if (with_topology) {
    SysfsRoot root = sysfs_root_from_env();
    auto topo = read_topology(root.path);
    if (!topo) return Unexpected(topo.error());
    host.topology = std::move(*topo);
    host.fake_topology = root.fake;
  }
  return host;
}

std::vector<LlcState> llc_states_of(const std::vector<std::optional<LockKey>>& keys,
                                    const std::vector<LockRecord>& records) {
  std::vector<LlcState> states(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i]) continue;
    for (const auto& r : records) {
      if (r.waiter || r.key != *keys[i]) continue;
      if (r.mode == LockMode::exclusive) {
        states[i].exclusive = true;
      } else {
        ++states[i].shared_holders;
      }
    }
  }
  return states;
}

Result<std::vector<LlcState>> read_llc_states(const Topology& topo, const std::string& lock_dir) {
  auto mounts = read_mountinfo();
  if (!mounts) return Unexpected(mounts.error());
  auto records = read_proc_locks();
  if (!records) return Unexpected(records.error());
  std::vector<std::optional<LockKey>> keys;
  for (const Llc& l : topo.llcs) {
    auto needle = derive_needle(llc_lock_path(lock_dir, l.index), *mounts);
    keys.push_back(needle ? std::optional(needle->key) : std::nullopt);
  }
  return llc_states_of(keys, *records);
}

Result<LockPlan> plan_locks(const AcquireRequests& req, const Settings& settings,
                            const HostView& host) {
  if (req.empty()) {
    return fail(ExitCode::usage, "nothing to acquire",
                "give --cpu, --cpus, --cpu-cap, --llc, --cache, --path, --source or --run");
  }
  Planner p{req, settings, host, {}};
  p.plan.pin = req.pin;
  p.plan.request.lock_dir = settings.lock_dir;
  if (req.needs_topology()) {
    p.plan.request.topology = &*host.topology;
    p.plan.dirs_to_create.push_back(settings.lock_dir);
  }
  Status st = plan_each(p, req.cpus, plan_cpu);
  if (st) st = plan_each(p, req.llcs, plan_llc);
  if (st) st = plan_each(p, req.cache_keys, plan_cache);
  if (st) st = plan_each(p, req.paths, plan_path);
  if (st) st = plan_each(p, req.sources, plan_source);
  if (st) st = plan_each(p, req.runs, plan_run);
  if (st && req.cpu_cap) st = plan_cpu_cap_request(p, *req.cpu_cap);
  if (!st) return Unexpected(st.error());
  auto& cpus = p.plan.fixed_cpus;
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  if (!req.llcs.empty() && cpus.empty() && req.pin && req.cpus.empty()) {
    return Unexpected(llc_outside_mask(req.llcs, host));
  }
  if (req.cpu_count) {
    st = plan_cpus(p, *req.cpu_count);
    if (!st) return Unexpected(st.error());
  }
  return std::move(p.plan);
}

}  // namespace ktstr
