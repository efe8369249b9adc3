#include "duration.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

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
  // from_chars would also take "1e3", "inf" and a sign; the grammar is digits
  // with at most one dot, so check that first.
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return bad();
  double value = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || p != number.data() + number.size()) return bad();

  double scale = 0;  // nanoseconds per unit
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else {
    return bad();
  }
  double ns = value * scale;
  // Anything past ~292 years does not fit in nanoseconds; call it forever.
  if (!std::isfinite(ns) || ns >= 9.2e18) return Duration::forever();
  return Duration::of(std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns))));
}

std::string format_duration(const Duration& d) {
  if (d.is_forever()) return "inf";
  auto ns = d.limit->count();
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  // Fixed notation: "{}" could print 1e-05, which the grammar rejects.
  std::string text = fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
  while (text.back() == '0') text.pop_back();
  return text + "s";
}

}  // namespace ktstr
