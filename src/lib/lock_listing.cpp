#include "lock_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <map>
#include <memory>

#include "lock_names.hpp"
#include "mountinfo.hpp"
#include "needle.hpp"
#include "proc_locks.hpp"

namespace ktstr {

namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

using RecordIndex = std::map<LockKey, std::vector<const LockRecord*>>;

struct DirScan {
  std::string dir;
  std::string canonical;
  const MountEntry* mount = nullptr;
};

// Lists `dir` and calls `row_for(name)` for each regular file; a missing dir
// is an empty listing.
template <class RowFor>
Status scan_dir(const std::string& dir, const std::vector<MountEntry>& mounts,
                const RecordIndex& index, HolderResolver& resolver, RowFor row_for) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    return fail_errno("cannot list " + quote(dir), errno);
  }
  std::unique_ptr<DIR, DirCloser> guard(d);
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(dir.c_str(), nullptr), &std::free);
  // Every file in one directory sits on the directory's mount, unless a file
  // is itself a mount point, which ktstr never makes.
  const MountEntry* mount = real ? mount_of(mounts, real.get()) : nullptr;
  while (dirent* e = ::readdir(d)) {
    LockRow* row = row_for(std::string_view(e->d_name));
    if (row == nullptr) continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
      row->lockfile.clear();  // vanished or not a lock file: drop the row
      continue;
    }
    if (mount == nullptr) continue;
    Needle n;
    n.path = row->lockfile;
    n.key = LockKey{mount->major, mount->minor, static_cast<std::uint64_t>(st.st_ino)};
    n.id = FileId{st.st_dev, st.st_ino};
    auto it = index.find(n.key);
    if (it == index.end()) continue;
    for (auto& h : resolver.resolve_records(n, it->second)) {
      if (h.waiter) {
        ++row->waiters;
      } else {
        row->holders.push_back(std::move(h));
      }
    }
  }
  return {};
}

void drop_cleared(std::vector<LockRow>& rows) {
  std::erase_if(rows, [](const LockRow& r) { return r.lockfile.empty(); });
}

}  // namespace

Result<LocksSnapshot> take_locks_snapshot(const std::string& lock_dir,
                                          const std::string& cache_root, const Topology* topology) {
  auto mounts = read_mountinfo();
  if (!mounts) return Unexpected(mounts.error());
  auto records = read_proc_locks();
  if (!records) return Unexpected(records.error());
  RecordIndex index;
  for (const auto& r : *records)
    index[r.key].push_back(&r);
  HolderResolver resolver;

  LocksSnapshot snap;
  auto st = scan_dir(lock_dir, *mounts, index, resolver, [&](std::string_view name) -> LockRow* {
    auto parsed = parse_lock_file_name(name);
    if (!parsed) return nullptr;
    LockRow row;
    row.number = parsed->number;
    row.lockfile = lock_dir + "/" + std::string(name);
    if (topology != nullptr) {
      if (parsed->kind == LockKind::cpu) {
        if (const CpuPlace* p = topology->find_cpu(parsed->number)) row.numa_node = p->node;
      } else if (parsed->number < topology->llcs.size()) {
        row.numa_node = topology->llcs[parsed->number].node;
      }
    }
    auto& rows = parsed->kind == LockKind::cpu ? snap.cpus : snap.llcs;
    rows.push_back(std::move(row));
    return &rows.back();
  });
  if (!st) return Unexpected(st.error());

  // No cache root (no usable HOME): "" lists nothing.
  std::string cache_dir = cache_root.empty() ? std::string() : cache_locks_dir(cache_root);
  st = scan_dir(cache_dir, *mounts, index, resolver, [&](std::string_view name) -> LockRow* {
    auto key = parse_cache_lock_name(name);
    if (!key) return nullptr;
    LockRow row;
    row.cache_key = std::string(*key);
    row.lockfile = cache_dir + "/" + std::string(name);
    snap.cache.push_back(std::move(row));
    return &snap.cache.back();
  });
  if (!st) return Unexpected(st.error());

  drop_cleared(snap.llcs);
  drop_cleared(snap.cpus);
  drop_cleared(snap.cache);
  auto by_number = [](const LockRow& a, const LockRow& b) { return a.number < b.number; };
  std::sort(snap.llcs.begin(), snap.llcs.end(), by_number);
  std::sort(snap.cpus.begin(), snap.cpus.end(), by_number);
  std::sort(snap.cache.begin(), snap.cache.end(),
            [](const LockRow& a, const LockRow& b) { return a.cache_key < b.cache_key; });
  return snap;
}

}  // namespace ktstr
