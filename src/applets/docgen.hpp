#pragma once

#include <string>

namespace ktstr {

// Writes generated documentation for `kind` to stdout: "man:NAME" (ktstr,
// ktstr-APPLET or ktstr.toml), "bash", "zsh" or "fish". Used by the build.
// Returns the exit code.
int generate_docs(const std::string& kind, const std::string& version);

}  // namespace ktstr
