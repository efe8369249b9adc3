#include "mountinfo.hpp"

#include <fmt/format.h>

#include "text.hpp"

namespace ktstr {

std::string unescape_mount_field(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      out += static_cast<char>(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) |
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> mounts;
  for (auto line : split_lines(text)) {
    // id parent major:minor root mount-point options [optional...] - type source super
    auto f = split_fields(line);
    if (f.size() < 10) continue;
    std::size_t dash = 6;
    while (dash < f.size() && f[dash] != "-")
      ++dash;
    if (dash + 2 >= f.size()) continue;
    auto colon = f[2].find(':');
    if (colon == std::string_view::npos) continue;
    auto major = parse_u64(f[2].substr(0, colon));
    auto minor = parse_u64(f[2].substr(colon + 1));
    if (!major || !minor || f[4].empty() || f[4][0] != '/') continue;
    mounts.push_back(MountEntry{static_cast<unsigned>(*major), static_cast<unsigned>(*minor),
                                unescape_mount_field(f[4]), unescape_mount_field(f[dash + 1]),
                                unescape_mount_field(f[dash + 2])});
  }
  return mounts;
}

const MountEntry* covering_mount(const std::vector<MountEntry>& mounts,
                                 std::string_view canonical_path) {
  const MountEntry* best = nullptr;
  for (const auto& m : mounts) {
    std::string_view mp = m.mount_point;
    bool covers = false;
    if (mp == "/") {
      covers = !canonical_path.empty() && canonical_path[0] == '/';
    } else if (canonical_path.starts_with(mp)) {
      covers = canonical_path.size() == mp.size() || canonical_path[mp.size()] == '/';
    }
    // ">=" so that a later, stacked mount on the same point wins.
    if (covers && (!best || mp.size() >= best->mount_point.size())) best = &m;
  }
  return best;
}

Result<std::vector<MountEntry>> read_mountinfo() {
  auto text = read_small_file("/proc/self/mountinfo");
  if (!text) return Unexpected(text.error());
  return parse_mountinfo(*text);
}

}  // namespace ktstr
