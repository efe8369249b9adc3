#include "json_render.hpp"

#include <sys/sysmacros.h>

#include <fmt/format.h>

#include "json_writer.hpp"

namespace ktstr {

namespace {

constexpr int k_pretty = 2;

void write_holder(JsonWriter& w, const Holder& h) {
  w.begin_object();
  w.key("pid").value(static_cast<std::int64_t>(h.pid));
  w.key("cmdline").value(h.cmdline);
  w.key("mode").value(lock_mode_name(h.mode));
  w.key("confirmed").value(h.confirmed);
  w.end_object();
}

// One row of `locks`: the id key and value are written by the caller.
template <class WriteId>
void write_lock_row(JsonWriter& w, const LockRow& row, WriteId write_id) {
  w.begin_object();
  write_id();
  // A number on LLC and CPU rows, never null; cache rows have none (SPEC §4).
  if (row.number) w.key("numa_node").value(row.numa_node);
  w.key("lockfile").value(row.lockfile);
  w.key("holders").begin_array();
  for (const auto& h : row.holders)
    write_holder(w, h);
  w.end_array();
  w.key("waiters").value(static_cast<std::uint64_t>(row.waiters));
  w.end_object();
}

}  // namespace

std::string needle_json(const std::vector<Needle>& needles) {
  JsonWriter w(k_pretty);
  w.begin_array();
  for (const auto& n : needles) {
    w.begin_object();
    w.key("path").value(n.path);
    w.key("needle").value(format_lock_key(n.key));
    w.key("major").value(n.key.major);
    w.key("minor").value(n.key.minor);
    w.key("inode").value(n.key.inode);
    w.key("mount_point").value(n.mount_point);
    w.key("fstype").value(n.fs_type);
    w.key("stat_dev").value(fmt::format("{:02x}:{:02x}", ::major(n.id.dev), ::minor(n.id.dev)));
    w.key("dev_differs").value(n.stat_dev_differs);
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string fscheck_json(const std::vector<FsReport>& reports) {
  JsonWriter w(k_pretty);
  w.begin_array();
  for (const auto& r : reports) {
    w.begin_object();
    w.key("path").value(r.path);
    w.key("checked_path").value(r.checked_path);
    w.key("fstype").value(r.fs_type);
    w.key("magic").value(r.verdict.magic);
    w.key("safe").value(!r.verdict.refused);
    w.key("reason");
    if (r.verdict.refused) {
      w.value(r.verdict.reason);
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string holders_json(const std::vector<HoldersReport>& reports) {
  JsonWriter w(k_pretty);
  w.begin_array();
  for (const auto& r : reports) {
    w.begin_object();
    w.key("path").value(r.target.path);
    w.key("needle").value(format_lock_key(r.target.key));
    for (bool waiters : {false, true}) {
      w.key(waiters ? "waiters" : "holders").begin_array();
      for (const auto& h : r.holders) {
        if (h.waiter == waiters) write_holder(w, h);
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string locks_json(const LocksSnapshot& snapshot, bool pretty) {
  JsonWriter w(pretty ? k_pretty : 0);
  w.begin_object();
  w.key("llcs").begin_array();
  for (const auto& r : snapshot.llcs) {
    write_lock_row(w, r, [&] { w.key("llc_idx").value(*r.number); });
  }
  w.end_array();
  w.key("cpus").begin_array();
  for (const auto& r : snapshot.cpus) {
    write_lock_row(w, r, [&] { w.key("cpu").value(*r.number); });
  }
  w.end_array();
  w.key("cache").begin_array();
  for (const auto& r : snapshot.cache) {
    write_lock_row(w, r, [&] { w.key("cache_key").value(r.cache_key); });
  }
  w.end_array();
  w.key("run_dirs").begin_array().end_array();
  w.end_object();
  return w.str();
}

}  // namespace ktstr
