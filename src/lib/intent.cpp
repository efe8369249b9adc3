#include "intent.hpp"

#include <fcntl.h>

#include <cerrno>
#include <ctime>

namespace ktstr {

namespace {

struct flock byte_range(short type, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  fl.l_pid = 0;  // required by F_OFD_*
  return fl;
}

int fcntl_retrying(int fd, int cmd, struct flock* fl) {
  for (;;) {
    int r = ::fcntl(fd, cmd, fl);
    if (r == 0 || errno != EINTR) return r;
  }
}

}  // namespace

Ticket new_ticket() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<Ticket>(now.tv_sec) * 1'000'000'000 + now.tv_nsec + 1;
}

Status declare_intent(int fd, Ticket ticket, const std::string& path) {
  struct flock fl = byte_range(F_RDLCK, ticket, 1);
  if (fcntl_retrying(fd, F_OFD_SETLK, &fl) != 0) {
    return fail_errno("cannot mark " + quote(path) + " with a waiting intent", errno);
  }
  return {};
}

void withdraw_intent(int fd, Ticket ticket) {
  struct flock fl = byte_range(F_UNLCK, ticket, 1);
  fcntl_retrying(fd, F_OFD_SETLK, &fl);
}

bool has_older_intent(int fd, Ticket ticket) {
  // A write lock over [0, ticket) conflicts with any intent in it that
  // another open file description holds; our own never conflict.
  struct flock fl = byte_range(F_WRLCK, 0, ticket);
  if (fcntl_retrying(fd, F_OFD_GETLK, &fl) != 0) return false;
  return fl.l_type != F_UNLCK;
}

}  // namespace ktstr
