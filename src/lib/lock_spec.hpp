// One lock of a request, as data: what it protects (kind and number or key),
// the file that carries it and the mode. Planning yields these; the lock set
// orders and takes them without ever parsing a path back into a kind.
#pragma once

#include <string>

#include "lock_mode.hpp"

namespace ktstr {

// The lock kinds of SPEC §3, in canonical order: every request's locks are
// taken LLCs first, then CPUs, then the rest. Any fixed total order would
// do, since nothing waits while holding part of a set; a stable one keeps
// /proc/locks and traces readable.
enum class LockKind { llc, cpu, cache, source, run, path };

struct LockSpec {
  std::string path;
  LockMode mode = LockMode::exclusive;
  LockKind kind = LockKind::path;
  unsigned number = 0;  // LLC index or CPU number; 0 for the other kinds
};

// Kind, then number, then path.
inline bool canonical_less(const LockSpec& a, const LockSpec& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  if (a.number != b.number) return a.number < b.number;
  return a.path < b.path;
}

}  // namespace ktstr
