#!/usr/bin/env bats
# The reservation covers the command's whole process tree: what the command
# leaves behind is ended before the locks go (or, with --wait-descendants,
# waited for while the locks stay held). And the command inherits the lock
# space acquire used, so a nested ktstr or Rust harness locks the same files.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
}

teardown() {
  [ -s "$T/pid" ] && kill -KILL "$(cat "$T/pid")" 2>/dev/null
  kill_jobs_and_children
}

alive() {
  [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*[ZX]' "/proc/$1/status" 2>/dev/null
}

@test "a background child the command left behind is ended before acquire exits" {
  ktstr_run 0 acquire --path "$T/f" -- sh -c 'sleep 60 & echo $! > "$1"' sh "$T/pid"
  run ! alive "$(cat "$T/pid")"
  # And the lock is free only now that nothing of the tree runs.
  flock -n -x "$T/f" true
}

@test "a leftover that ignores SIGTERM gets SIGKILL after the grace period" {
  ktstr_run 0 acquire --path "$T/f" -- \
    sh -c '(trap "" TERM; exec sleep 60) & echo $! > "$1"' sh "$T/pid"
  run ! alive "$(cat "$T/pid")"
}

@test "a daemonised leftover (new session, parent gone) is ended too" {
  ktstr_run 0 acquire --path "$T/f" -- \
    sh -c 'setsid sh -c "sleep 60 & echo \$! > \"\$1\"" sh "$1" & wait' sh "$T/pid"
  wait_until "the pid file is written" test -s "$T/pid"
  run ! alive "$(cat "$T/pid")"
}

@test "--wait-descendants keeps the locks until the leftovers have exited" {
  ktstr_start acquire --wait-descendants --path "$T/f" -- \
    sh -c '(sleep 1; touch "$1") & echo $! > "$2"' sh "$T/done" "$T/pid"
  wait_until "the command has exited" test -s "$T/pid"
  # The command is gone, its leftover still runs: the lock is still held.
  run ! flock -n -x "$T/f" true
  ktstr_wait 0
  [ -e "$T/done" ]
  flock -n -x "$T/f" true
}

@test "the command gets KTSTR_LOCK_DIR and KTSTR_CACHE_DIR of the lock space acquire used" {
  unset KTSTR_LOCK_DIR KTSTR_CACHE_DIR
  fake_topology_small
  ktstr_run 0 --lock-dir "$T/flagdir" acquire --cache-dir "$T/cache" --cpu 0 -- env
  assert_line "KTSTR_LOCK_DIR=$T/flagdir"
  assert_line "KTSTR_CACHE_DIR=$T/cache"
}

@test "a nested acquire inside a run whose lock dir came from a flag sees the same locks" {
  unset KTSTR_LOCK_DIR
  fake_topology_small
  ktstr_run 0 --lock-dir "$T/flagdir" acquire --cpu 0 -- \
    sh -c '"$1" acquire -n --cpu 0 -- true; echo "nested=$?"' sh "$KTSTR"
  assert_line "nested=75"
}
