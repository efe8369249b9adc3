// Man pages and shell completions, generated from the same option tables
// and doc blocks that --help shows.
#include "applets/docgen.hpp"

#include <fmt/format.h>

#include "applets/applet.hpp"

namespace ktstr {

int generate_docs(const std::string& kind, const std::string& version) {
  fmt::print(stderr, "ktstr: --generate {} is not available in ktstr {}\n", kind, version);
  return static_cast<int>(ExitCode::usage);
}

}  // namespace ktstr
