// Every JSON document the applets print, parsed with nlohmann_json and
// checked against its schema (ktstr_json_schemas.hpp: SPEC §4) key by key
// and type by type: `locks --json`, each line of `locks --json --watch`,
// `holders --json`, `needle --json` and `fscheck --json`. The documents are
// real: the built binary runs on a scratch lock space whose locks are held
// and waited for by child processes, with a fake sysfs for NUMA nodes. The
// checker itself is tested first, on documents that break the schemas.
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "json_schema.hpp"
#include "ktstr_json_schemas.hpp"
#include "ktstr_process.hpp"
#include "locking_child.hpp"
#include "test_support.hpp"

namespace ktstr {
namespace {

using nlohmann::json;
using test::LockingChild;
using test::matches_schema;
using test::parse_document;
using test::schema_errors;
using Errors = std::vector<std::string>;
using namespace std::chrono_literals;

// ---- the checker, on hand-written documents ----

json parsed(std::string_view text) {
  json doc;
  EXPECT_TRUE(parse_document(text, doc));
  return doc;
}

constexpr std::string_view k_good_locks = R"({
  "llcs": [{"llc_idx": 0, "numa_node": 1, "lockfile": "/tmp/ktstr-llc-0.lock",
            "holders": [{"pid": 7, "cmdline": "sleep 9", "mode": "shared", "confirmed": false}],
            "waiters": 2}],
  "cpus": [{"cpu": 3, "numa_node": 0, "lockfile": "/tmp/ktstr-cpu-3.lock", "holders": [],
            "waiters": 0}],
  "cache": [{"cache_key": "linux-6.12", "lockfile": "/c/.locks/linux-6.12.lock",
             "holders": [], "waiters": 0}],
  "run_dirs": [{"run_key": "6.12-abc", "lockfile": "/r/.locks/6.12-abc.lock", "holders": [],
                "waiters": 0}]
})";

TEST(JsonSchemaChecker, AcceptsADocumentOfTheSchema) {
  EXPECT_TRUE(matches_schema(parsed(k_good_locks), test::locks_schema()));
}

TEST(JsonSchemaChecker, ReportsEachWrongTypeWithItsPlace) {
  json doc = parsed(k_good_locks);
  doc["llcs"][0]["holders"][0]["pid"] = "7";        // a number in a string
  doc["llcs"][0]["holders"][0]["confirmed"] = 0;    // a number for a boolean
  doc["llcs"][0]["waiters"] = -2;                   // negative
  doc["cpus"][0]["cpu"] = 3.0;                      // a float
  doc["cpus"][0]["holders"] = json::object();       // an object for an array
  doc["cache"][0]["cache_key"] = json::array({1});  // an array for a string
  EXPECT_EQ(schema_errors(doc, test::locks_schema()),
            (Errors{
                "$.llcs[0].holders[0].pid: string \"7\", expected unsigned integer",
                "$.llcs[0].holders[0].confirmed: unsigned integer 0, expected boolean",
                "$.llcs[0].waiters: negative integer -2, expected unsigned integer",
                "$.cpus[0].cpu: float 3.0, expected unsigned integer",
                "$.cpus[0].holders: object, expected array",
                "$.cache[0].cache_key: array, expected string",
            }));
  EXPECT_FALSE(matches_schema(doc, test::locks_schema()));
}

TEST(JsonSchemaChecker, ReportsMissingAndUnexpectedKeys) {
  json doc = parsed(k_good_locks);
  doc.erase("run_dirs");
  doc["cpus"][0].erase("numa_node");
  doc["cache"][0]["numa_node"] = 0;  // numa_node is on LLC and CPU rows only
  doc["extra"] = json::array();
  EXPECT_EQ(schema_errors(doc, test::locks_schema()),
            (Errors{
                "$.cpus[0]: missing key \"numa_node\"",
                "$.cache[0]: unexpected key \"numa_node\"",
                "$: missing key \"run_dirs\"",
                "$: unexpected key \"extra\"",
            }));
}

TEST(JsonSchemaChecker, NullOnlyWhereTheSchemaAllowsIt) {
  json doc = parsed(R"([{"path": "/p", "checked_path": "/", "fstype": "tmpfs", "magic": 16914836,
                         "safe": true, "reason": null}])");
  EXPECT_TRUE(matches_schema(doc, test::fscheck_schema()));
  doc[0]["reason"] = "flock is emulated";
  EXPECT_TRUE(matches_schema(doc, test::fscheck_schema()));
  doc[0]["reason"] = false;
  doc[0]["fstype"] = nullptr;
  EXPECT_EQ(
      schema_errors(doc, test::fscheck_schema()),
      (Errors{"$[0].fstype: null, expected string", "$[0].reason: boolean, expected string"}));
}

TEST(JsonSchemaChecker, ModeIsExclusiveOrShared) {
  json doc = parsed(R"([{"path": "/p", "needle": "00:2f:5", "holders": [], "waiters": [
      {"pid": 1, "cmdline": "x", "mode": "exclusive", "confirmed": true},
      {"pid": 2, "cmdline": "y", "mode": "WRITE", "confirmed": true}]}])");
  EXPECT_EQ(schema_errors(doc, test::holders_schema()),
            (Errors{"$[0].waiters[1].mode: string \"WRITE\" is not an allowed value"}));
}

TEST(JsonSchemaChecker, ChecksTheDocumentItself) {
  EXPECT_EQ(schema_errors(parsed("{}"), test::needle_schema()),
            (Errors{"$: object, expected array"}));
  EXPECT_EQ(schema_errors(parsed("null"), test::locks_schema()),
            (Errors{"$: null, expected object"}));
  EXPECT_TRUE(matches_schema(parsed("[]"), test::needle_schema()));
}

TEST(JsonSchemaChecker, ParseTakesOneStrictDocumentWithoutRepeatedKeys) {
  json doc;
  EXPECT_FALSE(parse_document(R"({"a": 1, "a": 2})", doc));
  EXPECT_FALSE(parse_document(R"([{"a": {"b": 1, "b": 1}}])", doc));
  EXPECT_FALSE(parse_document("{} {}", doc));
  EXPECT_FALSE(parse_document("[1,]", doc));
  EXPECT_FALSE(parse_document("", doc));
  EXPECT_FALSE(parse_document("\"\xff\"", doc));  // not UTF-8
  EXPECT_FALSE(parse_document("\"a\tb\"", doc));  // a raw control character
  EXPECT_TRUE(doc.is_null());
  // One key in sibling objects, and at two depths, is no repeat.
  EXPECT_TRUE(parse_document(R"([{"a": 1}, {"a": {"a": 2}}])", doc));
  EXPECT_EQ(doc[1]["a"]["a"], 2);
}

// ---- documents from the built binary ----

// A scratch lock space (lock dir, cache root, runs root that the tests
// fill), an empty config file and a fake sysfs with two NUMA nodes:
//   LLC index 1: CPUs 0-3, node 0      LLC index 3: CPUs 8-11, node 1
class AppletJson : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    // Reachable by nobody, for the runs as another user.
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    test::write_file(config_, "");
    test::two_sockets(sysfs_);
  }

  // An empty file DIR/NAME (and DIR), for a child to lock.
  static std::string lock_file(const std::string& dir, std::string_view name) {
    std::string path = dir + "/" + std::string(name);
    test::write_file(path, "");
    return path;
  }

  [[nodiscard]] std::vector<std::string> with_dirs(std::vector<std::string> args) const {
    args.insert(args.end(),
                {"--lock-dir", lock_dir_, "--cache-dir", cache_dir_, "--runs-dir", runs_dir_});
    return args;
  }
  [[nodiscard]] test::EnvVars env() const {
    return {{"KTSTR_CONFIG", config_}, {"KTSTR_SYSFS_ROOT", sysfs_.root()}};
  }

  // Runs `ktstr ARGS...` on the scratch lock space; expects `status` and
  // stdout to be one JSON document and a newline. `last_` keeps the run.
  ::testing::AssertionResult document_of(const std::vector<std::string>& args, int status,
                                         json& doc, bool as_nobody = false) {
    last_ = test::run_ktstr(with_dirs(args), env(), as_nobody);
    if (last_.status != status || !last_.out.ends_with('\n')) {
      std::string command = "ktstr";
      for (const auto& a : args)
        command += " " + a;
      return ::testing::AssertionFailure()
             << command << ": exit " << last_.status << ", expected " << status
             << " and a document ending in a newline\n--- stdout\n"
             << last_.out << "--- stderr\n"
             << last_.err;
    }
    return parse_document(last_.out, doc);
  }

  test::ScratchDir dir_;
  test::FakeSysfs sysfs_;
  std::string config_ = dir_ / "empty.toml";
  std::string lock_dir_ = dir_ / "locks";
  std::string cache_dir_ = dir_ / "cache";
  std::string runs_dir_ = dir_ / "runs";
  test::RunResult last_;
};

json holder(pid_t pid, const char* mode) {
  return {{"pid", pid}, {"mode", mode}, {"confirmed", true}};
}

// `doc` with every holder object's cmdline checked and dropped, and each
// array of holders sorted by pid, so that a document compares with a
// literal. The holders are forked test processes: their command line is
// this binary's.
json without_cmdlines(json doc) {
  if (doc.is_array() || doc.is_object()) {
    for (auto& [key, value] : doc.items()) {
      if ((key == "holders" || key == "waiters") && value.is_array()) {
        for (auto& h : value) {
          EXPECT_NE(h.value("cmdline", "").find("ktstr_unit_tests"), std::string::npos) << h;
          h.erase("cmdline");
        }
        std::sort(value.begin(), value.end(), [](const json& a, const json& b) {
          return a.value("pid", std::int64_t{0}) < b.value("pid", std::int64_t{0});
        });
      } else {
        value = without_cmdlines(value);
      }
    }
  }
  return doc;
}

TEST_F(AppletJson, LocksOfAnEmptyLockSpaceAreFourEmptyArrays) {
  const json empty = {{"llcs", json::array()},
                      {"cpus", json::array()},
                      {"cache", json::array()},
                      {"run_dirs", json::array()}};
  json doc;
  // No lock dir, cache root or runs root at all.
  ASSERT_TRUE(document_of({"locks", "--json"}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
  EXPECT_EQ(doc, empty);
  EXPECT_GT(std::count(last_.out.begin(), last_.out.end(), '\n'), 1) << "not pretty-printed";
  EXPECT_EQ(last_.err, "");

  // The directories, with files that are no ktstr locks.
  lock_file(lock_dir_, "notes.txt");
  lock_file(lock_dir_, "ktstr-cpu-x.lock");
  lock_file(cache_dir_ + "/.locks", ".hidden.lock");
  lock_file(runs_dir_ + "/.locks", "README");
  ASSERT_TRUE(document_of({"locks", "--json"}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
  EXPECT_EQ(doc, empty);

  // --watch: the same, one compact line per frame.
  test::KtstrProcess watch(with_dirs({"locks", "--json", "--watch", "50ms"}), env());
  auto line = watch.read_line(20s);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, R"({"llcs":[],"cpus":[],"cache":[],"run_dirs":[]})");
  watch.signal(SIGINT);
  EXPECT_EQ(watch.finish(20s).status, 0);
}

TEST_F(AppletJson, LocksWithHoldersWaitersAndFreeLocksInEverySection) {
  auto llc1 = lock_file(lock_dir_, "ktstr-llc-1.lock");
  auto llc3 = lock_file(lock_dir_, "ktstr-llc-3.lock");
  auto cpu0 = lock_file(lock_dir_, "ktstr-cpu-0.lock");
  auto cpu2 = lock_file(lock_dir_, "ktstr-cpu-2.lock");
  auto cpu9 = lock_file(lock_dir_, "ktstr-cpu-9.lock");
  auto kernel = lock_file(cache_dir_ + "/.locks", "linux-6.12.lock");
  auto source = lock_file(cache_dir_ + "/.locks", "source-0123abcd.lock");
  auto run = lock_file(runs_dir_ + "/.locks", "6.12-abc123.lock");
  LockingChild llc1_a(llc1, LOCK_SH);
  LockingChild llc1_b(llc1, LOCK_SH);
  LockingChild llc1_waiter(llc1, LOCK_EX, /*wait_until_locked=*/false);
  LockingChild cpu0_holder(cpu0, LOCK_EX);
  LockingChild cpu9_holder(cpu9, LOCK_EX);
  LockingChild cpu9_waiter(cpu9, LOCK_EX, false);
  LockingChild kernel_holder(kernel, LOCK_SH);
  LockingChild run_holder(run, LOCK_EX);
  LockingChild run_waiter(run, LOCK_SH, false);
  for (const auto* c : {&llc1_a, &llc1_b, &llc1_waiter, &cpu0_holder, &cpu9_holder, &cpu9_waiter,
                        &kernel_holder, &run_holder, &run_waiter}) {
    ASSERT_TRUE(c->started());
  }
  for (const auto* c : {&llc1_waiter, &cpu9_waiter, &run_waiter})
    ASSERT_TRUE(test::wait_until_waiting(c->pid()));

  json doc;
  ASSERT_TRUE(document_of({"locks", "--json"}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
  EXPECT_EQ(last_.err, "");
  auto none = json::array();
  auto row = [](json own, const std::string& lockfile, json holders, int waiters) {
    own["lockfile"] = lockfile;
    own["holders"] = std::move(holders);
    own["waiters"] = waiters;
    return own;
  };
  auto sorted = [](pid_t a, pid_t b) { return std::pair{std::min(a, b), std::max(a, b)}; };
  auto [llc1_lo, llc1_hi] = sorted(llc1_a.pid(), llc1_b.pid());
  json want = {
      {"llcs",
       json::array({row({{"llc_idx", 1}, {"numa_node", 0}}, llc1,
                        json::array({holder(llc1_lo, "shared"), holder(llc1_hi, "shared")}), 1),
                    row({{"llc_idx", 3}, {"numa_node", 1}}, llc3, none, 0)})},
      {"cpus", json::array({row({{"cpu", 0}, {"numa_node", 0}}, cpu0,
                                json::array({holder(cpu0_holder.pid(), "exclusive")}), 0),
                            row({{"cpu", 2}, {"numa_node", 0}}, cpu2, none, 0),
                            row({{"cpu", 9}, {"numa_node", 1}}, cpu9,
                                json::array({holder(cpu9_holder.pid(), "exclusive")}), 1)})},
      {"cache", json::array({row({{"cache_key", "linux-6.12"}}, kernel,
                                 json::array({holder(kernel_holder.pid(), "shared")}), 0),
                             row({{"cache_key", "source-0123abcd"}}, source, none, 0)})},
      {"run_dirs", json::array({row({{"run_key", "6.12-abc123"}}, run,
                                    json::array({holder(run_holder.pid(), "exclusive")}), 1)})},
  };
  EXPECT_EQ(without_cmdlines(doc), want) << doc.dump(2);
}

// Every line of `locks --json --watch` is one whole document, while the
// lock goes from held with a waiter, to held by the former waiter, to free.
TEST_F(AppletJson, LocksWatchPrintsOneCompactDocumentPerLine) {
  auto cpu1 = lock_file(lock_dir_, "ktstr-cpu-1.lock");
  LockingChild first(cpu1, LOCK_EX);
  LockingChild second(cpu1, LOCK_SH, /*wait_until_locked=*/false);
  ASSERT_TRUE(first.started());
  ASSERT_TRUE(second.started());
  ASSERT_TRUE(test::wait_until_waiting(second.pid()));

  test::KtstrProcess watch(with_dirs({"locks", "--json", "--watch", "50ms"}), env());
  auto cpu_row_of_next_frame = [&]() -> json {
    auto line = watch.read_line(20s);
    if (!line) return nullptr;
    json doc;
    EXPECT_TRUE(parse_document(*line, doc));
    EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
    if (!doc.is_object() || !doc["cpus"].is_array() || doc["cpus"].size() != 1) {
      ADD_FAILURE() << "not one CPU row: " << *line;
      return nullptr;
    }
    return doc["cpus"][0];
  };
  // A later frame whose CPU row is `want` (the row shows a change within a
  // few frames; 400 frames are 20 s).
  auto frames_until = [&](const json& want) {
    for (int i = 0; i < 400; ++i) {
      json row = cpu_row_of_next_frame();
      if (row.is_null()) return false;
      row.erase("lockfile");
      row.erase("numa_node");
      row.erase("cpu");
      if (without_cmdlines(row) == want) return true;
    }
    return false;
  };
  EXPECT_TRUE(
      frames_until({{"holders", json::array({holder(first.pid(), "exclusive")})}, {"waiters", 1}}));
  first.finish();
  EXPECT_TRUE(
      frames_until({{"holders", json::array({holder(second.pid(), "shared")})}, {"waiters", 0}}));
  second.finish();
  EXPECT_TRUE(frames_until({{"holders", json::array()}, {"waiters", 0}}));

  watch.signal(SIGINT);
  auto end = watch.finish(20s);
  EXPECT_EQ(end.status, 0);
  EXPECT_EQ(end.err, "");
  // Frames printed before SIGINT took effect are whole lines too.
  std::string_view rest = end.out;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    ASSERT_NE(nl, std::string_view::npos) << "a frame without its newline: " << rest;
    json doc;
    EXPECT_TRUE(parse_document(rest.substr(0, nl), doc));
    EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
    rest.remove_prefix(nl + 1);
  }
}

// The inode of `path` (stat(2)): the last field of its /proc/locks key.
std::uint64_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

TEST_F(AppletJson, HoldersAndWaitersOfEachPath) {
  auto exclusive = lock_file(dir_.str(), "exclusive");
  auto shared = lock_file(dir_.str(), "shared");
  auto unheld = lock_file(dir_.str(), "free");
  LockingChild ex(exclusive, LOCK_EX);
  LockingChild ex_waiter_a(exclusive, LOCK_SH, /*wait_until_locked=*/false);
  LockingChild ex_waiter_b(exclusive, LOCK_EX, false);
  LockingChild sh_a(shared, LOCK_SH);
  LockingChild sh_b(shared, LOCK_SH);
  for (const auto* c : {&ex, &ex_waiter_a, &ex_waiter_b, &sh_a, &sh_b})
    ASSERT_TRUE(c->started());
  ASSERT_TRUE(test::wait_until_waiting(ex_waiter_a.pid()));
  ASSERT_TRUE(test::wait_until_waiting(ex_waiter_b.pid()));

  json doc;
  // One path is free: the answer is no (1), and all three are listed.
  ASSERT_TRUE(document_of({"holders", "--json", exclusive, shared, unheld}, 1, doc));
  EXPECT_TRUE(matches_schema(doc, test::holders_schema()));
  EXPECT_EQ(last_.err, "");
  ASSERT_EQ(doc.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    std::string path = std::vector{exclusive, shared, unheld}[i];
    std::string needle = doc[i].value("needle", "");
    EXPECT_TRUE(needle.ends_with(fmt::format(":{}", inode_of(path)))) << needle;
    doc[i].erase("needle");
  }
  json waiters =
      json::array({holder(ex_waiter_a.pid(), "shared"), holder(ex_waiter_b.pid(), "exclusive")});
  if (ex_waiter_b.pid() < ex_waiter_a.pid()) std::swap(waiters[0], waiters[1]);
  auto [sh_lo, sh_hi] =
      std::pair{std::min(sh_a.pid(), sh_b.pid()), std::max(sh_a.pid(), sh_b.pid())};
  json want = json::array({
      {{"path", exclusive},
       {"holders", json::array({holder(ex.pid(), "exclusive")})},
       {"waiters", waiters}},
      {{"path", shared},
       {"holders", json::array({holder(sh_lo, "shared"), holder(sh_hi, "shared")})},
       {"waiters", json::array()}},
      {{"path", unheld}, {"holders", json::array()}, {"waiters", json::array()}},
  });
  EXPECT_EQ(without_cmdlines(doc), want) << doc.dump(2);

  // Every path held: yes (0).
  ASSERT_TRUE(document_of({"holders", "--json", shared}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::holders_schema()));
}

TEST_F(AppletJson, HoldersSeenByAnotherUserAreUnconfirmed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to run ktstr as nobody";
  auto cpu4 = lock_file(lock_dir_, "ktstr-cpu-4.lock");
  LockingChild child(cpu4, LOCK_EX);
  ASSERT_TRUE(child.started());
  // nobody cannot read root's /proc/PID/fd: the holder is named, unconfirmed.
  json doc;
  ASSERT_TRUE(document_of({"holders", "--json", cpu4}, 0, doc, /*as_nobody=*/true));
  EXPECT_TRUE(matches_schema(doc, test::holders_schema()));
  ASSERT_EQ(doc.size(), 1u);
  ASSERT_EQ(doc[0]["holders"].size(), 1u);
  EXPECT_EQ(doc[0]["holders"][0]["pid"], child.pid());
  EXPECT_EQ(doc[0]["holders"][0]["confirmed"], false);

  ASSERT_TRUE(document_of({"locks", "--json"}, 0, doc, /*as_nobody=*/true));
  EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
  ASSERT_EQ(doc["cpus"].size(), 1u);
  ASSERT_EQ(doc["cpus"][0]["holders"].size(), 1u);
  EXPECT_EQ(doc["cpus"][0]["holders"][0]["confirmed"], false);
}

// A real document that is then broken is caught: the schema tests above
// can fail.
TEST_F(AppletJson, ABrokenRealDocumentFailsItsSchema) {
  auto file = lock_file(dir_.str(), "held");
  LockingChild child(file, LOCK_EX);
  ASSERT_TRUE(child.started());
  json doc;
  ASSERT_TRUE(document_of({"holders", "--json", file}, 0, doc));
  ASSERT_TRUE(matches_schema(doc, test::holders_schema()));
  json bad = doc;
  bad[0]["holders"][0]["pid"] = std::to_string(child.pid());
  EXPECT_FALSE(matches_schema(bad, test::holders_schema()));
  bad = doc;
  bad[0]["holders"][0]["mode"] = nullptr;
  EXPECT_FALSE(matches_schema(bad, test::holders_schema()));
  bad = doc;
  bad[0].erase("waiters");
  EXPECT_FALSE(matches_schema(bad, test::holders_schema()));
  bad = doc;
  bad[0]["holders"][0]["waiter"] = false;
  EXPECT_FALSE(matches_schema(bad, test::holders_schema()));
}

TEST_F(AppletJson, NeedleFieldsAgreeWithStat) {
  auto file = lock_file(dir_.str(), "file");
  std::vector<std::string> paths{file, dir_.str()};
  json doc;
  ASSERT_TRUE(document_of({"needle", "--json", file, dir_.str()}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::needle_schema()));
  EXPECT_EQ(last_.err, "");
  ASSERT_EQ(doc.size(), 2u);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    json n = doc[i];
    SCOPED_TRACE(n.dump());
    struct stat st {};
    ASSERT_EQ(::stat(paths[i].c_str(), &st), 0);
    EXPECT_EQ(n["path"], paths[i]);
    EXPECT_EQ(n["inode"], st.st_ino);
    auto dev_major = n.value("major", 0u);
    auto dev_minor = n.value("minor", 0u);
    EXPECT_EQ(n["needle"], fmt::format("{:02x}:{:02x}:{}", dev_major, dev_minor, st.st_ino));
    EXPECT_EQ(n["stat_dev"], fmt::format("{:02x}:{:02x}", ::major(st.st_dev), ::minor(st.st_dev)));
    EXPECT_EQ(n["dev_differs"], ::makedev(dev_major, dev_minor) != st.st_dev);
    EXPECT_TRUE(paths[i].starts_with(n.value("mount_point", "?")));
    EXPECT_NE(n["fstype"], "");
  }
}

TEST_F(AppletJson, FscheckOfASafeFilesystemHasANullReason) {
  json doc;
  ASSERT_TRUE(document_of({"fscheck", "--json", dir_.str()}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::fscheck_schema()));
  EXPECT_EQ(last_.err, "");
  struct statfs sfs {};
  ASSERT_EQ(::statfs(dir_.str().c_str(), &sfs), 0);
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["path"], dir_.str());
  EXPECT_EQ(doc[0]["checked_path"], dir_.str());
  EXPECT_EQ(doc[0]["magic"], static_cast<std::uint64_t>(sfs.f_type));
  EXPECT_EQ(doc[0]["safe"], true);
  EXPECT_TRUE(doc[0]["reason"].is_null());

  // No PATH: the lock dir and the cache root's .locks, not created yet, are
  // checked where they would be created.
  ASSERT_TRUE(document_of({"fscheck", "--json"}, 0, doc));
  EXPECT_TRUE(matches_schema(doc, test::fscheck_schema()));
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[0]["path"], lock_dir_);
  EXPECT_EQ(doc[0]["checked_path"], dir_.str());
  EXPECT_EQ(doc[1]["path"], cache_dir_ + "/.locks");
  EXPECT_EQ(doc[1]["checked_path"], dir_.str());
}

// A PATH that does not exist is an error on stderr (66), and the JSON is
// still printed: an empty array.
TEST_F(AppletJson, NoPathFoundIsAnEmptyArray) {
  std::string missing = dir_ / "missing";
  for (const char* applet : {"holders", "needle", "fscheck"}) {
    SCOPED_TRACE(applet);
    json doc;
    ASSERT_TRUE(document_of({applet, "--json", missing}, 66, doc));
    EXPECT_EQ(doc, json::array());
    EXPECT_TRUE(last_.err.starts_with(fmt::format("ktstr {}: ", applet))) << last_.err;
  }
}

}  // namespace
}  // namespace ktstr
