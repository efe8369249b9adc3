// Fuzzes the TOML config loader: any input is a ConfigFile or an Error with
// the config exit code, never a crash or an escaping exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ktstr::parse_config(text, "fuzz.toml");
  if (!parsed && parsed.error().code != ktstr::ExitCode::config) __builtin_trap();
  return 0;
}
