#!/usr/bin/env bats
# A held lock file removed from its path (by hand, by a tmp cleaner) does not
# hand the resource out twice: the holder makes a new file at the path and
# locks it too, so the next acquire finds it held.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
}

teardown() {
  kill_jobs_and_children
}

hold_with_acquire() {
  ktstr_start "$@" -- sleep 30
  wait_until "acquire holds its lock" wait_for_lock_pid "$KTSTR_PID"
}

@test "rm of a held --path lock file: a second acquire still finds it held" {
  hold_with_acquire acquire --path "$T/f"
  rm "$T/f"
  wait_until "the holder remade the file" test -e "$T/f"
  ktstr_run 75 acquire -n --path "$T/f" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"held by $KTSTR_PID"* ]]
}

@test "rm and re-create of a held CPU lock file: CPU 0 is not handed out twice" {
  fake_topology_small
  hold_with_acquire acquire --cpu 0
  rm "$D/ktstr-cpu-0.lock"
  touch "$D/ktstr-cpu-0.lock"
  # The new file is taken by the holder within a tick.
  wait_until "the holder locks the new file" \
    sh -c '! flock -n -x "$1" true' sh "$D/ktstr-cpu-0.lock"
  ktstr_run 75 acquire -n --cpu 0 -- touch "$T/ran"
  [ ! -e "$T/ran" ]
}

@test "rm -rf of the whole lock dir's files while held: the locks come back" {
  fake_topology_small
  hold_with_acquire acquire --cpu 0
  rm -f "$D"/ktstr-*.lock
  wait_until "the holder remade its files" test -e "$D/ktstr-cpu-0.lock"
  wait_until "the LLC lock too" test -e "$D/ktstr-llc-1.lock"
  ktstr_run 75 acquire -n --cpu 0 -- true
  ktstr_run 75 acquire -n --llc 1 -- true
}

@test "after the holder ends, the remade file is free again" {
  ktstr_start acquire --path "$T/f" -- sleep 1
  wait_until "acquire holds its lock" wait_for_lock_pid "$KTSTR_PID"
  rm "$T/f"
  wait_until "the holder remade the file" test -e "$T/f"
  ktstr_wait 0
  flock -n -x "$T/f" true
}

@test "the package's tmpfiles.d rule exempts /tmp/ktstr-*.lock from cleaning" {
  local conf=$KTSTR_SOURCE_DIR/packaging/ktstr-tmpfiles.conf
  grep -qx 'x /tmp/ktstr-\*\.lock' "$conf"
  if command -v systemd-tmpfiles >/dev/null; then
    run systemd-tmpfiles --cat-config "$conf"
    [ "$status" -eq 0 ]
  fi
}
