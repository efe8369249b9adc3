#include "lock_names.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>

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

std::string source_lock_name(std::string_view real_path) {
  // zlib's crc32 takes a uInt length: feed long paths in pieces.
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const auto* bytes = reinterpret_cast<const Bytef*>(real_path.data());
  std::size_t left = real_path.size();
  while (left > 0) {
    auto n = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    crc = ::crc32(crc, bytes, n);
    bytes += n;
    left -= n;
  }
  return fmt::format("source-{:08x}.lock", static_cast<std::uint32_t>(crc));
}

Result<std::string> source_lock_path(const std::string& cache_root, const std::string& dir) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(dir.c_str(), nullptr), &std::free);
  if (!real) {
    int err = errno;
    if (err == ENOENT) {
      return fail(ExitCode::no_input, fmt::format("source tree {} does not exist", quote(dir)),
                  "give the directory of a kernel source tree");
    }
    if (err == ENOTDIR) {
      return fail(ExitCode::usage, fmt::format("source tree {} is not a directory", quote(dir)),
                  "give the directory of a kernel source tree");
    }
    return fail_errno("cannot resolve source tree " + quote(dir), err);
  }
  struct stat st {};
  if (::stat(real.get(), &st) != 0) return fail_errno("cannot stat " + quote(real.get()), errno);
  if (!S_ISDIR(st.st_mode)) {
    return fail(ExitCode::usage, fmt::format("source tree {} is not a directory", quote(dir)),
                "give the directory of a kernel source tree");
  }
  return fmt::format("{}/.locks/{}", cache_root, source_lock_name(real.get()));
}

std::string run_locks_dir(const std::string& runs_root) {
  return runs_root + "/.locks";
}

Result<std::string> run_lock_path(const std::string& runs_root, std::string_view key) {
  if (auto st = validate_cache_key(key); !st) {
    Error e = st.error();
    if (auto at = e.message.find("cache key"); at != std::string::npos) {
      e.message.replace(at, 9, "run key");
    }
    return Unexpected(e);
  }
  return fmt::format("{}/.locks/{}.lock", runs_root, key);
}

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

namespace ktstr {

bool is_source_lock_key(std::string_view key) {
  constexpr std::string_view prefix = "source-";
  if (key.size() != prefix.size() + 8 || !key.starts_with(prefix)) return false;
  for (char c : key.substr(prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<std::string_view> parse_run_lock_name(std::string_view name) {
  return parse_cache_lock_name(name);
}

}  // namespace ktstr
