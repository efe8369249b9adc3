// Taking a set of flock(2) locks all or nothing, with a deadline.
//
// Protocol (SPEC §3): every attempt is non-blocking and in one canonical
// order; when any lock is busy, everything taken in that attempt is released
// before waiting, so two acquirers never wait on each other while holding
// (no hold-and-wait, hence no deadlock however their sets overlap).
//
// Waiting is prompt, not a fixed poll:
//  - a busy lock of the fixed part is waited for with a blocking flock() on
//    that one lock alone, so the kernel hands it over the moment it is freed;
//  - for `--cpus N`, where any N free CPUs will do, inotify close events on
//    the candidate lock files wake the waiter, with a short back-off retry
//    (fsnotify reports the close before the kernel drops the lock) and a
//    slow fallback poll for holders that unlock without closing. Waiters
//    short of CPUs line up on {lock_dir}/ktstr-cpus-queue.lock, so only the
//    head of that queue probes and wakes (see lock_set.cpp).
#pragma once

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "duration.hpp"
#include "error.hpp"
#include "lock_mode.hpp"
#include "lock_spec.hpp"
#include "topology.hpp"
#include "unique_fd.hpp"

namespace ktstr {

struct AcquireRequest {
  std::vector<LockSpec> fixed;  // deduplicated by the caller or not: both work
  // `--cpus N`: take `dynamic_count` CPUs among `dynamic_candidates`.
  unsigned dynamic_count = 0;
  std::vector<unsigned> dynamic_candidates;
  const Topology* topology = nullptr;  // required when dynamic_count > 0
  std::string lock_dir;                // where CPU and LLC lock files live
};

struct HeldLock : LockSpec {
  UniqueFd fd;
};

struct Acquired {
  std::vector<HeldLock> locks;         // canonical order
  std::vector<unsigned> dynamic_cpus;  // the CPUs chosen for --cpus
  // What the wait used besides the locks: the probed CPU lock files that
  // were not chosen, the --cpus queue lock (still held) and the inotify
  // instance. Closing them is not free: an inotify instance waits out an
  // SRCU grace period (milliseconds), and the other closes wake waiters
  // that would compete with the command for a CPU. close_spare() them once
  // the command has started; never hold them while waiting for anything.
  std::vector<UniqueFd> spare;
  // Locks on files made again at a held lock's path (keep_lock_files).
  std::vector<HeldLock> remade;
};

// A held lock file removed from its path (by hand, by a tmp cleaner) would
// let the next acquire create a new file there and take the resource beside
// us. Called every tick while the command runs: a lock whose path no longer
// names its file gets a new file at the path, locked in the same mode and
// held as well until release. A release seen within a tick leaves a window
// of that length; `locks` shows the old file's holders meanwhile.
void keep_lock_files(Acquired& held);

// Closes `held.spare` in order, the slow inotify instance last.
void close_spare(Acquired& held);

// Unlocks every lock, then closes the files. A --cpus waiter wakes on the
// close event, which the kernel sends before it drops the lock of a file
// being closed; unlocked first, the lock is already free when it looks.
void release(Acquired& held);

struct BusyLock {
  std::string path;
  LockMode wanted = LockMode::exclusive;
};

struct Conflict {
  std::vector<BusyLock> busy;
  unsigned cpus_short = 0;  // for --cpus: how many more free CPUs were needed
};

// Told about the wait; called when waiting starts and then once a tick.
class WaitObserver {
 public:
  virtual ~WaitObserver() = default;
  virtual void waiting(const std::vector<BusyLock>& busy, std::chrono::nanoseconds waited) = 0;
  virtual void done() = 0;
};

struct AcquireOptions {
  Duration timeout = Duration::forever();  // 0: a single attempt
  WaitObserver* observer = nullptr;        // null: no ticks, no status
  std::chrono::milliseconds tick{250};
  // Set by the caller's signal handler (SIGINT): the wait ends with nothing
  // held. The handler must be installed without SA_RESTART, so a blocking
  // flock or poll returns EINTR and the flag is seen at once.
  const volatile std::sig_atomic_t* interrupted = nullptr;
  // Waiting intents (intent.hpp): a request that has to wait marks its
  // locks, and later requests let it in first, each for at most
  // `defer_limit` in all, so an intent nobody acts on cannot stall them.
  bool fair = true;
  std::chrono::milliseconds defer_limit{1000};
};

struct AcquireOutcome {
  bool acquired = false;
  bool interrupted = false;  // *options.interrupted was set while waiting
  Acquired held;             // when acquired
  Conflict conflict;         // when neither
  // --cpus candidates left out because their lock file could not be opened
  // (a FIFO, another user's private file), each saying why.
  std::vector<Error> skipped;
};

// Every lock file the request may open: the fixed part, then for --cpus the
// candidates' CPU and LLC locks; a path may appear more than once.
std::vector<std::string> lock_paths_of(const AcquireRequest& request);

// Opens (creating when missing) every lock file the request may need, then
// acquires. Lock files are opened before any lock is taken, so a failure to
// open leaves nothing held; a --cpus candidate whose file cannot be opened
// is skipped instead (AcquireOutcome::skipped). A lock is kept only while
// its path still names the locked file; a file removed or replaced
// meanwhile is reopened and locked again. Errors: those of open_lock_file
// and flock.
Result<AcquireOutcome> acquire_locks(const AcquireRequest& request, const AcquireOptions& options);

}  // namespace ktstr
