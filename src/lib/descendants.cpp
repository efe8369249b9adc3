#include "descendants.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <set>
#include <string>
#include <vector>

#include "text.hpp"

namespace ktstr {

namespace {

// Our direct children, from /proc/self/task/TID/children (proc(5); every
// thread lists its own, and acquire has one).
std::vector<pid_t> children() {
  auto tid = static_cast<long>(::syscall(SYS_gettid));
  auto text = read_small_file("/proc/self/task/" + std::to_string(tid) + "/children");
  std::vector<pid_t> out;
  if (!text) return out;
  for (auto word : split_fields(trim(*text))) {
    if (auto n = parse_u64(word)) out.push_back(static_cast<pid_t>(*n));
  }
  return out;
}

// Reaps every child that has exited; false once there is no child at all.
bool reap_exited() {
  for (;;) {
    int status = 0;
    pid_t p = ::waitpid(-1, &status, WNOHANG);
    if (p > 0) continue;
    if (p == 0) return true;
    if (errno == EINTR) continue;
    return errno != ECHILD;
  }
}

void wait_all() {
  for (;;) {
    int status = 0;
    if (::waitpid(-1, &status, 0) < 0 && errno != EINTR) return;  // ECHILD: none left
  }
}

}  // namespace

void become_subreaper() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void settle_descendants(Leftovers policy, std::chrono::milliseconds grace) {
  if (policy == Leftovers::wait) return wait_all();
  using Clock = std::chrono::steady_clock;
  const auto kill_at = Clock::now() + grace;
  std::set<pid_t> termed;
  while (reap_exited()) {
    bool late = Clock::now() >= kill_at;
    for (pid_t p : children()) {
      // A process the tree forks after our SIGTERM gets one too; past the
      // grace period everything gets SIGKILL, which a stopped or
      // SIGTERM-ignoring process cannot refuse.
      if (late) {
        ::kill(p, SIGKILL);
      } else if (termed.insert(p).second) {
        ::kill(p, SIGTERM);
        ::kill(p, SIGCONT);
      }
    }
    ::poll(nullptr, 0, 10);
  }
}

}  // namespace ktstr
