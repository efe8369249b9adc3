#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "unique_fd.hpp"

extern char** environ;

namespace ktstr {

namespace {

constexpr std::array k_forwarded{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

volatile sig_atomic_t g_child = 0;

void forward_signal(int sig, siginfo_t* info, void*) {
  // The tty driver signals the whole foreground group; the child is in it.
  if (info != nullptr && info->si_code == SI_KERNEL) return;
  if (g_child > 0) ::kill(g_child, sig);
}

struct ExecArgs {
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

// Built before fork so the child only makes async-signal-safe calls.
ExecArgs prepare(const CommandSpec& command) {
  ExecArgs a;
  for (const auto& arg : command.argv)
    a.argv.push_back(const_cast<char*>(arg.c_str()));
  a.argv.push_back(nullptr);
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry = *e;
    bool replaced = false;
    for (const auto& [name, value] : command.env) {
      if (entry.starts_with(name) && entry.size() > name.size() && entry[name.size()] == '=') {
        replaced = true;
      }
    }
    if (!replaced) a.env_storage.emplace_back(entry);
  }
  for (const auto& [name, value] : command.env)
    a.env_storage.push_back(name + "=" + value);
  for (auto& s : a.env_storage)
    a.envp.push_back(s.data());
  a.envp.push_back(nullptr);
  return a;
}

bool pin(const std::vector<unsigned>& cpus) {
  if (cpus.empty()) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned c : cpus) {
    if (c < CPU_SETSIZE) CPU_SET(c, &set);
  }
  return ::sched_setaffinity(0, sizeof set, &set) == 0;
}

Error exec_error(const std::string& name, int err) {
  if (err == ENOENT) {
    return Error{ExitCode::not_found, "cannot run " + quote(name), err,
                 "is it installed and on $PATH?"};
  }
  if (err == EACCES || err == ENOEXEC || err == EISDIR || err == EPERM) {
    return Error{ExitCode::not_executable, "cannot run " + quote(name), err, ""};
  }
  return Error{ExitCode::os_error, "cannot run " + quote(name), err, ""};
}

enum class ChildStep : int { pin = 1, exec = 2 };

struct ChildReport {
  int step;
  int err;
};

// Returns once `child` has exited (not reaped), calling `every_tick` every
// `tick` meanwhile. A pidfd (Linux 5.3) makes the exit pollable; without
// one, the caller's waitpid alone waits, with no ticks.
void tick_until_exit(pid_t child, const CommandSpec& command) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  if (!pidfd) return;
  auto ms = static_cast<int>(command.tick.count());
  for (;;) {
    pollfd p{pidfd.get(), POLLIN, 0};
    int n = ::poll(&p, 1, ms);
    if (n > 0) return;
    if (n == 0) command.every_tick();
    if (n < 0 && errno != EINTR) return;
  }
}

// The signal state supervising changes, restored on every way out: the
// forwarded signals are blocked until the child exists; SIGCHLD has its
// default disposition while we wait (with it ignored, as it may be
// inherited, the kernel reaps the child itself and waitpid() fails with
// ECHILD); the forwarder is installed once there is a child to forward to.
class SupervisorSignals {
 public:
  SupervisorSignals() {
    sigset_t forwarded;
    sigemptyset(&forwarded);
    for (int s : k_forwarded)
      sigaddset(&forwarded, s);
    ::sigprocmask(SIG_BLOCK, &forwarded, &old_mask_);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &dfl, &inherited_chld_);
  }
  SupervisorSignals(const SupervisorSignals&) = delete;
  SupervisorSignals& operator=(const SupervisorSignals&) = delete;
  ~SupervisorSignals() {
    stop_forwarding();
    ::sigaction(SIGCHLD, &inherited_chld_, nullptr);
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  // What the command inherits: restored in the child before exec.
  [[nodiscard]] const sigset_t& inherited_mask() const { return old_mask_; }
  [[nodiscard]] const struct sigaction& inherited_chld() const { return inherited_chld_; }

  // Signals that arrived since the constructor are pending and reach the
  // child once unblocked here.
  void forward_to(pid_t child) {
    g_child = child;
    struct sigaction sa {};
    sa.sa_sigaction = forward_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < k_forwarded.size(); ++i) {
      ::sigaction(k_forwarded[i], nullptr, &saved_[i]);
      // An inherited ignore (SIGINT and SIGQUIT of a script's background
      // job) stays in force: the command ignores it too, and so do we.
      if (saved_[i].sa_handler != SIG_IGN) ::sigaction(k_forwarded[i], &sa, nullptr);
    }
    forwarding_ = true;
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  void stop_forwarding() {
    g_child = 0;
    if (!forwarding_) return;
    for (std::size_t i = 0; i < k_forwarded.size(); ++i)
      ::sigaction(k_forwarded[i], &saved_[i], nullptr);
    forwarding_ = false;
  }

 private:
  sigset_t old_mask_{};
  struct sigaction inherited_chld_ {};
  std::array<struct sigaction, k_forwarded.size()> saved_{};
  bool forwarding_ = false;
};

// vfork: the child borrows this process's memory until it execs, so
// starting the command copies no page tables, and the child's failure to
// pin or exec is written straight into `report`. Until then the child only
// makes system calls and writes `report`; it never returns from here.
pid_t start_child(const ExecArgs& args, const CommandSpec& command,
                  const SupervisorSignals& signals, volatile ChildReport& report) {
  pid_t parent = ::getpid();
  // The analyzer allows only exec and _exit after vfork; prctl, getppid,
  // sched_setaffinity and sigprocmask are plain system calls that touch no
  // shared state, as glibc's own posix_spawn child makes them.
  // NOLINTBEGIN(clang-analyzer-security.insecureAPI.vfork,clang-analyzer-unix.Vfork)
  pid_t child = ::vfork();
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have been killed before prctl took effect.
    if (::getppid() != parent) ::_exit(static_cast<int>(ExitCode::os_error));
    if (!pin(command.pin_cpus)) {
      report.step = static_cast<int>(ChildStep::pin);
      report.err = errno;
      ::_exit(127);
    }
    ::sigaction(SIGCHLD, &signals.inherited_chld(), nullptr);
    ::sigprocmask(SIG_SETMASK, &signals.inherited_mask(), nullptr);
    ::execvpe(args.argv[0], args.argv.data(), args.envp.data());
    report.step = static_cast<int>(ChildStep::exec);
    report.err = errno;
    ::_exit(127);
  }
  // NOLINTEND(clang-analyzer-security.insecureAPI.vfork,clang-analyzer-unix.Vfork)
  return child;
}

}  // namespace

Result<int> run_supervised(const CommandSpec& command, const std::function<void()>& once_started) {
  ExecArgs args = prepare(command);
  SupervisorSignals signals;
  become_subreaper();
  volatile ChildReport report{0, 0};
  pid_t child = start_child(args, command, signals, report);
  if (child < 0) {
    int err = errno;
    return fail_errno("cannot start a process", err);
  }
  // The child has exec'd or exited by now.
  signals.forward_to(child);
  if (once_started && report.step == 0) once_started();

  int status = 0;
  if (command.every_tick) tick_until_exit(child, command);
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      int err = errno;
      return fail_errno("cannot wait for the command", err);
    }
  }
  // With the forwarder still installed (and nobody to forward to), ending
  // the leftovers is not cut short by a signal; it takes the grace at most.
  g_child = 0;
  if (command.leftovers == Leftovers::end)
    settle_descendants(Leftovers::end, command.leftover_grace);
  signals.stop_forwarding();
  if (command.leftovers == Leftovers::wait)
    settle_descendants(Leftovers::wait, command.leftover_grace);
  if (report.step == static_cast<int>(ChildStep::pin)) {
    return fail_errno("cannot pin the command to its CPUs", report.err);
  }
  if (report.step == static_cast<int>(ChildStep::exec)) {
    return Unexpected(exec_error(command.argv[0], report.err));
  }
  return status;
}

Error exec_in_place(const CommandSpec& command, std::span<const int> inherit_fds) {
  ExecArgs args = prepare(command);
  for (int fd : inherit_fds) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  if (!pin(command.pin_cpus)) return sys_error("cannot pin the command to its CPUs", errno);
  ::execvpe(args.argv[0], args.argv.data(), args.envp.data());
  int err = errno;
  for (int fd : inherit_fds) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  return exec_error(command.argv[0], err);
}

Exit exit_matching(int wait_status) {
  if (WIFSIGNALED(wait_status)) return Exit::by_signal(WTERMSIG(wait_status));
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128;
}

}  // namespace ktstr
