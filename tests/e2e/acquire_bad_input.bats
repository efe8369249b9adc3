#!/usr/bin/env bats
# acquire on hostile or broken lock paths (SPEC §3 "Opening a lock file"):
# no hang, one clear error line, and no lock file left behind.

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  fake_topology_small
}

teardown() {
  kill_jobs_and_children
  if [ -n "${SHARED_DIR:-}" ]; then rm -rf "$SHARED_DIR"; fi
}

# only_these_in DIR NAME...: DIR holds exactly the entries NAME... (sorted).
only_these_in() {
  local dir=$1
  shift
  local want=""
  [ $# -eq 0 ] || want=$(printf '%s ' "$@")
  assert_equal "$(cd "$dir" && ls -A | tr '\n' ' ')" "$want"
}

@test "a FIFO at a lock path: no hang, exit 73 naming it, no other lock file created" {
  mkdir -p "$D"
  mkfifo "$D/ktstr-cpu-0.lock"
  ktstr_run_with 73 timeout 30 -- acquire --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$D/ktstr-cpu-0.lock"*FIFO* ]]
  [ ! -e "$T/ran" ]
  only_these_in "$D" ktstr-cpu-0.lock
  [ -p "$D/ktstr-cpu-0.lock" ]
}

@test "a FIFO at a --path: no hang, exit 73, the CPU and cache lock files not created" {
  mkfifo "$T/fifo"
  ktstr_run_with 73 timeout 30 -- acquire --cpu 0 --cache k --path "$T/fifo" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/fifo"*FIFO* ]]
  [ ! -e "$T/ran" ]
  [ ! -e "$D/ktstr-cpu-0.lock" ]
  [ ! -e "$D/ktstr-llc-1.lock" ]
  [ ! -e "$KTSTR_CACHE_DIR/.locks/k.lock" ]
}

@test "a directory at a lock path: exit 73 naming it" {
  mkdir -p "$D/ktstr-llc-1.lock"
  ktstr_run 73 acquire --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$D/ktstr-llc-1.lock"*directory* ]]
  [ ! -e "$T/ran" ]
  only_these_in "$D" ktstr-llc-1.lock
}

@test "a dangling symlink at a lock path: refused, its target not created" {
  mkdir -p "$D"
  ln -s "$T/target" "$D/ktstr-cpu-0.lock"
  ktstr_run 73 acquire --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$D/ktstr-cpu-0.lock"*"symbolic link"* ]]
  [ ! -e "$T/target" ]
  [ ! -e "$T/ran" ]
  only_these_in "$D" ktstr-cpu-0.lock
}

@test "a symlink to a regular file at a --path is not followed either" {
  echo keep >"$T/target"
  ln -s "$T/target" "$T/link"
  # The target is held: a tool that followed the link would find it busy
  # (75 with -n, a hang without) instead of refusing the link itself.
  harness_hold -x "$T/target"
  ktstr_run_with 73 timeout 20 -- acquire --path "$T/link" -- touch "$T/ran"
  [[ "$stderr" == *"$T/link"*"symbolic link"* ]]
  [ ! -e "$T/ran" ]
  ktstr_run 73 acquire -n --path "$T/link" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  assert_equal "$(cat "$T/target")" keep
  [ -L "$T/link" ]
}

@test "a lock dir that is a regular file: exit 73 naming it, file untouched" {
  echo data >"$T/file"
  KTSTR_LOCK_DIR=$T/file ktstr_run 73 acquire --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/file"*"not a directory"* ]]
  assert_equal "$(cat "$T/file")" data
  [ ! -e "$T/ran" ]
}

@test "a --path whose parent is a regular file: an error, no hang" {
  echo data >"$T/file"
  ktstr_run_with 66 timeout 30 -- acquire --path "$T/file/x" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/file"* ]]
  assert_equal "$(cat "$T/file")" data
}

# ---- other users: run as nobody through setpriv ----

# shared_dir: a directory under /tmp that nobody can reach, owned by root,
# since $BATS_TEST_TMPDIR is private to root; the fake sysfs moves there too.
# Sets $SHARED_DIR (removed in teardown).
shared_dir() {
  SHARED_DIR=$(mktemp -d /tmp/ktstr-acquire-test.XXXXXX)
  chmod 755 "$SHARED_DIR"
  cp -r "$FAKE_SYSFS" "$SHARED_DIR/sysfs"
  export KTSTR_SYSFS_ROOT=$SHARED_DIR/sysfs
}

as_nobody() {
  echo setpriv --reuid=nobody --regid=nogroup --clear-groups
}

@test "lock files root's acquire created can be locked SH and EX by nobody" {
  require_root "switches to nobody"
  shared_dir
  export KTSTR_LOCK_DIR=$SHARED_DIR/locks
  ktstr_run 0 acquire --cpu 0 -- true
  ktstr_run_with 0 $(as_nobody) -- acquire --cpu 0 -- true
  ktstr_run_with 0 $(as_nobody) -- acquire --llc 1 -- true
  ktstr_run_with 0 $(as_nobody) -- acquire --llc 1 --shared -- true
}

@test "an unreadable lock dir (as nobody): exit 77 naming it, nothing created" {
  require_root "switches to nobody"
  shared_dir
  export KTSTR_LOCK_DIR=$SHARED_DIR/locks
  mkdir -m 700 "$KTSTR_LOCK_DIR"
  ktstr_run_with 77 $(as_nobody) -- acquire --cpu 0 -- touch "$SHARED_DIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$KTSTR_LOCK_DIR"* ]]
  [ ! -e "$SHARED_DIR/ran" ]
  only_these_in "$KTSTR_LOCK_DIR"

  # The same when the lock files already exist in it.
  : >"$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  : >"$KTSTR_LOCK_DIR/ktstr-llc-1.lock"
  chmod 666 "$KTSTR_LOCK_DIR"/*.lock
  ktstr_run_with 77 $(as_nobody) -- acquire --cpu 0 -- touch "$SHARED_DIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$KTSTR_LOCK_DIR"* ]]
  [ ! -e "$SHARED_DIR/ran" ]
}

@test "a lock file nobody cannot open: exit 77 naming it" {
  require_root "switches to nobody"
  shared_dir
  export KTSTR_LOCK_DIR=$SHARED_DIR/locks
  mkdir -m 1777 "$KTSTR_LOCK_DIR"
  : >"$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  chmod 600 "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  ktstr_run_with 77 $(as_nobody) -- acquire --cpu 0 -- touch "$SHARED_DIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"* ]]
  [ ! -e "$SHARED_DIR/ran" ]
  only_these_in "$KTSTR_LOCK_DIR" ktstr-cpu-0.lock
}

@test "a lock dir nobody cannot create: exit 77 naming it" {
  require_root "switches to nobody"
  shared_dir
  mkdir -m 755 "$SHARED_DIR/parent"
  export KTSTR_LOCK_DIR=$SHARED_DIR/parent/locks
  ktstr_run_with 77 $(as_nobody) -- acquire --cpu 0 -- touch "$SHARED_DIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$KTSTR_LOCK_DIR"* ]]
  [ ! -e "$KTSTR_LOCK_DIR" ]
}

@test "one file named twice (a/x and a//x, a --path naming a CPU lock): exit 64, no hang, nothing created" {
  ktstr_run_with 64 timeout 30 -- acquire --path "$T/x" --path "$T//x" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"same file"* ]]
  [ ! -e "$T/ran" ]
  [ ! -e "$T/x" ]
  rm -rf "$D"
  ktstr_run_with 64 timeout 30 -- acquire --cpu 0 --path "$D/../${D##*/}/ktstr-cpu-0.lock" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"same file"* ]]
  [ ! -e "$T/ran" ]
  [ ! -e "$D" ]
  # Existing files, one spelt through a symlinked directory.
  mkdir -p "$D"
  : >"$D/ktstr-cpu-1.lock"
  ln -s "$D" "$T/lockdir"
  ktstr_run 64 acquire --cpus 1 --no-pin --path "$T/lockdir/ktstr-cpu-1.lock" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"same file"* ]]
  # A cache entry and a --path naming the same file.
  ktstr_run 64 acquire --cache k --path "$KTSTR_CACHE_DIR//.locks/k.lock" -- touch "$T/ran"
  [[ "$stderr" == *"same file"* ]]
  [ ! -e "$KTSTR_CACHE_DIR/.locks/k.lock" ]
  [ ! -e "$T/ran" ]
}
