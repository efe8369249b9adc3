#!/usr/bin/env bats
# acquire: the fork model (SPEC §4): the command holds no lock fd, its exit
# status and death by signal pass through, signals are forwarded, it dies
# with acquire; pinning and the environment; --no-fork.

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
}

teardown() {
  # A process a command left behind is no job of the test's; end it here so
  # that a failed test does not leave it running either.
  [ ! -s "$T/gc" ] || kill "$(cat "$T/gc")" 2>/dev/null || true
  kill_jobs_and_children
}

@test "the command holds no lock fd; acquire (its parent) holds the locks" {
  fake_topology_small
  ktstr_run 0 acquire --cpu 0 --cache k --path "$T/f" -- "$PROBE" "$T"
  IFS=: read -ra paths <"$T/lockpaths"
  assert_equal "${#paths[@]}" 4
  for p in "${paths[@]}"; do
    if grep -qxF "$p" "$T/fds"; then
      echo "the command has $p open:" >&2
      cat "$T/fds" >&2
      return 1
    fi
  done
  assert_equal "$(flocks_held_by "$(cat "$T/pid")" "$T/proc_locks")" 0
  assert_equal "$(flocks_held_by "$(cat "$T/ppid")" "$T/proc_locks")" 4
}

@test "--no-fork execs the command with the lock fds: the command is the holder" {
  fake_topology_small
  ktstr_run 0 acquire --no-fork --cpu 0 --path "$T/f" -- "$PROBE" "$T"
  pid=$(cat "$T/pid")
  assert_equal "$(flock_mode "$pid" "$D/ktstr-cpu-0.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flock_mode "$pid" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
  assert_equal "$(flock_mode "$pid" "$T/f" "$T/proc_locks")" WRITE
  grep -qxF "$D/ktstr-cpu-0.lock" "$T/fds"
  grep -qxF "$T/f" "$T/fds"
  assert_equal "$(cat "$T/allowed")" 0
  assert_equal "$(cat "$T/cpus")" 0
}

@test "--no-fork: exit status is the command's own; 127 for a missing command" {
  ktstr_run 9 acquire --no-fork --path "$T/f" -- sh -c 'exit 9'
  ktstr_run_with 127 -- acquire --no-fork --path "$T/f" -- "$T/no-such-command"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *no-such-command* ]]
}

@test "the command's exit status passes through" {
  ktstr_run 0 acquire --path "$T/f" -- true
  ktstr_run 1 acquire --path "$T/f" -- false
  ktstr_run 42 acquire --path "$T/f" -- sh -c 'exit 42'
  assert_equal "$stderr" ''
  ktstr_run 255 acquire --path "$T/f" -- sh -c 'exit 255'
}

@test "a command killed by a signal makes acquire die of that signal: 128+N" {
  ktstr_run 143 acquire --path "$T/f" -- sh -c 'kill -TERM $$'
  ktstr_run 138 acquire --path "$T/f" -- sh -c 'kill -USR1 $$'
  ktstr_run 137 acquire --path "$T/f" -- sh -c 'kill -KILL $$'
  ktstr_run 139 acquire --path "$T/f" -- sh -c 'ulimit -c 0; kill -SEGV $$'
  # Died of the signal, not exit(128+N): a parent's wait(2) sees WIFSIGNALED.
  ktstr_run_with 0 perl -e 'system @ARGV; print(($? & 127), "\n")' -- \
    acquire --path "$T/f" -- sh -c 'kill -TERM $$'
  assert_output 15
}

@test "126 for a command that is not executable, 127 for one not found" {
  printf '#!/bin/sh\necho hi\n' >"$T/script"
  chmod 644 "$T/script"
  ktstr_run 126 acquire --path "$T/f" -- "$T/script"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/script"* ]]
  ktstr_run 126 acquire --path "$T/f" -- "$T"
  assert_one_error_line "ktstr acquire:"
  ktstr_run_with 127 -- acquire --path "$T/f" -- no-such-command-ktstr
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *no-such-command-ktstr* ]]
  assert_output ''
}

# start_trapping SIG...: acquire runs a shell that, on each SIG, writes its
# name and exits 3; waits until the traps are set.
start_trapping() {
  local traps="" s
  for s in "$@"; do
    traps+="trap 'echo $s >\"\$1/got\"; exit 3' $s; "
  done
  ktstr_start acquire --path "$T/f" -- sh -c "$traps"'echo ready >"$1/ready"; while :; do sleep 0.05; done' sh "$T"
  wait_until "the command sets its traps" test -e "$T/ready"
}

# assert_forwarded SIG...: for each SIG in turn, a trapping command under
# acquire gets SIG sent to acquire, and acquire exits with its status.
assert_forwarded() {
  local sig
  for sig in "$@"; do
    rm -f "$T/ready" "$T/got"
    start_trapping "$sig"
    kill -"$sig" "$KTSTR_PID"
    ktstr_wait 3
    assert_equal "$(cat "$T/got")" "$sig"
  done
}

@test "SIGTERM to acquire is forwarded to the command" {
  assert_forwarded TERM
}

@test "SIGUSR1, SIGUSR2 and SIGHUP to acquire are forwarded to the command" {
  assert_forwarded USR1 USR2 HUP
}

@test "SIGINT and SIGQUIT to acquire are forwarded to the command" {
  # bash starts background jobs with SIGINT and SIGQUIT ignored, and an
  # ignored signal stays ignored across exec; perl gives acquire (and so the
  # command) the default dispositions a foreground job would have.
  local KTSTR_REAL=$KTSTR KTSTR
  KTSTR=$BATS_TEST_TMPDIR/with-default-signals
  cat >"$KTSTR" <<EOF
#!/bin/sh
exec perl -e '\$SIG{INT} = \$SIG{QUIT} = "DEFAULT"; exec { \$ARGV[0] } @ARGV or die "exec: \$!"' '$KTSTR_REAL' "\$@"
EOF
  chmod +x "$KTSTR"
  assert_forwarded INT QUIT
}

@test "if acquire is SIGKILLed, the command dies too and the lock is free" {
  ktstr_start acquire --path "$T/f" -- sh -c 'echo $$ >"$1/pid"; exec sleep 600' sh "$T"
  wait_until "the command starts" test -s "$T/pid"
  child=$(cat "$T/pid")
  wait_until "the command is sleep" grep -q '^Name:[[:space:]]*sleep' "/proc/$child/status"
  kill -KILL "$KTSTR_PID"
  ktstr_wait 137
  wait_until "the command dies with acquire" pid_ended "$child"
  flock -n -x "$T/f" true
}

@test "when the command exits, its leftover children are ended, then the locks are released" {
  ktstr_run 0 acquire --path "$T/f" -- sh -c 'sleep 600 </dev/null >/dev/null 2>&1 3>&- & echo $! >"$1/gc"' sh "$T"
  gc=$(cat "$T/gc")
  pid_ended "$gc"
  flock -n -x "$T/f" true
}

@test "the command is pinned to exactly the acquired CPUs, with KTSTR_CPUS and KTSTR_LOCKS" {
  fake_topology_small
  ktstr_run 0 acquire --cpu 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 1
  assert_equal "$(cat "$T/cpus")" 1
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-0.lock:$D/ktstr-cpu-1.lock"

  ktstr_run 0 acquire --cpu 0,1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 0-1
  assert_equal "$(cat "$T/cpus")" 0-1

  ktstr_run 0 acquire --llc 0 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 1
  assert_equal "$(cat "$T/cpus")" 1
}

@test "--no-pin leaves the affinity alone but still sets KTSTR_CPUS" {
  fake_topology_small
  ktstr_run_with 0 taskset -c 0-1 -- acquire --cpu 1 --no-pin -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 0-1
  assert_equal "$(cat "$T/cpus")" 1
}

@test "KTSTR_CPUS and KTSTR_LOCKS replace values inherited from the caller; no CPUs, no KTSTR_CPUS" {
  fake_topology_small
  KTSTR_CPUS=7 KTSTR_LOCKS=/stale ktstr_run 0 acquire --cpu 0 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 0
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock:$D/ktstr-cpu-0.lock"
  ktstr_run 0 acquire --path "$T/f" -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" unset
  assert_equal "$(cat "$T/lockpaths")" "$T/f"
}

@test "the command's stdin, stdout and stderr are acquire's" {
  ktstr_run 0 acquire --path "$T/f" -- sh -c 'cat; echo err >&2' <<<"in"
  assert_output in
  assert_equal "$stderr" err
}
