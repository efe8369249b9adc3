#include "cpu_list.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "text.hpp"

namespace ktstr {

namespace {
// Far above any real CPU count (the kernel's NR_CPUS tops out at 8192), low
// enough that "0-4000000000" cannot make us allocate gigabytes.
constexpr unsigned k_max_cpu = 1u << 16;

// `noun` names the items in messages: "cpu", "LLC".
Result<std::vector<unsigned>> parse_list(std::string_view text, std::string_view noun) {
  auto bad = [&](std::string_view why) {
    return fail(ExitCode::usage, fmt::format("bad {} list {}: {}", noun, quote(text), why),
                "use e.g. 3, 0-3,8 or 0-15:2");
  };
  std::vector<unsigned> cpus;
  std::string_view rest = trim(text);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (comma != std::string_view::npos && rest.empty()) return bad("trailing comma");
    // taskset(1)'s stride: "0-15:2" is every other CPU of 0-15.
    auto colon = item.find(':');
    std::optional<std::uint64_t> stride = 1;
    if (colon != std::string_view::npos) {
      stride = parse_u64(item.substr(colon + 1));
      item = item.substr(0, colon);
      if (!stride || *stride == 0 || item.find('-') == std::string_view::npos) {
        return bad(fmt::format("{} is not a range with a stride", quote(item)));
      }
    }
    auto dash = item.find('-');
    auto first = parse_u64(item.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parse_u64(item.substr(dash + 1));
    if (!first || !last) return bad(fmt::format("{} is not a number or range", quote(item)));
    if (*first > *last) return bad(fmt::format("range {} runs backwards", quote(item)));
    if (*last >= k_max_cpu) return bad(fmt::format("{} {} is out of range", noun, *last));
    for (auto c = *first; c <= *last; c += *stride)
      cpus.push_back(static_cast<unsigned>(c));
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}
}  // namespace

Result<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
  return parse_list(text, "cpu");
}

Result<std::vector<unsigned>> parse_llc_list(std::string_view text) {
  return parse_list(text, "LLC");
}

std::string format_cpu_list(const std::vector<unsigned>& cpus) {
  std::string out;
  std::size_t i = 0;
  while (i < cpus.size()) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
      ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace ktstr
