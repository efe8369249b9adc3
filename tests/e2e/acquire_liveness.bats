#!/usr/bin/env bats
# acquire respects the dispositions and the deadline it was given: an
# inherited SIGCHLD ignore never loses the command's status, an inherited
# SIGINT ignore keeps a waiter waiting (as flock(1) does), a deadline passed
# while stopped means exit 75 and no command, and a SIGALRM blocked by the
# caller cannot stretch --timeout.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
}

teardown() {
  kill -CONT "${KTSTR_PID:-0}" 2>/dev/null || true
  kill_jobs_and_children
}

@test "with SIGCHLD ignored, the command's exit status still comes back" {
  ktstr_run_with 3 perl -e '$SIG{CHLD} = "IGNORE"; exec { $ARGV[0] } @ARGV or die' -- \
    acquire --path "$T/f" -- sh -c 'exit 3'
  assert_equal "$stderr" ""
}

@test "with SIGCHLD ignored, the command inherits the ignore" {
  ktstr_run_with 0 perl -e '$SIG{CHLD} = "IGNORE"; exec { $ARGV[0] } @ARGV or die' -- \
    acquire --path "$T/f" -- grep '^SigIgn' /proc/self/status
  # SIGCHLD is signal 17: bit 16 of the mask, the 0x10000 of the last word.
  local mask=${output##*[[:space:]]}
  (((0x$mask & 0x10000) != 0))
}

@test "an inherited SIGINT ignore keeps a waiting acquire waiting" {
  harness_hold -x "$T/busy"
  # A background job of a non-interactive shell starts with SIGINT ignored.
  ktstr_start acquire --timeout 20 --path "$T/busy" -- touch "$T/ran"
  wait_until "acquire blocks" flock_waiting "$KTSTR_PID"
  kill -INT "$KTSTR_PID"
  sleep 0.3
  run ! pid_ended "$KTSTR_PID"
  harness_release
  ktstr_wait 0
  [ -e "$T/ran" ]
}

@test "a waiter stopped past its deadline exits 75 on SIGCONT and never runs the command" {
  harness_hold -x "$T/busy"
  ktstr_start acquire --timeout 1 --path "$T/busy" -- touch "$T/ran"
  wait_until "acquire blocks" flock_waiting "$KTSTR_PID"
  kill -STOP "$KTSTR_PID"
  harness_release
  sleep 1.5
  kill -CONT "$KTSTR_PID"
  ktstr_wait 75
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"deadline"* ]]
}

@test "--timeout holds with SIGALRM blocked by the caller" {
  harness_hold -x "$T/busy"
  ktstr_start_with_alarm_blocked() {
    local real=$KTSTR
    KTSTR=perl
    ktstr_start -MPOSIX -e 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGALRM)); exec { $ARGV[0] } @ARGV or die' \
      "$real" "$@"
    KTSTR=$real
  }
  ktstr_start_with_alarm_blocked acquire --timeout 1 --path "$T/busy" -- touch "$T/ran"
  # ktstr_wait allows 60 s; a timeout that holds ends within a few.
  local i
  for ((i = 0; i < 500; i++)); do
    pid_ended "$KTSTR_PID" && break
    sleep 0.01
  done
  ktstr_wait 75
  [ ! -e "$T/ran" ]
}
