// The names of ktstr's lock files (SPEC §3), shared with the Rust harness:
//   {lock_dir}/ktstr-llc-{N}.lock       N = LLC position (Topology::llcs)
//   {lock_dir}/ktstr-cpu-{C}.lock       C = CPU number
//   {cache_root}/.locks/{KEY}.lock      a cache entry
//   {cache_root}/.locks/source-{H}.lock a kernel source tree (H: CRC-32 of
//                                       its realpath, 8 lowercase hex digits)
//   {runs_root}/.locks/{KEY}.lock       a run directory ({kernel}-{commit})
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

// "source-XXXXXXXX.lock": zlib's crc32 (IEEE 802.3) of the bytes of
// `real_path`, 8 lowercase hex digits, as the Rust harness names the lock of a
// kernel source tree (src/cli/kernel_build, canonical_path_hash). The caller
// resolves the path; source_lock_path does both.
std::string source_lock_name(std::string_view real_path);

// {cache_root}/.locks/source-XXXXXXXX.lock for the directory `dir`, after
// realpath(). Errors: no_input when it does not exist, usage when it (or a
// component of it) is not a directory, no_perm, os_error otherwise.
Result<std::string> source_lock_path(const std::string& cache_root, const std::string& dir);

// {runs_root}/.locks
std::string run_locks_dir(const std::string& runs_root);
// {runs_root}/.locks/{KEY}.lock; KEY follows the cache-key rules.
// Errors: ExitCode::usage naming the key, as validate_cache_key.
Result<std::string> run_lock_path(const std::string& runs_root, std::string_view key);

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
// Source-tree locks ("source-9990a221.lock") parse too: they share the
// cache's .locks/ directory, and the harness lists them among cache entries.
std::optional<std::string_view> parse_cache_lock_name(std::string_view name);

// Whether a key from parse_cache_lock_name is a source-tree lock's:
// "source-" and exactly 8 lowercase hex digits.
bool is_source_lock_key(std::string_view key);

// "{kernel}-{commit}.lock" in {runs_root}/.locks -> the run key; the same
// rules as cache keys.
std::optional<std::string_view> parse_run_lock_name(std::string_view name);

}  // namespace ktstr
