// fscheck: is flock(2) reliable on the filesystem holding each path?
#include <fmt/format.h>

#include "applets/applet.hpp"
#include "applets/output.hpp"
#include "lib/escape.hpp"
#include "lib/fs_filter.hpp"
#include "lib/fs_report.hpp"
#include "lib/json_render.hpp"
#include "lib/lock_names.hpp"
#include "lib/lock_space.hpp"
#include "lib/mountinfo.hpp"
#include "lib/needle.hpp"

namespace ktstr::applet_fscheck {

struct Options {
  bool json = false;
  std::vector<std::string> paths;
};

void declare(OptionTable& t) {
  t.flag("--json", &Options::json, "print the verdicts as a JSON array");
  t.positional("PATH", &Options::paths,
               "paths to check (default: the lock dir and the cache dir, saying on stderr when a "
               "Rust harness started from this environment would use another lock dir)")
      .with_hint(ValueHint::file);
}

// The filesystem a named path is on; for a default location that does not
// exist yet, the one it would be created on.
Result<FsReport> check(const std::string& path, bool must_exist,
                       const std::vector<MountEntry>& mounts) {
  Result<FsProbe> probe = probe_fs_of_nearest_existing(path);
  if (must_exist) {
    auto verdict = probe_fs(path);
    if (!verdict) return Unexpected(verdict.error());
    probe = FsProbe{path, *verdict};
  }
  if (!probe) return Unexpected(probe.error());
  FsReport r{path, probe->checked_path, std::string(probe->verdict.name), probe->verdict};
  // The type name from the mount the path is really on (mount_of knows when
  // a mount is hidden by a later one on an ancestor); the magic's name when
  // that cannot be had.
  if (auto m = mount_of_path(r.checked_path, mounts)) r.fs_type = (*m)->fs_type;
  if (r.fs_type.empty()) r.fs_type = fmt::format("{:#x}", r.verdict.magic);
  return r;
}

// "PATH (via CHECKED): FSTYPE: ok" or "...: refused: REASON"; the path and
// the type name (a FUSE subtype is anyone's choice) escaped.
std::string verdict_line(const FsReport& r) {
  std::string via =
      r.checked_path == r.path ? "" : fmt::format(" (via {})", escape_untrusted(r.checked_path));
  std::string head =
      fmt::format("{}{}: {}", escape_untrusted(r.path), via, escape_untrusted(r.fs_type));
  if (r.verdict.refused) return fmt::format("{}: refused: {}\n", head, r.verdict.reason);
  return head + ": ok\n";
}

Result<int> run(const Options& o, Context& ctx) {
  std::vector<std::pair<std::string, bool>> targets;  // path, must exist
  for (const auto& p : o.paths)
    targets.emplace_back(p, true);
  if (targets.empty()) {
    auto settings = ctx.settings();
    if (!settings) return Unexpected(settings.error());
    const Settings& s = **settings;
    targets.emplace_back(s.lock_dir, false);
    if (auto root = s.cache_root()) targets.emplace_back(cache_locks_dir(*root), false);
    // Checking the lock dir is where a split lock space is found.
    if (auto note = lock_space_note(s); note && !ctx.quiet()) ctx.info(*note);
  }
  auto mounts = read_mountinfo();
  if (!mounts) return Unexpected(mounts.error());
  std::vector<FsReport> reports;
  bool any_refused = false;
  for (const auto& [path, must_exist] : targets) {
    auto r = check(path, must_exist, *mounts);
    if (!r) {
      ctx.report(r.error());
      continue;
    }
    any_refused = any_refused || r->verdict.refused;
    if (!o.json) {
      if (auto st = write_stdout(verdict_line(*r)); !st) return Unexpected(st.error());
    }
    reports.push_back(std::move(*r));
  }
  if (o.json) {
    if (auto st = write_stdout(fscheck_json(reports) + "\n"); !st) return Unexpected(st.error());
  }
  return any_refused ? 1 : 0;
}

constexpr AppletDoc k_doc{
    .exit_status =
        "0 every filesystem is safe\n1 at least one is refused\n66 a PATH does not "
        "exist\n77 permission denied\n78 configuration error\n64 usage error\n74 write "
        "error on standard output",
};

}  // namespace ktstr::applet_fscheck

namespace ktstr {
extern constinit const Applet k_fscheck_applet =
    make_applet<applet_fscheck::Options, applet_fscheck::declare, applet_fscheck::run>(
        "fscheck", "tell whether flock is reliable on a filesystem", "[--json] [PATH...]",
        &applet_fscheck::k_doc);
}  // namespace ktstr
