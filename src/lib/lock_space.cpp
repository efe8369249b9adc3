#include "lock_space.hpp"

#include <fmt/format.h>
#include <filesystem>

#include "same_file.hpp"

namespace ktstr {

bool same_directory(const std::string& a, const std::string& b) {
  auto ia = identify_file(a);
  auto ib = identify_file(b);
  if (ia && ib) return *ia == *ib;
  // Not looked up (no search permission on the way): compare the words.
  namespace fs = std::filesystem;
  return fs::path(a).lexically_normal() == fs::path(b).lexically_normal();
}

std::optional<std::string> lock_space_note(const Settings& s) {
  if (same_directory(s.lock_dir, s.harness_lock_dir)) return std::nullopt;
  return fmt::format(
      "lock dir {} (from {}) is not {}, the one a Rust harness started from this environment "
      "uses; commands run by acquire get KTSTR_LOCK_DIR={}, anything else needs it exported",
      quote(s.lock_dir), s.lock_dir_from, quote(s.harness_lock_dir), quote(s.lock_dir));
}

}  // namespace ktstr
