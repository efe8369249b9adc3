// Who holds, and who waits for, the flock on a file.
//
// /proc/locks alone misleads in two ways, both handled here:
//  - btrfs subvolumes share one superblock device, so two different files can
//    print the same MAJOR:MINOR:INODE; and a recorded pid may have been
//    reused by a process that merely has the file open. A candidate pid is
//    named only when an fd in /proc/PID/fd stat()s to the file's own
//    (st_dev, st_ino) and its /proc/PID/fdinfo carries the matching "lock:"
//    line (same key, pid and mode), never for an open fd alone.
//  - The pid is whoever called flock(); the lock belongs to the open file
//    description, which outlives that process when it was inherited or passed
//    (`exec 9>F; flock 9`). When the recorded pid no longer has the file, every
//    process's fdinfo is searched for the lock and the live owners reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lock_mode.hpp"
#include "needle.hpp"
#include "proc_locks.hpp"

namespace ktstr {

struct Holder {
  std::int64_t pid = 0;
  LockMode mode = LockMode::exclusive;
  bool waiter = false;
  // False when /proc/PID/fd could not be read (another user's process without
  // the privilege to look): shown, but marked unconfirmed.
  bool confirmed = true;
  std::string cmdline;
};

inline constexpr std::size_t k_cmdline_max_chars = 100;
inline constexpr std::string_view k_cmdline_unavailable = "<cmdline unavailable>";

// /proc/PID/cmdline bytes -> one display line: NULs become spaces, trailing
// NULs go, control characters become '?', and past 100 characters (UTF-8 code
// points, never cut inside one) the rest becomes "…". Empty input (kernel
// threads, zombies) gives "<cmdline unavailable>".
std::string format_cmdline(std::string_view raw);

// The "lock:" lines of a /proc/PID/fdinfo/FD file, as LockRecords.
std::vector<LockRecord> parse_fdinfo_locks(std::string_view text);

// Resolves /proc/locks records to live holders. Caches per pid what it reads
// from /proc, so resolving many lock files costs one /proc/PID/fd listing and
// one cmdline read per distinct pid.
class HolderResolver {
 public:
  explicit HolderResolver(std::string proc_root = "/proc");

  // Holders (then waiters) of `target`, given every /proc/locks record.
  std::vector<Holder> resolve(const Needle& target, const std::vector<LockRecord>& records);

  // Every live process with a descriptor of `target` whose fdinfo carries a
  // granted flock on it, found without /proc/locks: each fd's "lock:" lines
  // come from the file's own lock list (fs/locks.c show_fd_locks), one
  // consistent read. Costs a listing of every /proc/PID/fd (cached).
  std::vector<Holder> holders_by_fdinfo(const Needle& target);

  // Same, when the caller already grouped the records by key.
  std::vector<Holder> resolve_records(const Needle& target,
                                      const std::vector<const LockRecord*>& for_key);

 private:
  struct OpenFile {
    FileId id;
    int fd;
  };
  struct ProcFds {
    enum class State { gone, unreadable, listed } state = State::gone;
    std::vector<OpenFile> files;
  };

  const ProcFds& fds_of(std::int64_t pid);
  const std::string& cmdline_of(std::int64_t pid);
  // Whether /proc/PID/fdinfo/FD carries the lock `record` describes.
  bool fd_has_lock(std::int64_t pid, int fd, const LockKey& key, const LockRecord& record);
  const std::vector<std::int64_t>& all_pids();
  void add_orphan_owners(const Needle& target, const LockRecord& rec, std::vector<Holder>& out);

  std::string proc_root_;
  std::unordered_map<std::int64_t, ProcFds> fds_;
  std::unordered_map<std::int64_t, std::string> cmdlines_;
  std::optional<std::vector<std::int64_t>> all_pids_;
};

}  // namespace ktstr
