// Opening lock files and taking flock(2) on them (SPEC §3 open policy).
#pragma once

#include <string>

#include "error.hpp"
#include "lock_mode.hpp"
#include "unique_fd.hpp"

namespace ktstr {

enum class CreateMode { open_existing, create_if_missing };

// Opens a lock file read-only. flock(2) needs no write access, so a file one
// user created stays lockable (SH and EX) by every other user.
//  - O_CLOEXEC always: a command run under acquire never inherits lock fds
//    by accident.
//  - O_NOFOLLOW: a symlink planted at the final component is refused (ELOOP),
//    not followed into someone else's file.
//  - O_NONBLOCK: opening a FIFO or a device never blocks; anything that is not
//    a regular file is then refused after fstat.
//  - Created files get mode 0666 whatever the umask (fchmod after create) so
//    the Rust harness, which opens them read-write, can use them too.
// Errors: no_input (missing, open_existing), cant_create (creation failed),
// no_perm, os_error; a non-regular file is cant_create with the file type.
Result<UniqueFd> open_lock_file(const std::string& path, CreateMode create);

// Creates `dir` and its missing parents; directories it creates get mode
// 1777 like /run/lock, since the lock dir is a meeting point for every user.
// Errors: cant_create / no_perm with the first directory that failed.
Status make_lock_dir(const std::string& dir);

enum class TryLock { acquired, busy };

// flock(fd, mode | LOCK_NB); EINTR is retried.
Result<TryLock> try_flock(int fd, LockMode mode, const std::string& path);

// Blocking flock. Returns busy when interrupted by a signal (EINTR), so the
// caller can check its deadline and signal flags; the kernel queues us for
// the lock again on the next call.
Result<TryLock> wait_flock(int fd, LockMode mode, const std::string& path);

}  // namespace ktstr
