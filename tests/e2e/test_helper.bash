# Common set-up for every bats file: load bats-support/bats-assert and define
# the one way tests run ktstr, with status checked and stdout/stderr apart.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

: "${KTSTR_BIN_DIR:?KTSTR_BIN_DIR must point at the bin/ directory of the build tree}"
# Every test has a deadline of its own, so a hang fails that test fast
# instead of running into ctest's limit (which would skip teardown). Files
# that load this helper from setup() set it at file level themselves, since
# bats reads it before setup runs.
: "${BATS_TEST_TIMEOUT:=120}"
KTSTR=$KTSTR_BIN_DIR/ktstr

# ktstr_run STATUS ARGS...
# Runs `ktstr ARGS...`; fails unless it exits with STATUS. Afterwards
# $output holds stdout and $stderr holds stderr.
ktstr_run() {
  local expected=$1
  shift
  # `run -127` tells bats that 127 is expected (else it warns, BW01).
  local expect_flag=()
  [ "$expected" -eq 127 ] && expect_flag=(-127)
  run "${expect_flag[@]}" --separate-stderr "$KTSTR" "$@"
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
  flock "$@" sleep 600 3>&- &
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

# test_jobs: the pids of the test's background jobs, one a line, less the
# watchdog bats runs as a job for BATS_TEST_TIMEOUT (ending that one would
# set off the timeout; waiting for it would wait out the timeout). Its pid is
# in BATS_killer_pid while the test runs, and in the EXIT trap after a failure.
test_jobs() {
  local watchdog pid
  watchdog=" ${BATS_killer_pid:-} $(trap -p EXIT | grep -oE '[0-9]+' | tr '\n' ' ') "
  for pid in $(jobs -p); do
    [[ $watchdog == *" $pid "* ]] || printf '%s\n' "$pid"
  done
}

# wait_jobs: reaps the test's background jobs (not the watchdog).
wait_jobs() {
  local pid
  for pid in $(test_jobs); do wait "$pid" 2>/dev/null || true; done
}

# Kills every background job of the test; for teardown.
kill_background() {
  local pids
  pids=$(test_jobs)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  wait_jobs
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
  for pid in $(test_jobs); do kill_tree "$pid"; done
  wait_jobs
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

# ---- background runs, wrappers and lock holders (acquire tests) ----

# ktstr_start ARGS...: starts `ktstr ARGS...` in the background with stdout
# and stderr in files and fd 3 closed (bats waits for whoever holds fd 3);
# sets $KTSTR_PID. Check it with ktstr_wait.
declare -gA KTSTR_BG_OUT=() KTSTR_BG_ERR=()
ktstr_start() {
  local n=${#KTSTR_BG_OUT[@]}
  local out=$BATS_TEST_TMPDIR/bg$n.out err=$BATS_TEST_TMPDIR/bg$n.err
  "$KTSTR" "$@" >"$out" 2>"$err" 3>&- &
  KTSTR_PID=$!
  KTSTR_BG_OUT[$KTSTR_PID]=$out
  KTSTR_BG_ERR[$KTSTR_PID]=$err
}

# ktstr_start_interruptible ARGS...: ktstr_start with SIGINT and SIGQUIT at
# their default dispositions. A background job of a script inherits them
# ignored, and acquire keeps an inherited ignore (as flock(1) does), so a
# test that interrupts a waiting acquire must start it this way.
ktstr_start_interruptible() {
  local real=$KTSTR
  KTSTR=perl
  ktstr_start -e '$SIG{INT} = $SIG{QUIT} = "DEFAULT"; exec { $ARGV[0] } @ARGV or die "exec: $!"' \
    "$real" "$@"
  KTSTR=$real
}

# pid_ended PID: PID has exited (gone, or a zombie nobody reaped yet).
pid_ended() {
  [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*[ZX]' "/proc/$1/status" 2>/dev/null
}

# wait_until DESCRIPTION COMMAND...: polls COMMAND every 10 ms until it
# succeeds; fails after 20 s (a hang, not a slow machine).
wait_until() {
  local what=$1 i
  shift
  for ((i = 0; i < 2000; i++)); do
    "$@" && return 0
    sleep 0.01
  done
  echo "timed out waiting until $what" >&2
  return 1
}

# ktstr_wait STATUS [PID]: waits (20 s at most) for a ktstr_start run to end;
# fails unless it exited with STATUS. Sets $status, $output and $stderr.
ktstr_wait() {
  local expected=$1 pid=${2:-$KTSTR_PID} i
  for ((i = 0; i < 2000; i++)); do
    pid_ended "$pid" && break
    sleep 0.01
  done
  if ! pid_ended "$pid"; then
    echo "ktstr (pid $pid) still running after 20 s" >&2
    return 1
  fi
  status=0
  wait "$pid" || status=$?
  output=$(cat "${KTSTR_BG_OUT[$pid]}")
  stderr=$(cat "${KTSTR_BG_ERR[$pid]}")
  if [ "$status" -ne "$expected" ]; then
    printf 'ktstr (pid %s): expected status %s, got %s\n--- stdout\n%s\n--- stderr\n%s\n' \
      "$pid" "$expected" "$status" "$output" "$stderr" >&2
    return 1
  fi
}

# ktstr_run_with STATUS [WRAPPER...] -- ARGS...: ktstr_run, with ktstr started
# through WRAPPER (`taskset -c 1`, `setpriv --reuid=nobody`, `timeout 20`).
ktstr_run_with() {
  local expected=$1 wrapper=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    wrapper+=("$1")
    shift
  done
  shift
  # 127 is expected of acquire for a missing command; say so, or bats warns
  # that ktstr itself was not found (BW01).
  local flag=()
  [ "$expected" -ne 127 ] || flag=(-127)
  run "${flag[@]}" --separate-stderr "${wrapper[@]}" "$KTSTR" "$@"
  if [ "$status" -ne "$expected" ]; then
    printf '%s ktstr %s\nexpected status %s, got %s\n--- stdout\n%s\n--- stderr\n%s\n' \
      "${wrapper[*]}" "$*" "$expected" "$status" "$output" "$stderr" >&2
    return 1
  fi
}

# ktstr_run_tty STATUS ARGS...: ktstr_run with stdout and stderr on a
# terminal (script(1)); $output holds what the terminal showed, both streams.
ktstr_run_tty() {
  local expected=$1 cmd
  shift
  printf -v cmd '%q ' "$KTSTR" "$@"
  # A wide terminal, so a status line is not cut at 80 columns.
  run --separate-stderr script -qec "stty cols 250 2>/dev/null; $cmd" /dev/null </dev/null
  if [ "$status" -ne "$expected" ]; then
    printf 'ktstr %s (on a tty)\nexpected status %s, got %s\n--- terminal\n%s\n--- stderr\n%s\n' \
      "$*" "$expected" "$status" "$output" "$stderr" >&2
    return 1
  fi
}

# harness_hold FLOCK-OPTIONS... FILE: util-linux flock holding FILE in the
# background the way the Rust harness holds its lock files; -o keeps the lock
# fd out of flock's `sleep`, so the flock process is the only holder. Waits
# until the kernel lists the lock; sets $HOLDER_PID. Undo with harness_release.
harness_hold() {
  flock -o "$@" sleep 600 >/dev/null 2>&1 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
}

# harness_release [PID]: ends a harness_hold holder (and its sleep), which
# drops its lock.
harness_release() {
  local pid=${1:-$HOLDER_PID} kids
  kids=$(pgrep -P "$pid" || true)
  kill "$pid" $kids 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# kill_jobs_and_children: for teardown: kills every background job and its
# direct children (the `sleep` of a flock holder), then reaps the jobs.
kill_jobs_and_children() {
  local pid kids
  for pid in $(test_jobs); do
    kids=$(pgrep -P "$pid" || true)
    kill "$pid" $kids 2>/dev/null || true
  done
  wait_jobs
}

# needle_of PATH: the /proc/locks key of PATH, from `ktstr needle`.
needle_of() {
  ktstr_run 0 needle "$1"
  printf '%s\n' "$output"
}

# proc_locks_key PATH: the MAJ:MIN:INODE key /proc/locks shows for PATH,
# worked out here without ktstr (whose `needle` is under test): the device of
# the /proc/self/mountinfo entry with the longest mount point that is a
# prefix of PATH on a component boundary (octal escapes such as \040
# decoded), as two-digit lowercase hex the way the kernel prints it, and the
# inode from stat(1).
proc_locks_key() {
  local path ino
  path=$(realpath -e -- "$1") || return 1
  ino=$(stat -c %i -- "$path") || return 1
  LC_ALL=C awk -v p="$path" -v ino="$ino" '
    function unescape(s,   out, i, c) {
      out = ""
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\" && substr(s, i + 1, 3) ~ /^[0-7][0-7][0-7]$/) {
          out = out sprintf("%c", (substr(s, i + 1, 1) * 64) + (substr(s, i + 2, 1) * 8) + substr(s, i + 3, 1))
          i += 3
        } else {
          out = out c
        }
      }
      return out
    }
    {
      mp = unescape($5)
      covers = (mp == "/" || p == mp || index(p, mp "/") == 1)
      # Later entries stack on earlier ones at the same mount point.
      if (covers && length(mp) >= best) { best = length(mp); dev = $3 }
    }
    END {
      if (dev == "") exit 1
      split(dev, mm, ":")
      printf "%02x:%02x:%s\n", mm[1], mm[2], ino
    }' /proc/self/mountinfo
}

# flock_mode PID PATH [LOCKS_FILE]: WRITE or READ for the lock PID holds (not
# waits for) on PATH in /proc/locks (or a saved copy); empty when none.
flock_mode() {
  local key
  key=$(proc_locks_key "$2") || return 1
  awk -v p="$1" -v k="$key" '$2 == "FLOCK" && $5 == p && $6 == k { print $4 }' "${3:-/proc/locks}"
}

# flock_waiting_on PID PATH: PID is blocked in flock(2) on PATH.
flock_waiting_on() {
  local key
  key=$(proc_locks_key "$2") || return 1
  awk -v p="$1" -v k="$key" '$2 == "->" && $6 == p && $7 == k { found = 1 } END { exit !found }' /proc/locks
}

# flocks_held_by PID [LOCKS_FILE]: how many locks PID holds (waits excluded).
flocks_held_by() {
  awk -v p="$1" '$2 == "FLOCK" && $5 == p { n++ } END { print n + 0 }' "${2:-/proc/locks}"
}

# flock_waiting PID: PID is blocked in flock(2) (a "->" line in /proc/locks).
flock_waiting() {
  awk -v p="$1" '$2 == "->" && $6 == p { found = 1 } END { exit !found }' /proc/locks
}

# write_probe: creates $BATS_TEST_TMPDIR/probe, a command for acquire to run
# that records what it sees into the directory given as its argument: ppid,
# pid, a copy of /proc/locks, KTSTR_CPUS, KTSTR_LOCKS and KTSTR_CPU_CAP
# ("unset" when absent), its Cpus_allowed_list and the targets of its open
# fds. Sets $PROBE.
write_probe() {
  PROBE=$BATS_TEST_TMPDIR/probe
  cat >"$PROBE" <<'PROBE_EOF'
#!/bin/sh
out=$1
echo "$PPID" >"$out/ppid"
echo "$$" >"$out/pid"
cat /proc/locks >"$out/proc_locks"
printf '%s\n' "${KTSTR_CPUS-unset}" >"$out/cpus"
printf '%s\n' "${KTSTR_LOCKS-unset}" >"$out/lockpaths"
printf '%s\n' "${KTSTR_CPU_CAP-unset}" >"$out/cpu_cap"
sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$$/status" >"$out/allowed"
for fd in /proc/$$/fd/*; do readlink "$fd" || :; done >"$out/fds"
PROBE_EOF
  chmod +x "$PROBE"
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

# acquire_test_setup: the set-up every acquire*.bats file shares: the fake
# sysfs helpers, a private lock dir ($D) and scratch dir ($T), and the probe
# command ($PROBE).
acquire_test_setup() {
  load fake_sysfs
  ktstr_isolate
  D=$KTSTR_LOCK_DIR
  T=$BATS_TEST_TMPDIR
  write_probe
}
