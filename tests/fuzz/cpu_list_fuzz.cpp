// Fuzzes the CPU-list and duration parsers: round trips must be exact.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/cpu_list.hpp"
#include "lib/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cpus = ktstr::parse_cpu_list(text)) {
    auto again = ktstr::parse_cpu_list(ktstr::format_cpu_list(*cpus));
    if (!again || *again != *cpus) __builtin_trap();
  }
  if (auto d = ktstr::parse_duration(text)) {
    auto again = ktstr::parse_duration(ktstr::format_duration(*d));
    if (!again) __builtin_trap();
    // Formatting may round sub-microsecond remainders; forever stays forever.
    if (again->is_forever() != d->is_forever()) __builtin_trap();
  }
  return 0;
}
