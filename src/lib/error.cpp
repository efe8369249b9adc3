#include "error.hpp"

#include <cerrno>
#include <cstring>

#include "escape.hpp"

namespace ktstr {

ExitCode exit_code_for_errno(int err, ExitCode otherwise) {
  switch (err) {
    case EACCES:
    case EPERM:
      return ExitCode::no_perm;
    case ENOENT:
    case ENOTDIR:
      return ExitCode::no_input;
    default:
      return otherwise;
  }
}

std::string Error::describe() const {
  std::string line = message;
  if (sys_errno != 0) {
    line += ": ";
    line += std::strerror(sys_errno);
  }
  if (!remedy.empty()) {
    line += "; ";
    line += remedy;
  }
  return line;
}

std::string quote(std::string_view s) {
  // A newline or escape sequence in a bad argument must not break the
  // one-line error or drive the terminal.
  return "'" + escape_untrusted(s) + "'";
}

}  // namespace ktstr
