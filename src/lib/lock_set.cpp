#include "lock_set.hpp"

#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "cpu_picker.hpp"
#include "intent.hpp"
#include "lock_file.hpp"
#include "lock_names.hpp"
#include "lock_table.hpp"

namespace ktstr {

namespace {

using Clock = std::chrono::steady_clock;

// Holders that unlock with LOCK_UN but keep the file open send no inotify
// event; this bounds how long such a release can go unnoticed.
constexpr std::chrono::milliseconds k_fallback_poll{25};
// After a close event, the first retry comes this soon.
constexpr std::chrono::milliseconds k_first_retry{1};
// How often a request that lets an older waiter go first looks again.
constexpr std::chrono::milliseconds k_defer_poll{5};

constexpr std::string_view k_cpus_queue_name = "ktstr-cpus-queue.lock";

// The lock of a --cpus candidate's LLC; none for a CPU without a cache
// directory in sysfs.
std::optional<LockSpec> llc_lock_of(const AcquireRequest& request, unsigned cpu) {
  const CpuPlace* place = request.topology->find_cpu(cpu);
  if (place == nullptr || !place->llc) return std::nullopt;
  return LockSpec{llc_lock_path(request.lock_dir, *place->llc), LockMode::shared, LockKind::llc,
                  *place->llc};
}

LockSpec cpu_lock_of(const AcquireRequest& request, unsigned cpu) {
  return LockSpec{cpu_lock_path(request.lock_dir, cpu), LockMode::exclusive, LockKind::cpu, cpu};
}

class Acquirer {
 public:
  Acquirer(const AcquireRequest& req, const AcquireOptions& opt) : req_(req), opt_(opt) {
    // A zero timeout is one attempt, not a deadline (expired() says so).
    if (opt_.timeout.limit && *opt_.timeout.limit > std::chrono::nanoseconds::zero()) {
      deadline_ = start_ + *opt_.timeout.limit;
    }
  }

  Result<AcquireOutcome> run() {
    plan();
    if (auto st = table_.open_all(); !st) return Unexpected(st.error());
    if (auto st = skip_unusable(); !st) return Unexpected(st.error());
    AlarmGuard alarm;
    auto backoff = k_first_retry;
    bool told = false;
    for (;;) {
      if (interrupted()) {
        table_.release_all();
        leave_queue();
        if (told && opt_.observer) opt_.observer->done();
        AcquireOutcome out;
        out.interrupted = true;
        return out;
      }
      auto round = attempt();
      if (!round) return Unexpected(round.error());
      if (round->acquired && past_deadline()) {
        // Stopped (SIGSTOP, a slow machine) past the deadline while the last
        // lock was granted: the timeout is a deadline, so give it all back.
        table_.release_all();
        round->acquired = false;
      }
      if (round->acquired) {
        // Still queued: the caller leaves the queue by closing `spare`.
        if (told && opt_.observer) opt_.observer->done();
        return finish();
      }
      if (expired()) {
        leave_queue();
        if (told && opt_.observer) opt_.observer->done();
        return conflict(round->conflict);
      }
      if (opt_.observer) {
        opt_.observer->waiting(round->conflict.busy, Clock::now() - start_);
        told = true;
      }
      if (round->deferred || round->busy_fixed) {
        // Keep our place in line from the first time we have to wait.
        if (auto st = declare_intents(); !st) return Unexpected(st.error());
      }
      if (round->deferred) {
        defer();
      } else if (round->busy_fixed) {
        // Never keep other --cpus waiters behind us while we wait for
        // something that is not a CPU.
        leave_queue();
        auto st = wait_for_fixed(*round->busy_fixed);
        if (!st) return Unexpected(st.error());
        backoff = k_first_retry;
      } else if (!watching_) {
        // Short of CPUs for the first time: watch for releases from now on,
        // then look again, so that none goes unnoticed in between. Only a
        // request that has to wait pays for an inotify instance.
        watch_candidates();
      } else if (!queued_) {
        // Queue up, then look again at once, since CPUs may have been freed
        // while we were queued.
        auto st = join_queue();
        if (!st) return Unexpected(st.error());
        backoff = k_first_retry;
      } else {
        backoff = wait_for_release(backoff);
      }
    }
  }

 private:
  // ---- the --cpus waiting queue ----
  //
  // Waiters short of CPUs line up on one lock file, {lock_dir}/
  // ktstr-cpus-queue.lock: only the holder of its LOCK_EX (the head) probes
  // the CPU locks and wakes on their close events; the rest sleep in the
  // kernel's flock queue. Without it every release woke every waiter to
  // probe, and with tens of waiters on a few CPUs that herd delayed the
  // hand-off it was racing for. The head holds no CPU or LLC lock while it
  // waits, and leaves the queue before blocking on anything else, so the
  // queue adds no hold-and-wait. A request that finds its CPUs free takes
  // them without queueing.

  // Until the queue lock is granted, or the next deadline or status tick.
  Status join_queue() {
    std::string path = req_.lock_dir + "/" + std::string(k_cpus_queue_name);
    if (!queue_) {
      auto fd = open_lock_file(path, CreateMode::create_if_missing);
      if (!fd) return Unexpected(fd.error());
      queue_ = std::move(*fd);
    }
    auto got = try_flock(queue_.get(), LockMode::exclusive, path);
    if (!got) return Unexpected(got.error());
    if (*got == TryLock::busy) {
      auto wake = next_wake(std::nullopt);
      if (wake) AlarmGuard::arm(*wake);
      got = wait_flock(queue_.get(), LockMode::exclusive, path);
      AlarmGuard::disarm();
      if (!got) return Unexpected(got.error());
    }
    queued_ = *got == TryLock::acquired;
    return {};
  }

  void leave_queue() {
    if (queued_) ::flock(queue_.get(), LOCK_UN);
    queued_ = false;
  }

  struct Round {
    bool acquired = false;
    bool deferred = false;                  // an older waiter goes first
    std::optional<std::size_t> busy_fixed;  // slot of the fixed lock to block on
    Conflict conflict;
  };

  // ---- waiting intents (intent.hpp) ----

  // The first lock of the fixed set that an older waiter has marked, while
  // this request still defers to intents.
  std::optional<std::size_t> older_waiter_first() {
    // A single attempt (-n) never waits, so it never queues behind anyone:
    // like the Rust harness's own non-blocking tries, it may win a race.
    if (!opt_.fair || single_attempt()) return std::nullopt;
    auto now = Clock::now();
    if (deferring_since_ && now - *deferring_since_ >= opt_.defer_limit) return std::nullopt;
    for (auto i : fixed_) {
      if (has_older_intent(table_[i].fd.get(), ticket_)) {
        if (!deferring_since_) deferring_since_ = now;
        return i;
      }
    }
    return std::nullopt;
  }

  // Marks every lock of the fixed set with this request's intent, once.
  Status declare_intents() {
    if (!opt_.fair || intents_declared_) return {};
    intents_declared_ = true;
    for (auto i : fixed_) {
      if (auto st = declare_intent(table_[i].fd.get(), ticket_, table_[i].spec.path); !st) {
        return st;
      }
    }
    return {};
  }

  void withdraw_intents() {
    if (!intents_declared_) return;
    for (auto i : fixed_)
      withdraw_intent(table_[i].fd.get(), ticket_);
    intents_declared_ = false;
  }

  // Lets the older waiter take its set: a short sleep, then look again.
  void defer() {
    auto wake = next_wake(k_defer_poll);
    ::poll(nullptr, 0,
           static_cast<int>(
               std::chrono::ceil<std::chrono::milliseconds>(wake.value_or(k_defer_poll)).count()));
  }

  void plan() {
    std::vector<LockSpec> fixed = req_.fixed;
    std::stable_sort(fixed.begin(), fixed.end(), canonical_less);
    for (const auto& t : fixed)
      fixed_.push_back(table_.add(t));
    for (auto i : fixed_)
      table_[i].required = true;
    if (req_.dynamic_count == 0) return;
    // LLC SH locks first, then the CPU locks: the same canonical order.
    for (unsigned c : req_.dynamic_candidates) {
      std::optional<std::size_t> llc;
      if (auto spec = llc_lock_of(req_, c)) llc = table_.add(*spec);
      candidates_.push_back(Candidate{c, llc, 0});
    }
    for (auto& cand : candidates_) {
      cand.cpu_slot = table_.add(cpu_lock_of(req_, cand.cpu));
    }
  }

  // --cpus candidates whose CPU or LLC lock file could not be opened are
  // left out, and said why; the request fails only when too few remain.
  Status skip_unusable() {
    std::vector<Candidate> usable;
    for (const auto& cand : candidates_) {
      const Slot& cpu = table_[cand.cpu_slot];
      const Slot* bad = cpu.unusable ? &cpu : nullptr;
      if (cand.llc_slot && table_[*cand.llc_slot].unusable) bad = &table_[*cand.llc_slot];
      if (bad == nullptr) {
        usable.push_back(cand);
        continue;
      }
      skipped_.push_back(
          Error{bad->unusable->code,
                fmt::format("--cpus: skipping CPU {}: {}", cand.cpu, bad->unusable->describe())});
    }
    if (!skipped_.empty() && usable.size() < req_.dynamic_count) {
      return fail(skipped_.front().code,
                  fmt::format("--cpus {}: only {} candidate CPUs have usable lock files; {}",
                              req_.dynamic_count, usable.size(), skipped_.front().message));
    }
    candidates_ = std::move(usable);
    return {};
  }

  void watch_candidates() {
    watching_ = true;
    inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify_) return;  // fall back to polling
    for (const auto& cand : candidates_) {
      for (std::optional<std::size_t> slot : {cand.llc_slot, std::optional(cand.cpu_slot)}) {
        if (slot) ::inotify_add_watch(inotify_.get(), table_[*slot].spec.path.c_str(), IN_CLOSE);
      }
    }
  }

  Result<Round> attempt() {
    Round round;
    if (auto older = older_waiter_first()) {
      round.deferred = true;
      round.conflict.busy.push_back(BusyLock{table_[*older].spec.path, table_[*older].spec.mode});
      return round;
    }
    for (auto i : fixed_) {
      auto got = table_.try_take(i, table_[i].spec.mode);
      if (!got) return release_with(got.error());
      if (!*got) {
        table_.release_all();
        round.busy_fixed = i;
        round.conflict.busy.push_back(BusyLock{table_[i].spec.path, table_[i].spec.mode});
        return round;
      }
    }
    if (req_.dynamic_count > 0) {
      std::vector<unsigned> free;
      for (const auto& cand : candidates_) {
        if (cand.llc_slot) {
          auto llc = table_.try_take(*cand.llc_slot, LockMode::shared);
          if (!llc) return release_with(llc.error());
          if (!*llc) {
            round.conflict.busy.push_back(
                BusyLock{table_[*cand.llc_slot].spec.path, LockMode::shared});
            continue;
          }
        }
        auto cpu = table_.try_take(cand.cpu_slot, LockMode::exclusive);
        if (!cpu) return release_with(cpu.error());
        if (*cpu) {
          free.push_back(cand.cpu);
        } else {
          round.conflict.busy.push_back(
              BusyLock{table_[cand.cpu_slot].spec.path, LockMode::exclusive});
        }
      }
      auto chosen = pick_cpus(*req_.topology, free, req_.dynamic_count);
      if (!chosen) {
        table_.release_all();
        round.conflict.cpus_short = req_.dynamic_count - static_cast<unsigned>(free.size());
        return round;
      }
      chosen_ = *chosen;
      for (const auto& cand : candidates_) {
        if (std::binary_search(chosen_.begin(), chosen_.end(), cand.cpu)) {
          table_[cand.cpu_slot].required = true;
          if (cand.llc_slot) table_[*cand.llc_slot].required = true;
        }
      }
    }
    round.acquired = true;
    return round;
  }

  Unexpected<Error> release_with(Error e) {
    table_.release_all();
    return Unexpected(std::move(e));
  }

  [[nodiscard]] bool expired() const {
    if (single_attempt()) return true;
    return deadline_ && Clock::now() >= *deadline_;
  }
  [[nodiscard]] bool single_attempt() const {
    return opt_.timeout.limit && *opt_.timeout.limit <= std::chrono::nanoseconds::zero();
  }
  // Strictly after a finite, non-zero deadline (a single attempt has none).
  [[nodiscard]] bool past_deadline() const { return deadline_ && Clock::now() > *deadline_; }
  [[nodiscard]] bool interrupted() const {
    return opt_.interrupted != nullptr && *opt_.interrupted != 0;
  }

  // How long the next sleep may last: up to the deadline, and up to the next
  // status tick when someone is watching.
  [[nodiscard]] std::optional<std::chrono::nanoseconds> next_wake(
      std::optional<std::chrono::nanoseconds> cap) const {
    std::optional<std::chrono::nanoseconds> wake = cap;
    auto limit = [&](std::chrono::nanoseconds d) { wake = wake ? std::min(*wake, d) : d; };
    if (deadline_)
      limit(std::max<std::chrono::nanoseconds>(std::chrono::nanoseconds::zero(),
                                               *deadline_ - Clock::now()));
    if (opt_.observer) limit(opt_.tick);
    return wake;
  }

  // Blocks on one busy lock, holding nothing else, until it is granted or
  // the next deadline/tick. On return the slot may or may not be held.
  Status wait_for_fixed(std::size_t i) {
    Slot& s = table_[i];
    auto wake = next_wake(std::nullopt);
    if (wake) AlarmGuard::arm(*wake);
    auto got = wait_flock(s.fd.get(), s.spec.mode, s.spec.path);
    AlarmGuard::disarm();
    if (!got) return Unexpected(got.error());
    s.held = *got == TryLock::acquired;
    if (s.held) {
      // A replaced file is reopened here and locked on the next attempt.
      auto kept = table_.keep_if_still_named(s, replaced_++);
      if (!kept) return Unexpected(kept.error());
    }
    return {};
  }

  std::chrono::milliseconds wait_for_release(std::chrono::milliseconds backoff) {
    auto wake = next_wake(std::chrono::nanoseconds(backoff));
    int timeout_ms = static_cast<int>(
        std::chrono::ceil<std::chrono::milliseconds>(wake.value_or(k_fallback_poll)).count());
    pollfd p{inotify_.get(), POLLIN, 0};
    int n = ::poll(&p, inotify_ ? 1 : 0, timeout_ms);
    if (n > 0) {
      drain_events();
      return k_first_retry;  // a close was seen: retry soon, in case the unlock lags it
    }
    return std::min<std::chrono::milliseconds>(backoff * 2, k_fallback_poll);
  }

  void drain_events() {
    alignas(inotify_event) char buf[4096];
    while (::read(inotify_.get(), buf, sizeof buf) > 0) {
    }
  }

  Result<AcquireOutcome> finish() {
    withdraw_intents();
    AcquireOutcome out;
    out.acquired = true;
    // Probed-but-unchosen locks are dropped; chosen ones are kept in the
    // canonical order they were planned in.
    std::vector<std::size_t> order(fixed_.begin(), fixed_.end());
    for (const auto& cand : candidates_) {
      if (cand.llc_slot) order.push_back(*cand.llc_slot);
      order.push_back(cand.cpu_slot);
    }
    std::vector<bool> seen(table_.slots().size());
    for (auto i : order) {
      Slot& s = table_[i];
      if (seen[i] || !s.required) continue;
      seen[i] = true;
      s.held = false;  // ownership moves to the caller
      out.held.locks.push_back(HeldLock{s.spec, std::move(s.fd)});
    }
    std::stable_sort(out.held.locks.begin(), out.held.locks.end(), canonical_less);
    table_.release_all();  // what is left are probed CPUs that were not chosen
    // In the order they are best closed: the probed files, then the queue
    // (the next waiter, woken by it, then competes with nothing of ours for
    // a CPU while our command starts), then the slow inotify instance.
    for (auto& s : table_.slots()) {
      if (s.fd) out.held.spare.push_back(std::move(s.fd));
    }
    if (queue_) out.held.spare.push_back(std::move(queue_));
    if (inotify_) out.held.spare.push_back(std::move(inotify_));
    out.held.dynamic_cpus = chosen_;
    out.skipped = std::move(skipped_);
    return out;
  }

  // Names every busy lock of the fixed set, not just the first one found,
  // and for --cpus the candidates that were busy.
  Result<AcquireOutcome> conflict(Conflict last) {
    Conflict c;
    for (auto i : fixed_) {
      auto got = table_.try_take(i, table_[i].spec.mode);
      if (!got) return release_with(got.error());
      if (!*got) c.busy.push_back(BusyLock{table_[i].spec.path, table_[i].spec.mode});
    }
    table_.release_all();
    if (last.cpus_short > 0) {
      for (auto& b : last.busy) {
        bool dup = std::any_of(c.busy.begin(), c.busy.end(),
                               [&](const BusyLock& x) { return x.path == b.path; });
        if (!dup) c.busy.push_back(std::move(b));
      }
      c.cpus_short = last.cpus_short;
    }
    AcquireOutcome out;
    out.conflict = std::move(c);
    out.skipped = std::move(skipped_);
    return out;
  }

  struct Candidate {
    unsigned cpu;
    std::optional<std::size_t> llc_slot;
    std::size_t cpu_slot;
  };

  const AcquireRequest& req_;
  const AcquireOptions& opt_;
  Clock::time_point start_ = Clock::now();
  std::optional<Clock::time_point> deadline_;
  LockTable table_;
  std::vector<std::size_t> fixed_;
  std::vector<Candidate> candidates_;
  std::vector<unsigned> chosen_;
  UniqueFd inotify_;
  bool watching_ = false;
  UniqueFd queue_;
  bool queued_ = false;
  Ticket ticket_ = new_ticket();
  bool intents_declared_ = false;
  std::optional<Clock::time_point> deferring_since_;
  int replaced_ = 0;
  std::vector<Error> skipped_;
};

}  // namespace

std::vector<std::string> lock_paths_of(const AcquireRequest& request) {
  std::vector<std::string> paths;
  for (const auto& t : request.fixed)
    paths.push_back(t.path);
  for (unsigned c : request.dynamic_candidates) {
    if (auto llc = llc_lock_of(request, c)) paths.push_back(std::move(llc->path));
    paths.push_back(cpu_lock_path(request.lock_dir, c));
  }
  return paths;
}

void close_spare(Acquired& held) {
  for (auto& fd : held.spare)
    fd.reset();
  held.spare.clear();
}

void keep_lock_files(Acquired& held) {
  for (const auto& l : held.locks) {
    auto named = still_named_by(l.fd.get(), l.path);
    if (!named || *named) continue;
    bool remade = std::any_of(held.remade.begin(), held.remade.end(), [&](const HeldLock& r) {
      auto still = still_named_by(r.fd.get(), r.path);
      return r.path == l.path && still && *still;
    });
    if (remade) continue;
    auto fd = open_lock_file(l.path, CreateMode::create_if_missing);
    if (!fd) continue;  // the directory went too, or worse: nothing to hold
    auto got = try_flock(fd->get(), l.mode, l.path);
    if (got && *got == TryLock::acquired) held.remade.push_back(HeldLock{l, std::move(*fd)});
  }
}

void release(Acquired& held) {
  close_spare(held);
  for (auto* locks : {&held.locks, &held.remade}) {
    for (const auto& l : *locks)
      ::flock(l.fd.get(), LOCK_UN);
    locks->clear();
  }
}

Result<AcquireOutcome> acquire_locks(const AcquireRequest& request, const AcquireOptions& options) {
  return Acquirer(request, options).run();
}

}  // namespace ktstr
