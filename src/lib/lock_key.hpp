// The key /proc/locks names a file by: "major:minor:inode" of the superblock
// device, which is not always stat()'s st_dev (see needle.hpp).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ktstr {

struct LockKey {
  unsigned major = 0;
  unsigned minor = 0;
  std::uint64_t inode = 0;
  bool operator==(const LockKey&) const = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads defaulted <=>
  auto operator<=>(const LockKey&) const = default;
};

// "{major:02x}:{minor:02x}:{inode}", as fs/locks.c prints it.
std::string format_lock_key(const LockKey& key);
std::optional<LockKey> parse_lock_key(std::string_view text);

}  // namespace ktstr
