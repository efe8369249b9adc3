#include "holder_query.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace ktstr {

bool any_holder(const std::vector<Holder>& holders) {
  return std::any_of(holders.begin(), holders.end(), [](const Holder& h) { return !h.waiter; });
}

namespace {

// Adds the records not seen yet; a record is its key, pid, mode and state.
void merge(std::map<LockKey, std::vector<LockRecord>>& into, const std::vector<LockRecord>& recs) {
  for (const auto& r : recs) {
    auto& same_key = into[r.key];
    bool seen = std::any_of(same_key.begin(), same_key.end(), [&](const LockRecord& o) {
      return o.pid == r.pid && o.mode == r.mode && o.waiter == r.waiter;
    });
    if (!seen) same_key.push_back(r);
  }
}

}  // namespace

Result<HolderQuery> HolderQuery::take() {
  auto mounts = read_mountinfo();
  if (!mounts) return Unexpected(mounts.error());
  auto records = read_proc_locks();
  if (!records) return Unexpected(records.error());
  return HolderQuery(std::move(*mounts), *records);
}

HolderQuery::HolderQuery(std::vector<MountEntry> mounts, const std::vector<LockRecord>& records,
                         std::string proc_root, LocksReader reread)
    : mounts_(std::move(mounts)), resolver_(std::move(proc_root)), reread_(std::move(reread)) {
  merge(records_, records);
}

bool HolderQuery::read_again() {
  if (reads_ >= k_locks_reads || !reread_) return false;
  ++reads_;
  // A failed confirming read leaves the answer as the first read gave it.
  if (auto records = reread_()) merge(records_, *records);
  return true;
}

std::vector<Holder> HolderQuery::resolve(const Needle& target) {
  auto it = records_.find(target.key);
  if (it == records_.end()) return {};
  std::vector<const LockRecord*> for_key;
  for (const auto& r : it->second)
    for_key.push_back(&r);
  return resolver_.resolve_records(target, for_key);
}

std::vector<Holder> HolderQuery::holders_of(const Needle& target) {
  for (;;) {
    auto found = resolve(target);
    if (any_holder(found)) return found;
    if (read_again()) continue;
    // Still nothing in any read: ask the file's openers themselves.
    auto by_fdinfo = resolver_.holders_by_fdinfo(target);
    found.insert(found.begin(), by_fdinfo.begin(), by_fdinfo.end());
    return found;
  }
}

Result<HoldersReport> HolderQuery::holders_of(const std::string& path) {
  auto target = derive_needle(path, mounts_);
  if (!target) return Unexpected(target.error());
  HoldersReport r{std::move(*target), {}};
  r.holders = holders_of(r.target);
  return r;
}

std::string HolderQuery::describe(const std::string& path) {
  auto report = holders_of(path);
  if (!report) return "holder unknown";
  std::vector<std::string> named;
  for (const auto& h : report->holders) {
    if (!h.waiter)
      named.push_back(fmt::format("{} ({}) {}", h.pid, lock_mode_name(h.mode), h.cmdline));
  }
  if (named.empty()) return "by a process not visible here";
  return fmt::format("by {}", fmt::join(named, ", "));
}

std::vector<std::string> describe_busy(const std::vector<BusyLock>& busy, std::size_t max_named) {
  std::vector<std::string> lines;
  if (busy.empty()) return lines;
  auto query = HolderQuery::take();
  for (const auto& b : busy) {
    if (lines.size() == max_named) {
      lines.push_back(
          fmt::format("and {} more busy lock(s), see `ktstr locks`", busy.size() - max_named));
      break;
    }
    lines.push_back(fmt::format("{} is busy ({} wanted): held {}", quote(b.path),
                                lock_mode_name(b.wanted),
                                query ? query->describe(b.path) : "holder unknown"));
  }
  return lines;
}

}  // namespace ktstr
