#include "duration.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cstdint>
#include <limits>

namespace ktstr {

namespace {

using Nanos = unsigned __int128;
constexpr Nanos k_forever = std::numeric_limits<std::int64_t>::max();

// Nanoseconds in one `unit`; 0 for an unknown unit.
std::uint64_t unit_nanos(std::string_view unit) {
  if (unit == "us") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s" || unit.empty()) return 1'000'000'000;
  if (unit == "m" || unit == "min") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  if (unit == "d") return 86'400'000'000'000;
  return 0;
}

struct Component {
  Nanos ns = 0;
  bool unitless = false;
};

// One "1.5s" component at the front of `text`, consumed. Integer arithmetic,
// exact to the nanosecond: no floating point (and so no libm, which
// std::from_chars<double> would pull into the binary). nullopt: malformed.
std::optional<Component> take_component(std::string_view& text) {
  std::size_t unit_at = std::min(text.find_first_not_of("0123456789."), text.size());
  std::size_t unit_end = std::min(text.find_first_of("0123456789.", unit_at), text.size());
  std::string_view number = text.substr(0, unit_at);
  std::string_view unit = text.substr(unit_at, unit_end - unit_at);
  text.remove_prefix(unit_end);
  auto dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  std::uint64_t per_unit = unit_nanos(unit);
  if ((whole.empty() && frac.empty()) || frac.find('.') != std::string_view::npos ||
      per_unit == 0) {
    return std::nullopt;
  }
  Nanos ns = 0;
  for (char c : whole) {
    ns = ns * 10 + static_cast<unsigned>(c - '0');
    if (ns > k_forever) return Component{k_forever, unit.empty()};
  }
  ns *= per_unit;
  // Digits past the 18th are below a nanosecond for every unit.
  frac = frac.substr(0, 18);
  Nanos frac_value = 0, frac_scale = 1;
  for (char c : frac) {
    frac_value = frac_value * 10 + static_cast<unsigned>(c - '0');
    frac_scale *= 10;
  }
  ns += (frac_value * per_unit * 2 + frac_scale) / (frac_scale * 2);  // round half up
  return Component{ns, unit.empty()};
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&] {
    return fail(ExitCode::usage, "bad duration " + quote(text),
                "use e.g. 250ms, 1.5s, 30s, 5m, 1h30m, 2d, 0 or inf");
  };
  if (text == "inf" || text == "forever") return Duration::forever();
  std::string_view rest = text;
  Nanos ns = 0;
  int components = 0;
  bool unitless = false;
  do {
    auto part = take_component(rest);
    if (!part) return bad();
    ns += part->ns;
    ++components;
    unitless = unitless || part->unitless;
  } while (!rest.empty());
  // A bare number is seconds only on its own: "1h30" is a typo, not 1h30s.
  if (unitless && components > 1) return bad();
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
