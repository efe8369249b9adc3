// Man pages and shell completions, generated at build time from the same
// option tables and doc blocks that --help shows (cli.cpp), so no option is
// described in two places.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "applets/options.hpp"

namespace ktstr {

// What `ktstr` itself is, for `ktstr --help` and the NAME line of ktstr(1).
inline constexpr std::string_view k_ktstr_summary =
    "reserve and inspect the flock(2) locks of Linux scheduler test hosts";

// Options only the bare `ktstr` command has (besides the global ones,
// --help and --version): declared here once for cli.cpp and for ktstr(1).
struct TopLevelOptions {
  bool list = false;
};
void declare_top_level_options(OptionTable& table, TopLevelOptions& options);

// Writes generated documentation for `kind` to stdout and returns the exit
// code. Used by the build (`ktstr --generate KIND [ARGS]`):
//   man:ktstr, man:ktstr-APPLET   man(7) pages, section 1
//   man:ktstr.toml EXAMPLE        section 5, from the comments of EXAMPLE
//                                 (ktstr.toml.example); every config key
//                                 must be documented there, or it fails
//   bash, zsh, fish               completion scripts
//   llc-indices                   the host's LLC indices, one a line (called
//                                 by the completions at TAB time)
// Errors go to stderr: an unknown kind is a usage error (64), an unreadable
// or incomplete example 66 or 78, topology errors 71.
int generate_docs(const std::string& kind, const std::string& version,
                  const std::vector<std::string>& args);

}  // namespace ktstr
