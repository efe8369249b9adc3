// The command's whole process tree is in the reservation (SPEC §4): what it
// leaves behind when it exits must not run on after the locks are released.
//
// acquire makes itself a child subreaper (PR_SET_CHILD_SUBREAPER) before
// starting the command, so every process of the tree that loses its parent
// (a daemonised helper, a `cmd &` left by a shell) is reparented to acquire
// instead of init, where it can be found through
// /proc/self/task/TID/children and ended, or waited for.
#pragma once

#include <chrono>

namespace ktstr {

enum class Leftovers {
  end,   // SIGTERM, then SIGKILL after a grace period
  wait,  // keep the locks until they have all exited
};

// Makes this process the reaper of its orphaned descendants.
void become_subreaper();

// Returns once this process has no child left: after the command itself was
// reaped, deals with whatever it left behind as `policy` says.
void settle_descendants(Leftovers policy, std::chrono::milliseconds grace);

}  // namespace ktstr
