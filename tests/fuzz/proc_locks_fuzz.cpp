// Fuzzes the /proc/locks scanner and the fdinfo "lock:" line reader: every
// key either finds formats as MAJ:MIN:INODE text that parses back to it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/holders.hpp"
#include "lib/proc_locks.hpp"

namespace {

void check_round_trip(const ktstr::LockKey& key) {
  std::string text = ktstr::format_lock_key(key);
  auto back = ktstr::parse_lock_key(text);
  if (!back || *back != key) __builtin_trap();
  if (ktstr::format_lock_key(*back) != text) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& r : ktstr::parse_proc_locks(text))
    check_round_trip(r.key);
  for (const auto& r : ktstr::parse_fdinfo_locks(text))
    check_round_trip(r.key);
  return 0;
}
