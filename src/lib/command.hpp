// Running the command `acquire` wraps: forked and supervised (the default),
// or exec'd in place (--no-fork).
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "descendants.hpp"
#include "error.hpp"
#include "exit.hpp"

namespace ktstr {

struct CommandSpec {
  std::vector<std::string> argv;                         // argv[0] is looked up in $PATH
  std::vector<unsigned> pin_cpus;                        // empty: leave the affinity alone
  std::vector<std::pair<std::string, std::string>> env;  // set in the command's environment
  // What happens to processes the command leaves behind (descendants.hpp).
  Leftovers leftovers = Leftovers::end;
  std::chrono::milliseconds leftover_grace{1000};
  // Called every `tick` while the command runs (keep_lock_files); none: the
  // wait is a plain waitpid.
  std::function<void()> every_tick;
  std::chrono::milliseconds tick{50};
};

// Forks and execs the command, then waits for it while forwarding SIGINT,
// SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it, then settles what it
// left behind (`leftovers`). Returns its wait(2) status. The child:
//  - holds no lock fd: every lock fd is O_CLOEXEC;
//  - dies with us: PR_SET_PDEATHSIG(SIGKILL), so no command outlives the
//    process holding its locks, even when that process is SIGKILLed;
//  - is pinned to `pin_cpus` before exec.
// Signals the terminal sends to the whole foreground process group
// (si_code SI_KERNEL) already reached the command and are not sent twice.
// `once_started`, when given, runs in this process while the command runs
// (after its exec): for clean-up that need not delay the command's start.
// Errors: not_found (127) / not_executable (126) for exec failures, reported
// by the vfork child through memory it shares with us; os_error otherwise.
Result<int> run_supervised(const CommandSpec& command,
                           const std::function<void()>& once_started = {});

// Execs the command in place, keeping `inherit_fds` open across exec (the
// command becomes the lock holder). Returns only on failure.
Error exec_in_place(const CommandSpec& command, std::span<const int> inherit_fds);

// The Exit that ends this process the way the command ended: the same exit
// code, or death by the same signal.
Exit exit_matching(int wait_status);

}  // namespace ktstr
