#pragma once

#include <string_view>

#include "applets/options.hpp"

namespace ktstr {

// What `ktstr` itself is, for `ktstr --help` and the NAME line of ktstr(1).
inline constexpr std::string_view k_ktstr_summary =
    "reserve and inspect the flock(2) locks of Linux scheduler test hosts";

// Options only the bare `ktstr` command has (besides the global ones,
// --help and --version): declared once for the parser and for ktstr(1).
struct TopLevelOptions {
  bool list = false;
};
void declare_top_level_options(OptionTable& table);

// Dispatches on argv[0] (multi-call) or the first argument, parses options,
// runs the applet and turns its result into an exit code (SPEC §5). The only
// place errors become stderr lines and exit codes, and the only translation
// unit that includes CLI11.
int cli_main(int argc, char** argv);

}  // namespace ktstr
