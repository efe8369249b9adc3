#include "lock_key.hpp"

#include <fmt/format.h>

#include "text.hpp"

namespace ktstr {

std::string format_lock_key(const LockKey& key) {
  return fmt::format("{:02x}:{:02x}:{}", key.major, key.minor, key.inode);
}

std::optional<LockKey> parse_lock_key(std::string_view text) {
  auto c1 = text.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  auto c2 = text.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  auto major = parse_u64(text.substr(0, c1), 16);
  auto minor = parse_u64(text.substr(c1 + 1, c2 - c1 - 1), 16);
  auto inode = parse_u64(text.substr(c2 + 1));
  if (!major || !minor || !inode) return std::nullopt;
  return LockKey{static_cast<unsigned>(*major), static_cast<unsigned>(*minor), *inode};
}

}  // namespace ktstr
