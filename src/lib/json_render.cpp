#include "json_render.hpp"

#include <sys/sysmacros.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ktstr {

namespace {

using Json = nlohmann::ordered_json;

Json holder_json(const Holder& h) {
  return Json{{"pid", h.pid},
              {"cmdline", h.cmdline},
              {"mode", std::string(lock_mode_name(h.mode))},
              {"confirmed", h.confirmed}};
}

Json optional_number(const std::optional<unsigned>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json lock_row_json(const char* id_key, Json id, const LockRow& row) {
  Json holders = Json::array();
  for (const auto& h : row.holders)
    holders.push_back(holder_json(h));
  return Json{{id_key, std::move(id)},
              {"numa_node", optional_number(row.numa_node)},
              {"lockfile", row.lockfile},
              {"holders", std::move(holders)},
              {"waiters", row.waiters}};
}

std::string dump(const Json& j, bool pretty) {
  // Invalid UTF-8 (a path or argv byte) is replaced rather than thrown on.
  return j.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string needle_json(const std::vector<Needle>& needles) {
  Json out = Json::array();
  for (const auto& n : needles) {
    out.push_back(
        Json{{"path", n.path},
             {"needle", format_lock_key(n.key)},
             {"major", n.key.major},
             {"minor", n.key.minor},
             {"inode", n.key.inode},
             {"mount_point", n.mount_point},
             {"fstype", n.fs_type},
             {"stat_dev", fmt::format("{:02x}:{:02x}", ::major(n.id.dev), ::minor(n.id.dev))},
             {"dev_differs", n.stat_dev_differs}});
  }
  return dump(out, true);
}

std::string fscheck_json(const std::vector<FsReport>& reports) {
  Json out = Json::array();
  for (const auto& r : reports) {
    out.push_back(
        Json{{"path", r.path},
             {"checked_path", r.checked_path},
             {"fstype", r.fs_type},
             {"magic", r.verdict.magic},
             {"safe", !r.verdict.refused},
             {"reason", r.verdict.refused ? Json(std::string(r.verdict.reason)) : Json(nullptr)}});
  }
  return dump(out, true);
}

std::string holders_json(const std::vector<HoldersReport>& reports) {
  Json out = Json::array();
  for (const auto& r : reports) {
    Json holders = Json::array();
    Json waiters = Json::array();
    for (const auto& h : r.holders)
      (h.waiter ? waiters : holders).push_back(holder_json(h));
    out.push_back(Json{{"path", r.target.path},
                       {"needle", format_lock_key(r.target.key)},
                       {"holders", std::move(holders)},
                       {"waiters", std::move(waiters)}});
  }
  return dump(out, true);
}

std::string locks_json(const LocksSnapshot& snapshot, bool pretty) {
  Json llcs = Json::array(), cpus = Json::array(), cache = Json::array();
  for (const auto& r : snapshot.llcs)
    llcs.push_back(lock_row_json("llc_idx", Json(*r.number), r));
  for (const auto& r : snapshot.cpus)
    cpus.push_back(lock_row_json("cpu", Json(*r.number), r));
  for (const auto& r : snapshot.cache)
    cache.push_back(lock_row_json("cache_key", Json(r.cache_key), r));
  Json out{{"llcs", std::move(llcs)},
           {"cpus", std::move(cpus)},
           {"cache", std::move(cache)},
           {"run_dirs", Json::array()}};
  return dump(out, pretty);
}

}  // namespace ktstr
