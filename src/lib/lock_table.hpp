// The lock files of one request, each opened once and taken or dropped
// without blocking; what Acquirer (lock_set.cpp) builds its rounds on.
#pragma once

#include <sys/file.h>

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "lock_spec.hpp"
#include "unique_fd.hpp"

namespace ktstr {

// One lock file of the request.
struct Slot {
  LockSpec spec;  // its mode: the strongest any request wants
  UniqueFd fd;
  bool held = false;
  bool required = false;          // part of the fixed set, or chosen for --cpus
  std::optional<Error> unusable;  // a --cpus candidate's file that could not be opened
};

class LockTable {
 public:
  std::size_t add(const LockSpec& spec) {
    auto [it, inserted] = index_.try_emplace(spec.path, slots_.size());
    if (inserted) slots_.push_back(Slot{spec, UniqueFd(), false, false, std::nullopt});
    Slot& s = slots_[it->second];
    if (spec.mode == LockMode::exclusive) s.spec.mode = LockMode::exclusive;
    return it->second;
  }
  Slot& operator[](std::size_t i) { return slots_[i]; }
  std::vector<Slot>& slots() { return slots_; }

  // Existing files first, missing ones created only once every existing one
  // opened: a FIFO, directory or symlink planted at one path of the set
  // refuses the request before any lock file of it is created.
  Status open_all();

  Result<bool> try_take(std::size_t i, LockMode mode);

  // After a flock: when the path no longer names the locked file (removed or
  // replaced meanwhile), the lock is dropped and the file now at the path
  // opened instead; false asks the caller to lock that one.
  Result<bool> keep_if_still_named(Slot& s, int replaced);

  void release(Slot& s) {
    if (s.held) ::flock(s.fd.get(), LOCK_UN);
    s.held = false;
  }
  void release_all() {
    for (auto& s : slots_)
      release(s);
  }

 private:
  std::vector<Slot> slots_;
  std::map<std::string, std::size_t> index_;
};

// Bounds a blocking flock(): SIGALRM, handled without SA_RESTART, makes it
// return EINTR so the deadline can be checked. Installed for its lifetime.
class AlarmGuard {
 public:
  // An inherited signal mask may block SIGALRM; the deadline must hold all
  // the same, so it is unblocked while we wait and the mask restored after.
  AlarmGuard();
  ~AlarmGuard();
  AlarmGuard(const AlarmGuard&) = delete;
  AlarmGuard& operator=(const AlarmGuard&) = delete;

  // First expiry after `first`; then every 2 ms, so a signal that lands just
  // before flock() is entered is followed by another that interrupts it.
  static void arm(std::chrono::nanoseconds first);
  static void disarm();

 private:
  struct sigaction old_ {};
  sigset_t old_mask_{};
};

}  // namespace ktstr
