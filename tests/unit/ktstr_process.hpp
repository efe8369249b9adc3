// Runs the built ktstr binary from the unit tests, with stdout and stderr
// captured apart and every wait bounded. The binary is KTSTR_BINARY (the
// build's ktstr, a compile definition), or $KTSTR_BIN_DIR/ktstr when that is
// set, as for the e2e tests (to run the tests against another build).
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;

namespace ktstr::test {

inline std::string ktstr_binary() {
  if (const char* dir = std::getenv("KTSTR_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/ktstr";
  }
  return KTSTR_BINARY;
}

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// The caller's environment without what would point ktstr at the host's
// lock space or config, plus `extra`.
inline std::vector<std::string> ktstr_environment(const EnvVars& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view var(*e);
    if (var.starts_with("KTSTR_") || var.starts_with("XDG_CONFIG_HOME=") ||
        var.starts_with("XDG_CACHE_HOME=") || var.starts_with("CARGO_TARGET_DIR=") ||
        var.starts_with("NO_COLOR=")) {
      continue;
    }
    env.emplace_back(var);
  }
  for (const auto& [name, value] : extra)
    env.push_back(name + "=" + value);
  return env;
}

struct RunResult {
  int status = -1;  // exit code; 128+N when killed by signal N; -1 when cut off
  std::string out;
  std::string err;
};

// One ktstr process. Stdin is /dev/null; with `as_nobody` it runs as
// nobody:nogroup with no supplementary groups (the caller must be root).
// The destructor kills and reaps it if it still runs.
class KtstrProcess {
 public:
  KtstrProcess(const std::vector<std::string>& args, const EnvVars& env, bool as_nobody = false) {
    // Everything the child needs is built before fork: it only calls
    // async-signal-safe functions.
    std::string binary = ktstr_binary();
    std::vector<std::string> argv_s{"ktstr"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s = ktstr_environment(env);
    std::vector<char*> argv = pointers(argv_s);
    std::vector<char*> envp = pointers(env_s);
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) {
        ::_exit(126);
      }
      if (as_nobody &&
          (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
        ::_exit(125);
      }
      ::execve(binary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  ~KtstrProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
    close_fd(out_fd_);
    close_fd(err_fd_);
  }
  KtstrProcess(const KtstrProcess&) = delete;
  KtstrProcess& operator=(const KtstrProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // The next line of stdout without its '\n'; nullopt at end of output or
  // when none comes within `budget`.
  std::optional<std::string> read_line(std::chrono::milliseconds budget) {
    auto deadline = std::chrono::steady_clock::now() + budget;
    for (;;) {
      if (auto nl = out_.find('\n'); nl != std::string::npos) {
        std::string line = out_.substr(0, nl);
        out_.erase(0, nl + 1);
        return line;
      }
      if (out_fd_ < 0 || !pump(deadline)) return std::nullopt;
    }
  }

  // Reads stdout and stderr to their end and reaps the process; past
  // `budget` it is killed and the status is -1.
  RunResult finish(std::chrono::milliseconds budget) {
    auto deadline = std::chrono::steady_clock::now() + budget;
    bool in_time = true;
    while (out_fd_ >= 0 || err_fd_ >= 0) {
      if (!pump(deadline)) {
        in_time = false;
        break;
      }
    }
    if (!in_time) ::kill(pid_, SIGKILL);
    int status = reap();
    RunResult r{in_time ? status : -1, std::move(out_), std::move(err_)};
    out_.clear();
    err_.clear();
    return r;
  }

 private:
  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> p;
    for (auto& s : strings)
      p.push_back(s.data());
    p.push_back(nullptr);
    return p;
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Waits for output until `deadline` and appends what comes; false when the
  // deadline passed first.
  bool pump(std::chrono::steady_clock::time_point deadline) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0) {
      if (errno == EINTR) return true;
      throw std::runtime_error("poll failed");
    }
    if (n == 0) return false;
    drain(fds[0], out_fd_, out_);
    drain(fds[1], err_fd_, err_);
    return true;
  }
  static void drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || p.revents == 0) return;
    char buf[4096];
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0) {
      into.append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close_fd(fd);
    }
  }
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

// Runs `ktstr ARGS...` to its end (20 s at most).
inline RunResult run_ktstr(const std::vector<std::string>& args, const EnvVars& env,
                           bool as_nobody = false) {
  KtstrProcess p(args, env, as_nobody);
  return p.finish(std::chrono::seconds(20));
}

}  // namespace ktstr::test
