// holders: who holds, and who waits for, the flock on each path.
#include <fmt/format.h>

#include "applets/applet.hpp"
#include "lib/holders.hpp"
#include "lib/json_render.hpp"
#include "lib/mountinfo.hpp"
#include "lib/needle.hpp"
#include "lib/proc_locks.hpp"

namespace ktstr::applet_holders {

struct Options {
  bool json = false;
  std::vector<std::string> paths;
};

void declare(OptionTable& t, Options& o) {
  t.flag("--json", o.json, "print holders and waiters as a JSON array");
  t.positional("PATH", o.paths, "files whose lock holders to show")
      .make_required()
      .with_hint(ValueHint::file);
}

std::string_view state_of(const Holder& h) {
  if (h.waiter) return "waiting";
  return h.confirmed ? "held" : "held?";
}

void print_table(const HoldersReport& r, bool with_header) {
  if (with_header) fmt::print("{}:\n", r.target.path);
  if (r.holders.empty()) {
    fmt::print("{}not held\n", with_header ? "  " : "");
    return;
  }
  std::size_t pid_width = 3;
  for (const auto& h : r.holders)
    pid_width = std::max(pid_width, fmt::formatted_size("{}", h.pid));
  const char* indent = with_header ? "  " : "";
  fmt::print("{}{:<{}}  {:<9}  {:<7}  {}\n", indent, "PID", pid_width, "MODE", "STATE", "COMMAND");
  for (const auto& h : r.holders) {
    fmt::print("{}{:<{}}  {:<9}  {:<7}  {}\n", indent, h.pid, pid_width, lock_mode_name(h.mode),
               state_of(h), h.cmdline);
  }
}

Result<int> run(const Options& o, Context& ctx) {
  auto mounts = read_mountinfo();
  if (!mounts) return Unexpected(mounts.error());
  auto records = read_proc_locks();
  if (!records) return Unexpected(records.error());
  HolderResolver resolver;
  std::vector<HoldersReport> reports;
  bool all_held = true;
  for (const auto& path : o.paths) {
    auto target = derive_needle(path, *mounts);
    if (!target) {
      ctx.report(target.error());
      all_held = false;
      continue;
    }
    HoldersReport r{std::move(*target), {}};
    r.holders = resolver.resolve(r.target, *records);
    bool held =
        std::any_of(r.holders.begin(), r.holders.end(), [](const Holder& h) { return !h.waiter; });
    all_held = all_held && held;
    if (!o.json && !ctx.quiet()) print_table(r, o.paths.size() > 1);
    reports.push_back(std::move(r));
  }
  if (o.json && !ctx.quiet()) fmt::print("{}\n", holders_json(reports));
  return all_held ? 0 : 1;
}

constexpr AppletDoc k_doc{
    .exit_status =
        "0 every PATH has at least one holder\n1 some PATH is not held\n66 a PATH "
        "does not exist\n77 permission denied\n64 usage error",
};

}  // namespace ktstr::applet_holders

namespace ktstr {
extern const Applet k_holders_applet{
    "holders", "show who holds or waits for the lock on a path", "[--json] [-q] PATH...",
    &applet_holders::k_doc,
    &AppletOf<applet_holders::Options, applet_holders::declare, applet_holders::run>::make};
}  // namespace ktstr
