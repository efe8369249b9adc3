#!/usr/bin/env bats
# flock(1) users' habits: the same invocations run side by side with
# util-linux flock give the same exclusion and exit codes, except where
# ktstr's own exit codes stand (75 for a conflict, unless -E says otherwise).

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
  F=$T/f
}

teardown() {
  kill_jobs_and_children
}

# same STATUS ARGS...: `flock ARGS` and `ktstr acquire ARGS` both exit STATUS.
same() {
  local expected=$1
  shift
  run flock "$@"
  [ "$status" -eq "$expected" ] || { echo "flock $*: $status, wanted $expected" >&2; return 1; }
  ktstr_run "$expected" acquire "$@"
}

@test "free lock: FILE COMMAND, -c, -s, -x, -o, -F, -n and -w forms run the command" {
  same 0 "$F" true
  same 3 "$F" sh -c 'exit 3'
  same 4 "$F" -c 'exit 4'
  same 5 "$F" --command 'exit 5'
  same 0 -s "$F" true
  same 0 -x "$F" true
  same 0 -o "$F" true
  same 0 -F "$F" true
  same 0 -n "$F" true
  same 0 --nb "$F" true
  same 0 --nonblock "$F" true
  same 0 -w 1 "$F" true
  same 0 --wait 0.5 "$F" true
  same 0 --verbose "$F" true
}

@test "held exclusively: -n and -w fail, with -E choosing the code as in flock" {
  hold_lock -x "$F"
  same 9 -E 9 -n "$F" true
  same 9 --conflict-exit-code 9 -w 0.2 "$F" true
  run flock -n "$F" true
  [ "$status" -eq 1 ]
  # ktstr's own code for a conflict stays 75 (flock says 1).
  ktstr_run 75 acquire -n "$F" true
}

@test "held shared: -s gets in beside it, -x does not; the last of -s and -x wins" {
  hold_lock -s "$F"
  same 0 -n -s "$F" true
  same 9 -E 9 -n -x "$F" true
  same 0 -n -x -s "$F" true
  same 9 -E 9 -n -s -x "$F" true
}

@test "the command runs under the lock in the mode asked for" {
  ktstr_run 0 acquire -s "$F" sh -c 'grep -c "FLOCK  ADVISORY  READ" /proc/locks'
  [ "$output" -ge 1 ]
  F=$F ktstr_run 0 acquire "$F" -c 'flock -n "$F" true; echo "inner=$?"'
  assert_output "inner=1"
}

# millis_in LINE: the seconds of a "... took 1.234567 seconds" or "... after
# 1.234567 seconds, ..." line, as a whole number of milliseconds.
millis_in() {
  local s
  s=$(sed -nE 's/.* ([0-9]+\.[0-9]{6}) seconds.*/\1/p' <<<"$1")
  [ -n "$s" ] || { echo "no seconds in: $1" >&2; return 1; }
  echo $((10#${s%.*} * 1000 + 10#${s#*.} / 1000))
}

@test "--verbose: how long getting the locks took, as flock does, then each lock held" {
  ktstr_run 0 acquire --verbose "$F" true
  assert_output ''
  [ "${#stderr_lines[@]}" -eq 2 ]
  # flock(1) prints "getting lock took %ld.%06ld seconds".
  [[ "${stderr_lines[0]}" =~ ^"ktstr acquire: getting the locks took "[0-9]+\.[0-9]{6}" seconds"$ ]]
  assert_equal "${stderr_lines[1]}" "ktstr acquire: holding $F (exclusive)"
  # Without --verbose, nothing.
  ktstr_run 0 acquire "$F" true
  assert_equal "$stderr" ''
}

@test "--verbose: every lock of a mixed request, in lock order, with its mode" {
  fake_topology_small
  ktstr_run 0 acquire -v --cpu 0 --cache k --path "$F" -s -- true
  assert_output ''
  [ "${#stderr_lines[@]}" -eq 5 ]
  [[ "${stderr_lines[0]}" == "ktstr acquire: getting the locks took "* ]]
  # CPU 0's LLC is LLC 1 (cache id 9 ranks second); -s makes --cache and
  # --path shared, never the CPU lock.
  assert_equal "$(printf '%s\n' "${stderr_lines[@]:1}")" "ktstr acquire: holding $D/ktstr-llc-1.lock (shared)
ktstr acquire: holding $D/ktstr-cpu-0.lock (exclusive)
ktstr acquire: holding $KTSTR_CACHE_DIR/.locks/k.lock (shared)
ktstr acquire: holding $F (shared)"
}

@test "--verbose: the time is the time waited" {
  hold_lock -x "$F"
  ktstr_start acquire -v -w 20 "$F" true
  wait_until "acquire waits" flock_waiting_on "$KTSTR_PID" "$F"
  sleep 0.5
  harness_release "$HOLDER_PID"
  ktstr_wait 0
  local lines=()
  mapfile -t lines <<<"$stderr"
  [ "${#lines[@]}" -eq 2 ]
  [ "$(millis_in "${lines[0]}")" -ge 500 ]
  assert_equal "${lines[1]}" "ktstr acquire: holding $F (exclusive)"
}

@test "--verbose on a conflict: how long it waited before giving up, never that it got the locks" {
  hold_lock -x "$F"
  ktstr_run 75 acquire -v -n "$F" true
  [ "${#stderr_lines[@]}" -eq 2 ]
  [[ "${stderr_lines[0]}" =~ ^"ktstr acquire: gave up on the locks after "[0-9]+\.[0-9]{6}" seconds, holding nothing"$ ]]
  [[ "${stderr_lines[1]}" == "ktstr acquire: '$F' is busy (exclusive wanted): held by $HOLDER_PID (exclusive) flock -x $F sleep 600" ]]
  ktstr_run 75 acquire -v -w 0.3 "$F" true
  [ "${#stderr_lines[@]}" -eq 2 ]
  [[ "${stderr_lines[0]}" == "ktstr acquire: gave up on the locks after "* ]]
  # -w is a deadline: it waited at least that long.
  [ "$(millis_in "${stderr_lines[0]}")" -ge 300 ]
  [[ "$stderr" != *"getting the locks took"* && "$stderr" != *holding\ /* ]]
}

@test "a repeated option: the last one wins" {
  hold_lock -x "$F"
  # --timeout 30 then -w 0.2: gives up after 0.2 s, not 30.
  ktstr_run_with 75 timeout 10 -- acquire --timeout 30 -w 0.2 "$F" true
  ktstr_run 9 acquire -E 3 -E 9 -n "$F" true
}

@test "after --, no bare FILE form: the first word is the command" {
  ktstr_run 64 acquire -- touch "$T/ran"
  [[ "$stderr" == *"nothing to acquire"* ]]
  [ ! -e "$T/ran" ]
  [ ! -e touch ]
}

@test "-c with a COMMAND too, or neither, is a usage error naming it" {
  ktstr_run 64 acquire -c true --path "$F" -- echo x
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"-c"* ]]
  ktstr_run 64 acquire --path "$F"
  [[ "$stderr" == *"no COMMAND"* ]]
}

@test "misspelt options get a did-you-mean in ktstr's words, never CLI11's" {
  ktstr_run 64 acquire --pth "$F" -- true
  assert_one_error_line "ktstr acquire: unknown option '--pth'; did you mean '--path'?"
  ktstr_run 64 locks --jsn
  assert_one_error_line "ktstr locks: unknown option '--jsn'; did you mean '--json'?"
  ktstr_run 64 acquire -n -w 1 "$F" true
  [[ "$stderr" == *"cannot be used together"* ]]
  ktstr_run 64 acquire --path
  [[ "$stderr" == *"--path needs a value"* ]]
  ktstr_run 64 locks extra
  [[ "$stderr" == *"unexpected argument 'extra'"* ]]
  for line in "$stderr"; do
    [[ "$line" != *"required"* && "$line" != *"excludes"* && "$line" != *"not expected"* ]]
  done
}
