#!/usr/bin/env bats
# locks: every ktstr lock file, who holds it, live (SPEC §4 locks, issue 4).
# Real locks throughout: taken by `ktstr acquire` and by util-linux flock(1).

load test_helper

setup() {
  ktstr_isolate
}

teardown() {
  # flock(1) and acquire fork their command; end those children as well, so
  # no `sleep 600` outlives the test.
  kill_background_trees
  # The private tmux server of a terminal test, and what runs in it.
  if [ -n "${TMUX_SOCK:-}" ] && [ -S "$TMUX_SOCK" ]; then
    tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || :
  fi
}

# The exact output of a listing with nothing in it.
EMPTY_TEXT='LLC locks:
  (none)
Per-CPU locks:
  (none)
Cache-entry locks:
  (none)
Run-dir locks:
  (none)'
EMPTY_JSON='{"llcs":[],"cpus":[],"cache":[],"run_dirs":[]}'

# holders_of SECTION ID: "pid mode" of each holder of one JSON row, one a line.
holders_of() {
  jq -r --arg section "$1" --argjson id "$2" '
    .[$section][] | select((.cpu // .llc_idx) == $id) | .holders[] | "\(.pid) \(.mode)"' \
    <<<"$output"
}

# bg_flock [flock options] FILE: flock(1) holds FILE in the background until
# teardown; sets $HOLDER_PID once the kernel lists the lock.
bg_flock() {
  hold_lock "$@"
}

# fake_sysfs DIR: a 4-CPU, 2-node host whose LLC cache ids run backwards
# (CPUs 0-1 share id 7, CPUs 2-3 id 2), so LLC index 0 is CPUs 2-3 on node 1.
fake_sysfs() {
  local root=$1 c id
  mkdir -p "$root/devices/system/cpu" "$root/devices/system/node/node0" \
    "$root/devices/system/node/node1"
  echo 0-3 >"$root/devices/system/cpu/online"
  echo 0-1 >"$root/devices/system/node/node0/cpulist"
  echo 2-3 >"$root/devices/system/node/node1/cpulist"
  for c in 0 1 2 3; do
    if [ "$c" -lt 2 ]; then id=7; else id=2; fi
    mkdir -p "$root/devices/system/cpu/cpu$c/cache/index3"
    ln -s "../../node/node$((c / 2))" "$root/devices/system/cpu/cpu$c/node$((c / 2))"
    echo 3 >"$root/devices/system/cpu/cpu$c/cache/index3/level"
    echo "$id" >"$root/devices/system/cpu/cpu$c/cache/index3/id"
    if [ "$c" -lt 2 ]; then echo 0-1; else echo 2-3; fi \
      >"$root/devices/system/cpu/cpu$c/cache/index3/shared_cpu_list"
  done
}

# ktstr_tty_run STATUS ARGS...: ktstr_run with stdout on a terminal (script(1)).
ktstr_tty_run() {
  local expected=$1 cmd
  shift
  printf -v cmd '%q ' "$KTSTR" "$@"
  run --separate-stderr script -qec "$cmd" /dev/null
  if [ "$status" -ne "$expected" ]; then
    printf 'ktstr %s (on a tty)\nexpected status %s, got %s\n--- stdout\n%s\n--- stderr\n%s\n' \
      "$*" "$expected" "$status" "$output" "$stderr" >&2
    return 1
  fi
}

# A listing of DIR, with modes and sizes, to compare before and after.
dir_state() {
  find "$1" -printf '%p %m %s %y\n' 2>/dev/null | sort
}

@test "empty: four sections of (none), exactly, and nothing on stderr" {
  ktstr_run 0 locks
  assert_equal "$output" "$EMPTY_TEXT"
  assert_equal "$stderr" ""
}

@test "empty --json: empty arrays, pretty, never empty output" {
  ktstr_run 0 locks --json
  assert_equal "$(jq -c . <<<"$output")" "$EMPTY_JSON"
  # One-shot JSON is pretty: one key a line.
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 6 ]
  assert_equal "$stderr" ""
}

@test "a missing lock dir and cache root: empty sections, and they stay missing" {
  [ ! -e "$KTSTR_LOCK_DIR" ]
  ktstr_run 0 locks
  assert_equal "$output" "$EMPTY_TEXT"
  ktstr_run 0 locks --json
  assert_equal "$(jq -c . <<<"$output")" "$EMPTY_JSON"
  [ ! -e "$KTSTR_LOCK_DIR" ]
  [ ! -e "$KTSTR_CACHE_DIR" ]
}

@test "a lock dir that is a regular file is an empty section" {
  : >"$BATS_TEST_TMPDIR/not-a-dir"
  ktstr_run 0 locks --lock-dir "$BATS_TEST_TMPDIR/not-a-dir" --json
  assert_equal "$(jq -c . <<<"$output")" "$EMPTY_JSON"
}

@test "acquire --cpus 1: an exclusive CPU row and a shared LLC row, held by acquire" {
  # A topology with caches: not every machine's sysfs describes them.
  load fake_sysfs
  fake_topology_small
  "$KTSTR" acquire --cpus 1 -- sleep 600 3>&- &
  local pid=$!
  wait_for_lock_pid "$pid"
  ktstr_run 0 locks --json
  # acquire may have created the lock files of the CPUs it considered; one
  # of them is held.
  local held='[.[] | select(.holders != [])]'
  assert_equal "$(jq ".cpus | $held | length" <<<"$output")" 1
  assert_equal "$(jq ".llcs | $held | length" <<<"$output")" 1
  local cpu
  cpu=$(jq ".cpus | $held | .[0].cpu" <<<"$output")
  assert_equal "$(jq -r ".cpus | $held | .[0].lockfile" <<<"$output")" \
    "$KTSTR_LOCK_DIR/ktstr-cpu-$cpu.lock"
  assert_equal "$(holders_of cpus "$cpu")" "$pid exclusive"
  assert_equal "$(jq -r '.llcs[].holders[] | "\(.pid) \(.mode)"' <<<"$output")" "$pid shared"
  assert_equal "$(jq -r ".cpus | $held | .[0].holders[0].cmdline" <<<"$output")" \
    "$KTSTR acquire --cpus 1 -- sleep 600"

  ktstr_run 0 locks
  assert_line --regexp "^  $cpu +[0-9?]+ +$KTSTR_LOCK_DIR/ktstr-cpu-$cpu.lock +$pid exclusive $KTSTR acquire --cpus 1 -- sleep 600\$"
  assert_line --regexp "^  [0-9]+ +[0-9?]+ +$KTSTR_LOCK_DIR/ktstr-llc-[0-9]+.lock +$pid shared "
}

@test "acquire --llc 0: an exclusive LLC row" {
  # A topology with caches: not every machine's sysfs describes them.
  load fake_sysfs
  fake_topology_small
  "$KTSTR" acquire --llc 0 -- sleep 600 3>&- &
  local pid=$!
  wait_for_lock_pid "$pid"
  ktstr_run 0 locks --json
  assert_equal "$(holders_of llcs 0)" "$pid exclusive"
  assert_equal "$(jq -r '.llcs[0].lockfile' <<<"$output")" "$KTSTR_LOCK_DIR/ktstr-llc-0.lock"
  assert_equal "$(jq -c '.cpus' <<<"$output")" "[]"
}

@test "flock(1) holders: shared on a CPU lock (two of them), exclusive on an LLC lock" {
  mkdir -p "$KTSTR_LOCK_DIR"
  bg_flock -s "$KTSTR_LOCK_DIR/ktstr-cpu-3.lock"
  local s1=$HOLDER_PID
  bg_flock -s "$KTSTR_LOCK_DIR/ktstr-cpu-3.lock"
  local s2=$HOLDER_PID
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-llc-1.lock"
  local x=$HOLDER_PID
  ktstr_run 0 locks --json
  assert_equal "$(holders_of cpus 3)" "$(printf '%s shared\n' "$s1" "$s2" | sort -n)"
  assert_equal "$(holders_of llcs 1)" "$x exclusive"
  assert_equal "$(jq -r '.llcs[0].holders[0].cmdline' <<<"$output")" \
    "flock -x $KTSTR_LOCK_DIR/ktstr-llc-1.lock sleep 600"

  # Human: one line per holder in the HOLDERS cell, the second under the first.
  ktstr_run 0 locks
  local first second
  first=$(grep -n " $s1 shared flock -s " <<<"$output" | cut -d: -f1)
  second=$(grep -n " $s2 shared flock -s " <<<"$output" | cut -d: -f1)
  [ -n "$first" ]
  [ -n "$second" ]
  local a b
  a=$(sed -n "${first}p" <<<"$output")
  b=$(sed -n "${second}p" <<<"$output")
  # Both holder texts start in the same column, and the continuation line has
  # blank CPU/NODE/LOCKFILE cells.
  local ca cb
  ca=${a%%"$s1 shared"*}
  cb=${b%%"$s2 shared"*}
  assert_equal "${#ca}" "${#cb}"
  [[ "$cb" =~ ^\ +$ || "$ca" =~ ^\ +$ ]]
  assert_line --regexp "^  LLC +NODE +LOCKFILE +HOLDERS\$"
  assert_line --regexp "^  CPU +NODE +LOCKFILE +HOLDERS\$"
  assert_line --regexp "^  1 +[0-9?]+ +$KTSTR_LOCK_DIR/ktstr-llc-1.lock +$x exclusive flock -x "
}

@test "a blocked flock(1) counts as a waiter, not a holder" {
  mkdir -p "$KTSTR_LOCK_DIR"
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  local holder=$HOLDER_PID
  flock -x "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock" true 3>&- &
  wait_for_waiter_pid $!
  ktstr_run 0 locks --json
  assert_equal "$(holders_of cpus 0)" "$holder exclusive"
  assert_equal "$(jq '.cpus[0].waiters' <<<"$output")" 1
  ktstr_run 0 locks
  assert_line --regexp "^  0 +[0-9?]+ +$KTSTR_LOCK_DIR/ktstr-cpu-0.lock +$holder exclusive flock -x "
  assert_line --regexp '^ +\(1 waiting\)$'
}

@test "the live holder is named when the pid that took the lock has exited" {
  mkdir -p "$KTSTR_LOCK_DIR"
  # flock(1) locks the shell's fd 9 and exits; the shell (and its sleep,
  # which inherits fd 9) keep the lock alive.
  bash -c 'exec 9>>"$1"; flock -x 9; echo >"$2"; exec sleep 600' _ \
    "$KTSTR_LOCK_DIR/ktstr-cpu-1.lock" "$BATS_TEST_TMPDIR/locked" 3>&- &
  local pid=$!
  local i
  for i in $(seq 1 500); do [ -e "$BATS_TEST_TMPDIR/locked" ] && break; sleep 0.01; done
  ktstr_run 0 locks --json
  assert_equal "$(holders_of cpus 1)" "$pid exclusive"
  assert_equal "$(jq -r '.cpus[0].holders[0].cmdline' <<<"$output")" "sleep 600"
}

@test "cache-entry rows from {cache_root}/.locks, sorted by key" {
  mkdir -p "$KTSTR_CACHE_DIR/.locks"
  : >"$KTSTR_CACHE_DIR/.locks/zeta.lock"
  : >"$KTSTR_CACHE_DIR/.locks/.tmp-staging.lock"
  : >"$KTSTR_CACHE_DIR/.locks/not-a-lock"
  mkdir "$KTSTR_CACHE_DIR/.locks/dir.lock"
  bg_flock -s "$KTSTR_CACHE_DIR/.locks/linux-6.6-x86.lock"
  local s=$HOLDER_PID
  bg_flock -x "$KTSTR_CACHE_DIR/.locks/alpha.lock"
  local x=$HOLDER_PID
  ktstr_run 0 locks --json
  assert_equal "$(jq -r '.cache | map(.cache_key) | join(" ")' <<<"$output")" \
    "alpha linux-6.6-x86 zeta"
  assert_equal "$(jq -r '.cache[0] | "\(.lockfile) \(.holders[0].pid) \(.holders[0].mode)"' <<<"$output")" \
    "$KTSTR_CACHE_DIR/.locks/alpha.lock $x exclusive"
  assert_equal "$(jq -r '.cache[1].holders | map("\(.pid) \(.mode)") | join(",")' <<<"$output")" \
    "$s shared"
  assert_equal "$(jq -c '.cache[2].holders' <<<"$output")" "[]"
  assert_equal "$(jq -c '[.llcs, .cpus]' <<<"$output")" "[[],[]]"

  ktstr_run 0 locks
  assert_line --regexp "^  CACHE KEY +LOCKFILE +HOLDERS\$"
  assert_line --regexp "^  alpha +$KTSTR_CACHE_DIR/.locks/alpha.lock +$x exclusive flock -x "
  assert_line --regexp "^  zeta +$KTSTR_CACHE_DIR/.locks/zeta.lock +-\$"
}

@test "JSON keys and types, checked with jq" {
  mkdir -p "$KTSTR_LOCK_DIR" "$KTSTR_CACHE_DIR/.locks"
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  bg_flock -s "$KTSTR_LOCK_DIR/ktstr-llc-0.lock"
  bg_flock -s "$KTSTR_CACHE_DIR/.locks/k.lock"
  : >"$KTSTR_LOCK_DIR/ktstr-cpu-99999.lock"
  ktstr_run 0 locks --json
  run jq -e '
    (keys == ["cache", "cpus", "llcs", "run_dirs"])
    and ([.llcs, .cpus, .cache, .run_dirs] | all(type == "array"))
    and (.llcs | length == 1) and (.cpus | length == 2) and (.cache | length == 1)
    and (.llcs | all(.llc_idx | type == "number"))
    and (.cpus | all(.cpu | type == "number"))
    and (.cache | all(.cache_key | type == "string"))
    and ([.llcs[], .cpus[], .cache[]] | all(
          (.lockfile | type == "string")
          and (.holders | type == "array")
          and (.waiters | type == "number")
          and (.holders | all(
                (.pid | type == "number")
                and (.cmdline | type == "string")
                and (.mode == "exclusive" or .mode == "shared")))))
    and (.cpus[0].holders[0].mode == "exclusive")
    and (.llcs[0].holders[0].mode == "shared")
    and (.cache[0].holders[0].mode == "shared")
    and ([.llcs[], .cpus[]] | all(.numa_node | type == "number"))
    and (.cpus[1].numa_node == 0)
    and (.cache[0] | has("numa_node") | not)' <<<"$output"
  [ "$status" -eq 0 ] || { echo "jq check failed on: $output"; false; }
}

@test "NUMA nodes and LLC indices follow the sysfs topology in use" {
  fake_sysfs "$BATS_TEST_TMPDIR/sys"
  export KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/sys
  mkdir -p "$KTSTR_LOCK_DIR"
  local f
  for f in ktstr-cpu-0 ktstr-cpu-3 ktstr-cpu-9 ktstr-llc-0 ktstr-llc-1 ktstr-llc-5; do
    : >"$KTSTR_LOCK_DIR/$f.lock"
  done
  ktstr_run 0 locks --json
  assert_equal "$(jq -c '[.cpus[] | [.cpu, .numa_node]]' <<<"$output")" '[[0,0],[3,1],[9,0]]'
  assert_equal "$(jq -c '[.llcs[] | [.llc_idx, .numa_node]]' <<<"$output")" '[[0,1],[1,0],[5,0]]'
  ktstr_run 0 locks
  assert_line --regexp "^  9 +0 +$KTSTR_LOCK_DIR/ktstr-cpu-9.lock +-\$"
  assert_line --regexp "^  0 +1 +$KTSTR_LOCK_DIR/ktstr-llc-0.lock +-\$"
}

@test "names that are not canonical lock names are ignored" {
  mkdir -p "$KTSTR_LOCK_DIR"
  local f
  for f in ktstr-llc-oops.lock ktstr-cpu-01.lock ktstr-cpu-.lock ktstr-cpu--1.lock \
    ktstr-cpu-+1.lock ktstr-cpu-1.lockx ktstr-cpu-1 ktstr-llc-0x1.lock ktstr-cpu-1.lock.bak \
    ktstr-cpu-99999999999.lock ktstr-llc-.lock ktstr-mem-1.lock other.lock; do
    : >"$KTSTR_LOCK_DIR/$f"
  done
  # Not regular files: a directory, and symlinks (one dangling).
  mkdir "$KTSTR_LOCK_DIR/ktstr-cpu-5.lock"
  : >"$BATS_TEST_TMPDIR/target"
  ln -s "$BATS_TEST_TMPDIR/target" "$KTSTR_LOCK_DIR/ktstr-cpu-6.lock"
  ln -s "$BATS_TEST_TMPDIR/nowhere" "$KTSTR_LOCK_DIR/ktstr-llc-7.lock"
  mkfifo "$KTSTR_LOCK_DIR/ktstr-cpu-8.lock"
  ktstr_run 0 locks
  assert_equal "$output" "$EMPTY_TEXT"
  ktstr_run 0 locks --json
  assert_equal "$(jq -c . <<<"$output")" "$EMPTY_JSON"
}

@test "rows are sorted numerically: cpu 2 before cpu 10" {
  mkdir -p "$KTSTR_LOCK_DIR"
  local n
  for n in 10 2 1 33 0 100; do : >"$KTSTR_LOCK_DIR/ktstr-cpu-$n.lock"; done
  for n in 12 3 0; do : >"$KTSTR_LOCK_DIR/ktstr-llc-$n.lock"; done
  ktstr_run 0 locks --json
  assert_equal "$(jq -c '[.cpus[].cpu]' <<<"$output")" '[0,1,2,10,33,100]'
  assert_equal "$(jq -c '[.llcs[].llc_idx]' <<<"$output")" '[0,3,12]'
  ktstr_run 0 locks
  assert_equal "$(sed -n 's/^  \([0-9][0-9]*\) .*ktstr-cpu-.*/\1/p' <<<"$output" | paste -sd,)" \
    '0,1,2,10,33,100'
}

@test "--watch --json: one compact object per line per frame; SIGINT exits 0" {
  mkdir -p "$KTSTR_LOCK_DIR"
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  local out=$BATS_TEST_TMPDIR/watch.out err=$BATS_TEST_TMPDIR/watch.err
  "$KTSTR" locks --watch 200ms --json >"$out" 2>"$err" 3>&- &
  local pid=$! i
  for i in $(seq 1 500); do
    [ "$(wc -l <"$out")" -ge 2 ] && break
    sleep 0.01
  done
  [ "$(wc -l <"$out")" -ge 2 ]
  kill -INT "$pid"
  local status=0
  wait "$pid" || status=$?
  assert_equal "$status" 0
  assert_equal "$(cat "$err")" ""
  # Every line is one whole, compact object, the last one included.
  [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" = '\n' ]
  local line
  while IFS= read -r line; do
    assert_equal "$(jq -c . <<<"$line")" "$line"
    assert_equal "$(jq '.cpus[0].holders[0].pid' <<<"$line")" "$HOLDER_PID"
  done <"$out"
}

@test "--watch: frames follow changes, and SIGINT ends the human loop with 0" {
  local out=$BATS_TEST_TMPDIR/watch.out
  "$KTSTR" locks --watch 100ms >"$out" 2>&1 3>&- &
  local pid=$! i
  for i in $(seq 1 500); do grep -q 'Cache-entry' "$out" && break; sleep 0.01; done
  mkdir -p "$KTSTR_LOCK_DIR"
  : >"$KTSTR_LOCK_DIR/ktstr-cpu-4.lock"
  for i in $(seq 1 500); do grep -q 'ktstr-cpu-4.lock' "$out" && break; sleep 0.01; done
  kill -INT "$pid"
  local status=0
  wait "$pid" || status=$?
  assert_equal "$status" 0
  grep -q "^  4 .*ktstr-cpu-4.lock +-\$" -E "$out"
  # The first frame was the empty one; piped output never carries escapes.
  [ "$(head -8 "$out")" = "$EMPTY_TEXT" ]
  run ! grep -q $'\033' "$out"
}

@test "--watch stops on SIGTERM: exit 0, every frame whole, nothing left behind" {
  mkdir -p "$KTSTR_LOCK_DIR"
  : >"$KTSTR_LOCK_DIR/ktstr-cpu-4.lock"
  local before
  before=$(dir_state "$KTSTR_LOCK_DIR")
  ktstr_start locks --watch 100ms
  local out=${KTSTR_BG_OUT[$KTSTR_PID]}
  wait_until "two frames" eval '[ "$(grep -c "^LLC locks:" "$out")" -ge 2 ]'
  kill -TERM "$KTSTR_PID"
  ktstr_wait 0
  assert_equal "$stderr" ""
  # Frames are blank-line separated, each the whole listing, the last one
  # included: SIGTERM never cuts one short.
  local frame frames i expected=
  frame=$(head -9 <<<"$output")
  [[ "$(sed -n 5p <<<"$frame")" =~ ^"  4 "\ +[0-9]+\ +"$KTSTR_LOCK_DIR/ktstr-cpu-4.lock"\ +-$ ]]
  assert_equal "$(sed -n 8,9p <<<"$frame")" "Run-dir locks:
  (none)"
  frames=$(grep -c '^LLC locks:' <<<"$output")
  [ "$frames" -ge 2 ]
  for ((i = 0; i < frames; i++)); do
    [ "$i" -eq 0 ] || expected+=$'\n\n'
    expected+=$frame
  done
  assert_equal "$output" "$expected"
  # Nothing was created or changed, and no cache dir appeared.
  assert_equal "$(dir_state "$KTSTR_LOCK_DIR")" "$before"
  [ ! -e "$KTSTR_CACHE_DIR" ]
}

# tmux_screen: what the test's tmux pane shows now, wrapped lines joined,
# trailing blanks and the blank lines below the last text dropped.
tmux_screen() {
  tmux -S "$TMUX_SOCK" capture-pane -p -J -t ktstr | sed 's/[[:space:]]*$//' |
    awk '{ line[NR] = $0 } $0 != "" { last = NR } END { for (i = 1; i <= last; i++) print line[i] }'
}

# screen_shows REGEX: some line of the pane matches REGEX (extended).
screen_shows() {
  tmux_screen | grep -qE -- "$1"
}

# assert_screen_is_one_listing: the pane shows exactly one listing, from its
# top line, the same as a one-shot `ktstr locks` prints now. A capture may
# catch a redraw halfway, so it is taken again (1 s at most) until it matches.
assert_screen_is_one_listing() {
  local screen i
  ktstr_run 0 locks
  for ((i = 0; i < 20; i++)); do
    screen=$(tmux_screen)
    [ "$screen" = "$output" ] && return 0
    sleep 0.05
  done
  printf -- '--- the screen\n%s\n--- one listing\n%s\n' "$screen" "$output" >&2
  return 1
}

@test "--watch on a terminal redraws one listing in place (tmux)" {
  command -v tmux >/dev/null || skip "tmux is not installed (scripts/install-deps)"
  TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
  mkdir -p "$KTSTR_LOCK_DIR"
  local lockfile=$KTSTR_LOCK_DIR/ktstr-cpu-4.lock
  : >"$lockfile"
  # The pane's shell records how locks ended (tmux itself may leave it
  # unreaped for a while).
  local cmd status_file=$BATS_TEST_TMPDIR/watch.status
  printf -v cmd 'env KTSTR_LOCK_DIR=%q KTSTR_CACHE_DIR=%q XDG_CONFIG_HOME=%q %q locks --watch 100ms; echo $? >%q' \
    "$KTSTR_LOCK_DIR" "$KTSTR_CACHE_DIR" "$XDG_CONFIG_HOME" "$KTSTR" "$status_file"
  tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s ktstr -x 120 -y 40 "$cmd" 3>&-
  local row="^  4 +[0-9]+ +$lockfile +"

  # Free, then held, then free again: each time one listing, redrawn from
  # the top, never frames scrolling by one under another.
  wait_until "the first listing" screen_shows "$row-\$"
  sleep 0.5  # a few more frames: an appending redraw would show them all
  assert_screen_is_one_listing
  hold_lock -x "$lockfile"
  wait_until "the holder on screen" screen_shows "$row$HOLDER_PID exclusive flock -x "
  sleep 0.5
  assert_screen_is_one_listing
  harness_release "$HOLDER_PID"
  wait_until "the lock free again" screen_shows "$row-\$"
  sleep 0.5
  assert_screen_is_one_listing
  # A shorter line over a longer one leaves nothing of the old one.
  run ! screen_shows "exclusive"

  # SIGTERM ends it with 0.
  local shell pid
  shell=$(tmux -S "$TMUX_SOCK" display-message -p -t ktstr '#{pane_pid}')
  pid=$(pgrep -P "$shell")
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "$KTSTR locks --watch 100ms " ]]
  kill -TERM "$pid"
  wait_until "locks has exited" test -s "$status_file"
  assert_equal "$(cat "$status_file")" 0
}

@test "--watch needs a positive interval" {
  ktstr_run 64 locks --watch 0
  assert_equal "$output" ""
  assert_one_error_line "ktstr locks:"
  ktstr_run 64 locks --watch soon
  assert_equal "$output" ""
}

@test "nothing is created and nothing changes in an existing lock dir" {
  mkdir -p "$KTSTR_LOCK_DIR" "$KTSTR_CACHE_DIR/.locks"
  : >"$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  : >"$KTSTR_CACHE_DIR/.locks/k.lock"
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-llc-0.lock"
  local before_l before_c
  before_l=$(dir_state "$KTSTR_LOCK_DIR")
  before_c=$(dir_state "$KTSTR_CACHE_DIR")
  ktstr_run 0 locks
  ktstr_run 0 locks --json
  assert_equal "$(dir_state "$KTSTR_LOCK_DIR")" "$before_l"
  assert_equal "$(dir_state "$KTSTR_CACHE_DIR")" "$before_c"
}

@test "locks takes no lock and opens nothing for writing (strace)" {
  strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
  mkdir -p "$KTSTR_LOCK_DIR" "$KTSTR_CACHE_DIR/.locks"
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  bg_flock -s "$KTSTR_CACHE_DIR/.locks/k.lock"
  local log=$BATS_TEST_TMPDIR/strace.log
  # LeakSanitizer cannot run under ptrace; leaks are checked by every other test.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    run --separate-stderr strace -f -qq -o "$log" -e trace=flock,fcntl,open,openat,creat,mkdir,mkdirat \
    "$KTSTR" locks --json
  [ "$status" -eq 0 ] || { echo "status $status: $stderr"; false; }
  assert_equal "$(jq '.cpus[0].holders | length' <<<"$output")" 1
  # It did look at the lock files' holders ...
  grep -q 'openat(.*/proc/locks' "$log"
  # ... but never locked, created or opened anything writable.
  # (`run !`: a bare `! grep` in the middle of a test cannot fail it.)
  run ! grep -E '^[0-9]+ +flock\(' "$log"
  run ! grep -E 'F_SETLK|F_OFD_SETLK' "$log"
  run ! grep -E 'O_CREAT|O_WRONLY|O_RDWR|O_TRUNC' "$log"
  run ! grep -E 'mkdir' "$log"
}

@test "colour: only with --color always (or auto on a terminal), never with NO_COLOR or piped" {
  mkdir -p "$KTSTR_LOCK_DIR"
  bg_flock -x "$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
  ktstr_run 0 locks
  [[ "$output" != *$'\033'* ]]
  ktstr_run 0 locks --color always
  [[ "$output" == *$'\033['* ]]
  [[ "$output" == *$'\033[1mLLC locks:\033[0m'* ]]
  ktstr_run 0 --color always locks
  [[ "$output" == *$'\033['* ]]
  NO_COLOR=1 ktstr_run 0 locks
  [[ "$output" != *$'\033'* ]]
  # JSON is data: never coloured.
  ktstr_run 0 locks --json --color always
  [[ "$output" != *$'\033'* ]]
  jq -e . <<<"$output" >/dev/null

  command -v script >/dev/null || skip "script(1) is not installed"
  ktstr_tty_run 0 locks
  [[ "$output" == *$'\033['* ]]
  ktstr_tty_run 0 locks --color never
  [[ "$output" != *$'\033'* ]]
  NO_COLOR=1 ktstr_tty_run 0 locks
  [[ "$output" != *$'\033'* ]]
}

@test "--lock-dir and --cache-dir override the environment" {
  mkdir -p "$BATS_TEST_TMPDIR/other" "$BATS_TEST_TMPDIR/oc/.locks"
  : >"$BATS_TEST_TMPDIR/other/ktstr-cpu-7.lock"
  : >"$BATS_TEST_TMPDIR/oc/.locks/key.lock"
  ktstr_run 0 locks --json --lock-dir "$BATS_TEST_TMPDIR/other" --cache-dir "$BATS_TEST_TMPDIR/oc"
  assert_equal "$(jq -r '.cpus[0].lockfile' <<<"$output")" "$BATS_TEST_TMPDIR/other/ktstr-cpu-7.lock"
  assert_equal "$(jq -r '.cache[0].lockfile' <<<"$output")" "$BATS_TEST_TMPDIR/oc/.locks/key.lock"
}

@test "a bad option is a usage error on stderr" {
  ktstr_run 64 locks --bogus
  assert_equal "$output" ""
  [[ "$stderr" == "ktstr locks:"* ]]
}
