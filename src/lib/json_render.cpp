#include "json_render.hpp"

#include <sys/sysmacros.h>

#include <fmt/format.h>

#include "json_writer.hpp"
#include "lock_key.hpp"

namespace ktstr {

namespace {

constexpr int k_pretty = 2;

void write_holder(JsonWriter& w, const Holder& h) {
  write_json_object(w, holder_fields(), h);
}

}  // namespace

std::string needle_json(const std::vector<NeedleReport>& reports) {
  JsonWriter w(k_pretty);
  w.begin_array();
  for (const auto& [n, m] : reports) {
    w.begin_object();
    w.key("path").value(n.path);
    w.key("needle").value(format_lock_key(n.key));
    w.key("major").value(n.key.major);
    w.key("minor").value(n.key.minor);
    w.key("inode").value(n.key.inode);
    w.key("mount_point").value(m.mount_point);
    w.key("fstype").value(m.fs_type);
    w.key("stat_dev").value(fmt::format("{:02x}:{:02x}", ::major(n.id.dev), ::minor(n.id.dev)));
    w.key("dev_differs").value(m.stat_dev_differs);
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
  for (const auto& section : lock_sections()) {
    w.key(section.json_key).begin_array();
    for (const auto& row : snapshot.rows(section.kind))
      write_json_object(w, section.fields, row);
    w.end_array();
  }
  w.end_object();
  return w.str();
}

}  // namespace ktstr
