// Fuzzes the CPU-list and duration parsers and their formatters. Whatever
// parses, formatted, is canonical text (ascending, runs collapsed: checked
// here by a scanner of its own), parses back to the same value, and formats
// to the same text again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/cpu_list.hpp"
#include "lib/duration.hpp"

namespace {

// Reads a decimal number at text[i] (at least one digit, no leading zero
// unless it is "0"); traps when there is none.
unsigned long long number_at(std::string_view text, std::size_t& i) {
  std::size_t start = i;
  unsigned long long n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    n = n * 10 + static_cast<unsigned>(text[i] - '0');
    if (n > 0xFFFFFFFFULL) __builtin_trap();
    ++i;
  }
  if (i == start || (i - start > 1 && text[start] == '0')) __builtin_trap();
  return n;
}

// `text` is canonical: "A" or "A-B" items, comma-separated, A < B, each item
// starting at least 2 above the previous one's end (else it would have been
// merged); returns the CPUs it lists.
std::vector<unsigned> check_canonical(std::string_view text) {
  std::vector<unsigned> cpus;
  std::size_t i = 0;
  bool first = true;
  unsigned long long prev_end = 0;
  while (i < text.size() || first) {
    if (!first) {
      if (text[i] != ',') __builtin_trap();
      ++i;
    }
    auto lo = number_at(text, i);
    auto hi = lo;
    if (i < text.size() && text[i] == '-') {
      ++i;
      hi = number_at(text, i);
      if (hi <= lo) __builtin_trap();
    }
    if (!first && lo < prev_end + 2) __builtin_trap();
    for (auto c = lo; c <= hi; ++c)
      cpus.push_back(static_cast<unsigned>(c));
    prev_end = hi;
    first = false;
  }
  return cpus;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cpus = ktstr::parse_cpu_list(text); cpus && !cpus->empty() && cpus->size() < 100000) {
    std::string formatted = ktstr::format_cpu_list(*cpus);
    if (check_canonical(formatted) != *cpus) __builtin_trap();
    auto again = ktstr::parse_cpu_list(formatted);
    if (!again || *again != *cpus) __builtin_trap();
    if (ktstr::format_cpu_list(*again) != formatted) __builtin_trap();
  }
  if (auto d = ktstr::parse_duration(text)) {
    std::string formatted = ktstr::format_duration(*d);
    auto again = ktstr::parse_duration(formatted);
    if (!again) __builtin_trap();
    if (again->is_forever() != d->is_forever()) __builtin_trap();
    // Nanosecond formatting is exact: the same duration, the same text.
    if (!d->is_forever() && *again->limit != *d->limit) __builtin_trap();
    if (ktstr::format_duration(*again) != formatted) __builtin_trap();
  }
  return 0;
}
