#!/usr/bin/env bats
# Fairness: a request that needs an LLC exclusively, or several CPUs at once,
# gets in against a stream of back-to-back single-CPU jobs (which hold the
# LLC shared and never leave it free by themselves), because later arrivals
# let the older waiter in first (waiting intents). And an intent nobody acts
# on delays others only for a bounded time.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
  # CPUs 0 and 1 in one LLC, so that --cpu 0 and --cpu 1 both hold LLC 0 shared.
  fake_sysfs_init 0-1
  fake_llc 0 0-1
  fake_node 0 0-1
}

teardown() {
  kill_jobs_and_children
}

# stream CPU SECONDS: back-to-back `acquire --cpu CPU -- sleep 0.3` for SECONDS.
stream() {
  local cpu=$1 until=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$until" ]; do
    "$KTSTR" acquire --cpu "$cpu" -- sleep 0.3 || return 1
  done
}

start_streams() {
  stream 0 12 3>&- &
  sleep 0.15
  stream 1 12 3>&- &
  # Both streams are running: LLC 0 is held shared from now on.
  wait_until "the streams hold LLC 0" sh -c "[ \$(grep -c . /proc/locks) -gt 0 ] && \
    flock -n -x '$D/ktstr-llc-0.lock' true; [ \$? -ne 0 ]"
}

@test "--llc 0 (exclusive) gets in against a stream of --cpu jobs holding it shared" {
  start_streams
  ktstr_run 0 acquire --llc 0 --timeout 6 -- true
}

@test "--cpu 0-1 gets in against single-CPU streams on each" {
  start_streams
  ktstr_run 0 acquire --cpu 0-1 --timeout 6 -- true
}

@test "without intents (a single -n attempt each), the LLC never comes free" {
  # The control: the same stream starves a request that does not wait in
  # line, which is what the intents fix.
  start_streams
  local i got=0
  for ((i = 0; i < 20; i++)); do
    if "$KTSTR" acquire -n --llc 0 -- true 2>/dev/null; then got=$((got + 1)); fi
    sleep 0.05
  done
  # Mostly refused: the stream holds the LLC shared nearly all the time. (On
  # a loaded machine the streams' start-ups leave gaps, so not "never".)
  [ "$got" -le 10 ]
}

@test "a waiter's intent shows in /proc/locks as an OFD lock on the lock file" {
  harness_hold -x "$T/busy"
  ktstr_start acquire --timeout 20 --path "$T/busy" -- true
  wait_until "acquire blocks" flock_waiting "$KTSTR_PID"
  local key
  key=$(lock_key_of_pid "$HOLDER_PID")
  grep -q "OFDLCK ADVISORY  READ .* $key " /proc/locks
  harness_release
  ktstr_wait 0
  run ! grep -q "OFDLCK ADVISORY  READ .* $key " /proc/locks
}

@test "an intent nobody acts on delays a request only for a bounded time" {
  touch "$T/f"
  chmod 0644 "$T/f"
  open_path_to_others "$T"
  # Another user plants an intent older than any ticket and keeps it.
  setpriv --reuid nobody --regid nogroup --clear-groups perl -e '
    use Fcntl; open(my $fh, "<", $ARGV[0]) or die;
    my $fl = pack("s s x4 q q l x4", F_RDLCK, 0, 1, 1, 0);
    fcntl($fh, 37, $fl) or die "F_OFD_SETLK: $!"; sleep 600' "$T/f" 3>&- &
  wait_until "the planted intent is listed" grep -q OFDLCK /proc/locks
  ktstr_run 0 acquire --timeout 10 --path "$T/f" -- true
}
