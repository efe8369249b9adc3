// How a run ends, as a value: an exit code, or death by the signal the
// command died of. Only cli_main acts on it; nothing in src/lib exits.
#pragma once

namespace ktstr {

struct Exit {
  Exit(int exit_code = 0) : code(exit_code) {}  // NOLINT(google-explicit-constructor)

  // Die of `sig` (core dumps off), as the wrapped command did; the shell then
  // sees 128+N in $?. `code` is the fallback should the signal not kill.
  static Exit by_signal(int sig) {
    Exit e(128 + sig);
    e.signal = sig;
    return e;
  }

  int code = 0;
  int signal = 0;
};

}  // namespace ktstr
