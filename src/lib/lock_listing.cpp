#include "lock_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>

#include "escape.hpp"
#include "holder_query.hpp"
#include "lock_names.hpp"
#include "mountinfo.hpp"
#include "needle.hpp"

namespace ktstr {

namespace {

// ---- numa_node: where it comes from and how it prints, in one place ----

// A number on LLC and CPU rows, never null: 0 without NUMA information, as
// the harness shows it; cache and run-dir rows have none (SPEC §4).
unsigned numa_node_of(LockRowKind kind, unsigned number, const Topology* topology) {
  if (topology == nullptr) return 0;
  if (kind == LockRowKind::cpu) {
    if (const CpuPlace* p = topology->find_cpu(number)) return p->node;
  } else if (kind == LockRowKind::llc && number < topology->llcs.size()) {
    return topology->llcs[number].node;
  }
  return 0;
}
std::string node_text(const LockRow& r, const TextStyle& /*style*/) {
  return fmt::format("{}", r.numa_node);
}
void node_json(JsonWriter& w, const LockRow& r) {
  w.value(r.numa_node);
}

// ---- the other fields of a lock row ----

std::string number_text(const LockRow& r, const TextStyle& /*style*/) {
  return fmt::format("{}", r.number);
}
void number_json(JsonWriter& w, const LockRow& r) {
  w.value(r.number);
}
std::string key_text(const LockRow& r, const TextStyle& /*style*/) {
  return escape_untrusted(r.key);
}
void key_json(JsonWriter& w, const LockRow& r) {
  w.value(r.key);
}
std::string lockfile_text(const LockRow& r, const TextStyle& /*style*/) {
  return escape_untrusted(r.lockfile);
}
void lockfile_json(JsonWriter& w, const LockRow& r) {
  w.value(r.lockfile);
}
// One line per holder ("PID MODE[?] CMDLINE", '?' when unconfirmed), "-"
// when none, then "(N waiting)".
std::string holders_cell(const LockRow& r, const TextStyle& style) {
  std::string out;
  for (const auto& h : r.holders) {
    if (!out.empty()) out += '\n';
    out += fmt::format("{} {}{} {}", h.pid, style.mode(h.mode), h.confirmed ? "" : "?", h.cmdline);
  }
  if (out.empty()) out = "-";
  if (r.waiters > 0) out += fmt::format("\n({} waiting)", r.waiters);
  return out;
}
void holders_value(JsonWriter& w, const LockRow& r) {
  w.begin_array();
  for (const auto& h : r.holders)
    write_json_object(w, holder_fields(), h);
  w.end_array();
}
void waiters_json(JsonWriter& w, const LockRow& r) {
  w.value(static_cast<std::uint64_t>(r.waiters));
}

constexpr std::string_view k_node_help =
    "NUMA node: of the LLC's first CPU, or of the CPU; 0 without sysfs NUMA information";
constexpr std::string_view k_lockfile_help = "absolute path of the lock file";
constexpr std::string_view k_holders_help =
    "the processes holding it: pid, cmdline, mode (exclusive or shared), confirmed";
constexpr std::string_view k_waiters_help = "how many processes are blocked waiting for it";

constexpr Field<LockRow> k_llc_fields[] = {
    {"LLC", "llc_idx", "LLC index (rank of the LLC's cache id)", number_text, number_json},
    {"NODE", "numa_node", k_node_help, node_text, node_json},
    {"LOCKFILE", "lockfile", k_lockfile_help, lockfile_text, lockfile_json},
    {"HOLDERS", "holders", k_holders_help, holders_cell, holders_value},
    {"", "waiters", k_waiters_help, nullptr, waiters_json},
};
constexpr Field<LockRow> k_cpu_fields[] = {
    {"CPU", "cpu", "CPU number", number_text, number_json},
    {"NODE", "numa_node", k_node_help, node_text, node_json},
    {"LOCKFILE", "lockfile", k_lockfile_help, lockfile_text, lockfile_json},
    {"HOLDERS", "holders", k_holders_help, holders_cell, holders_value},
    {"", "waiters", k_waiters_help, nullptr, waiters_json},
};
constexpr Field<LockRow> k_cache_fields[] = {
    {"CACHE KEY", "cache_key", "cache key (a source-tree lock is source-HASH)", key_text, key_json},
    {"LOCKFILE", "lockfile", k_lockfile_help, lockfile_text, lockfile_json},
    {"HOLDERS", "holders", k_holders_help, holders_cell, holders_value},
    {"", "waiters", k_waiters_help, nullptr, waiters_json},
};
constexpr Field<LockRow> k_run_dir_fields[] = {
    {"RUN KEY", "run_key", "run-dir key ({kernel}-{commit} for the Rust harness)", key_text,
     key_json},
    {"LOCKFILE", "lockfile", k_lockfile_help, lockfile_text, lockfile_json},
    {"HOLDERS", "holders", k_holders_help, holders_cell, holders_value},
    {"", "waiters", k_waiters_help, nullptr, waiters_json},
};

constexpr LockSection k_sections[] = {
    {"LLC locks:", "llcs", k_llc_fields, LockRowKind::llc},
    {"Per-CPU locks:", "cpus", k_cpu_fields, LockRowKind::cpu},
    {"Cache-entry locks:", "cache", k_cache_fields, LockRowKind::cache},
    {"Run-dir locks:", "run_dirs", k_run_dir_fields, LockRowKind::run_dir},
};

// ---- holder fields ----

std::string_view state_of(const Holder& h) {
  if (h.waiter) return "waiting";
  return h.confirmed ? "held" : "held?";
}

constexpr Field<Holder> k_holder_fields[] = {
    {"PID", "pid", "process id",
     [](const Holder& h, const TextStyle&) { return fmt::format("{}", h.pid); },
     [](JsonWriter& w, const Holder& h) { w.value(static_cast<std::int64_t>(h.pid)); }},
    {"COMMAND", "cmdline",
     "command line: NULs as spaces, control characters as ?, cut at 100 characters with …",
     [](const Holder& h, const TextStyle&) { return h.cmdline; },
     [](JsonWriter& w, const Holder& h) { w.value(h.cmdline); }},
    {"MODE", "mode", "exclusive (LOCK_EX) or shared (LOCK_SH)",
     [](const Holder& h, const TextStyle& s) { return s.mode(h.mode); },
     [](JsonWriter& w, const Holder& h) { w.value(lock_mode_name(h.mode)); }, 9},
    {"", "confirmed", "false when /proc/PID/fd could not be read to confirm it", nullptr,
     [](JsonWriter& w, const Holder& h) { w.value(h.confirmed); }},
    {"STATE", "", "held, held? (unconfirmed) or waiting",
     [](const Holder& h, const TextStyle&) { return std::string(state_of(h)); }, nullptr, 7},
};

// ---- the snapshot ----

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Lists `dir` and calls `row_for(name)` for each entry; a missing dir is an
// empty listing. Rows of entries that are not regular files are cleared.
template <class RowFor>
Status scan_dir(const std::string& dir, HolderQuery& query, RowFor row_for) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    return fail_errno("cannot list " + quote(dir), errno);
  }
  std::unique_ptr<DIR, DirCloser> guard(d);
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(dir.c_str(), nullptr), &std::free);
  // Every file in one directory sits on the directory's mount, unless a file
  // is itself a mount point, which ktstr never makes.
  const MountEntry* mount = real ? mount_of(query.mounts(), real.get()) : nullptr;
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
    for (auto& h : query.holders_of(n)) {
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

const std::vector<LockRow>& LocksSnapshot::rows(LockRowKind kind) const {
  switch (kind) {
    case LockRowKind::llc:
      return llcs;
    case LockRowKind::cpu:
      return cpus;
    case LockRowKind::cache:
      return cache;
    case LockRowKind::run_dir:
      break;
  }
  return run_dirs;
}

std::span<const LockSection> lock_sections() {
  return k_sections;
}

std::span<const Field<Holder>> holder_fields() {
  return k_holder_fields;
}

Result<LocksSnapshot> take_locks_snapshot(const std::string& lock_dir,
                                          const std::string& cache_root,
                                          const std::string& runs_root, const Topology* topology) {
  auto query = HolderQuery::take();
  if (!query) return Unexpected(query.error());

  LocksSnapshot snap;
  auto st = scan_dir(lock_dir, *query, [&](std::string_view name) -> LockRow* {
    auto parsed = parse_lock_file_name(name);
    if (!parsed) return nullptr;
    LockRow row;
    row.kind = parsed->kind == LockKind::cpu ? LockRowKind::cpu : LockRowKind::llc;
    row.number = parsed->number;
    row.numa_node = numa_node_of(row.kind, row.number, topology);
    row.lockfile = lock_dir + "/" + std::string(name);
    auto& rows = row.kind == LockRowKind::cpu ? snap.cpus : snap.llcs;
    rows.push_back(std::move(row));
    return &rows.back();
  });
  if (!st) return Unexpected(st.error());

  // No cache root (no usable HOME): "" lists nothing.
  std::string cache_dir = cache_root.empty() ? std::string() : cache_locks_dir(cache_root);
  st = scan_dir(cache_dir, *query, [&](std::string_view name) -> LockRow* {
    auto key = parse_cache_lock_name(name);
    if (!key) return nullptr;
    LockRow row;
    row.kind = LockRowKind::cache;
    row.key = std::string(*key);
    row.lockfile = cache_dir + "/" + std::string(name);
    snap.cache.push_back(std::move(row));
    return &snap.cache.back();
  });
  if (!st) return Unexpected(st.error());

  std::string runs_dir = runs_root.empty() ? std::string() : run_locks_dir(runs_root);
  st = scan_dir(runs_dir, *query, [&](std::string_view name) -> LockRow* {
    auto key = parse_run_lock_name(name);
    if (!key) return nullptr;
    LockRow row;
    row.kind = LockRowKind::run_dir;
    row.key = std::string(*key);
    row.lockfile = runs_dir + "/" + std::string(name);
    snap.run_dirs.push_back(std::move(row));
    return &snap.run_dirs.back();
  });
  if (!st) return Unexpected(st.error());

  drop_cleared(snap.llcs);
  drop_cleared(snap.cpus);
  drop_cleared(snap.cache);
  drop_cleared(snap.run_dirs);
  auto by_number = [](const LockRow& a, const LockRow& b) { return a.number < b.number; };
  auto by_key = [](const LockRow& a, const LockRow& b) { return a.key < b.key; };
  std::sort(snap.llcs.begin(), snap.llcs.end(), by_number);
  std::sort(snap.cpus.begin(), snap.cpus.end(), by_number);
  std::sort(snap.cache.begin(), snap.cache.end(), by_key);
  std::sort(snap.run_dirs.begin(), snap.run_dirs.end(), by_key);
  return snap;
}

}  // namespace ktstr
