// The applet table: sorted, no duplicates, in step with CMake's list, and
// every applet's options bindable into one CLI11 app next to the globals.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "applets/applet.hpp"
#include "applets/context.hpp"
#include "applets/options.hpp"

namespace ktstr {
namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto at = text.find(sep, start);
    out.emplace_back(text.substr(start, at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

TEST(Registry, SortedByNameWithoutDuplicates) {
  auto all = applets();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1]->name, all[i]->name) << "at position " << i;
  }
}

TEST(Registry, MatchesTheCMakeAppletList) {
  std::vector<std::string> from_cmake = split(KTSTR_APPLET_LIST, ';');
  std::vector<std::string> from_registry;
  for (const Applet* a : applets())
    from_registry.emplace_back(a->name);
  EXPECT_EQ(from_registry, from_cmake);
  EXPECT_EQ(from_cmake,
            (std::vector<std::string>{"acquire", "fscheck", "holders", "locks", "needle"}));
}

TEST(Registry, FindAppletByExactName) {
  for (const Applet* a : applets()) {
    EXPECT_EQ(find_applet(a->name), a) << a->name;
  }
  EXPECT_EQ(find_applet("holders")->name, "holders");
  EXPECT_EQ(find_applet(""), nullptr);
  EXPECT_EQ(find_applet("holder"), nullptr);
  EXPECT_EQ(find_applet("holderss"), nullptr);
  EXPECT_EQ(find_applet("Holders"), nullptr);
  EXPECT_EQ(find_applet("ktstr-holders"), nullptr);
  EXPECT_EQ(find_applet("zzz"), nullptr);
  EXPECT_EQ(find_applet("a"), nullptr);
}

TEST(Registry, EveryAppletIsComplete) {
  for (const Applet* a : applets()) {
    SCOPED_TRACE(std::string(a->name));
    EXPECT_FALSE(a->summary.empty());
    EXPECT_NE(a->doc, nullptr);
    ASSERT_NE(a->declare, nullptr);
    ASSERT_NE(a->make_options, nullptr);
    ASSERT_NE(a->run, nullptr);
  }
}

// cli.cpp binds an applet's table and the global table into one CLI11 app,
// so a name used twice anywhere in the two would be a clash at run time.
TEST(Registry, OptionNamesAreUniquePerApplet) {
  for (const Applet* a : applets()) {
    SCOPED_TRACE(std::string(a->name));
    OptionTable table;
    a->declare(table);
    OptionTable global_table;
    declare_global_options(global_table);

    std::set<std::string> seen;
    std::size_t count = 0;
    for (const auto* t : {&table, &global_table}) {
      for (const OptionSpec& spec : t->specs()) {
        EXPECT_FALSE(spec.help.empty()) << spec.names;
        for (const std::string& name : split(spec.names, ',')) {
          ASSERT_FALSE(name.empty()) << spec.names;
          EXPECT_TRUE(seen.insert(name).second) << "duplicate option name " << name;
          ++count;
        }
      }
    }
    EXPECT_GT(count, global_table.specs().size());  // the applet declares its own too
    EXPECT_TRUE(seen.contains("--config"));
    EXPECT_TRUE(seen.contains("-q"));
  }
}

// A table's members name the applet's own Options struct: binding one to
// another struct's object is refused, not a write into the wrong memory.
TEST(Registry, TableRefusesAnotherOptionsStruct) {
  OptionTable global_table;
  declare_global_options(global_table);
  struct Other {
    int unrelated = 0;
  };
  OptionsObject other = OptionsObject::make<Other>();
  const auto& lock_dir =
      std::get<Member<std::optional<std::string>>>(global_table.specs()[1].target);
  EXPECT_THROW((void)lock_dir.in(other), std::logic_error);
  GlobalOptions globals;
  lock_dir.in(OptionsObject::borrow(globals)) = "/x";
  EXPECT_EQ(globals.lock_dir, "/x");
}

}  // namespace
}  // namespace ktstr
