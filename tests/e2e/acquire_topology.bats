#!/usr/bin/env bats
# acquire --cpus N: which CPUs it chooses. The affinity mask bounds the
# choice; taken CPUs and CPUs of LLCs held EX are skipped; the choice packs
# into the fewest LLCs and prefers one NUMA node. Fake topologies
# (fake_sysfs.bash) describe hosts this machine is not; their CPUs beyond
# this machine's are reserved with --no-pin, where the fake online list is
# the candidate set.

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
}

teardown() {
  kill_jobs_and_children
}

# cpus_chosen ARGS...: runs `acquire ARGS -- probe`, expecting success, and
# prints KTSTR_CPUS. Run inside $(...), where a failure cannot fail the test,
# it prints nothing when acquire fails (never a previous call's answer), so
# the comparison with the expected list fails instead.
cpus_chosen() {
  rm -f "$T/cpus"
  ktstr_run 0 acquire "$@" -- "$PROBE" "$T" || return 1
  cat "$T/cpus"
}

# hold_cpus LIST: the harness holds the CPU locks of LIST (EX, one holder each).
hold_cpus() {
  local c
  for c in $(fake_expand_cpus "$1"); do
    harness_hold -x "$D/ktstr-cpu-$c.lock"
  done
}

# ---- this machine's CPUs 0 and 1, pinned ----

@test "taskset -c 1 acquire --cpus 1 gets CPU 1 and runs on it (real sysfs)" {
  ktstr_run_with 0 taskset -c 1 -- acquire --cpus 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 1
  assert_equal "$(cat "$T/allowed")" 1
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$D/ktstr-cpu-1.lock" "$T/proc_locks")" WRITE
  [ ! -e "$D/ktstr-cpu-0.lock" ] || [ -z "$(flock_mode "$(cat "$T/ppid")" "$D/ktstr-cpu-0.lock" "$T/proc_locks")" ]
}

@test "taskset -c 0 acquire --cpus 1 gets CPU 0 (fake sysfs too)" {
  fake_topology_small
  ktstr_run_with 0 taskset -c 0 -- acquire --cpus 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 0
  assert_equal "$(cat "$T/allowed")" 0
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-cpu-0.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
  assert_equal "$(flocks_held_by "$holder" "$T/proc_locks")" 2
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock:$D/ktstr-cpu-0.lock"
}

@test "--cpus outside the affinity mask is a conflict, not a CPU outside the mask" {
  fake_topology_small
  hold_cpus 1
  ktstr_run_with 75 taskset -c 1 -- acquire -n --cpus 1 -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"$D/ktstr-cpu-1.lock"* ]]
  ktstr_run_with 64 taskset -c 1 -- acquire --cpus 2 -- touch "$T/ran"
  [[ "$stderr" == *"--cpus 2"* ]]
}

@test "--cpus skips a taken CPU" {
  fake_topology_small
  hold_cpus 0
  assert_equal "$(cpus_chosen --cpus 1)" 1
  assert_equal "$(cat "$T/allowed")" 1
}

@test "--cpus skips the CPUs of an LLC the harness holds EX, not of one held SH" {
  fake_topology_small
  harness_hold -x "$D/ktstr-llc-0.lock"   # CPU 1's LLC
  assert_equal "$(cpus_chosen --cpus 1)" 0
  ktstr_run 75 acquire -n --cpus 2 -- touch "$T/ran"
  [[ "$stderr" == *"$D/ktstr-llc-0.lock"* ]]
  harness_release
  harness_hold -s "$D/ktstr-llc-0.lock"
  assert_equal "$(cpus_chosen --cpus 2)" 0-1
}

@test "--cpus waits for a CPU to be released when none is free, then takes it" {
  fake_topology_small
  hold_cpus 0
  first=$HOLDER_PID
  hold_cpus 1
  ktstr_start acquire --cpus 1 -- "$PROBE" "$T"
  wait_until "acquire has the CPU lock files open" \
    sh -c 'ls -l /proc/$1/fd | grep -q ktstr-cpu-1.lock' sh "$KTSTR_PID"
  [ ! -e "$T/ppid" ]
  harness_release "$first"
  ktstr_wait 0
  assert_equal "$(cat "$T/cpus")" 0
}

@test "--cpus waiters line up: one holds the queue lock and probes, the rest wait on it" {
  fake_topology_small
  hold_cpus 0
  first=$HOLDER_PID
  hold_cpus 1
  second=$HOLDER_PID
  # Each command keeps its CPU until teardown, so a release frees exactly one.
  for i in 1 2 3; do
    "$KTSTR" acquire --cpus 1 -- sh -c 'touch "$1"; exec sleep 600' sh "$T/ran$i" 3>&- &
  done
  queue=$D/ktstr-cpus-queue.lock
  wait_until "the queue file exists" test -e "$queue"
  # One head holding it, N waiters blocked on it, nobody probing but the head.
  queue_is() {
    local key
    key=$(proc_locks_key "$queue") || return 1
    [ "$(awk -v k="$key" '$2 == "FLOCK" && $6 == k' /proc/locks | wc -l)" -eq "$1" ] &&
      [ "$(awk -v k="$key" '$2 == "->" && $7 == k' /proc/locks | wc -l)" -eq "$2" ]
  }
  ran() { find "$T" -maxdepth 1 -name 'ran*' | wc -l; }
  wait_until "one queue holder and two waiters" queue_is 1 2
  # Each release lets exactly one of them through, in turn: the others are
  # back in line (a head and one waiter) and have not run.
  harness_release "$first"
  wait_until "one command ran, two still queued" sh -c '[ "$(find "$1" -maxdepth 1 -name "ran*" | wc -l)" -ge 1 ]' sh "$T"
  wait_until "the other two are back in line" queue_is 1 1
  assert_equal "$(ran)" 1
  harness_release "$second"
  wait_until "a second command ran" sh -c '[ "$(find "$1" -maxdepth 1 -name "ran*" | wc -l)" -ge 2 ]' sh "$T"
  wait_until "the last one heads the queue alone" queue_is 1 0
  assert_equal "$(ran)" 2
  # The queue file is no ktstr lock of the listing.
  ktstr_run 0 locks --json
  assert_equal "$(jq '[.llcs[], .cpus[], .cache[]] | map(.lockfile) | map(select(test("queue"))) | length' <<<"$output")" 0
}

@test "--cpus with a finite timeout: the queue head and a queued waiter both give up in time" {
  fake_topology_small
  hold_cpus 0
  first=$HOLDER_PID
  hold_cpus 1
  queue=$D/ktstr-cpus-queue.lock
  local start end
  start=$(date +%s%N)
  ktstr_start acquire --cpus 1 --timeout 1s -- touch "$T/head"
  head=$KTSTR_PID
  wait_until "the first waiter heads the queue" heads_queue "$head"
  ktstr_start acquire --cpus 1 --timeout 1500ms -- touch "$T/queued"
  queued=$KTSTR_PID
  # ktstr_wait gives up after 20 s: a waiter that ignores its deadline fails
  # here, not at the suite's limit.
  ktstr_wait 75 "$head"
  ktstr_wait 75 "$queued"
  end=$(date +%s%N)
  [ ! -e "$T/head" ]
  [ ! -e "$T/queued" ]
  [[ "$stderr" == *"$D/ktstr-cpu-"*".lock"* ]]
  # Both waited (at least the first deadline), and not much longer.
  [ $(((end - start) / 1000000)) -ge 1000 ]
  [ $(((end - start) / 1000000)) -lt 10000 ]
}

@test "--cpus with a finite timeout: a queued waiter still gets a CPU released before its deadline" {
  fake_topology_small
  hold_cpus 0
  first=$HOLDER_PID
  hold_cpus 1
  ktstr_start acquire --cpus 1 --timeout 30s -- sh -c 'touch "$1"; exec sleep 600' sh "$T/head"
  head=$KTSTR_PID
  wait_until "the first waiter heads the queue" heads_queue "$head"
  ktstr_start acquire --cpus 1 --timeout 30s -- touch "$T/queued"
  queued=$KTSTR_PID
  wait_until "the second waiter is queued" flock_waiting_on "$queued" "$D/ktstr-cpus-queue.lock"
  harness_release "$first"
  wait_until "the head ran" test -e "$T/head"
  [ ! -e "$T/queued" ]
  harness_release "$HOLDER_PID"
  ktstr_wait 0 "$queued"
  [ -e "$T/queued" ]
}

# heads_queue PID: PID holds the --cpus queue lock.
heads_queue() {
  [ "$(flock_mode "$1" "$D/ktstr-cpus-queue.lock")" = WRITE ]
}

# ktstr_fds PID: the targets of PID's fds that ktstr opened (in the lock
# dir, or an inotify instance), one a line; inherited ones are left out.
ktstr_fds() {
  local fd
  for fd in /proc/"$1"/fd/*; do
    readlink "$fd" || :
  done | grep -e "^$D/" -e inotify
}

@test "--cpus that finds a CPU free at once opens no inotify instance" {
  fake_topology_small
  ktstr_run 0 acquire --cpus 1 -- sh -c 'ls -l /proc/$PPID/fd'
  refute_output --partial inotify
  assert_output --partial ktstr-cpu-
}

@test "--cpus that waited runs its command holding its lock files and nothing else" {
  fake_topology_small
  hold_cpus 0
  first=$HOLDER_PID
  hold_cpus 1
  ktstr_start acquire --cpus 1 -- sh -c 'touch "$1/started"; exec sleep 30' sh "$T"
  wait_until "acquire waits at the head of the queue" heads_queue "$KTSTR_PID"
  ls -l "/proc/$KTSTR_PID/fd" | grep -q inotify
  harness_release "$first"
  wait_until "the command started" test -e "$T/started"
  # The queue lock, the inotify instance and the probed CPU 1 are closed
  # once the command runs: only CPU 0's lock and its LLC's remain.
  wait_until "acquire keeps two fds of its own" eval '[ "$(ktstr_fds "$KTSTR_PID" | wc -l)" -eq 2 ]'
  run ktstr_fds "$KTSTR_PID"
  assert_line "$D/ktstr-cpu-0.lock"
  assert_line --regexp "^$D/ktstr-llc-[0-9]+\.lock\$"
}

@test "--cpus leaves the queue when its command starts: the next waiter gets a CPU freed meanwhile" {
  fake_topology_small
  hold_cpus 0
  first=$HOLDER_PID
  hold_cpus 1
  second=$HOLDER_PID
  ktstr_start acquire --cpus 1 -- sh -c 'touch "$1/long"; exec sleep 30' sh "$T"
  long=$KTSTR_PID
  wait_until "the first waiter heads the queue" heads_queue "$long"
  ktstr_start acquire --cpus 1 -- touch "$T/short"
  short=$KTSTR_PID
  wait_until "the second waiter is queued behind it" flock_waiting_on "$short" "$D/ktstr-cpus-queue.lock"
  harness_release "$first"
  wait_until "the first command started" test -e "$T/long"
  harness_release "$second"
  # Well before the first command's 30 s are up (wait_until gives up at 20 s).
  wait_until "the second command ran" test -e "$T/short"
  ktstr_wait 0 "$short"
  run ! pid_ended "$long"
}

# ---- two sockets, four LLCs (fake) ----

@test "two sockets: --cpus packs into one LLC, the lowest when all fit equally" {
  fake_topology_two_sockets
  assert_equal "$(cpus_chosen --no-pin --cpus 2)" 0-1
  assert_equal "$(cpus_chosen --no-pin --cpus 4)" 0-3
}

@test "two sockets: --cpus takes the LLC that fits best, keeping whole LLCs for larger requests" {
  fake_topology_two_sockets
  hold_cpus 0
  # LLC 0 has 3 free CPUs, the others 4: 2 fit best in LLC 0, 4 only elsewhere.
  assert_equal "$(cpus_chosen --no-pin --cpus 2)" 1-2
  assert_equal "$(cpus_chosen --no-pin --cpus 3)" 1-3
  assert_equal "$(cpus_chosen --no-pin --cpus 4)" 4-7
}

@test "two sockets: more than an LLC holds stays in one NUMA node, fullest LLC first" {
  fake_topology_two_sockets
  hold_cpus 0
  # Node 0 has 7 free (3 + 4), enough for 5 in two LLCs: 4-7 and then LLC 0.
  assert_equal "$(cpus_chosen --no-pin --cpus 5)" 1,4-7
  assert_equal "$(cpus_chosen --no-pin --cpus 8)" 8-15
}

@test "two sockets: when node 0 is nearly full, the request goes to node 1 whole" {
  fake_topology_two_sockets
  hold_cpus 0-2,4-6
  # Node 0 has only CPUs 3 and 7 free: 6 CPUs come from node 1 alone.
  assert_equal "$(cpus_chosen --no-pin --cpus 6)" 8-13
  # 3 CPUs fit one LLC of node 1.
  assert_equal "$(cpus_chosen --no-pin --cpus 3)" 8-10
}

@test "two sockets: spans nodes only when no node has enough" {
  fake_topology_two_sockets
  hold_cpus 0-5
  # Free: 6-7 (node 0), 8-15 (node 1); 10 needs both nodes.
  result=$(cpus_chosen --no-pin --cpus 10)
  assert_equal "$result" 6-15
}

@test "two sockets: skips the CPUs of LLCs held EX" {
  fake_topology_two_sockets
  harness_hold -x "$D/ktstr-llc-0.lock"
  assert_equal "$(cpus_chosen --no-pin --cpus 2)" 4-5
  harness_hold -x "$D/ktstr-llc-1.lock"
  # Node 0 is all held: node 1.
  assert_equal "$(cpus_chosen --no-pin --cpus 5)" 8-12
}

@test "two sockets: --cpus takes EX on each chosen CPU and SH on each chosen LLC only" {
  fake_topology_two_sockets
  hold_cpus 0
  ktstr_run 0 acquire --no-pin --cpus 5 -- "$PROBE" "$T"
  holder=$(cat "$T/ppid")
  for c in 1 4 5 6 7; do
    assert_equal "$(flock_mode "$holder" "$D/ktstr-cpu-$c.lock" "$T/proc_locks")" WRITE
  done
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-0.lock" "$T/proc_locks")" READ
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
  assert_equal "$(flocks_held_by "$holder" "$T/proc_locks")" 7
  assert_equal "$(cat "$T/lockpaths")" \
    "$D/ktstr-llc-0.lock:$D/ktstr-llc-1.lock:$D/ktstr-cpu-1.lock:$D/ktstr-cpu-4.lock:$D/ktstr-cpu-5.lock:$D/ktstr-cpu-6.lock:$D/ktstr-cpu-7.lock"
}

@test "two sockets: --cpus beside --cpu chooses other CPUs" {
  fake_topology_two_sockets
  assert_equal "$(cpus_chosen --no-pin --cpu 0 --cpus 2)" 0-2
}

# ---- SMT siblings, offline CPUs, CPUs without caches ----

@test "SMT: an LLC whose CPU list is not contiguous is packed as one" {
  fake_topology_smt
  assert_equal "$(cpus_chosen --no-pin --cpus 8)" 0-3,8-11
  hold_cpus 0-3
  # LLC 0 has 8-11 free (4), LLC 1 has 8: 4 fit best in LLC 0.
  assert_equal "$(cpus_chosen --no-pin --cpus 4)" 8-11
  assert_equal "$(cpus_chosen --no-pin --cpus 6)" 4-7,12-13
}

@test "SMT: --cpu C takes the LLC its sibling shares" {
  fake_topology_smt
  ktstr_run 0 acquire --no-pin --cpu 9 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-0.lock:$D/ktstr-cpu-9.lock"
  ktstr_run 0 acquire --no-pin --cpu 12 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock:$D/ktstr-cpu-12.lock"
}

@test "offline CPUs are never chosen or locked" {
  fake_topology_offline
  # LLC 1 has 4, 5, 7 online: 3 fit there best.
  assert_equal "$(cpus_chosen --no-pin --cpus 3)" 4-5,7
  assert_equal "$(cpus_chosen --no-pin --cpus 7)" 0-5,7
  ktstr_run 64 acquire --no-pin --cpus 8 -- true
  [[ "$stderr" == *"--cpus 8"* ]]
  ktstr_run 0 acquire --no-pin --llc 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 4-5,7
  [ ! -e "$D/ktstr-cpu-6.lock" ]
}

@test "a CPU without a cache directory is in the LLC keyed 0, as the Rust harness has it" {
  fake_topology_no_cache
  # Keys: CPU 4 has none, so 0 (LLC 0); CPUs 0-3 have cache id 3 (LLC 1).
  ktstr_run 0 acquire --no-pin --cpu 4 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-0.lock:$D/ktstr-cpu-4.lock"
  ktstr_run 0 acquire --no-pin --cpu 0 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock:$D/ktstr-cpu-0.lock"
  ktstr_run 0 acquire --no-pin --llc 0 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 4
  assert_equal "$(cpus_chosen --no-pin --cpus 1)" 4
  assert_equal "$(cpus_chosen --no-pin --cpus 4)" 0-3
}

@test "the LLC of a CPU is its highest-level cache, whatever the index numbers" {
  fake_sysfs_init 0-1
  for c in 0 1; do
    fake_cache "$c" 0 1 "$c" "$c"
    fake_cache "$c" 1 3 7 0-1   # the LLC, at a lower index than the L2
    fake_cache "$c" 2 2 "$c" "$c"
  done
  ktstr_run 0 acquire --cpu 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-0.lock:$D/ktstr-cpu-1.lock"
  ktstr_run 0 acquire --llc 0 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 0-1
  ktstr_run 64 acquire --llc 1 -- true
}

@test "the fake sysfs is the one in use: its online list, not this machine's" {
  fake_topology_two_sockets
  # CPU 9 exists in the fake host only.
  ktstr_run 0 acquire --no-pin --cpu 9 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-2.lock:$D/ktstr-cpu-9.lock"
  fake_sysfs_init 1
  fake_llc 0 1
  ktstr_run 64 acquire --no-pin --cpu 0 -- true
  [[ "$stderr" == *"CPU 0"* ]]
}
