#include "proc_locks.hpp"

#include <charconv>

#include "text.hpp"

namespace ktstr {

std::vector<LockRecord> parse_proc_locks(std::string_view text) {
  std::vector<LockRecord> records;
  for (auto line : split_lines(text)) {
    auto f = split_fields(line);
    // "N:" [->] FLOCK ADVISORY MODE PID KEY START END
    std::size_t i = 0;
    if (f.size() < 6 || !f[0].ends_with(':')) continue;
    ++i;
    bool waiter = false;
    if (f[i] == "->") {
      waiter = true;
      ++i;
    }
    if (i + 4 >= f.size() || f[i] != "FLOCK") continue;
    std::string_view mode = f[i + 2];
    LockRecord rec;
    rec.waiter = waiter;
    if (mode == "WRITE") {
      rec.mode = LockMode::exclusive;
    } else if (mode == "READ") {
      rec.mode = LockMode::shared;
    } else {
      continue;  // UNLCK: a lock being torn down holds nothing
    }
    std::string_view pid = f[i + 3];
    auto [p, ec] = std::from_chars(pid.data(), pid.data() + pid.size(), rec.pid);
    if (ec != std::errc() || p != pid.data() + pid.size()) continue;
    auto key = parse_lock_key(f[i + 4]);
    if (!key) continue;
    rec.key = *key;
    records.push_back(rec);
  }
  return records;
}

Result<std::vector<LockRecord>> read_proc_locks() {
  auto text = read_small_file("/proc/locks");
  if (!text) return Unexpected(text.error());
  return parse_proc_locks(*text);
}

}  // namespace ktstr
