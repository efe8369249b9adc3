// Fuzzes the TOML config loader: any input is a ConfigFile or an Error with
// the config exit code, never a crash or an escaping exception; the error is
// one printable line (whatever bytes the file held) that names the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "lib/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ktstr::parse_config(text, "fuzz.toml");
  if (parsed) return 0;
  if (parsed.error().code != ktstr::ExitCode::config) __builtin_trap();
  std::string line = parsed.error().describe();
  if (!line.starts_with("fuzz.toml")) __builtin_trap();
  if (!ktstr::fuzz::strict_utf8_length(line)) __builtin_trap();
  return 0;
}
