// The shape every applet has: a name, a one-line summary, its exit codes for
// its man page, an option table naming members of its Options struct, and a
// run() that does no parsing. registry.cpp lists them; cli.cpp parses and dispatches.
#pragma once

#include <span>
#include <string_view>

#include "applets/context.hpp"
#include "applets/options.hpp"
#include "lib/error.hpp"
#include "lib/exit.hpp"

namespace ktstr {

// What the man page's EXIT STATUS says, one code a line: "66 a PATH does not
// exist". The page's prose is man/ktstr-NAME.1.in.
// The output tables (lib/lock_listing.hpp) a page describes in its OUTPUT
// block, generated from the same field tables that print the output.
enum class OutputTables { none, lock_sections, holders };

struct AppletDoc {
  std::string_view exit_status;
  OutputTables output = OutputTables::none;
};

struct Applet {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;  // after "ktstr NAME ": "[--json] PATH..."
  const AppletDoc* doc;
  void (*declare)(OptionTable& table);  // the options, as data
  OptionsObject (*make_options)();      // an Options struct holding the defaults
  // How the run ends on success (e.g. holders: 1 = not held), or an error.
  Result<Exit> (*run)(const OptionsObject& options, Context& ctx);
};

namespace detail {
// Run returns Result<int> (an exit code) or Result<Exit> (acquire, which may
// end by the command's signal).
template <class Options, auto Run>
Result<Exit> run_with(const OptionsObject& options, Context& ctx) {
  auto r = Run(*static_cast<Options*>(options.as(typeid(Options))), ctx);
  if (!r) return Unexpected(r.error());
  return Exit(*r);
}
}  // namespace detail

// The one place an applet's Options type meets its table and its run().
template <class Options, void (*Declare)(OptionTable&), auto Run>
constexpr Applet make_applet(std::string_view name, std::string_view summary,
                             std::string_view usage, const AppletDoc* doc) {
  return Applet{name,
                summary,
                usage,
                doc,
                Declare,
                &OptionsObject::make<Options>,
                &detail::run_with<Options, Run>};
}

// The registry, sorted by name (checked by a unit test).
std::span<const Applet* const> applets();
const Applet* find_applet(std::string_view name);

}  // namespace ktstr
