#!/usr/bin/env bats
# The Rust harness's other two lock kinds: source-tree locks
# ({cache}/.locks/source-CRC.lock, serialising builds in one kernel tree) and
# run-dir locks ({runs_root}/.locks/KEY.lock), taken by acquire, listed by
# locks, and interoperating with util-linux flock playing the harness.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D" "$KTSTR_CACHE_DIR"
  unset CARGO_TARGET_DIR
  R=$T/runs
}

teardown() {
  kill_jobs_and_children
}

# The harness's name for a source tree, computed outside ktstr.
source_lock_name() {
  python3 -c 'import os, sys, zlib
print("source-%08x.lock" % zlib.crc32(os.path.realpath(sys.argv[1]).encode()))' "$1"
}

@test "--source DIR locks {cache}/.locks/source-CRC32(realpath).lock exclusively" {
  mkdir -p "$T/linux"
  local name
  name=$(source_lock_name "$T/linux")
  ktstr_run 0 acquire --source "$T/linux" -- sh -c 'echo "$KTSTR_LOCKS"; grep -c "FLOCK  ADVISORY  WRITE" /proc/locks'
  assert_line "$KTSTR_CACHE_DIR/.locks/$name"
  [ -e "$KTSTR_CACHE_DIR/.locks/$name" ]
}

@test "the source-tree lock name of /usr/src/linux is source-9990a221.lock" {
  [ "$(source_lock_name /usr/src/linux)" = source-9990a221.lock ]
  mkdir -p "$T/root/usr/src/linux"
  # realpath of the tree itself decides; a tree reached by another path
  # gets another name, as the harness's canonical path does.
  ktstr_run 0 acquire --source "$T/root/usr/src/linux" -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$KTSTR_CACHE_DIR/.locks/$(source_lock_name "$T/root/usr/src/linux")"
}

@test "a source tree given through a symlink takes the same lock" {
  mkdir -p "$T/linux"
  ln -s "$T/linux" "$T/link"
  local name
  name=$(source_lock_name "$T/linux")
  mkdir -p "$KTSTR_CACHE_DIR/.locks"
  flock -o "$KTSTR_CACHE_DIR/.locks/$name" sleep 600 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 75 acquire -n --source "$T/link" -- true
  [[ "$stderr" == *"$name"* ]]
}

@test "--source refuses a missing tree (66) and a file (64), creating nothing" {
  ktstr_run 66 acquire --source "$T/nope" -- true
  assert_one_error_line "ktstr acquire:"
  touch "$T/file"
  ktstr_run 64 acquire --source "$T/file" -- true
  assert_one_error_line "ktstr acquire:"
  [ ! -e "$KTSTR_CACHE_DIR/.locks" ]
}

@test "--run KEY locks {runs_root}/.locks/KEY.lock; a harness holding it makes -n exit 75" {
  ktstr_run 0 --runs-dir "$R" acquire --run 6.12-abc123 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$R/.locks/6.12-abc123.lock"
  # util-linux flock plays the harness writing a run's sidecar files.
  flock -o "$R/.locks/6.12-abc123.lock" sleep 600 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 75 --runs-dir "$R" acquire -n --run 6.12-abc123 -- true
}

@test "the runs root defaults to \$CARGO_TARGET_DIR/ktstr, else target/ktstr under the cwd" {
  CARGO_TARGET_DIR=$T/tgt ktstr_run 0 acquire --run k1 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$T/tgt/ktstr/.locks/k1.lock"
  cd "$T"
  ktstr_run 0 acquire --run k2 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$T/target/ktstr/.locks/k2.lock"
}

@test "--run refuses a bad key with 64, creating nothing" {
  ktstr_run 64 --runs-dir "$R" acquire --run a/b -- true
  ktstr_run 64 --runs-dir "$R" acquire --run .hidden -- true
  [ ! -e "$R" ]
}

@test "locks lists run-dir locks under run_dirs and in a Run-dir locks: section" {
  mkdir -p "$R/.locks"
  touch "$R/.locks/6.12-abc123.lock"
  flock -o "$R/.locks/6.12-abc123.lock" sleep 600 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 0 --runs-dir "$R" locks --json
  [ "$(jq -r '.run_dirs[0].run_key' <<<"$output")" = 6.12-abc123 ]
  [ "$(jq -r '.run_dirs[0].lockfile' <<<"$output")" = "$R/.locks/6.12-abc123.lock" ]
  [ "$(jq -r '.run_dirs[0].holders[0].pid' <<<"$output")" = "$HOLDER_PID" ]
  ktstr_run 0 --runs-dir "$R" locks
  assert_line "Run-dir locks:"
  assert_line --partial "6.12-abc123"
}

@test "locks lists a source-tree lock among the cache rows with its source- key" {
  mkdir -p "$T/linux"
  local name
  name=$(source_lock_name "$T/linux")
  ktstr_start acquire --source "$T/linux" -- sleep 30
  wait_until "acquire holds it" wait_for_lock_pid "$KTSTR_PID"
  ktstr_run 0 locks --json
  [ "$(jq -r '.cache[0].cache_key' <<<"$output")" = "${name%.lock}" ]
}

@test "locks marks source-tree locks in the text, and keeps the harness's key in the JSON" {
  mkdir -p "$T/linux" "$KTSTR_CACHE_DIR/.locks"
  local name
  name=$(source_lock_name "$T/linux")
  : >"$KTSTR_CACHE_DIR/.locks/linux-6.12.lock"
  ktstr_start acquire --source "$T/linux" -- sleep 30
  wait_until "acquire holds it" wait_for_lock_pid "$KTSTR_PID"
  ktstr_run 0 locks
  assert_line --regexp "^  ${name%.lock} \(source tree\) +$KTSTR_CACHE_DIR/.locks/$name +$KTSTR_PID exclusive "
  assert_line --regexp "^  linux-6\.12 +$KTSTR_CACHE_DIR/.locks/linux-6\.12\.lock +-$"
  ktstr_run 0 locks --json
  assert_equal "$(jq -c '[.cache[].cache_key]' <<<"$output")" "[\"linux-6.12\",\"${name%.lock}\"]"
}

@test "the runs root: runs_dir in the config wins over \$CARGO_TARGET_DIR" {
  printf 'runs_dir = "%s"\n' "$T/cfg-runs" >"$T/k.toml"
  CARGO_TARGET_DIR=$T/tgt ktstr_run 0 --config "$T/k.toml" acquire --run k1 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$T/cfg-runs/.locks/k1.lock"
  CARGO_TARGET_DIR=$T/tgt ktstr_run 0 --config "$T/k.toml" --runs-dir "$T/flag" acquire --run k1 -- sh -c 'echo "$KTSTR_LOCKS"'
  assert_output "$T/flag/.locks/k1.lock"
}

# ---- --cpu-cap: the harness's no-perf / kernel-build plan ----
# fake_topology_two_sockets: LLC 0 = 0-3, LLC 1 = 4-7 (node 0);
# LLC 2 = 8-11, LLC 3 = 12-15 (node 1). Its CPUs beyond this machine's are
# reserved with --no-pin.

# llc_modes HOLDER: "N:MODE" for each LLC lock HOLDER holds in the probe's
# copy of /proc/locks (LLCs 0-9, in order), then "cpu" for each CPU lock it
# holds, space-separated.
llc_modes() {
  local n m f out=()
  for f in "$D"/ktstr-llc-?.lock; do
    [ -e "$f" ] || continue
    n=${f##*/ktstr-llc-}
    m=$(flock_mode "$1" "$f" "$T/proc_locks")
    [ -z "$m" ] || out+=("${n%.lock}:$m")
  done
  for f in "$D"/ktstr-cpu-*.lock; do
    [ -e "$f" ] || continue
    [ -z "$(flock_mode "$1" "$f" "$T/proc_locks")" ] || out+=(cpu)
  done
  echo "${out[*]}"
}

@test "--cpu-cap N shares whole LLCs covering N, takes no CPU lock, runs on their CPUs" {
  fake_topology_two_sockets
  ktstr_run 0 acquire --no-pin --cpu-cap 6 -- "$PROBE" "$T"
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "0:READ 1:READ"
  assert_equal "$(cat "$T/cpus")" 0-7
  assert_equal "$(cat "$T/cpu_cap")" 6
  assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-0.lock:$D/ktstr-llc-1.lock"
  [ -z "$(find "$D" -name 'ktstr-cpu-*')" ]
}

@test "--cpu-cap pins the command to the chosen LLCs' CPUs it may run on" {
  # CPU 1 is LLC 0, CPU 0 is LLC 1 (cache ids 4 and 9).
  fake_topology_small
  ktstr_run 0 acquire --cpu-cap 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 1
  assert_equal "$(cat "$T/cpus")" 1
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "0:READ"
  ktstr_run_with 0 taskset -c 0 -- acquire --cpu-cap 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 0
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "1:READ"
}

@test "--cpu-cap joins LLCs the harness already shares (kernel builds packed together)" {
  fake_topology_two_sockets
  # util-linux flock plays a harness build holding LLC 2 shared.
  harness_hold -s "$D/ktstr-llc-2.lock"
  ktstr_run 0 acquire --no-pin --cpu-cap 4 -- "$PROBE" "$T"
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "2:READ"
  assert_equal "$(cat "$T/cpus")" 8-11
  # Beyond it, the seed's node first: LLC 3, not LLC 0.
  ktstr_run 0 acquire --no-pin --cpu-cap 6 -- "$PROBE" "$T"
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "2:READ 3:READ"
}

@test "--cpu-cap goes around an LLC a perf-mode harness holds exclusively" {
  fake_topology_two_sockets
  harness_hold -x "$D/ktstr-llc-0.lock"
  ktstr_run 0 acquire -n --no-pin --cpu-cap 4 -- "$PROBE" "$T"
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "1:READ"
}

@test "--cpu-cap conflicts with exclusive holders it cannot go around: -n exits 75 naming them" {
  fake_topology_two_sockets
  harness_hold -x "$D/ktstr-llc-1.lock"
  ktstr_run 75 acquire -n --no-pin --cpu-cap 16 -- true
  [[ "$stderr" == *"ktstr-llc-1.lock' is busy (shared wanted): held by $HOLDER_PID (exclusive)"* ]]
  # It waits for them otherwise, and gets in once they are gone.
  ktstr_start acquire --no-pin --cpu-cap 16 -- "$PROBE" "$T"
  sleep 0.3
  [ ! -e "$T/cpus" ]
  harness_release
  ktstr_wait 0
  assert_equal "$(cat "$T/cpus")" 0-15
}

@test "--cpu-cap coexists with --cpu on its LLC and excludes --llc, both ways, as the harness's plan" {
  fake_topology_two_sockets
  ktstr_start acquire --no-pin --cpu-cap 4 -- sleep 30
  wait_until "acquire holds its LLC" wait_for_lock_pid "$KTSTR_PID"
  # The harness's --cpu (SH on the LLC, EX on the CPU) gets in; its perf
  # mode and ktstr's --llc (EX on the LLC) do not.
  run flock -n -s "$D/ktstr-llc-0.lock" true
  assert_success
  run flock -n -x "$D/ktstr-llc-0.lock" true
  assert_failure 1
  ktstr_run 0 acquire -n --no-pin --cpu 2 -- true
  ktstr_run 75 acquire -n --no-pin --llc 0 -- true
  kill "$KTSTR_PID"
  ktstr_wait 143

  ktstr_start acquire --no-pin --llc 0-3 -- sleep 30
  wait_until "acquire holds the LLCs" wait_for_lock_pid "$KTSTR_PID"
  ktstr_run 75 acquire -n --no-pin --cpu-cap 1 -- true
}

@test "KTSTR_CPU_CAP is --cpu-cap's default; the flag wins" {
  fake_topology_two_sockets
  KTSTR_CPU_CAP=4 ktstr_run 0 acquire --no-pin -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpu_cap")" 4
  assert_equal "$(cat "$T/cpus")" 0-3
  KTSTR_CPU_CAP=4 ktstr_run 0 acquire --no-pin --cpu-cap 8 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpu_cap")" 8
  assert_equal "$(cat "$T/cpus")" 0-7
  # Empty is unset, as for the harness: no plan (the command inherits the
  # variable as it was); without a cap none is exported.
  KTSTR_CPU_CAP= ktstr_run 0 acquire --no-pin --cpu 3 -- "$PROBE" "$T"
  assert_equal "$(llc_modes "$(cat "$T/ppid")")" "0:READ cpu"
  assert_equal "$(cat "$T/cpu_cap")" ""
  ktstr_run 0 acquire --no-pin --cpu 3 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpu_cap")" unset
}

@test "--cpu-cap and KTSTR_CPU_CAP refuse what is not a CPU count: 64, one line, nothing created" {
  fake_topology_two_sockets
  local bad
  for bad in 0 -1 four 1.5 65537; do
    ktstr_run 64 acquire --no-pin --cpu-cap "$bad" -- true
    assert_one_error_line "ktstr acquire:"
    KTSTR_CPU_CAP=$bad ktstr_run 64 acquire --no-pin -- true
    assert_one_error_line "ktstr acquire: KTSTR_CPU_CAP '$bad' is not a CPU count"
  done
  # A budget above the CPUs available.
  ktstr_run 64 acquire --no-pin --cpu-cap 17 -- true
  assert_one_error_line "ktstr acquire: --cpu-cap 17: only 16 online CPUs are available"
  ktstr_run_with 64 taskset -c 0 -- acquire --cpu-cap 2 -- true
  assert_one_error_line "ktstr acquire: --cpu-cap 2: only 1 online CPUs"
  [ -z "$(ls -A "$D")" ]
  # A flag makes a bad variable moot; other applets never read it.
  KTSTR_CPU_CAP=four ktstr_run 0 acquire --no-pin --cpu-cap 1 -- true
  KTSTR_CPU_CAP=four ktstr_run 0 locks
}
