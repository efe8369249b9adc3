// The names of ktstr's lock files (SPEC §3), shared with the Rust harness:
//   {lock_dir}/ktstr-llc-{N}.lock       N = LLC position (Topology::llcs)
//   {lock_dir}/ktstr-cpu-{C}.lock       C = CPU number
//   {cache_root}/.locks/{KEY}.lock      a cache entry
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "error.hpp"
#include "lock_spec.hpp"

namespace ktstr {

std::string llc_lock_path(const std::string& lock_dir, unsigned llc);
std::string cpu_lock_path(const std::string& lock_dir, unsigned cpu);
std::string cache_locks_dir(const std::string& cache_root);
std::string cache_lock_path(const std::string& cache_root, std::string_view key);

// SPEC §3: a cache key is 1-200 bytes of printable characters (well-formed
// UTF-8, no control characters), without '/', '\\' or ':' (':' separates
// KTSTR_LOCKS), not starting with '.' (hidden files, the cache's ".tmp-"
// staging names, "." and "..").
// Errors: ExitCode::usage naming the key (cut short) and the rule it breaks.
Status validate_cache_key(std::string_view key);

struct ParsedLockName {
  LockKind kind;
  unsigned number;
};

// "ktstr-cpu-12.lock" -> {cpu, 12}; anything else (ktstr-llc-oops.lock,
// ktstr-cpu-01.lock, ktstr-cpu-.lock) -> nullopt, so listings ignore it.
std::optional<ParsedLockName> parse_lock_file_name(std::string_view name);

// "key.lock" -> "key"; nullopt for names that are not a valid key + ".lock".
std::optional<std::string_view> parse_cache_lock_name(std::string_view name);

}  // namespace ktstr
