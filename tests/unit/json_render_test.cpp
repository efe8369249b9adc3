// json_render on hand-built snapshots and reports: each document parsed with
// nlohmann_json, checked against its schema and compared whole with the
// document it must be. The binary's real documents are in
// json_schema_test.cpp; here every branch is reached on purpose (a refused
// filesystem, unconfirmed holders, untrusted bytes).
#include "lib/json_render.hpp"

#include <sys/sysmacros.h>

#include <gtest/gtest.h>
#include <string>

#include "json_schema.hpp"
#include "ktstr_json_schemas.hpp"

namespace ktstr {
namespace {

using nlohmann::json;
using test::matches_schema;
using test::parse_document;

json parsed(const std::string& text) {
  json doc;
  EXPECT_TRUE(parse_document(text, doc));
  return doc;
}

Holder holder(std::int64_t pid, LockMode mode, bool confirmed, std::string cmdline,
              bool waiter = false) {
  return Holder{.pid = pid,
                .mode = mode,
                .waiter = waiter,
                .confirmed = confirmed,
                .cmdline = std::move(cmdline)};
}

LockRow lock_row(LockRowKind kind, unsigned number, std::string key, unsigned node,
                 std::string lockfile, std::vector<Holder> holders, std::size_t waiters) {
  return LockRow{.kind = kind,
                 .number = number,
                 .key = std::move(key),
                 .numa_node = node,
                 .lockfile = std::move(lockfile),
                 .holders = std::move(holders),
                 .waiters = waiters};
}

TEST(JsonRender, LocksRowsOfEverySection) {
  LocksSnapshot s;
  s.llcs.push_back(lock_row(LockRowKind::llc, 2, "", 1, "/l/ktstr-llc-2.lock",
                            {holder(42, LockMode::shared, true, "ktstr acquire --cpu 9 -- make"),
                             holder(43, LockMode::shared, false, "<cmdline unavailable>")},
                            1));
  s.cpus.push_back(lock_row(LockRowKind::cpu, 0, "", 0, "/l/ktstr-cpu-0.lock", {}, 0));
  s.cpus.push_back(lock_row(LockRowKind::cpu, 9, "", 1, "/l/ktstr-cpu-9.lock",
                            {holder(44, LockMode::exclusive, true, "sleep 5")}, 0));
  // A numa_node on a cache or run-dir row is never printed: they have none.
  s.cache.push_back(lock_row(LockRowKind::cache, 0, "linux-6.12", 7, "/c/.locks/linux-6.12.lock",
                             {holder(45, LockMode::exclusive, true, "cargo ktstr")}, 2));
  s.run_dirs.push_back(
      lock_row(LockRowKind::run_dir, 0, "6.12-abc", 7, "/r/.locks/6.12-abc.lock", {}, 0));
  json want = R"({
    "llcs": [{"llc_idx": 2, "numa_node": 1, "lockfile": "/l/ktstr-llc-2.lock",
              "holders": [{"pid": 42, "cmdline": "ktstr acquire --cpu 9 -- make",
                           "mode": "shared", "confirmed": true},
                          {"pid": 43, "cmdline": "<cmdline unavailable>", "mode": "shared",
                           "confirmed": false}],
              "waiters": 1}],
    "cpus": [{"cpu": 0, "numa_node": 0, "lockfile": "/l/ktstr-cpu-0.lock", "holders": [],
              "waiters": 0},
             {"cpu": 9, "numa_node": 1, "lockfile": "/l/ktstr-cpu-9.lock",
              "holders": [{"pid": 44, "cmdline": "sleep 5", "mode": "exclusive",
                           "confirmed": true}],
              "waiters": 0}],
    "cache": [{"cache_key": "linux-6.12", "lockfile": "/c/.locks/linux-6.12.lock",
               "holders": [{"pid": 45, "cmdline": "cargo ktstr", "mode": "exclusive",
                            "confirmed": true}],
               "waiters": 2}],
    "run_dirs": [{"run_key": "6.12-abc", "lockfile": "/r/.locks/6.12-abc.lock", "holders": [],
                  "waiters": 0}]
  })"_json;
  for (bool pretty : {true, false}) {
    SCOPED_TRACE(pretty ? "pretty" : "compact");
    std::string text = locks_json(s, pretty);
    json doc = parsed(text);
    EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
    EXPECT_EQ(doc, want);
    EXPECT_EQ(text.find('\n') == std::string::npos, !pretty) << text;
  }
}

TEST(JsonRender, EmptySnapshotIsFourEmptyArrays) {
  EXPECT_EQ(locks_json(LocksSnapshot{}, false),
            R"({"llcs":[],"cpus":[],"cache":[],"run_dirs":[]})");
  json doc = parsed(locks_json(LocksSnapshot{}, true));
  EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
  EXPECT_EQ(doc, parsed(R"({"llcs":[],"cpus":[],"cache":[],"run_dirs":[]})"));
}

Needle needle_of(std::string path, LockKey key) {
  Needle n;
  n.path = std::move(path);
  n.key = key;
  return n;
}

TEST(JsonRender, HoldersPutsHoldersAndWaitersApartInOrder) {
  HoldersReport held{
      needle_of("/tmp/a", LockKey{0, 0x2f, 5}),
      {holder(10, LockMode::shared, true, "x"), holder(11, LockMode::shared, false, "y"),
       holder(12, LockMode::exclusive, true, "w1", /*waiter=*/true),
       holder(9, LockMode::shared, false, "w2", /*waiter=*/true)}};
  HoldersReport unheld{needle_of("/tmp/b", LockKey{259, 3, 18446744073709551615u}), {}};
  json doc = parsed(holders_json({held, unheld}));
  EXPECT_TRUE(matches_schema(doc, test::holders_schema()));
  EXPECT_EQ(doc, R"([
    {"path": "/tmp/a", "needle": "00:2f:5",
     "holders": [{"pid": 10, "cmdline": "x", "mode": "shared", "confirmed": true},
                 {"pid": 11, "cmdline": "y", "mode": "shared", "confirmed": false}],
     "waiters": [{"pid": 12, "cmdline": "w1", "mode": "exclusive", "confirmed": true},
                 {"pid": 9, "cmdline": "w2", "mode": "shared", "confirmed": false}]},
    {"path": "/tmp/b", "needle": "103:03:18446744073709551615", "holders": [], "waiters": []}
  ])"_json);
  EXPECT_EQ(parsed(holders_json({})), json::array());
}

TEST(JsonRender, NeedleNamesBothDevices) {
  Needle n = needle_of("/mnt/sub/f", LockKey{0, 0x2f, 1234});
  n.id = FileId{::makedev(0, 0x31), 1234};
  json doc = parsed(needle_json({NeedleReport{n, MountFacts{"/mnt", "btrfs", true}}}));
  EXPECT_TRUE(matches_schema(doc, test::needle_schema()));
  EXPECT_EQ(doc, R"([{"path": "/mnt/sub/f", "needle": "00:2f:1234", "major": 0, "minor": 47,
                      "inode": 1234, "mount_point": "/mnt", "fstype": "btrfs",
                      "stat_dev": "00:31", "dev_differs": true}])"_json);
  EXPECT_EQ(parsed(needle_json({})), json::array());
}

TEST(JsonRender, FscheckReasonIsNullExactlyWhenSafe) {
  FsReport safe{"/tmp", "/tmp", "tmpfs", FsVerdict{0x01021994, "tmpfs", false, ""}};
  FsReport refused{"/net/locks", "/net", "nfs4",
                   FsVerdict{0x6969, "nfs", true, "flock is emulated with byte-range locks"}};
  json doc = parsed(fscheck_json({safe, refused}));
  EXPECT_TRUE(matches_schema(doc, test::fscheck_schema()));
  EXPECT_EQ(doc, R"([
    {"path": "/tmp", "checked_path": "/tmp", "fstype": "tmpfs", "magic": 16914836,
     "safe": true, "reason": null},
    {"path": "/net/locks", "checked_path": "/net", "fstype": "nfs4", "magic": 26985,
     "safe": false, "reason": "flock is emulated with byte-range locks"}
  ])"_json);
}

// Keys, paths and command lines come from other users: control characters
// reach JSON escaped (and decode back as they were), bytes that are not
// UTF-8 become U+FFFD, and the document stays valid.
TEST(JsonRender, UntrustedBytesStayInsideTheirStrings) {
  std::string key = "k\"\\\x1b[2J\n\t\x01\x7f";
  std::string cmdline = "sh -c 'echo \"}]\"'";
  LocksSnapshot s;
  s.cache.push_back(lock_row(LockRowKind::cache, 0, key, 0, "/c/.locks/\xff\xfe.lock",
                             {holder(1, LockMode::exclusive, true, cmdline)}, 0));
  for (bool pretty : {true, false}) {
    json doc = parsed(locks_json(s, pretty));
    EXPECT_TRUE(matches_schema(doc, test::locks_schema()));
    EXPECT_EQ(doc["cache"][0]["cache_key"], key);
    EXPECT_EQ(doc["cache"][0]["lockfile"], "/c/.locks/\xEF\xBF\xBD\xEF\xBF\xBD.lock");
    EXPECT_EQ(doc["cache"][0]["holders"][0]["cmdline"], cmdline);
  }
}

}  // namespace
}  // namespace ktstr
