// The one holder query: "who holds, and who waits for, the flock on these
// files", for holders, locks and acquire's conflict report alike.
//
// It reads /proc/self/mountinfo and /proc/locks once and resolves any number
// of files against that snapshot through one HolderResolver, which caches
// per pid what it reads from /proc: resolving N files costs one
// /proc/PID/fd listing and one cmdline read per distinct holder pid, never
// one snapshot per file.
//
// "Not held" is confirmed before it is answered. /proc/locks is a seq_file
// that the kernel fills one page at a time, each page under its own lock
// (fs/locks.c locks_start/locks_stop; fs/seq_file.c seq_read_iter), and a
// read resumes at an index into a list that other processes' flock calls
// keep changing: a held lock can be missing from one read. So when a file
// shows no holder, /proc/locks is read again (up to k_locks_reads reads in
// all per query, shared by every file of the query) and the records of all
// reads are merged; a merged record that has gone stale names no one, since
// every holder is confirmed live through its fdinfo "lock:" line. When no
// read has it, the processes that have the file open are asked through
// their fdinfo (HolderResolver::holders_by_fdinfo), which is not paged.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "error.hpp"
#include "holders.hpp"
#include "lock_set.hpp"
#include "mountinfo.hpp"
#include "needle.hpp"
#include "proc_locks.hpp"

namespace ktstr {

struct HoldersReport {
  Needle target;
  std::vector<Holder> holders;  // holders first, then waiters
};

// True when some entry of `holders` holds (is not a waiter).
bool any_holder(const std::vector<Holder>& holders);

// Reads of /proc/locks a query makes at most: the snapshot and two
// confirmations of an empty answer.
inline constexpr int k_locks_reads = 3;

class HolderQuery {
 public:
  using LocksReader = std::function<Result<std::vector<LockRecord>>()>;

  // Reads mountinfo and /proc/locks. Errors: those of read_mountinfo and
  // read_proc_locks (no_input, no_perm, os_error).
  static Result<HolderQuery> take();

  // From parsed input, with /proc at `proc_root` and `reread` for the
  // confirming reads (tests use a fake /proc tree).
  HolderQuery(std::vector<MountEntry> mounts, const std::vector<LockRecord>& records,
              std::string proc_root = "/proc", LocksReader reread = read_proc_locks);

  [[nodiscard]] const std::vector<MountEntry>& mounts() const { return mounts_; }

  // The needle of `path` and its holders, then waiters. Errors: those of
  // derive_needle (no_input, no_perm, os_error).
  Result<HoldersReport> holders_of(const std::string& path);

  // Holders, then waiters, of the file `target` names; empty (after the
  // confirming reads) when nothing holds it.
  std::vector<Holder> holders_of(const Needle& target);

  // "by PID (MODE) CMDLINE, ..." for messages, or why no holder is named.
  std::string describe(const std::string& path);

 private:
  std::vector<Holder> resolve(const Needle& target);
  bool read_again();

  std::vector<MountEntry> mounts_;
  std::map<LockKey, std::vector<LockRecord>> records_;
  HolderResolver resolver_;
  LocksReader reread_;
  int reads_ = 1;
};

// Lines for acquire's conflict report: "'PATH' is busy (MODE wanted): held
// by ...", one per busy lock, at most `max_named`, then "and N more busy
// locks, see `ktstr locks`". All from one query.
inline constexpr std::size_t k_busy_named_max = 10;
std::vector<std::string> describe_busy(const std::vector<BusyLock>& busy,
                                       std::size_t max_named = k_busy_named_max);

}  // namespace ktstr
