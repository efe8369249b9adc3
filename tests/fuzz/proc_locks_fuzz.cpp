// Fuzzes the /proc/locks scanner and the fdinfo "lock:" line reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/holders.hpp"
#include "lib/proc_locks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& r : ktstr::parse_proc_locks(text)) {
    auto key = ktstr::parse_lock_key(ktstr::format_lock_key(r.key));
    if (!key || *key != r.key) __builtin_trap();
  }
  (void)ktstr::parse_fdinfo_locks(text);
  return 0;
}
