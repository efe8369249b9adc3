// The shape every applet has: a name, a one-line summary, its exit codes for
// its man page, an options struct filled by declare(), and a run() that does no
// parsing. registry.cpp lists them; cli.cpp parses and dispatches.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "applets/context.hpp"
#include "applets/options.hpp"
#include "lib/error.hpp"
#include "lib/exit.hpp"

namespace ktstr {

// What the man page's EXIT STATUS says, one code a line: "66 a PATH does not
// exist". The page's prose is man/ktstr-NAME.1.in.
struct AppletDoc {
  std::string_view exit_status;
};

class AppletInstance {
 public:
  virtual ~AppletInstance() = default;
  virtual void declare(OptionTable& table) = 0;
  // How the run ends on success (e.g. holders: 1 = not held), or an error.
  virtual Result<Exit> run(Context& ctx) = 0;
};

struct Applet {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;  // after "ktstr NAME ": "[--json] PATH..."
  const AppletDoc* doc;
  std::unique_ptr<AppletInstance> (*create)();
};

// Binds an applet's Options type and its two functions into an instance.
// Run returns Result<int> (an exit code) or Result<Exit> (acquire, which may
// end by the command's signal).
template <class Options, void (*Declare)(OptionTable&, Options&), auto Run>
class AppletOf final : public AppletInstance {
 public:
  void declare(OptionTable& table) override { Declare(table, options_); }
  Result<Exit> run(Context& ctx) override {
    auto r = Run(options_, ctx);
    if (!r) return Unexpected(r.error());
    return Exit(*r);
  }
  static std::unique_ptr<AppletInstance> make() { return std::make_unique<AppletOf>(); }

 private:
  Options options_;
};

// The registry, sorted by name (checked by a unit test).
std::span<const Applet* const> applets();
const Applet* find_applet(std::string_view name);

}  // namespace ktstr
