// holders: who holds, and who waits for, the flock on each path.
#include <fmt/format.h>

#include "applets/applet.hpp"
#include "applets/output.hpp"
#include "lib/escape.hpp"
#include "lib/holder_query.hpp"
#include "lib/json_render.hpp"
#include "lib/lock_listing.hpp"

namespace ktstr::applet_holders {

struct Options {
  bool json = false;
  std::vector<std::string> paths;
};

void declare(OptionTable& t) {
  t.flag("--json", &Options::json, "print holders and waiters as a JSON array");
  t.positional("PATH", &Options::paths, "files whose lock holders to show")
      .make_required()
      .with_hint(ValueHint::file);
}

// The default columns, from the holder field table (lock_listing.hpp).
constexpr std::string_view k_columns[] = {"PID", "MODE", "STATE", "COMMAND"};

std::string table_of(const HoldersReport& r, bool with_header) {
  std::string_view indent = with_header ? "  " : "";
  std::string out;
  if (with_header) out += fmt::format("{}:\n", escape_untrusted(r.target.path));
  if (r.holders.empty()) return out + fmt::format("{}not held\n", indent);
  return out +
         render_columns(columns_titled(holder_fields(), k_columns), r.holders, TextStyle{}, indent);
}

Result<int> run(const Options& o, Context& ctx) {
  auto query = HolderQuery::take();
  if (!query) return Unexpected(query.error());
  std::vector<HoldersReport> reports;
  bool all_held = true;
  for (const auto& path : o.paths) {
    // "Not held" is only answered after the query's confirming reads.
    auto r = query->holders_of(path);
    if (!r) {
      ctx.report(r.error());
      all_held = false;
      continue;
    }
    all_held = all_held && any_holder(r->holders);
    if (!o.json && !ctx.quiet()) {
      if (auto st = write_stdout(table_of(*r, o.paths.size() > 1)); !st) {
        return Unexpected(st.error());
      }
    }
    reports.push_back(std::move(*r));
  }
  if (o.json && !ctx.quiet()) {
    if (auto st = write_stdout(holders_json(reports) + "\n"); !st) return Unexpected(st.error());
  }
  return all_held ? 0 : 1;
}

constexpr AppletDoc k_doc{
    .exit_status =
        "0 every PATH has at least one holder\n1 some PATH is not held\n66 a PATH "
        "does not exist\n77 permission denied\n64 usage error\n74 write error on standard "
        "output",
    .output = OutputTables::holders,
};

}  // namespace ktstr::applet_holders

namespace ktstr {
extern constinit const Applet k_holders_applet =
    make_applet<applet_holders::Options, applet_holders::declare, applet_holders::run>(
        "holders", "show who holds or waits for the lock on a path", "[--json] [-q] PATH...",
        &applet_holders::k_doc);
}  // namespace ktstr
