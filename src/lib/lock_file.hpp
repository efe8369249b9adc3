// Opening lock files and taking flock(2) on them (SPEC §3 open policy).
#pragma once

#include <cstddef>
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
//  - A FIFO, device or socket at the path is recognised by lstat before any
//    open (opening a device has side effects) and refused; O_NONBLOCK keeps
//    one swapped in after that check from blocking the open, and fstat then
//    refuses it.
//  - Created files get mode 0666 whatever the umask (fchmod after create) so
//    the Rust harness, which opens them read-write, can use them too.
// Errors: no_input (missing, open_existing), cant_create (creation failed),
// no_perm (naming the owner, the mode and the remedy when another user made
// the file private), os_error (EMFILE: naming the fd limit); a non-regular
// file is cant_create with the file type.
Result<UniqueFd> open_lock_file(const std::string& path, CreateMode create);

// Creates `dir` and its missing parents without a window (open_dir_walk in
// safe_path.hpp); `dir` itself, when created here, gets mode 1777 like
// /run/lock, since the lock dir is a meeting point for every user.
// Errors: those of open_dir_walk.
Status make_lock_dir(const std::string& dir);

// Whether `path` still names the file open on `fd` (same device and inode,
// not unlinked). After a flock, false means the file was removed or replaced
// meanwhile, and the lock guards nothing anyone else will open.
Result<bool> still_named_by(int fd, const std::string& path);

// Raises the soft RLIMIT_NOFILE, up to the hard limit, so that `count` more
// files can be opened; does nothing when there is room already.
void make_room_for_fds(std::size_t count);

// EMFILE on `path`: names the soft and hard limits and how to raise them.
Error fd_limit_error(const std::string& path);

enum class TryLock { acquired, busy };

// flock(fd, mode | LOCK_NB); EINTR is retried.
Result<TryLock> try_flock(int fd, LockMode mode, const std::string& path);

// Blocking flock. Returns busy when interrupted by a signal (EINTR), so the
// caller can check its deadline and signal flags; the kernel queues us for
// the lock again on the next call.
Result<TryLock> wait_flock(int fd, LockMode mode, const std::string& path);

}  // namespace ktstr
