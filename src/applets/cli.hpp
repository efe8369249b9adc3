#pragma once

namespace ktstr {

// Dispatches on argv[0] (multi-call) or the first argument, parses options,
// runs the applet and turns its result into an exit code (SPEC §5). The only
// place errors become stderr lines and exit codes, and the only translation
// unit that includes CLI11.
int cli_main(int argc, char** argv);

}  // namespace ktstr
