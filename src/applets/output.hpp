// Checked writes to standard output (SPEC §3): every write is checked, the
// final flush too, and a failure (a full disk, a closed pipe with SIGPIPE
// ignored) is an Error "write error: REASON" with exit code 74 (io_error),
// never a silent success or an exception. Applets print through these only.
#pragma once

#include <string_view>

#include "lib/error.hpp"

namespace ktstr {

// Appends `text` to stdout's buffer, writing out what fills it.
// Errors: io_error with the errno of the failed write(2).
Status write_stdout(std::string_view text);

// Writes out what stdout still buffers. Errors: io_error, also for a write
// that failed earlier (stdio's error flag).
Status flush_stdout();

// The exit code after flushing stdout: `code` when the flush succeeds or
// `code` already is an error (>= 64, reported already); otherwise the write
// error is printed as "WHO: write error: REASON" and 74 is returned.
int flush_stdout_or_report(std::string_view who, int code);

}  // namespace ktstr
