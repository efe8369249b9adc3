// The duration grammar of SPEC §2, shared by flags and the config file:
// "250ms", "1.5s", "30s", "5m", "1h", a bare number of seconds ("0.5"),
// "0" for a single non-blocking attempt, "inf"/"forever" for no limit.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "error.hpp"

namespace ktstr {

struct Duration {
  // nullopt means no limit.
  std::optional<std::chrono::nanoseconds> limit;

  static Duration forever() { return Duration{}; }
  static Duration of(std::chrono::nanoseconds d) { return Duration{d}; }
  [[nodiscard]] bool is_forever() const { return !limit.has_value(); }
  bool operator==(const Duration&) const = default;
};

// Errors: ExitCode::usage naming the text; callers add where it came from.
Result<Duration> parse_duration(std::string_view text);

// "250ms", "1.5s", "inf": round-trips through parse_duration.
std::string format_duration(const Duration& d);

}  // namespace ktstr
