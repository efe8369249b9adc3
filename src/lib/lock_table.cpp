#include "lock_table.hpp"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <csignal>

#include "lock_file.hpp"

namespace ktstr {

namespace {

// How often a lock file may be found replaced right after it was locked
// before the request gives up.
constexpr int k_max_replaced = 8;

// A --cpus candidate whose lock file is not a regular file or not ours to
// open is skipped; any other failure fails the request.
bool skippable(const Slot& s, const Error& e) {
  return !s.required && (e.code == ExitCode::cant_create || e.code == ExitCode::no_perm);
}

// SIGALRM bounds a blocking flock(): installed without SA_RESTART, its
// delivery makes flock() return EINTR so the deadline can be checked.
void on_alarm(int) {}

}  // namespace

Status LockTable::open_all() {
  make_room_for_fds(slots_.size());
  std::vector<Slot*> missing;
  for (auto& s : slots_) {
    auto fd = open_lock_file(s.spec.path, CreateMode::open_existing);
    if (fd) {
      s.fd = std::move(*fd);
    } else if (fd.error().sys_errno == ENOENT) {
      missing.push_back(&s);
    } else if (skippable(s, fd.error())) {
      s.unusable = fd.error();
    } else {
      return Unexpected(fd.error());
    }
  }
  for (Slot* s : missing) {
    auto fd = open_lock_file(s->spec.path, CreateMode::create_if_missing);
    if (fd) {
      s->fd = std::move(*fd);
    } else if (skippable(*s, fd.error())) {
      s->unusable = fd.error();
    } else {
      return Unexpected(fd.error());
    }
  }
  // Two names of one file (a/x and a//x, a --path naming a CPU lock) are
  // two open file descriptions, whose flocks conflict with each other
  // (fs/locks.c: flock_locks_conflict compares the struct file): the set
  // could never be had and the wait would never end. Refuse it instead.
  std::map<std::pair<dev_t, ino_t>, const Slot*> seen;
  for (const auto& s : slots_) {
    if (s.unusable) continue;
    struct stat st {};
    if (::fstat(s.fd.get(), &st) != 0)
      return fail_errno("cannot stat " + quote(s.spec.path), errno);
    auto [it, fresh] = seen.try_emplace(std::pair(st.st_dev, st.st_ino), &s);
    if (!fresh) {
      return fail(
          ExitCode::usage,
          quote(it->second->spec.path) + " and " + quote(s.spec.path) + " are the same file",
          "name each lock file once");
    }
  }
  return {};
}

Result<bool> LockTable::try_take(std::size_t i, LockMode mode) {
  Slot& s = slots_[i];
  if (s.held) return true;
  for (int replaced = 0;; ++replaced) {
    auto r = try_flock(s.fd.get(), mode, s.spec.path);
    if (!r) return Unexpected(r.error());
    if (*r == TryLock::busy) return false;
    s.held = true;
    auto kept = keep_if_still_named(s, replaced);
    if (!kept || *kept) return kept;
  }
}

Result<bool> LockTable::keep_if_still_named(Slot& s, int replaced) {
  auto named = still_named_by(s.fd.get(), s.spec.path);
  if (named && *named) return true;
  release(s);
  if (!named) return Unexpected(named.error());
  if (replaced >= k_max_replaced) {
    return fail(ExitCode::os_error,
                fmt::format("lock file {} keeps being removed or replaced", quote(s.spec.path)),
                "find out what deletes it (a tmp cleaner?) and stop it");
  }
  auto fd = open_lock_file(s.spec.path, CreateMode::create_if_missing);
  if (!fd) return Unexpected(fd.error());
  s.fd = std::move(*fd);
  return false;
}

AlarmGuard::AlarmGuard() {
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGALRM, &sa, &old_);
  sigset_t alarm;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  ::sigprocmask(SIG_UNBLOCK, &alarm, &old_mask_);
}

AlarmGuard::~AlarmGuard() {
  disarm();
  ::sigaction(SIGALRM, &old_, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

void AlarmGuard::arm(std::chrono::nanoseconds first) {
  auto us = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::microseconds>(first).count());
  itimerval t{};
  t.it_value.tv_sec = us / 1'000'000;
  t.it_value.tv_usec = us % 1'000'000;
  t.it_interval.tv_usec = 2000;
  ::setitimer(ITIMER_REAL, &t, nullptr);
}

void AlarmGuard::disarm() {
  itimerval t{};
  ::setitimer(ITIMER_REAL, &t, nullptr);
}

}  // namespace ktstr
