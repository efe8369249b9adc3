#!/usr/bin/env bats
# Faults and load (issue: hardening): dead holders, killed wrappers, broken
# filesystems, other users, and many waiters at once. Each case ends with its
# documented exit code and one clear line, never a hang or a partly held set.

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper). The load tests here take
# ~25 s on a release build and several times that under ASan.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
  load test_helper
  load mounts
  ktstr_isolate
  D=$KTSTR_LOCK_DIR
  T=$BATS_TEST_TMPDIR
}

teardown() {
  # Children of a holder the test SIGKILLed are no job's children any more.
  [ -z "${ORPHANS:-}" ] || kill $ORPHANS 2>/dev/null || true
  kill_jobs_and_children
  mounts_cleanup
}

@test "a holder SIGKILLed while others wait: the next waiter runs" {
  harness_hold "$T/f"
  ktstr_start acquire --path "$T/f" -- touch "$T/ran"
  waiter=$KTSTR_PID
  wait_until "acquire blocks on the lock" flock_waiting "$waiter"
  [ ! -e "$T/ran" ]
  ORPHANS=$(pgrep -P "$HOLDER_PID")
  kill -KILL "$HOLDER_PID"
  ktstr_wait 0 "$waiter"
  [ -e "$T/ran" ]
}

@test "acquire SIGKILLed while its command runs: the command dies, the lock is free" {
  ktstr_start acquire --path "$T/f" -- sh -c 'echo $$ >"$1/cmd"; exec sleep 600' sh "$T"
  wait_until "the command starts" test -s "$T/cmd"
  cmd=$(cat "$T/cmd")
  kill -KILL "$KTSTR_PID"
  wait_until "the command dies with acquire" pid_ended "$cmd"
  flock -n "$T/f" true
}

@test "a read-only lock dir: no lock file can be created, exit 73, nothing held" {
  require_root "mounts a read-only tmpfs"
  mount_tmpfs "$T/ro"
  mount -o remount,ro "$T/ro"
  KTSTR_LOCK_DIR=$T/ro ktstr_run 73 acquire --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/ro/"*"Read-only file system"* ]]
  [ ! -e "$T/ran" ]
  [ "$(ls -A "$T/ro")" = "" ]
}

@test "existing lock files on a read-only filesystem are still lockable" {
  require_root "mounts a read-only tmpfs"
  mount_tmpfs "$T/ro"
  touch "$T/ro/f"
  mount -o remount,ro "$T/ro"
  ktstr_run 0 acquire --path "$T/ro/f" -- touch "$T/ran"
  [ -e "$T/ran" ]
}

@test "a lock dir on a filesystem out of inodes: exit 73 with the errno, nothing held" {
  require_root "mounts a tiny tmpfs"
  mkdir -p "$T/full"
  mount -t tmpfs -o size=1m,nr_inodes=8 ktstr-e2e "$T/full"
  _mounts_record mount "$T/full"
  i=0
  while touch "$T/full/filler$i" 2>/dev/null; do i=$((i + 1)); done
  KTSTR_LOCK_DIR=$T/full ktstr_run 73 acquire --path "$T/g" --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"No space left on device"* ]]
  [ ! -e "$T/ran" ]
  # The request failed before locking: the --path lock file was not even
  # opened (a check of its lock after acquire exited could not fail).
  [ ! -e "$T/g" ]
}

@test "a lock dir on a filesystem out of space still takes existing lock files" {
  require_root "mounts a tiny tmpfs"
  mkdir -p "$T/full"
  mount -t tmpfs -o size=64k ktstr-e2e "$T/full"
  _mounts_record mount "$T/full"
  touch "$T/full/f"
  # dd stops (and fails) when the filesystem is full; check that it is.
  run dd if=/dev/zero of="$T/full/fill" bs=4k
  [ "$status" -ne 0 ]
  [[ "$output" == *"No space left on device"* ]]
  [ "$(stat -f -c %a "$T/full")" -eq 0 ]
  ktstr_run 0 acquire --path "$T/full/f" -- touch "$T/ran"
  [ -e "$T/ran" ]
}

@test "a device at a lock path: exit 73 naming it, no hang" {
  require_root "creates a device node"
  mkdir -p "$D"
  mknod "$D/ktstr-cpu-0.lock" c 1 3
  ktstr_run_with 73 timeout 30 -- acquire --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$D/ktstr-cpu-0.lock"*"character device"* ]]
  [ ! -e "$T/ran" ]
}

@test "a lock dir without search permission for the user: exit 77, nothing created" {
  require_root "runs ktstr as user nobody"
  mkdir -p "$T/locked/locks"
  open_path_to_others "$T"
  chmod 0700 "$T/locked"
  KTSTR_LOCK_DIR=$T/locked/locks ktstr_run_as_nobody 77 acquire --path "$T/locked/locks/x" -- true
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/locked/locks"* ]]
  [ ! -e "$T/locked/locks/x" ]
}

@test "nobody shares root's lock dir: locks the files root created, sees root's holders" {
  require_root "runs ktstr as user nobody"
  open_path_to_others "$T"
  ktstr_run 0 acquire --path "$T/shared.lock" -- true
  chmod 0755 "$T"
  harness_hold -s "$T/shared.lock"
  # A shared lock held by root does not stop nobody's shared lock.
  ktstr_run_as_nobody 0 acquire --shared --path "$T/shared.lock" -- true
  # ...but does stop an exclusive one, and nobody is told who holds it.
  ktstr_run_as_nobody 75 acquire -n --path "$T/shared.lock" -- true
  [[ "$stderr" == *"$HOLDER_PID"* ]]
  # holders as nobody: root's process is named; /proc/PID/fd of root's process
  # is not readable, so the holder is marked unconfirmed.
  ktstr_run_as_nobody 0 holders "$T/shared.lock"
  assert_line --partial "$HOLDER_PID"
  assert_line --partial "held?"
}

@test "another user's holder whose /proc entry is hidden (hidepid=2): shown, cmdline unavailable" {
  require_root "mounts a private /proc"
  command -v unshare >/dev/null || skip "needs unshare (Debian package util-linux)"
  open_path_to_others "$T"
  harness_hold "$T/hidden.lock"
  chmod 0755 "$T"
  run --separate-stderr unshare --mount --propagation private -- sh -c '
    mount -t proc -o hidepid=2 proc /proc &&
    exec setpriv --reuid nobody --regid nogroup --clear-groups -- "$1" holders "$2"' \
    sh "$KTSTR" "$T/hidden.lock"
  [ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; return 1; }
  assert_line --partial "$HOLDER_PID"
  assert_line --partial "<cmdline unavailable>"
  assert_line --partial "held?"
}

@test "200 concurrent acquire --cpus 1 on 2 CPUs: all finish, no CPU ever held twice" {
  # Each command logs its CPU and the start and end of its critical section;
  # overlapping intervals on one CPU would prove a double booking.
  cat >"$T/job" <<'EOF_JOB'
#!/bin/sh
echo "$KTSTR_CPUS $(date +%s%N) start" >>"$1"
sleep 0.01
echo "$KTSTR_CPUS $(date +%s%N) end" >>"$1"
EOF_JOB
  chmod +x "$T/job"
  pids=()
  for i in $(seq 1 200); do
    "$KTSTR" acquire --cpus 1 --timeout 300 -- "$T/job" "$T/log" 3>&- &
    pids+=($!)
  done
  failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
  assert_equal "$failed" 0
  assert_equal "$(grep -c start "$T/log")" 200
  assert_equal "$(grep -c end "$T/log")" 200
  # Per CPU, sorted by time, starts and ends must alternate.
  sort -k1,1n -k2,2n "$T/log" | awk '
    $1 != cpu { cpu = $1; open = 0 }
    $3 == "start" { if (open) { print "CPU " cpu " double-booked at " $2; bad = 1 } open = 1 }
    $3 == "end" { open = 0 }
    END { exit bad }'
}
