#include "lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>

#include "safe_path.hpp"

namespace ktstr {

namespace {

constexpr int k_open_flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

int open_retrying(const char* path, int flags, mode_t mode = 0) {
  for (;;) {
    int fd = ::open(path, flags, mode);
    if (fd >= 0 || errno != EINTR) return fd;
  }
}

Unexpected<Error> not_regular(const std::string& path, mode_t mode) {
  if (S_ISLNK(mode)) {
    return fail(ExitCode::cant_create, fmt::format("lock file {} is a symbolic link", quote(path)),
                "lock files are never followed through links; remove it");
  }
  return fail(ExitCode::cant_create,
              fmt::format("lock file {} is {}", quote(path), file_type_name(mode)),
              "remove it or choose another lock dir");
}

// A FIFO, device or socket is recognised from its inode, never opened: an
// open has side effects on a device (a tape rewinds, a tty becomes ours).
Status check_type_unopened(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};  // the open reports it
  if (S_ISREG(st.st_mode)) return {};
  return not_regular(path, st.st_mode);
}

Result<UniqueFd> check_regular(UniqueFd fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("cannot stat " + quote(path), errno);
  if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
  return fd;
}

Error open_error(const std::string& path, int err) {
  if (err == EMFILE) return fd_limit_error(path);
  struct stat st {};
  if ((err == EACCES || err == EPERM) && ::lstat(path.c_str(), &st) == 0 &&
      st.st_uid != ::geteuid()) {
    // Another user made it private: name who can fix it, and how.
    std::string owner = user_name(st.st_uid);
    return sys_error(fmt::format("cannot open lock file {} (owner {}, mode {:04o})", quote(path),
                                 owner, st.st_mode & 07777),
                     err, ExitCode::os_error,
                     fmt::format("ask {} to chmod 0666 it, or remove it", owner));
  }
  return sys_error("cannot open lock file " + quote(path), err, ExitCode::os_error);
}

}  // namespace

Error fd_limit_error(const std::string& path) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  auto shown = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
  };
  return Error{
      ExitCode::os_error,
      fmt::format("cannot open {}: the open file limit (RLIMIT_NOFILE) is {}, hard limit {}",
                  quote(path), shown(lim.rlim_cur), shown(lim.rlim_max)),
      EMFILE,
      "lock fewer files at once, or raise the limit (ulimit -n; above the hard limit: "
      "limits.conf or LimitNOFILE=)"};
}

void make_room_for_fds(std::size_t count) {
  // Room for the lock fds and what the process already has open.
  constexpr rlim_t k_margin = 64;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = static_cast<rlim_t>(count) + k_margin;
  if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= want) return;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &lim);
}

Result<UniqueFd> open_lock_file(const std::string& path, CreateMode create) {
  for (;;) {
    if (auto st = check_type_unopened(path); !st) return Unexpected(st.error());
    UniqueFd fd(open_retrying(path.c_str(), k_open_flags));
    if (fd) return check_regular(std::move(fd), path);
    int err = errno;
    if (err == ELOOP) return not_regular(path, S_IFLNK);
    if (err != ENOENT || create == CreateMode::open_existing) {
      return Unexpected(open_error(path, err));
    }
    // O_EXCL: if another process creates it first we loop and open theirs,
    // so two creators never both fchmod or race on the file type check.
    UniqueFd created(open_retrying(path.c_str(), k_open_flags | O_CREAT | O_EXCL, 0666));
    if (created) {
      // The umask has trimmed 0666; put it back so every user can open it.
      if (::fchmod(created.get(), 0666) != 0) {
        return fail_errno("cannot chmod lock file " + quote(path), errno, ExitCode::cant_create);
      }
      return created;
    }
    if (errno == EMFILE) return Unexpected(fd_limit_error(path));
    if (errno != EEXIST) {
      return fail_errno("cannot create lock file " + quote(path), errno, ExitCode::cant_create);
    }
  }
}

Status make_lock_dir(const std::string& dir) {
  auto fd = open_dir_walk(dir, true, LeafMode::shared_sticky);
  if (!fd) return Unexpected(fd.error());
  return {};
}

Result<bool> still_named_by(int fd, const std::string& path) {
  struct stat held {};
  if (::fstat(fd, &held) != 0) return fail_errno("cannot stat " + quote(path), errno);
  struct stat now {};
  if (::lstat(path.c_str(), &now) != 0) {
    if (errno == ENOENT) return false;
    return fail_errno("cannot stat " + quote(path), errno);
  }
  return held.st_nlink > 0 && held.st_dev == now.st_dev && held.st_ino == now.st_ino;
}

Result<TryLock> try_flock(int fd, LockMode mode, const std::string& path) {
  int op = (mode == LockMode::shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  for (;;) {
    if (::flock(fd, op) == 0) return TryLock::acquired;
    if (errno == EWOULDBLOCK) return TryLock::busy;
    if (errno != EINTR) return fail_errno("cannot flock " + quote(path), errno);
  }
}

Result<TryLock> wait_flock(int fd, LockMode mode, const std::string& path) {
  int op = mode == LockMode::shared ? LOCK_SH : LOCK_EX;
  if (::flock(fd, op) == 0) return TryLock::acquired;
  if (errno == EINTR) return TryLock::busy;
  return fail_errno("cannot flock " + quote(path), errno);
}

}  // namespace ktstr
