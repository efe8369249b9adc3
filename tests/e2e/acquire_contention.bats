#!/usr/bin/env bats
# acquire under contention: all or nothing (nothing held while waiting), no
# deadlock between overlapping sets taken in opposite orders, mutual
# exclusion (the counter), the conflict report and exit code, SIGINT while
# waiting, and the status line on a terminal.

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper). The load tests here take
# ~25 s on a release build and several times that under ASan.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
}

teardown() {
  kill_jobs_and_children
}

# ---- all or nothing ----

@test "waiting on a busy --path, acquire holds none of the rest of its set" {
  fake_topology_small
  harness_hold -x "$T/busy"
  ktstr_start acquire --cpu 0 --cache k --path "$T/busy" --path "$T/zfree" -- "$PROBE" "$T"
  wait_until "acquire blocks on $T/busy" flock_waiting "$KTSTR_PID"
  assert_equal "$(flocks_held_by "$KTSTR_PID")" 0
  # Everything else can be taken by someone else meanwhile.
  flock -n -x "$D/ktstr-cpu-0.lock" true
  flock -n -x "$D/ktstr-llc-1.lock" true
  flock -n -x "$KTSTR_CACHE_DIR/.locks/k.lock" true
  flock -n -x "$T/zfree" true
  [ ! -e "$T/ppid" ]
  harness_release
  ktstr_wait 0
  assert_equal "$(flocks_held_by "$(cat "$T/ppid")" "$T/proc_locks")" 5
}

@test "waiting on a busy LLC lock (first in canonical order), the CPU lock is not held" {
  fake_topology_small
  harness_hold -x "$D/ktstr-llc-1.lock"
  ktstr_start acquire --cpu 0 -- "$PROBE" "$T"
  wait_until "acquire blocks on the LLC lock" flock_waiting "$KTSTR_PID"
  assert_equal "$(flocks_held_by "$KTSTR_PID")" 0
  flock -n -x "$D/ktstr-cpu-0.lock" true
  harness_release
  ktstr_wait 0
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock:$D/ktstr-cpu-0.lock"
}

@test "a set whose locks are released one at a time is taken only when all are free" {
  harness_hold -x "$T/a"
  holder_a=$HOLDER_PID
  harness_hold -s "$T/b"
  holder_b=$HOLDER_PID
  ktstr_start acquire --path "$T/b" --path "$T/a" -- "$PROBE" "$T"
  wait_until "acquire blocks" flock_waiting "$KTSTR_PID"
  harness_release "$holder_a"
  # It may now take a, see b busy, drop a and block on b: never holding a while blocked.
  wait_until "acquire blocks on b" flock_waiting_on "$KTSTR_PID" "$T/b"
  assert_equal "$(flocks_held_by "$KTSTR_PID")" 0
  [ ! -e "$T/ppid" ]
  harness_release "$holder_b"
  ktstr_wait 0
  assert_equal "$(flocks_held_by "$(cat "$T/ppid")" "$T/proc_locks")" 2
}

@test "overlapping sets taken in opposite orders by many acquires never deadlock" {
  fake_topology_small
  for i in 1 2 3 4 5 6; do
    (
      for j in $(seq 1 15); do
        if ((i % 2)); then
          set -- --path "$T/a" --path "$T/b" --cpu 0 --cpu 1 --cache k1 --cache k2 --shared
        else
          set -- --cache k2 --cache k1 --cpu 1 --cpu 0 --path "$T/b" --path "$T/a"
        fi
        timeout 120 "$KTSTR" acquire --no-pin "$@" -- sh -c 'echo x >>"$1"' sh "$T/count.$i" \
          || echo "loop $i run $j: status $?" >>"$T/failures"
      done
    ) 3>&- &
  done
  wait_jobs
  [ ! -e "$T/failures" ] || { cat "$T/failures" >&2; return 1; }
  assert_equal "$(cat "$T"/count.* | wc -l)" 90
}

@test "8 parallel loops of 60 increments of a counter under one --path lock lose none" {
  echo 0 >"$T/counter"
  for i in 1 2 3 4 5 6 7 8; do
    (
      for j in $(seq 1 60); do
        timeout 60 "$KTSTR" acquire --path "$T/counter.lock" -- \
          sh -c 'n=$(cat "$1"); echo $((n + 1)) >"$1"' sh "$T/counter" \
          || echo "loop $i run $j: status $?" >>"$T/failures"
      done
    ) 3>&- &
  done
  wait_jobs
  [ ! -e "$T/failures" ] || { cat "$T/failures" >&2; return 1; }
  assert_equal "$(cat "$T/counter")" 480
}

# ---- the conflict report: -n, --timeout, --conflict-exit-code ----

@test "-n: exit 75, stderr names the busy lock file and its holder's pid, mode and command line" {
  harness_hold -x "$T/busy"
  ktstr_run 75 acquire -n --path "$T/busy" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  assert_output ''
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/busy"* ]]
  [[ "$stderr" == *"$HOLDER_PID"* ]]
  [[ "$stderr" == *exclusive* ]]
  [[ "$stderr" == *"flock -o -x $T/busy sleep 600"* ]]
}

@test "the conflict report names every busy lock of the set and each holder, shared ones too" {
  fake_topology_small
  harness_hold -s "$D/ktstr-llc-1.lock"
  llc_holder=$HOLDER_PID
  harness_hold -x "$T/busy"
  path_holder=$HOLDER_PID
  ktstr_run 75 acquire -n --llc 1 --path "$T/busy" --path "$T/free" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"$D/ktstr-llc-1.lock"*"$llc_holder"*shared* ]]
  [[ "$stderr" == *"$T/busy"*"$path_holder"*exclusive* ]]
  [[ "$stderr" != *"$T/free"* ]]
  [ "$(printf '%s\n' "$stderr" | grep -c '^ktstr acquire:')" -eq 2 ]
  # (Nothing of the set can be held once acquire has exited: a lock check
  # here could not fail. "waiting on a busy --path, acquire holds none of
  # the rest of its set" checks that while it waits.)
}

@test "--timeout: gives up with 75 when the lock stays busy" {
  harness_hold -x "$T/busy"
  ktstr_run 75 acquire --timeout 300ms --path "$T/busy" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"$T/busy"*"$HOLDER_PID"* ]]
  ktstr_run 75 acquire --timeout 0 --path "$T/busy" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
}

@test "--timeout: succeeds when the lock is released in time" {
  harness_hold -x "$T/busy"
  ktstr_start acquire --timeout 60s --path "$T/busy" -- touch "$T/ran"
  wait_until "acquire blocks" flock_waiting "$KTSTR_PID"
  harness_release
  ktstr_wait 0
  [ -e "$T/ran" ]
}

@test "--conflict-exit-code N replaces 75; out of range is a usage error" {
  harness_hold -x "$T/busy"
  ktstr_run 9 acquire -n --conflict-exit-code 9 --path "$T/busy" -- true
  [[ "$stderr" == *"$T/busy"* ]]
  ktstr_run 0 acquire -n --conflict-exit-code 0 --path "$T/busy" -- false
  ktstr_run 64 acquire -n --conflict-exit-code 256 --path "$T/busy" -- true
  [[ "$stderr" == *--conflict-exit-code* ]]
}

@test "--cpus conflict: names the busy CPU locks and how many CPUs were short" {
  fake_topology_small
  harness_hold -x "$D/ktstr-cpu-0.lock"
  ktstr_run 75 acquire -n --cpus 2 -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"--cpus 2"* ]]
  [[ "$stderr" == *"$D/ktstr-cpu-0.lock"*"$HOLDER_PID"* ]]
}

@test "-n and --timeout together are refused" {
  ktstr_run 64 acquire -n --timeout 1 --path "$T/f" -- true
  [ ! -e "$T/f" ]
}

# ---- SIGINT while waiting ----

@test "SIGINT while waiting on a lock: exit 130, nothing held, nothing run" {
  harness_hold -x "$T/busy"
  ktstr_start_interruptible acquire --path "$T/free" --path "$T/busy" -- touch "$T/ran"
  wait_until "acquire blocks" flock_waiting "$KTSTR_PID"
  # While it waits it holds nothing ($T/free included); once it has exited
  # it could not, so this is the check that can fail.
  assert_equal "$(flocks_held_by "$KTSTR_PID")" 0
  kill -INT "$KTSTR_PID"
  ktstr_wait 130
  [ ! -e "$T/ran" ]
  assert_equal "$(flock_mode "$HOLDER_PID" "$T/busy")" WRITE
}

@test "SIGINT while waiting for --cpus: exit 130, nothing held, nothing run" {
  fake_topology_small
  harness_hold -x "$D/ktstr-cpu-0.lock"
  harness_hold -x "$D/ktstr-cpu-1.lock"
  ktstr_start_interruptible acquire --cpus 1 -- touch "$T/ran"
  wait_until "acquire has its lock files open" \
    sh -c 'ls -l /proc/$1/fd | grep -q ktstr-cpu-1.lock' sh "$KTSTR_PID"
  # Waiting for a CPU, it holds no CPU or LLC lock (at most the queue lock).
  assert_equal "$(awk -v p="$KTSTR_PID" -v q="$(proc_locks_key "$D/ktstr-cpus-queue.lock" 2>/dev/null)" \
    '$2 == "FLOCK" && $5 == p && $6 != q { n++ } END { print n + 0 }' /proc/locks)" 0
  kill -INT "$KTSTR_PID"
  ktstr_wait 130
  [ ! -e "$T/ran" ]
}

# ---- the status line ----

@test "on a terminal, a status line names the busy lock and its holder" {
  harness_hold -x "$T/busy"
  ktstr_run_tty 75 acquire --timeout 1.5s --path "$T/busy" -- true
  [[ "$output" == *"ktstr acquire: waiting"*"$T/busy"*"$HOLDER_PID"* ]]
  # And the conflict report after it.
  [[ "$output" == *"is busy"* ]]
}

@test "the status line is not drawn when stderr is not a terminal" {
  harness_hold -x "$T/busy"
  ktstr_run 75 acquire --timeout 1s --path "$T/busy" -- true
  [[ "$stderr" != *waiting* ]]
  [[ "$stderr" != *$'\r'* ]]
  assert_one_error_line "ktstr acquire:"
}

@test "-q silences the status line on a terminal" {
  harness_hold -x "$T/busy"
  ktstr_run_tty 75 acquire -q --timeout 1s --path "$T/busy" -- true
  [[ "$output" != *waiting* ]]
  [[ "$output" == *"$T/busy"* ]]
}

@test "on a terminal, no status line when the locks are free" {
  ktstr_run_tty 0 acquire --path "$T/f" -- echo ran
  [[ "$output" != *waiting* ]]
  [[ "$output" == *ran* ]]
}
