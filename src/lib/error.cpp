#include "error.hpp"

#include <cerrno>
#include <cstring>

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
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    // A newline or escape sequence in a bad argument must not break the
    // one-line error or drive the terminal.
    if (u < 0x20 || u == 0x7F) {
      static constexpr char k_hex[] = "0123456789abcdef";
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else {
        out += "\\x";
        out += k_hex[u >> 4];
        out += k_hex[u & 0xF];
      }
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace ktstr
