# Common set-up for every bats file: load bats-support/bats-assert and define
# the one way tests run ktstr, with status checked and stdout/stderr apart.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

: "${KTSTR_BIN_DIR:?KTSTR_BIN_DIR must point at the build tree's bin/}"
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
