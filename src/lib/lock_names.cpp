#include "lock_names.hpp"

#include <fmt/format.h>

#include "text.hpp"

namespace ktstr {

std::string llc_lock_path(const std::string& lock_dir, unsigned llc) {
  return fmt::format("{}/ktstr-llc-{}.lock", lock_dir, llc);
}

std::string cpu_lock_path(const std::string& lock_dir, unsigned cpu) {
  return fmt::format("{}/ktstr-cpu-{}.lock", lock_dir, cpu);
}

std::string cache_locks_dir(const std::string& cache_root) {
  return cache_root + "/.locks";
}

std::string cache_lock_path(const std::string& cache_root, std::string_view key) {
  return fmt::format("{}/.locks/{}.lock", cache_root, key);
}

Status validate_cache_key(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return fail(ExitCode::usage, fmt::format("bad cache key {}: {}", quote(key), why));
  };
  if (key.empty()) return bad("it is empty");
  if (key == "." || key == "..") return bad("it names a directory");
  if (key.find('/') != std::string_view::npos) return bad("it contains '/'");
  if (key.find('\\') != std::string_view::npos) return bad("it contains '\\'");
  if (key.find('\0') != std::string_view::npos) return bad("it contains a NUL byte");
  if (key.find("..") != std::string_view::npos) return bad("it contains '..'");
  if (key.starts_with(".tmp-")) return bad("'.tmp-' names are the cache's staging entries");
  return {};
}

std::optional<ParsedLockName> parse_lock_file_name(std::string_view name) {
  LockKind kind;
  if (name.starts_with("ktstr-llc-")) {
    kind = LockKind::llc;
  } else if (name.starts_with("ktstr-cpu-")) {
    kind = LockKind::cpu;
  } else {
    return std::nullopt;
  }
  if (!name.ends_with(".lock")) return std::nullopt;
  std::string_view digits = name.substr(10, name.size() - 10 - 5);
  // Only the canonical decimal spelling: "ktstr-cpu-01.lock" is some other
  // file, not CPU 1's lock.
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  auto n = parse_u64(digits);
  if (!n || *n > 0xFFFFFFFFu) return std::nullopt;
  return ParsedLockName{kind, static_cast<unsigned>(*n)};
}

std::optional<std::string_view> parse_cache_lock_name(std::string_view name) {
  if (!name.ends_with(".lock") || name.size() <= 5) return std::nullopt;
  std::string_view key = name.substr(0, name.size() - 5);
  if (!validate_cache_key(key)) return std::nullopt;
  return key;
}

}  // namespace ktstr
