// The applets, in one explicit table sorted by name. No self-registering
// static objects: adding an applet means adding a line here and to
// KTSTR_APPLETS in CMakeLists.txt (a unit test checks the two agree).
#include <algorithm>
#include <array>

#include "applets/applet.hpp"

namespace ktstr {

extern const Applet k_acquire_applet;
extern const Applet k_fscheck_applet;
extern const Applet k_holders_applet;
extern const Applet k_locks_applet;
extern const Applet k_needle_applet;

namespace {
constexpr std::array<const Applet*, 5> k_registry{
    &k_acquire_applet, &k_fscheck_applet, &k_holders_applet, &k_locks_applet, &k_needle_applet,
};
}  // namespace

std::span<const Applet* const> applets() {
  return k_registry;
}

const Applet* find_applet(std::string_view name) {
  auto it = std::lower_bound(k_registry.begin(), k_registry.end(), name,
                             [](const Applet* a, std::string_view n) { return a->name < n; });
  return it != k_registry.end() && (*it)->name == name ? *it : nullptr;
}

}  // namespace ktstr
