// Untrusted text made safe for a terminal (SPEC §3 trust rules): file names
// from a world-writable lock dir, cache keys, paths given on the command line.
// Every printer of human output and every error message (quote()) goes
// through escape_untrusted(); JSON has its own escaping (json_writer.hpp).
#pragma once

#include <string>
#include <string_view>

namespace ktstr {

// The escaped form, one line, printable, and reversible by eye:
//  - printable ASCII and well-formed UTF-8 from U+00A0 up pass unchanged;
//  - a backslash becomes "\\", so an escape in the output is never ambiguous;
//  - newline, tab and carriage return become "\n", "\t", "\r";
//  - every other C0 control, DEL, the C1 controls U+0080..U+009F (U+009B is
//    CSI to terminals that honour 8-bit controls) and each byte that is not
//    part of well-formed UTF-8 become "\xHH" per byte (ESC is "\x1b").
// Command lines of other processes have their own display form,
// format_cmdline() in holders.hpp, which also cuts them to a width.
std::string escape_untrusted(std::string_view text);

}  // namespace ktstr
