#include "duration.hpp"

#include <fmt/format.h>
#include <cstdint>
#include <limits>

namespace ktstr {

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&] {
    return fail(ExitCode::usage, "bad duration " + quote(text),
                "use e.g. 250ms, 1.5s, 30s, 5m, 1h, 0 or inf");
  };
  if (text == "inf" || text == "forever") return Duration::forever();
  std::size_t unit_at = text.find_first_not_of("0123456789.");
  std::string_view number = text.substr(0, unit_at);
  std::string_view unit = unit_at == std::string_view::npos ? "" : text.substr(unit_at);
  auto dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad();
  if (frac.find('.') != std::string_view::npos) return bad();

  std::uint64_t unit_ns = 0;
  if (unit.empty() || unit == "s") {
    unit_ns = 1'000'000'000;
  } else if (unit == "ms") {
    unit_ns = 1'000'000;
  } else if (unit == "m") {
    unit_ns = 60'000'000'000;
  } else if (unit == "h") {
    unit_ns = 3'600'000'000'000;
  } else {
    return bad();
  }
  // Integer arithmetic, exact to the nanosecond: no floating point (and so
  // no libm, which std::from_chars<double> would pull into the binary).
  constexpr unsigned __int128 k_forever = std::numeric_limits<std::int64_t>::max();
  unsigned __int128 ns = 0;
  for (char c : whole) {
    ns = ns * 10 + static_cast<unsigned>(c - '0');
    if (ns > k_forever) return Duration::forever();
  }
  ns *= unit_ns;
  // Digits past the 18th are below a nanosecond for every unit.
  frac = frac.substr(0, 18);
  unsigned __int128 frac_value = 0, frac_scale = 1;
  for (char c : frac) {
    frac_value = frac_value * 10 + static_cast<unsigned>(c - '0');
    frac_scale *= 10;
  }
  ns += (frac_value * unit_ns * 2 + frac_scale) / (frac_scale * 2);  // round half up
  if (ns >= k_forever) return Duration::forever();
  return Duration::of(std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
}

std::string format_duration(const Duration& d) {
  if (d.is_forever()) return "inf";
  auto ns = d.limit->count();
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  // Fixed notation: "{}" could print 1e-05, which the grammar rejects.
  std::string text = fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
  while (text.back() == '0')
    text.pop_back();
  return text + "s";
}

}  // namespace ktstr
