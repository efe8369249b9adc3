// needle: the MAJOR:MINOR:INODE key /proc/locks prints for a path.
#include <fmt/format.h>

#include "applets/applet.hpp"
#include "applets/output.hpp"
#include "lib/json_render.hpp"
#include "lib/mountinfo.hpp"
#include "lib/needle.hpp"

namespace ktstr::applet_needle {

struct Options {
  bool json = false;
  std::vector<std::string> paths;
};

void declare(OptionTable& t) {
  t.flag("--json", &Options::json,
         "print mount point, filesystem type and the stat() device beside each key");
  t.positional("PATH", &Options::paths, "files to print the /proc/locks key of")
      .make_required()
      .with_hint(ValueHint::file);
}

Result<int> run(const Options& o, Context& ctx) {
  auto mounts = read_mountinfo();
  if (!mounts) return Unexpected(mounts.error());
  std::vector<NeedleReport> reports;
  for (const auto& path : o.paths) {
    auto n = report_needle(path, *mounts);
    if (!n) {
      ctx.report(n.error());
      continue;
    }
    if (!o.json) {
      if (auto st = write_stdout(format_lock_key(n->needle.key) + "\n"); !st)
        return Unexpected(st.error());
    }
    reports.push_back(std::move(*n));
  }
  if (o.json) {
    if (auto st = write_stdout(needle_json(reports) + "\n"); !st) return Unexpected(st.error());
  }
  return 0;
}

constexpr AppletDoc k_doc{
    .exit_status =
        "0 every PATH was resolved\n66 a PATH does not exist\n77 a PATH cannot be "
        "reached for lack of permission\n64 usage error\n74 write error on standard output",
};

}  // namespace ktstr::applet_needle

namespace ktstr {
extern constinit const Applet k_needle_applet =
    make_applet<applet_needle::Options, applet_needle::declare, applet_needle::run>(
        "needle", "print the /proc/locks key of a path", "[--json] PATH...", &applet_needle::k_doc);
}  // namespace ktstr
