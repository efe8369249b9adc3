#include "lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <cerrno>

namespace ktstr {

namespace {

constexpr int k_open_flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

std::string_view file_type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    default:
      return "not a regular file";
  }
}

int open_retrying(const char* path, int flags, mode_t mode = 0) {
  for (;;) {
    int fd = ::open(path, flags, mode);
    if (fd >= 0 || errno != EINTR) return fd;
  }
}

Result<UniqueFd> check_regular(UniqueFd fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("cannot stat " + quote(path), errno);
  if (!S_ISREG(st.st_mode)) {
    return fail(ExitCode::cant_create,
                fmt::format("lock file {} is {}", quote(path), file_type_name(st.st_mode)),
                "remove it or choose another lock dir");
  }
  return fd;
}

}  // namespace

Result<UniqueFd> open_lock_file(const std::string& path, CreateMode create) {
  for (;;) {
    UniqueFd fd(open_retrying(path.c_str(), k_open_flags));
    if (fd) return check_regular(std::move(fd), path);
    int err = errno;
    if (err == ELOOP) {
      return fail(ExitCode::cant_create,
                  fmt::format("lock file {} is a symbolic link", quote(path)),
                  "lock files are never followed through links; remove it");
    }
    if (err != ENOENT || create == CreateMode::open_existing) {
      return fail_errno("cannot open lock file " + quote(path), err, ExitCode::os_error);
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
    if (errno != EEXIST) {
      return fail_errno("cannot create lock file " + quote(path), errno, ExitCode::cant_create);
    }
  }
}

namespace {

// Creates `dir` and its missing parents. Parents get the umask's default mode;
// only the lock dir itself (`sticky_leaf`) is opened up to 1777.
Status make_dirs(const std::string& dir, bool sticky_leaf) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail(ExitCode::cant_create, fmt::format("lock dir {} is not a directory", quote(dir)),
                "point --lock-dir at a directory");
  }
  if (errno != ENOENT) return fail_errno("cannot stat lock dir " + quote(dir), errno);
  auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto parent = make_dirs(dir.substr(0, slash), false); !parent) return parent;
  }
  if (::mkdir(dir.c_str(), 0777) != 0) {
    if (errno == EEXIST) return {};  // another process won the race; its mode stands
    return fail_errno("cannot create lock dir " + quote(dir), errno, ExitCode::cant_create);
  }
  // mkdir's mode is trimmed by the umask and cannot carry the sticky bit.
  if (sticky_leaf && ::chmod(dir.c_str(), 01777) != 0) {
    return fail_errno("cannot chmod lock dir " + quote(dir), errno, ExitCode::cant_create);
  }
  return {};
}

}  // namespace

Status make_lock_dir(const std::string& dir) {
  return make_dirs(dir, true);
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
