#include "holders.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <csignal>

#include "text.hpp"
#include "unique_fd.hpp"

namespace ktstr {

std::string format_cmdline(std::string_view raw) {
  while (!raw.empty() && raw.back() == '\0')
    raw.remove_suffix(1);
  if (raw.empty()) return std::string(k_cmdline_unavailable);
  std::string out;
  out.reserve(std::min(raw.size(), k_cmdline_max_chars * 4) + 3);
  std::size_t chars = 0;
  std::size_t i = 0;
  while (i < raw.size()) {
    auto c = static_cast<unsigned char>(raw[i]);
    // A byte that does not start a well-formed UTF-8 sequence counts as one
    // character and prints as '?'.
    std::size_t len = utf8_sequence_length(raw, i);
    bool valid = len > 0;
    if (!valid) len = 1;
    if (chars == k_cmdline_max_chars) {
      out += "…";
      return out;
    }
    // U+0080..U+009F (0xC2 0x80..0x9F) are the C1 controls; U+009B is CSI
    // to terminals that honour 8-bit controls, so they go like C0 ones.
    bool c1_control =
        valid && len == 2 && c == 0xC2 && static_cast<unsigned char>(raw[i + 1]) < 0xA0;
    if (!valid || c1_control) {
      out += '?';
      i += c1_control ? 2 : 1;
    } else if (len == 1) {
      if (c == '\0') {
        out += ' ';
      } else if (c < 0x20 || c == 0x7F) {
        out += '?';  // no terminal control sequences from another user's argv
      } else {
        out += static_cast<char>(c);
      }
      i += 1;
    } else {
      out.append(raw.substr(i, len));
      i += len;
    }
    ++chars;
  }
  return out;
}

std::vector<LockRecord> parse_fdinfo_locks(std::string_view text) {
  std::string lines;
  for (auto line : split_lines(text)) {
    if (!line.starts_with("lock:")) continue;
    lines.append(line.substr(5));
    lines += '\n';
  }
  return parse_proc_locks(lines);
}

HolderResolver::HolderResolver(std::string proc_root) : proc_root_(std::move(proc_root)) {}

const HolderResolver::ProcFds& HolderResolver::fds_of(std::int64_t pid) {
  auto [it, inserted] = fds_.try_emplace(pid);
  ProcFds& entry = it->second;
  if (!inserted || pid <= 0) return entry;
  std::string dir = fmt::format("{}/{}/fd", proc_root_, pid);
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) {
    int err = errno;
    // With /proc mounted hidepid=2 (or =invisible), another user's process
    // has no /proc/PID at all: ENOENT, although it is alive. kill(pid, 0)
    // tells the two apart without sending anything (EPERM: alive, not ours).
    bool alive = err == ENOENT && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    entry.state = (err == EACCES || err == EPERM || alive) ? ProcFds::State::unreadable
                                                           : ProcFds::State::gone;
    return entry;
  }
  DIR* d = ::fdopendir(dfd.release());
  if (d == nullptr) return entry;
  entry.state = ProcFds::State::listed;
  while (dirent* e = ::readdir(d)) {
    auto fd = parse_u64(e->d_name);
    if (!fd) continue;
    struct stat st {};
    // fstatat follows the magic link to the open file itself.
    if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;
    entry.files.push_back(OpenFile{FileId{st.st_dev, st.st_ino}, static_cast<int>(*fd)});
  }
  ::closedir(d);
  return entry;
}

const std::string& HolderResolver::cmdline_of(std::int64_t pid) {
  auto [it, inserted] = cmdlines_.try_emplace(pid);
  if (inserted) {
    auto raw = read_small_file(fmt::format("{}/{}/cmdline", proc_root_, pid));
    it->second = format_cmdline(raw ? *raw : std::string());
  }
  return it->second;
}

bool HolderResolver::fd_has_lock(std::int64_t pid, int fd, const LockKey& key,
                                 const LockRecord& record) {
  auto text = read_small_file(fmt::format("{}/{}/fdinfo/{}", proc_root_, pid, fd));
  if (!text) return false;
  // fdinfo prints the lock as /proc/locks does (fs/locks.c show_fd_locks ->
  // lock_get_status): the same pid, the one that called flock().
  for (const auto& rec : parse_fdinfo_locks(*text)) {
    if (!rec.waiter && rec.key == key && rec.pid == record.pid && rec.mode == record.mode) {
      return true;
    }
  }
  return false;
}

const std::vector<std::int64_t>& HolderResolver::all_pids() {
  if (all_pids_) return *all_pids_;
  all_pids_.emplace();
  if (DIR* d = ::opendir(proc_root_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (auto pid = parse_u64(e->d_name)) all_pids_->push_back(static_cast<std::int64_t>(*pid));
    }
    ::closedir(d);
  }
  return *all_pids_;
}

void HolderResolver::add_orphan_owners(const Needle& target, const LockRecord& rec,
                                       std::vector<Holder>& out) {
  for (std::int64_t pid : all_pids()) {
    const ProcFds& fds = fds_of(pid);
    for (const auto& f : fds.files) {
      if (f.id == target.id && fd_has_lock(pid, f.fd, target.key, rec)) {
        out.push_back(Holder{pid, rec.mode, false, true, cmdline_of(pid)});
        break;
      }
    }
  }
}

std::vector<Holder> HolderResolver::holders_by_fdinfo(const Needle& target) {
  std::vector<Holder> out;
  for (std::int64_t pid : all_pids()) {
    for (const auto& f : fds_of(pid).files) {
      if (f.id != target.id) continue;
      auto text = read_small_file(fmt::format("{}/{}/fdinfo/{}", proc_root_, pid, f.fd));
      if (!text) continue;
      bool found = false;
      for (const auto& rec : parse_fdinfo_locks(*text)) {
        if (rec.waiter || rec.key != target.key) continue;
        out.push_back(Holder{pid, rec.mode, false, true, cmdline_of(pid)});
        found = true;
        break;
      }
      if (found) break;
    }
  }
  return out;
}

std::vector<Holder> HolderResolver::resolve(const Needle& target,
                                            const std::vector<LockRecord>& records) {
  std::vector<const LockRecord*> for_key;
  for (const auto& r : records) {
    if (r.key == target.key) for_key.push_back(&r);
  }
  return resolve_records(target, for_key);
}

std::vector<Holder> HolderResolver::resolve_records(const Needle& target,
                                                    const std::vector<const LockRecord*>& for_key) {
  std::vector<Holder> holders;
  std::vector<Holder> waiters;
  for (const LockRecord* rec : for_key) {
    const ProcFds& fds = fds_of(rec->pid);
    if (fds.state == ProcFds::State::unreadable) {
      (rec->waiter ? waiters : holders)
          .push_back(Holder{rec->pid, rec->mode, rec->waiter, false, cmdline_of(rec->pid)});
      continue;
    }
    auto has_target = [&](const OpenFile& f) { return f.id == target.id; };
    auto match = std::find_if(fds.files.begin(), fds.files.end(), has_target);
    if (rec->waiter) {
      // A blocked flock() has no fdinfo "lock:" line yet; holding the file
      // open is the best evidence there is.
      if (match != fds.files.end()) {
        waiters.push_back(Holder{rec->pid, rec->mode, true, true, cmdline_of(rec->pid)});
      }
      continue;
    }
    // Only the fdinfo "lock:" line of a descriptor of this very file
    // settles it. An open descriptor alone does not: on btrfs another
    // subvolume's file shares the key, and the recorded pid may have exited
    // and been reused by a process that merely has the file open (waiting
    // for it, say) while the lock lives on in the locker's child.
    bool confirmed = false;
    for (; match != fds.files.end() && !confirmed;
         match = std::find_if(std::next(match), fds.files.end(), has_target)) {
      confirmed = fd_has_lock(rec->pid, match->fd, target.key, *rec);
    }
    if (confirmed) {
      holders.push_back(Holder{rec->pid, rec->mode, false, true, cmdline_of(rec->pid)});
    } else {
      // Gone, reused, or holding a same-key file elsewhere (btrfs): look for
      // the live owners of the lock, if any.
      add_orphan_owners(target, *rec, holders);
    }
  }
  auto by_pid = [](const Holder& a, const Holder& b) { return a.pid < b.pid; };
  auto same_pid = [](const Holder& a, const Holder& b) { return a.pid == b.pid; };
  std::sort(holders.begin(), holders.end(), by_pid);
  holders.erase(std::unique(holders.begin(), holders.end(), same_pid), holders.end());
  std::sort(waiters.begin(), waiters.end(), by_pid);
  waiters.erase(std::unique(waiters.begin(), waiters.end(), same_pid), waiters.end());
  holders.insert(holders.end(), waiters.begin(), waiters.end());
  return holders;
}

}  // namespace ktstr
