// Fuzzes the mountinfo parser and the needle derivation it feeds: a parsed
// mount point covers itself and paths below it, and its device makes a
// /proc/locks key of lowercase hex (two digits at least) that parses back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/lock_key.hpp"
#include "lib/mountinfo.hpp"

namespace {

// "MAJ:MIN:42" with MAJ and MIN lowercase hex of two digits or more.
void check_key_text(std::string_view key) {
  std::size_t i = 0;
  for (int field = 0; field < 2; ++field) {
    std::size_t start = i;
    while (i < key.size() &&
           ((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f'))) {
      ++i;
    }
    if (i - start < 2 || i >= key.size() || key[i] != ':') __builtin_trap();
    ++i;
  }
  if (key.substr(i) != "42") __builtin_trap();
}

}  // namespace

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
    if (deeper == nullptr || deeper->mount_point.size() < m.mount_point.size()) __builtin_trap();
    auto key = ktstr::format_lock_key({m.major, m.minor, 42});
    check_key_text(key);
    auto back = ktstr::parse_lock_key(key);
    if (!back || back->major != m.major || back->minor != m.minor || back->inode != 42) {
      __builtin_trap();
    }
  }
  (void)ktstr::unescape_mount_field(text);
  return 0;
}
