#!/usr/bin/env bats
# The Rust harness's other two lock kinds: source-tree locks
# ({cache}/.locks/source-CRC.lock, serialising builds in one kernel tree) and
# run-dir locks ({runs_root}/.locks/KEY.lock), taken by acquire, listed by
# locks, and interoperating with util-linux flock playing the harness.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D" "$KTSTR_CACHE_DIR"
  unset CARGO_TARGET_DIR
  R=$T/runs
}

teardown() {
  kill_jobs_and_children
}

# The harness's name for a source tree, computed outside ktstr.
source_lock_name() {
  python3 -c 'import os, sys, zlib
print("source-%08x.lock" % zlib.crc32(os.path.realpath(sys.argv[1]).encode()))' "$1"
}

@test "--source DIR locks {cache}/.locks/source-CRC32(realpath).lock exclusively" {
  mkdir -p "$T/linux"
  local name
  name=$(source_lock_name "$T/linux")
  ktstr_run 0 acquire --source "$T/linux" -- sh -c 'echo "$KTSTR_LOCKS"; grep -c "FLOCK  ADVISORY  WRITE" /proc/locks'
  assert_line "$KTSTR_CACHE_DIR/.locks/$name"
  [ -e "$KTSTR_CACHE_DIR/.locks/$name" ]
}

@test "the source-tree lock name of /usr/src/linux is source-9990a221.lock" {
  [ "$(source_lock_name /usr/src/linux)" = source-9990a221.lock ]
  mkdir -p "$T/root/usr/src/linux"
  # realpath of the tree itself decides; a tree reached by another path
  # gets another name, as the harness's canonical path does.
  ktstr_run 0 acquire --source "$T/root/usr/src/linux" -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$KTSTR_CACHE_DIR/.locks/$(source_lock_name "$T/root/usr/src/linux")"
}

@test "a source tree given through a symlink takes the same lock" {
  mkdir -p "$T/linux"
  ln -s "$T/linux" "$T/link"
  local name
  name=$(source_lock_name "$T/linux")
  mkdir -p "$KTSTR_CACHE_DIR/.locks"
  flock -o "$KTSTR_CACHE_DIR/.locks/$name" sleep 600 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 75 acquire -n --source "$T/link" -- true
  [[ "$stderr" == *"$name"* ]]
}

@test "--source refuses a missing tree (66) and a file (64), creating nothing" {
  ktstr_run 66 acquire --source "$T/nope" -- true
  assert_one_error_line "ktstr acquire:"
  touch "$T/file"
  ktstr_run 64 acquire --source "$T/file" -- true
  assert_one_error_line "ktstr acquire:"
  [ ! -e "$KTSTR_CACHE_DIR/.locks" ]
}

@test "--run KEY locks {runs_root}/.locks/KEY.lock; a harness holding it makes -n exit 75" {
  ktstr_run 0 --runs-dir "$R" acquire --run 6.12-abc123 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$R/.locks/6.12-abc123.lock"
  # util-linux flock plays the harness writing a run's sidecar files.
  flock -o "$R/.locks/6.12-abc123.lock" sleep 600 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 75 --runs-dir "$R" acquire -n --run 6.12-abc123 -- true
}

@test "the runs root defaults to \$CARGO_TARGET_DIR/ktstr, else target/ktstr under the cwd" {
  CARGO_TARGET_DIR=$T/tgt ktstr_run 0 acquire --run k1 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$T/tgt/ktstr/.locks/k1.lock"
  cd "$T"
  ktstr_run 0 acquire --run k2 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$T/target/ktstr/.locks/k2.lock"
}

@test "--run refuses a bad key with 64, creating nothing" {
  ktstr_run 64 --runs-dir "$R" acquire --run a/b -- true
  ktstr_run 64 --runs-dir "$R" acquire --run .hidden -- true
  [ ! -e "$R" ]
}

@test "locks lists run-dir locks under run_dirs and in a Run-dir locks: section" {
  mkdir -p "$R/.locks"
  touch "$R/.locks/6.12-abc123.lock"
  flock -o "$R/.locks/6.12-abc123.lock" sleep 600 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 0 --runs-dir "$R" locks --json
  [ "$(jq -r '.run_dirs[0].run_key' <<<"$output")" = 6.12-abc123 ]
  [ "$(jq -r '.run_dirs[0].lockfile' <<<"$output")" = "$R/.locks/6.12-abc123.lock" ]
  [ "$(jq -r '.run_dirs[0].holders[0].pid' <<<"$output")" = "$HOLDER_PID" ]
  ktstr_run 0 --runs-dir "$R" locks
  assert_line "Run-dir locks:"
  assert_line --partial "6.12-abc123"
}

@test "locks lists a source-tree lock among the cache rows with its source- key" {
  mkdir -p "$T/linux"
  local name
  name=$(source_lock_name "$T/linux")
  ktstr_start acquire --source "$T/linux" -- sleep 30
  wait_until "acquire holds it" wait_for_lock_pid "$KTSTR_PID"
  ktstr_run 0 locks --json
  [ "$(jq -r '.cache[0].cache_key' <<<"$output")" = "${name%.lock}" ]
}

@test "locks marks source-tree locks in the text, and keeps the harness's key in the JSON" {
  mkdir -p "$T/linux" "$KTSTR_CACHE_DIR/.locks"
  local name
  name=$(source_lock_name "$T/linux")
  : >"$KTSTR_CACHE_DIR/.locks/linux-6.12.lock"
  ktstr_start acquire --source "$T/linux" -- sleep 30
  wait_until "acquire holds it" wait_for_lock_pid "$KTSTR_PID"
  ktstr_run 0 locks
  assert_line --regexp "^  ${name%.lock} \(source tree\) +$KTSTR_CACHE_DIR/.locks/$name +$KTSTR_PID exclusive "
  assert_line --regexp "^  linux-6\.12 +$KTSTR_CACHE_DIR/.locks/linux-6\.12\.lock +-$"
  ktstr_run 0 locks --json
  assert_equal "$(jq -c '[.cache[].cache_key]' <<<"$output")" "[\"linux-6.12\",\"${name%.lock}\"]"
}
