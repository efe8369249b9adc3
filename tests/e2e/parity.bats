#!/usr/bin/env bats
# Parity with the Rust ktstr harness (SPEC §3): on every sysfs shape, partial
# ones included, `acquire --cpu C` locks the LLC file the harness would lock
# for CPU C. The expected LLC numbers come from an independent reading of the
# harness's rule (harness_llc_of below, in Python), not from ktstr. It also
# checks that both tools share one lock space, or that ktstr says they do not.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  acquire_test_setup
  mkdir -p "$D"
}

teardown() {
  kill_jobs_and_children
}

# harness_llc_of CPU: the LLC number the harness gives CPU in $FAKE_SYSFS.
# Its rule: for each online CPU with a cpuN directory, the cache index with
# the highest level (lowest index on a tie; index 0 when no level reads);
# key = that index's id, else the lowest CPU of its shared_cpu_list, else 0;
# N = rank of the CPU's key among all keys.
harness_llc_of() {
  python3 - "$FAKE_SYSFS/devices/system/cpu" "$1" <<'EOF'
import os, sys
root, want = sys.argv[1], int(sys.argv[2])
def num(text):
    t = text.strip()
    return int(t) if t.lstrip('+').isdigit() and not t.startswith('++') else None
def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None
def cpus(text):
    out = []
    for part in text.strip().split(','):
        part = part.strip()
        if not part:
            continue
        if '-' in part:
            lo, hi = part.split('-', 1)
            lo, hi = num(lo) if lo == lo.strip() else None, num(hi) if hi == hi.strip() else None
            if lo is not None and hi is not None:
                out.extend(range(lo, hi + 1))
        elif num(part) is not None:
            out.append(num(part))
    return out
def key(cpu):
    cache = f"{root}/cpu{cpu}/cache"
    try:
        names = os.listdir(cache)
    except OSError:
        return 0
    best, best_level = 0, 0
    for name in names:
        if not name.startswith('index') or num(name[5:]) is None:
            continue
        level = read(f"{cache}/{name}/level")
        level = num(level) if level is not None else None
        if level is None:
            continue
        idx = num(name[5:])
        if level > best_level or (level == best_level and best_level > 0 and idx < best):
            best, best_level = idx, level
    ident = read(f"{cache}/index{best}/id")
    if ident is not None and num(ident) is not None:
        return num(ident)
    shared = read(f"{cache}/index{best}/shared_cpu_list")
    if shared is not None and cpus(shared):
        return min(cpus(shared))
    return 0
online = [c for c in cpus(read(f"{root}/online")) if os.path.exists(f"{root}/cpu{c}")]
keys = sorted({key(c) for c in online})
print(keys.index(key(want)))
EOF
}

# assert_same_llc_as_harness CPU...: acquire --cpu C takes the harness's LLC
# lock for C (SH) beside C's own.
assert_same_llc_as_harness() {
  local c n
  for c in "$@"; do
    n=$(harness_llc_of "$c")
    ktstr_run 0 acquire --no-pin --cpu "$c" -- "$PROBE" "$T"
    assert_equal "$(cat "$T/lockpaths")" "$D/ktstr-llc-$n.lock:$D/ktstr-cpu-$c.lock"
  done
}

@test "ids everywhere: LLC N is the rank of the cache id" {
  fake_topology_two_sockets
  assert_same_llc_as_harness 0 5 8 15
}

@test "no ids: the key is the lowest CPU of shared_cpu_list, offline ones included" {
  fake_sysfs_init 1-3,5-7
  local c
  for c in 0 1 2 3; do fake_cache "$c" 3 3 "" 0-3; done
  for c in 4 5 6 7; do fake_cache "$c" 3 3 "" 4-7; done
  assert_same_llc_as_harness 1 3 5 7
  assert_equal "$(harness_llc_of 5)" 1
}

@test "mixed ids and fallbacks are one key space" {
  fake_sysfs_init 0-7
  local c
  for c in 0 1; do fake_cache "$c" 3 3 "" 0-1; done # key 0
  for c in 2 3; do fake_cache "$c" 3 3 5 2-3; done  # key 5
  for c in 4 5; do fake_cache "$c" 3 3 "" 4-5; done # key 4
  for c in 6 7; do fake_cache "$c" 3 3 1 6-7; done  # key 1
  assert_equal "$(harness_llc_of 4)" 2
  assert_same_llc_as_harness 0 2 4 6
}

@test "an id equal to a fallback CPU number shares the LLC" {
  fake_sysfs_init 0-7
  local c
  for c in 0 1 2 3; do fake_cache "$c" 3 3 4 0-3; done
  for c in 4 5 6 7; do fake_cache "$c" 3 3 "" 4-7; done
  assert_same_llc_as_harness 0 7
  ktstr_run 0 acquire --no-pin --llc 0 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/cpus")" 0-7
}

@test "a CPU without a cache directory has key 0" {
  fake_topology_no_cache
  assert_equal "$(harness_llc_of 4)" 0
  assert_same_llc_as_harness 4 0
}

@test "two cache indexes at the top level: the lowest index" {
  fake_sysfs_init 0-3
  local c
  for c in 0 1; do
    fake_cache "$c" 2 3 9 0-1
    fake_cache "$c" 3 3 1 0-1
  done
  for c in 2 3; do fake_cache "$c" 3 3 5 2-3; done
  assert_equal "$(harness_llc_of 0)" 1
  assert_same_llc_as_harness 0 2
}

@test "locks --json: numa_node is a number, 0 without NUMA information" {
  fake_sysfs_init 0-3
  local c
  for c in 0 1 2 3; do fake_cache "$c" 3 3 "" 0-3; done
  : >"$D/ktstr-llc-0.lock"
  : >"$D/ktstr-llc-7.lock"
  : >"$D/ktstr-cpu-2.lock"
  : >"$D/ktstr-cpu-99.lock"
  mkdir -p "$KTSTR_CACHE_DIR/.locks"
  : >"$KTSTR_CACHE_DIR/.locks/k.lock"
  ktstr_run 0 locks --json
  assert_equal "$(jq -c '[(.llcs[], .cpus[]) | .numa_node]' <<<"$output")" '[0,0,0,0]'
  assert_equal "$(jq -c '.cache[0] | has("numa_node")' <<<"$output")" false
}

@test "locks --json: an LLC's node is its first CPU's, from the cpuN/nodeK links" {
  fake_sysfs_init 0-3
  local c
  for c in 0 1 2 3; do fake_cache "$c" 3 3 "" 0-3; done
  fake_node 2 0
  fake_node 1 1-3
  : >"$D/ktstr-llc-0.lock"
  : >"$D/ktstr-cpu-3.lock"
  ktstr_run 0 locks --json
  assert_equal "$(jq -c '[.llcs[0].numa_node, .cpus[0].numa_node]' <<<"$output")" '[2,1]'
}

# ---- one lock space: the harness reads only KTSTR_LOCK_DIR, else /tmp ----

@test "fscheck says when a harness started here would use another lock dir, in one line" {
  mkdir -p "$T/other"
  ktstr_run 0 --lock-dir "$T/other" fscheck
  assert_one_error_line "ktstr fscheck: lock dir '$T/other' (from --lock-dir) is not '$D'"
  [[ "$stderr" == *"Rust harness"* ]]
  # stdout is still the verdicts alone, and JSON stays JSON.
  assert_line --index 0 --regexp "^$T/other: [a-z0-9]+: ok$"
  ktstr_run 0 --lock-dir "$T/other" fscheck --json
  jq -e 'length == 2' <<<"$output"
  # From the config file, with KTSTR_LOCK_DIR unset: against /tmp.
  printf 'lock_dir = "%s"\n' "$T/other" >"$T/k.toml"
  (
    unset KTSTR_LOCK_DIR
    ktstr_run 0 --config "$T/k.toml" fscheck
    assert_one_error_line "ktstr fscheck: lock dir '$T/other' (from $T/k.toml: lock_dir) is not '/tmp'"
  )
}

@test "no lock-space note when both tools use one dir (same path, spelt otherwise, or -q)" {
  ktstr_run 0 fscheck
  [ -z "$stderr" ]
  ktstr_run 0 --lock-dir "$D/" fscheck
  [ -z "$stderr" ]
  ln -s "$D" "$T/link"
  ktstr_run 0 --lock-dir "$T/link" fscheck
  [ -z "$stderr" ]
  ktstr_run 0 -q --lock-dir "$T/other" fscheck
  [ -z "$stderr" ]
  # Named PATHs are checked without the settings: no note.
  ktstr_run 0 --lock-dir "$T/other" fscheck "$T"
  [ -z "$stderr" ]
}

@test "acquire -v says when the harness would use another lock dir; the command gets it anyway" {
  ktstr_run 0 -v --lock-dir "$T/other" acquire --path "$T/f" -- sh -c 'echo "$KTSTR_LOCK_DIR"'
  assert_output "$T/other"
  [[ "$stderr" == *"ktstr acquire: lock dir '$T/other' (from --lock-dir) is not '$D'"* ]]
  [ "$(grep -c "is not '$D'" <<<"$stderr")" -eq 1 ]
  ktstr_run 0 --lock-dir "$T/other" acquire --path "$T/f" -- true
  [ -z "$stderr" ]
  ktstr_run 0 -v acquire --path "$T/f" -- true
  [[ "$stderr" != *"Rust harness"* ]]
}
