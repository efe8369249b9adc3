// Real flock holders and waiters for the tests: forked children that lock a
// file and sleep until killed, and a wait on /proc/locks for a blocked one.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ktstr::test {

// A child process that opens `path` and flocks it, then sleeps until killed
// (its lock goes with it). Forked without exec: its command line is the
// test binary's.
class LockingChild {
 public:
  LockingChild(const std::string& path, int op, bool wait_until_locked = true) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) ::_exit(2);
      if (!wait_until_locked && ::write(ready[1], "o", 1) != 1) ::_exit(3);
      if (::flock(fd, op) != 0) ::_exit(4);
      if (wait_until_locked && ::write(ready[1], "l", 1) != 1) ::_exit(3);
      for (;;)
        ::pause();
    }
    ::close(ready[1]);
    char c = 0;
    started_ = ::read(ready[0], &c, 1) == 1;
    ::close(ready[0]);
  }
  ~LockingChild() { finish(); }
  LockingChild(const LockingChild&) = delete;
  LockingChild& operator=(const LockingChild&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool started() const { return started_; }
  void finish() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  bool started_ = false;
};

// Whether /proc/locks lists `pid` as blocked on a flock ("N: -> FLOCK
// ADVISORY MODE PID KEY ..."). Read as text, without ktstr's parser.
inline bool proc_locks_lists_waiter(pid_t pid) {
  std::ifstream in("/proc/locks");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;)
      f.push_back(w);
    if (f.size() > 5 && f[1] == "->" && f[2] == "FLOCK" && f[5] == std::to_string(pid)) {
      return true;
    }
  }
  return false;
}

// Polls until `pid` is blocked on a flock, 20 s at most.
inline bool wait_until_waiting(pid_t pid) {
  for (int i = 0; i < 2000; ++i) {
    if (proc_locks_lists_waiter(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace ktstr::test
