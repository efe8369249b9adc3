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

namespace {

constexpr std::size_t k_max_key_bytes = 200;
// How much of a bad key a message shows.
constexpr std::size_t k_shown_key_bytes = 60;

// A control character (C0, DEL, or C1 as UTF-8) or bytes that are not UTF-8:
// the byte offset of the first, if any.
std::optional<std::size_t> first_unprintable(std::string_view key) {
  for (std::size_t i = 0; i < key.size();) {
    auto c = static_cast<unsigned char>(key[i]);
    std::size_t n = utf8_sequence_length(key, i);
    if (n == 0 || c < 0x20 || c == 0x7F) return i;
    // U+0080..U+009F: 0xC2 0x80..0x9F.
    if (c == 0xC2 && static_cast<unsigned char>(key[i + 1]) < 0xA0) return i;
    i += n;
  }
  return std::nullopt;
}

}  // namespace

Status validate_cache_key(std::string_view key) {
  auto bad = [&](std::string_view why) {
    std::string shown(key.substr(0, k_shown_key_bytes));
    return fail(ExitCode::usage,
                fmt::format("bad cache key {}{}: {}", quote(shown),
                            key.size() > shown.size() ? "..." : "", why),
                "a key is 1-200 printable bytes, without '/', '\\' or ':', not starting with '.'");
  };
  if (key.empty()) return bad("it is empty");
  if (key.size() > k_max_key_bytes) return bad(fmt::format("it is {} bytes long", key.size()));
  if (key == "." || key == "..") return bad("it names a directory");
  if (key.starts_with('.')) return bad("it starts with '.'");
  if (key.find('/') != std::string_view::npos) return bad("it contains '/'");
  if (key.find('\\') != std::string_view::npos) return bad("it contains '\\'");
  if (key.find(':') != std::string_view::npos) return bad("it contains ':'");
  if (key.find('\0') != std::string_view::npos) return bad("it contains a NUL byte");
  if (first_unprintable(key)) return bad("it contains a control character or a non-UTF-8 byte");
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
