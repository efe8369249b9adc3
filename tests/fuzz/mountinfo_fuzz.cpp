// Fuzzes the mountinfo parser and the needle derivation it feeds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/mountinfo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto mounts = ktstr::parse_mountinfo(text);
  for (const auto& m : mounts) {
    // Every parsed mount point covers itself, and the covering mount of a path
    // below it is at least as long.
    const auto* self = ktstr::covering_mount(mounts, m.mount_point);
    if (self == nullptr || self->mount_point.size() < m.mount_point.size()) __builtin_trap();
    std::string below = m.mount_point == "/" ? "/x" : m.mount_point + "/x";
    const auto* deeper = ktstr::covering_mount(mounts, below);
    if (deeper == nullptr) __builtin_trap();
    auto key = ktstr::format_lock_key({m.major, m.minor, 42});
    auto back = ktstr::parse_lock_key(key);
    if (!back || back->major != m.major || back->minor != m.minor) __builtin_trap();
  }
  (void)ktstr::unescape_mount_field(text);
  return 0;
}
