#!/usr/bin/env bats
# acquire: which lock files it takes, in which mode, how they interoperate
# with util-linux flock playing the Rust ktstr harness, their modes on disk,
# and the requests it refuses before creating anything. Signals and the fork
# model: acquire_signals.bats; --cpus choices: acquire_topology.bats;
# waiting and contention: acquire_contention.bats; planted files:
# acquire_bad_input.bats.

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
}

teardown() {
  kill_jobs_and_children
}

# ---- lock files, names and modes (SPEC §3) ----

@test "acquire --cpu C: EX on ktstr-cpu-C.lock and SH on the lock of C's LLC, nothing else" {
  fake_topology_small
  ktstr_run 0 acquire --cpu 0 -- "$PROBE" "$T"
  assert_output ''
  assert_equal "$stderr" ''
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-cpu-0.lock" "$T/proc_locks")" WRITE
  # CPU 0's LLC has cache id 9, the second of the sorted ids (4, 9): index 1.
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
  assert_equal "$(flocks_held_by "$holder" "$T/proc_locks")" 2
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock:$D/ktstr-cpu-0.lock"
  assert_equal "$(cat "$T/cpus")" 0
  [ ! -e "$D/ktstr-llc-0.lock" ]
  [ ! -e "$D/ktstr-cpu-1.lock" ]
}

@test "acquire --cpu 1 takes the LLC at position 0 of the id-sorted list, not the id" {
  fake_topology_small
  ktstr_run 0 acquire --cpu 1 -- "$PROBE" "$T"
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-cpu-1.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-0.lock" "$T/proc_locks")" READ
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-0.lock:$D/ktstr-cpu-1.lock"
}

@test "acquire --cpu on the real sysfs: EX on the CPU lock, SH on at most one LLC lock" {
  ktstr_run 0 acquire --cpu 0 -- "$PROBE" "$T"
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-cpu-0.lock" "$T/proc_locks")" WRITE
  for f in "$D"/ktstr-llc-*.lock; do
    [ -e "$f" ] || continue
    assert_equal "$(flock_mode "$holder" "$f" "$T/proc_locks")" READ
  done
  [ "$(flocks_held_by "$holder" "$T/proc_locks")" -le 2 ]
}

@test "acquire --llc N: EX on ktstr-llc-N.lock, the LLC's CPUs in KTSTR_CPUS, no CPU lock" {
  fake_topology_small
  ktstr_run 0 acquire --llc 1 -- "$PROBE" "$T"
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-1.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flocks_held_by "$holder" "$T/proc_locks")" 1
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-1.lock"
  assert_equal "$(cat "$T/cpus")" 0
  assert_equal "$(cat "$T/allowed")" 0
  [ ! -e "$D/ktstr-cpu-0.lock" ]
}

@test "acquire --llc N --shared: SH on the LLC lock" {
  fake_topology_small
  ktstr_run 0 acquire --llc 0 --shared -- "$PROBE" "$T"
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-0.lock" "$T/proc_locks")" READ
  assert_equal "$(flocks_held_by "$holder" "$T/proc_locks")" 1
}

@test "acquire --cache KEY: EX on CACHE/.locks/KEY.lock; --shared: SH; no CPU environment" {
  lock=$KTSTR_CACHE_DIR/.locks/linux-6.12.lock
  ktstr_run 0 acquire --cache linux-6.12 -- "$PROBE" "$T"
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$lock" "$T/proc_locks")" WRITE
  assert_equal "$(cat "$T/lockpaths")" "$lock"
  assert_equal "$(cat "$T/cpus")" unset
  [ ! -e "$D" ]

  ktstr_run 0 acquire --cache linux-6.12 --shared -- "$PROBE" "$T"
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$lock" "$T/proc_locks")" READ
}

@test "acquire --path FILE: EX on FILE, created when missing; --shared: SH" {
  file=$T/any/where.lock
  mkdir "$T/any"
  ktstr_run 0 acquire --path "$file" -- "$PROBE" "$T"
  [ -f "$file" ]
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$file" "$T/proc_locks")" WRITE
  assert_equal "$(cat "$T/lockpaths")" "$file"

  ktstr_run 0 acquire --path "$file" --shared -- "$PROBE" "$T"
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$file" "$T/proc_locks")" READ
}

@test "acquire --path FILE in a missing directory: exit 66, the directory is not made" {
  ktstr_run 66 acquire --path "$T/missing/dir/f.lock" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/missing/dir/f.lock"*"No such file or directory"* ]]
  [ ! -e "$T/missing" ]
  [ ! -e "$T/ran" ]
}

@test "acquire combines requests: every lock in its mode, KTSTR_LOCKS in canonical order" {
  fake_topology_small
  ktstr_run 0 acquire --path "$T/f" --cache k1 --cpu 0 --llc 0 -- "$PROBE" "$T"
  holder=$(cat "$T/ppid")
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-0.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flock_mode "$holder" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
  assert_equal "$(flock_mode "$holder" "$D/ktstr-cpu-0.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flock_mode "$holder" "$KTSTR_CACHE_DIR/.locks/k1.lock" "$T/proc_locks")" WRITE
  assert_equal "$(flock_mode "$holder" "$T/f" "$T/proc_locks")" WRITE
  assert_equal "$(flocks_held_by "$holder" "$T/proc_locks")" 5
  IFS=: read -ra got <"$T/lockpaths"
  assert_equal "${got[0]} ${got[1]} ${got[2]}" \
    "$D/ktstr-llc-0.lock $D/ktstr-llc-1.lock $D/ktstr-cpu-0.lock"
  assert_equal "${#got[@]}" 5
  assert_equal "$(cat "$T/cpus")" 0-1
}

# ---- util-linux flock playing the Rust harness ----

@test "a harness EX lock on an LLC blocks --cpu on its CPUs, not on other LLCs' CPUs" {
  fake_topology_small
  mkdir -p "$D"
  harness_hold -x "$D/ktstr-llc-1.lock"
  ktstr_run 75 acquire -n --cpu 0 -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"$D/ktstr-llc-1.lock"* ]]
  ktstr_run 0 acquire -n --cpu 1 -- touch "$T/ran"
  [ -e "$T/ran" ]
}

@test "a harness SH lock on an LLC does not block --cpu on its CPUs" {
  fake_topology_small
  mkdir -p "$D"
  harness_hold -s "$D/ktstr-llc-1.lock"
  ktstr_run 0 acquire -n --cpu 0 -- "$PROBE" "$T"
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
  assert_equal "$(flock_mode "$HOLDER_PID" "$D/ktstr-llc-1.lock" "$T/proc_locks")" READ
}

@test "--llc (EX) waits for the harness's SH holders, then takes the LLC" {
  fake_topology_small
  mkdir -p "$D"
  harness_hold -s "$D/ktstr-llc-1.lock"
  ktstr_run 75 acquire -n --llc 1 -- touch "$T/ran"
  [ ! -e "$T/ran" ]

  ktstr_start acquire --llc 1 -- "$PROBE" "$T"
  wait_until "acquire blocks on the LLC lock" flock_waiting "$KTSTR_PID"
  [ ! -e "$T/ppid" ]
  harness_release
  ktstr_wait 0
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$D/ktstr-llc-1.lock" "$T/proc_locks")" WRITE
}

@test "a harness EX lock on a CPU lock blocks --cpu of that CPU" {
  fake_topology_small
  mkdir -p "$D"
  harness_hold -x "$D/ktstr-cpu-1.lock"
  ktstr_run 75 acquire -n --cpu 1 -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  [[ "$stderr" == *"$D/ktstr-cpu-1.lock"* ]]
}

@test "while acquire holds --cpu, the harness can share the LLC but not take it or the CPU" {
  fake_topology_small
  ktstr_run 0 acquire --cpu 0 -- sh -c '
    flock -n -x "$1" true; echo "cpu-ex $?"
    flock -n -s "$2" true; echo "llc-sh $?"
    flock -n -x "$2" true; echo "llc-ex $?"' sh "$D/ktstr-cpu-0.lock" "$D/ktstr-llc-1.lock"
  assert_output $'cpu-ex 1\nllc-sh 0\nllc-ex 1'
}

# ---- modes on disk ----

@test "a lock dir acquire creates is 1777 and lock files are 0666 whatever the umask" {
  fake_topology_small
  mkdir "$T/p"
  umask 077
  ktstr_run 0 acquire --cpu 0 --cache key --path "$T/p/file" -- true
  assert_equal "$(stat -c %a "$D")" 1777
  assert_equal "$(stat -c %a "$D/ktstr-cpu-0.lock")" 666
  assert_equal "$(stat -c %a "$D/ktstr-llc-1.lock")" 666
  assert_equal "$(stat -c %a "$KTSTR_CACHE_DIR/.locks")" 1777
  assert_equal "$(stat -c %a "$KTSTR_CACHE_DIR/.locks/key.lock")" 666
  assert_equal "$(stat -c %a "$T/p/file")" 666
}

@test "an existing lock dir keeps its mode; existing lock files are neither truncated nor rechmodded" {
  fake_topology_small
  mkdir -m 755 "$D"
  printf 'data\n' >"$D/ktstr-cpu-0.lock"
  chmod 644 "$D/ktstr-cpu-0.lock"
  ktstr_run 0 acquire --cpu 0 -- true
  assert_equal "$(stat -c %a "$D")" 755
  assert_equal "$(cat "$D/ktstr-cpu-0.lock")" data
  assert_equal "$(stat -c %a "$D/ktstr-cpu-0.lock")" 644
}

# ---- invalid requests: exit 64 naming the culprit, nothing created ----

# refused STATUS CULPRIT ARGS...: acquire ARGS fails with STATUS, one stderr
# line naming CULPRIT, and neither the lock dir nor the cache dir exists.
refused() {
  local expected=$1 culprit=$2
  shift 2
  ktstr_run "$expected" acquire "$@" -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$culprit"* ]] || {
    echo "stderr does not name '$culprit': $stderr" >&2
    return 1
  }
  assert_output ''
  [ ! -e "$T/ran" ]
  [ ! -e "$D" ]
  [ ! -e "$KTSTR_CACHE_DIR" ]
}

@test "acquire refuses a CPU that is not online in the sysfs in use" {
  fake_topology_small
  refused 64 "CPU 2" --cpu 2 --no-pin
  refused 64 "CPU 2" --cpu 0-2
  fake_topology_offline
  refused 64 "CPU 6" --cpu 6 --no-pin
}

@test "acquire refuses a CPU outside the affinity mask when pinning, allows it with --no-pin" {
  fake_topology_small
  ktstr_run_with 64 taskset -c 0 -- acquire --cpu 1 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"CPU 1"* && "$stderr" == *affinity* ]]
  [ ! -e "$T/ran" ]
  [ ! -e "$D" ]
  ktstr_run_with 0 taskset -c 0 -- acquire --cpu 1 --no-pin -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 0
  assert_equal "$(cat "$T/cpus")" 1
}

@test "acquire --llc N with none of its CPUs in the affinity mask: 64 naming it, nothing created" {
  fake_topology_small
  # LLC 0 is CPU 1 (cache id 4 ranks first); the caller may run on CPU 0 only.
  ktstr_run_with 64 taskset -c 0 -- acquire --llc 0 -- touch "$T/ran"
  assert_output ''
  assert_one_error_line "ktstr acquire:"
  assert_equal "$stderr" "ktstr acquire: --llc 0: none of its CPUs (1) is in this process's affinity mask (0); use --no-pin to reserve it without running on it"
  [ ! -e "$T/ran" ]
  [ ! -e "$D" ]
  # LLC 1 is CPU 0: the command runs there.
  ktstr_run_with 0 taskset -c 0 -- acquire --llc 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 0
  assert_equal "$(cat "$T/cpus")" 0
  # --no-pin reserves LLC 0 and leaves the command where it was.
  ktstr_run_with 0 taskset -c 0 -- acquire --llc 0 --no-pin -- "$PROBE" "$T"
  assert_equal "$(flock_mode "$(cat "$T/ppid")" "$D/ktstr-llc-0.lock" "$T/proc_locks")" WRITE
  assert_equal "$(cat "$T/allowed")" 0
  assert_equal "$(cat "$T/cpus")" 1
}

@test "acquire --path '': 64 naming --path, nothing created, nothing run" {
  fake_topology_small
  mkdir "$T/cwd"
  cd "$T/cwd"
  refused 64 "--path" --path ''
  assert_equal "$stderr" "ktstr acquire: --path: an empty path names nothing"
  # Beside valid requests, nothing of theirs is created either.
  refused 64 "--path" --cpu 0 --cache k --path ''
  # flock(1)'s FILE COMMAND form with an empty FILE.
  ktstr_run 64 acquire '' touch "$T/ran"
  assert_output ''
  assert_equal "$stderr" "ktstr acquire: --path: an empty path names nothing"
  [ ! -e "$T/ran" ]
  [ ! -e "$D" ]
  # No file in the working directory stands for the empty path.
  assert_equal "$(ls -A "$T/cwd")" ''
}

@test "acquire refuses an LLC index out of range" {
  fake_topology_small
  refused 64 "LLC 2" --llc 2
  refused 64 "LLC 7" --llc 0,7
}

@test "acquire refuses bad CPU and LLC lists" {
  fake_topology_small
  refused 64 "--cpu" --cpu 0-
  refused 64 "--cpu" --cpu x
  refused 64 "--cpu" --cpu 1-0
  refused 64 "--cpu" --cpu ''
  refused 64 "--llc" --llc ,
}

@test "acquire refuses bad cache keys" {
  refused 64 "../x" --cache ../x
  refused 64 "'.'" --cache .
  refused 64 "''" --cache ''
  refused 64 "a/b" --cache a/b
  refused 64 ".tmp-x" --cache .tmp-x
  refused 64 "'..'" --cache ..
}

@test "acquire refuses --cpus 0, more CPUs than there are, and an empty request" {
  fake_topology_small
  refused 64 "--cpus" --cpus 0
  refused 64 "--cpus 3" --cpus 3
  refused 64 "nothing to acquire"
}

@test "a refused request creates nothing even with valid requests beside it" {
  fake_topology_small
  refused 64 "../x" --cpu 0 --path "$T/f" --cache ../x
  [ ! -e "$T/f" ]
  refused 64 "LLC 5" --cache ok --llc 5
}
