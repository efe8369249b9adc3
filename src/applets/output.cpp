#include "applets/output.hpp"

#include <fmt/format.h>
#include <cerrno>
#include <cstdio>

namespace ktstr {

namespace {

Error write_error(int err) {
  // stdio's error flag can outlive the errno of the write that set it.
  return Error{ExitCode::io_error, "write error", err != 0 ? err : EIO, ""};
}

}  // namespace

Status write_stdout(std::string_view text) {
  if (text.empty()) return {};
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    return Unexpected(write_error(errno));
  }
  return {};
}

Status flush_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) return Unexpected(write_error(errno));
  return {};
}

int flush_stdout_or_report(std::string_view who, int code) {
  auto st = flush_stdout();
  if (st || code >= static_cast<int>(ExitCode::usage)) return code;
  fmt::print(stderr, "{}: {}\n", who, st.error().describe());
  return static_cast<int>(ExitCode::io_error);
}

}  // namespace ktstr
