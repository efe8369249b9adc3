// Errors as values. Library code never prints and never exits: it returns an
// Error carrying the exit code it maps to (SPEC §5), the errno when a syscall
// failed, the thing at fault and, where there is one, the remedy. The applet
// layer turns it into one line on stderr in a single place (cli.cpp).
#pragma once

#include <string>
#include <utility>

#include "expected.hpp"

namespace ktstr {

// Exit codes of SPEC §5; the numbers follow <sysexits.h> where one exists.
enum class ExitCode : int {
  ok = 0,
  no = 1,            // holders: not held; fscheck: refused filesystem
  usage = 64,        // EX_USAGE
  no_input = 66,     // EX_NOINPUT: a named input does not exist
  unavailable = 69,  // EX_UNAVAILABLE: lock dir or file on a refused fs
  os_error = 71,     // EX_OSERR
  cant_create = 73,  // EX_CANTCREAT
  io_error = 74,     // EX_IOERR: write error on standard output
  temp_fail = 75,    // EX_TEMPFAIL: acquire conflict / timeout
  no_perm = 77,      // EX_NOPERM
  config = 78,       // EX_CONFIG
  not_executable = 126,
  not_found = 127,
};

struct Error {
  ExitCode code = ExitCode::os_error;
  std::string message;  // names the culprit: "cannot open '/tmp/x'"
  int sys_errno = 0;    // appended as strerror text when non-zero
  std::string remedy;   // appended after the errno text when non-empty

  // The whole line without the "ktstr APPLET: " prefix.
  [[nodiscard]] std::string describe() const;
};

template <class T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> fail(ExitCode code, std::string message, std::string remedy = {}) {
  return Unexpected(Error{code, std::move(message), 0, std::move(remedy)});
}

// Exit code for a failed syscall on a path the user named or the tool needs:
// EACCES/EPERM map to no_perm, ENOENT/ENOTDIR to no_input, anything else to
// `otherwise`.
ExitCode exit_code_for_errno(int err, ExitCode otherwise);

// `what` is the operation and culprit, e.g. "cannot open '/tmp/x'".
inline Error sys_error(std::string what, int err, ExitCode otherwise = ExitCode::os_error,
                       std::string remedy = {}) {
  return Error{exit_code_for_errno(err, otherwise), std::move(what), err, std::move(remedy)};
}

inline Unexpected<Error> fail_errno(std::string what, int err,
                                    ExitCode otherwise = ExitCode::os_error,
                                    std::string remedy = {}) {
  return Unexpected(sys_error(std::move(what), err, otherwise, std::move(remedy)));
}

// Single-quotes a path or value for a message, escaped as escape_untrusted()
// does (escape.hpp): no control character reaches the terminal.
std::string quote(std::string_view s);

}  // namespace ktstr
