// The /proc/locks scanner. Only FLOCK records matter to ktstr; POSIX, OFDLCK,
// LEASE and ACCESS records share the file and are skipped.
//
// Line shapes (fs/locks.c lock_get_status, locks_show):
//   "1: FLOCK  ADVISORY  WRITE 1234 00:2f:5 0 EOF"      a granted lock
//   "1: -> FLOCK  ADVISORY  WRITE 1235 00:2f:5 0 EOF"   a process blocked on it
// READ is LOCK_SH, WRITE is LOCK_EX. The pid is the process that called
// flock(); it may have exited while the open file description lives on.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "lock_key.hpp"
#include "lock_mode.hpp"

namespace ktstr {

struct LockRecord {
  LockKey key;
  std::int64_t pid = 0;  // 0 when the holder is outside our pid namespace
  LockMode mode = LockMode::exclusive;
  bool waiter = false;  // a "->" line: blocked, not holding
};

// One pass over the text; malformed and non-FLOCK lines are skipped. Records
// keep their order of appearance.
std::vector<LockRecord> parse_proc_locks(std::string_view text);

// Thin reader: /proc/locks.
Result<std::vector<LockRecord>> read_proc_locks();

}  // namespace ktstr
