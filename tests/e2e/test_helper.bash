# Common set-up for every bats file: load bats-support/bats-assert and define
# the one way tests run ktstr, with status checked and stdout/stderr apart.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

: "${KTSTR_BIN_DIR:?KTSTR_BIN_DIR must point at the bin/ directory of the build tree}"
KTSTR=$KTSTR_BIN_DIR/ktstr

# ktstr_run STATUS ARGS...
# Runs `ktstr ARGS...`; fails unless it exits with STATUS. Afterwards
# $output holds stdout and $stderr holds stderr.
ktstr_run() {
  local expected=$1
  shift
  run --separate-stderr "$KTSTR" "$@"
  if [ "$status" -ne "$expected" ]; then
    printf 'ktstr %s\nexpected status %s, got %s\n--- stdout\n%s\n--- stderr\n%s\n' \
      "$*" "$expected" "$status" "$output" "$stderr" >&2
    return 1
  fi
}

# applet_run STATUS LINK ARGS...: the same through a build-tree applet link
# (LINK is "holders", "ktstr-holders", ...).
applet_run() {
  local expected=$1 link=$2
  shift 2
  run --separate-stderr "$KTSTR_BIN_DIR/$link" "$@"
  if [ "$status" -ne "$expected" ]; then
    printf '%s %s\nexpected status %s, got %s\n--- stdout\n%s\n--- stderr\n%s\n' \
      "$link" "$*" "$expected" "$status" "$output" "$stderr" >&2
    return 1
  fi
}

# assert_one_error_line PREFIX: stderr is exactly one line starting with PREFIX.
assert_one_error_line() {
  local prefix=$1
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || {
    printf 'expected one stderr line, got:\n%s\n' "$stderr" >&2
    return 1
  }
  [[ "$stderr" == "$prefix"* ]] || {
    printf 'stderr does not start with %s:\n%s\n' "$prefix" "$stderr" >&2
    return 1
  }
}

# Each test gets a private lock dir and cache dir under BATS_TEST_TMPDIR, so
# tests never see each other's (or the host's) locks.
ktstr_isolate() {
  export KTSTR_LOCK_DIR=$BATS_TEST_TMPDIR/locks
  export KTSTR_CACHE_DIR=$BATS_TEST_TMPDIR/cache
  export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg-config
  unset KTSTR_CONFIG KTSTR_SYSFS_ROOT NO_COLOR
}

# hold_lock [flock options] FILE: starts util-linux flock holding FILE in the
# background, waits until the kernel lists the lock, and sets $HOLDER_PID.
hold_lock() {
  flock "$@" sleep 600 &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
}

# wait_for_lock_pid PID: until /proc/locks shows a lock taken by PID (5 s max).
wait_for_lock_pid() {
  local pid=$1 i
  for i in $(seq 1 500); do
    if awk -v p="$pid" '$0 !~ /->/ && $5 == p { found = 1 } END { exit !found }' /proc/locks; then
      return 0
    fi
    sleep 0.01
  done
  echo "pid $pid never appeared in /proc/locks" >&2
  return 1
}

# Kills every background job of the test; for teardown.
kill_background() {
  local pids
  pids=$(jobs -p)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  wait 2>/dev/null || true
}

# require_root REASON: skip (saying why) when not root.
require_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root: $1"
}

# kill_tree PID: kills PID and all its descendants, deepest first, so that
# none is reparented out of reach before its turn. A holder like `flock F
# sleep 600` leaves `sleep` holding F's open file description when only
# flock is killed; this takes both down so that F's mount can go.
kill_tree() {
  local pid=$1 child
  for child in $(pgrep -P "$pid"); do kill_tree "$child"; done
  kill -KILL "$pid" 2>/dev/null || true
}

# kill_background_trees: kill_background for every job and its descendants;
# for teardown of tests whose holders fork.
kill_background_trees() {
  local pid
  for pid in $(jobs -p); do kill_tree "$pid"; done
  wait || true
  # Let bash report the killed jobs now, into /dev/null, rather than as
  # "Killed" lines in a failing test's output.
  jobs >/dev/null
} 2>/dev/null

# lock_key_of_pid PID: the MAJ:MIN:INODE field of the FLOCK line /proc/locks
# shows for a lock PID holds (not waits for); fails when there is none.
lock_key_of_pid() {
  awk -v p="$1" '$2 == "FLOCK" && $5 == p { print $6; found = 1; exit } END { exit !found }' /proc/locks
}

# wait_for_waiter_pid PID: until /proc/locks shows PID blocked on a lock (a
# "->" line; 5 s max).
wait_for_waiter_pid() {
  local pid=$1 i
  for i in $(seq 1 500); do
    if awk -v p="$pid" '$2 == "->" && $6 == p { found = 1 } END { exit !found }' /proc/locks; then
      return 0
    fi
    sleep 0.01
  done
  echo "pid $pid never appeared waiting in /proc/locks" >&2
  return 1
}

# ktstr_run_as_nobody STATUS ARGS...: ktstr_run, but as user nobody (group
# nogroup, no supplementary groups), for permission tests run as root.
ktstr_run_as_nobody() {
  local expected=$1
  shift
  # ktstr_run runs "$KTSTR" "$@"; bash's dynamic scoping makes it setpriv here.
  local KTSTR
  KTSTR=$(command -v setpriv) || skip "needs setpriv (Debian package util-linux)"
  ktstr_run "$expected" --reuid nobody --regid nogroup --clear-groups -- "$KTSTR_BIN_DIR/ktstr" "$@"
}

# open_path_to_others DIR: adds search permission for others to DIR and each
# of its ancestors inside this run's private temp dir (0700 by default), so
# that a test can run something as another user against files under DIR.
open_path_to_others() {
  local d=$1
  while [[ $d == "$BATS_RUN_TMPDIR"* ]]; do
    chmod o+x "$d"
    [ "$d" = "$BATS_RUN_TMPDIR" ] && break
    d=$(dirname "$d")
  done
}
