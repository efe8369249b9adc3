#!/usr/bin/env bats
# Configuration (SPEC §2): where the file is found, strict TOML errors, and
# the precedence flag > environment > file > default, observed through the
# lock dir and cache dir `fscheck` checks when given no PATH.

load test_helper

setup() {
  ktstr_isolate
  unset KTSTR_LOCK_DIR KTSTR_CACHE_DIR
  export HOME=$BATS_TEST_TMPDIR/home
  mkdir -p "$HOME"
  C=$BATS_TEST_TMPDIR/ktstr.toml
}

teardown() {
  kill_jobs_and_children
}

# fscheck_paths ARGS...: runs `ktstr ARGS... fscheck --json` (exit 0) and
# sets LOCK_DIR and CACHE_LOCKS to the two paths it checked. Nothing may
# reach stderr but, for a lock dir from the file or a flag, the one line
# saying that a Rust harness started here would use another (parity.bats).
fscheck_paths() {
  ktstr_run 0 "$@" fscheck --json
  [ -z "$stderr" ] ||
    [[ "$stderr" != *$'\n'* && "$stderr" == "ktstr fscheck: lock dir "*"Rust harness"* ]]
  LOCK_DIR=$(jq -r '.[0].path' <<<"$output")
  CACHE_LOCKS=$(jq -r '.[1].path' <<<"$output")
}

# assert_config_error STATUS FILE LINE: one stderr line from fscheck naming
# FILE:LINE:COLUMN.
assert_config_error() {
  assert_one_error_line "ktstr fscheck: $1:$2:"
  [[ $stderr =~ ^"ktstr fscheck: $1:$2:"[0-9]+": " ]]
}

@test "lock_dir: the default is /tmp" {
  [ ! -e /etc/ktstr/ktstr.toml ] || skip "this host has /etc/ktstr/ktstr.toml"
  fscheck_paths
  assert_equal "$LOCK_DIR" /tmp
}

@test "lock_dir: file beats default, KTSTR_LOCK_DIR beats file, --lock-dir beats both" {
  printf 'lock_dir = "%s"\n' "$BATS_TEST_TMPDIR/from-file" >"$C"
  fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-file"

  KTSTR_LOCK_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-env"

  KTSTR_LOCK_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C" \
    --lock-dir "$BATS_TEST_TMPDIR/from-flag"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-flag"

  # Set but empty counts as unset.
  KTSTR_LOCK_DIR= fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-file"

  # The human output names the same lock dir.
  ktstr_run 0 --config "$C" fscheck
  assert_line --index 0 --regexp "^$BATS_TEST_TMPDIR/from-file \(via $BATS_TEST_TMPDIR\): [^:]+: ok$"
}

@test "cache_dir: default under XDG_CACHE_HOME or HOME; file, env and flag in order; ~ expands" {
  unset XDG_CACHE_HOME
  [ ! -e /etc/ktstr/ktstr.toml ] || skip "this host has /etc/ktstr/ktstr.toml"
  fscheck_paths
  assert_equal "$CACHE_LOCKS" "$HOME/.cache/ktstr/kernels/.locks"
  XDG_CACHE_HOME=$BATS_TEST_TMPDIR/xdg-cache fscheck_paths
  assert_equal "$CACHE_LOCKS" "$BATS_TEST_TMPDIR/xdg-cache/ktstr/kernels/.locks"

  printf 'cache_dir = "~/from-file"\n' >"$C"
  fscheck_paths --config "$C"
  assert_equal "$CACHE_LOCKS" "$HOME/from-file/.locks"
  KTSTR_CACHE_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C"
  assert_equal "$CACHE_LOCKS" "$BATS_TEST_TMPDIR/from-env/.locks"
  KTSTR_CACHE_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C" \
    --cache-dir "$BATS_TEST_TMPDIR/from-flag"
  assert_equal "$CACHE_LOCKS" "$BATS_TEST_TMPDIR/from-flag/.locks"
}

@test "file search: --config, then KTSTR_CONFIG, then XDG_CONFIG_HOME" {
  mkdir -p "$XDG_CONFIG_HOME/ktstr"
  printf 'lock_dir = "/xdg"\n' >"$XDG_CONFIG_HOME/ktstr/ktstr.toml"
  printf 'lock_dir = "/env"\n' >"$BATS_TEST_TMPDIR/env.toml"
  printf 'lock_dir = "/flag"\n' >"$C"
  fscheck_paths
  assert_equal "$LOCK_DIR" /xdg
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/env.toml fscheck_paths
  assert_equal "$LOCK_DIR" /env
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/env.toml fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" /flag
  # --config after the applet name works the same.
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/env.toml ktstr_run 0 fscheck --json --config "$C"
  jq -e '.[0].path == "/flag"' <<<"$output"
}

@test "file search: ~/.config/ktstr/ktstr.toml without XDG_CONFIG_HOME" {
  unset XDG_CONFIG_HOME
  mkdir -p "$HOME/.config/ktstr"
  printf 'lock_dir = "/home-config"\n' >"$HOME/.config/ktstr/ktstr.toml"
  fscheck_paths
  assert_equal "$LOCK_DIR" /home-config
}

@test "a default location that does not exist is not an error" {
  [ ! -e "$XDG_CONFIG_HOME" ]
  ktstr_run 0 fscheck
  [ -z "$stderr" ]
}

@test "--config FILE that does not exist: 66, naming it" {
  ktstr_run 66 --config "$BATS_TEST_TMPDIR/missing.toml" fscheck
  assert_output ""
  assert_one_error_line "ktstr fscheck:"
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing.toml"* ]]
}

@test "KTSTR_CONFIG naming a file that does not exist: 66, naming it" {
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/missing.toml ktstr_run 66 fscheck
  assert_output ""
  assert_one_error_line "ktstr fscheck:"
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing.toml"* ]]
}

@test "malformed TOML: 78, file:line:col" {
  printf '# a comment\nlock_dir = "/x"\ncache_dir = \n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_output ""
  assert_config_error "$C" 3
  printf 'lock_dir = "/x\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 1
  printf '[timeouts\nacquire = "1s"\n' >"$C"
  KTSTR_CONFIG=$C ktstr_run 78 fscheck
  assert_config_error "$C" 1
}

@test "an unknown key: 78, file:line:col and the nearest valid key" {
  printf '# ktstr\n\nlock_dri = "/x"\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_output ""
  assert_config_error "$C" 3
  [[ $stderr == *"'lock_dri'"* ]]
  [[ $stderr == *"did you mean 'lock_dir'"* ]]

  printf 'lock_dir = "/x"\n[timeouts]\nacquir = "1s"\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 3
  [[ $stderr == *"did you mean 'timeouts.acquire'"* ]]

  printf '[acquire]\npinn = false\n' >"$C"
  KTSTR_CONFIG=$C ktstr_run 78 fscheck
  assert_config_error "$C" 2
  [[ $stderr == *"did you mean 'acquire.pin'"* ]]

  printf '# a misspelt table\n[timeout]\nacquire = "1s"\n' >"$C"
  KTSTR_CONFIG=$C ktstr_run 78 fscheck
  assert_config_error "$C" 2
  [[ $stderr == *"unknown table 'timeout'; did you mean 'timeouts'"* ]]
}

@test "a value of the wrong type or a bad duration: 78, naming the key" {
  printf 'lock_dir = 5\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 1
  [[ $stderr == *"lock_dir"* ]]
  printf '\n[timeouts]\nacquire = "5 parsecs"\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 3
  [[ $stderr == *"timeouts.acquire"* ]]
  printf '[acquire]\nconflict_exit_code = 300\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 2
  [[ $stderr == *"acquire.conflict_exit_code"* ]]
  printf 'timeouts = 3\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 1
}

@test "ktstr.toml.example loads, and says what the defaults are" {
  local example=${KTSTR_SOURCE_DIR:-$BATS_TEST_DIRNAME/../..}/ktstr.toml.example
  [ -f "$example" ]
  fscheck_paths --config "$example"
  assert_equal "$LOCK_DIR" /tmp
  assert_equal "$CACHE_LOCKS" "$HOME/.cache/ktstr/kernels/.locks"
}

# ---- settings that change what acquire and locks do ----

# behaviour_setup: a private lock dir and cache dir (from the environment,
# which the settings below do not touch), and $T for scratch files.
behaviour_setup() {
  T=$BATS_TEST_TMPDIR
  export KTSTR_LOCK_DIR=$T/locks KTSTR_CACHE_DIR=$T/cache
  mkdir -p "$KTSTR_LOCK_DIR" "$KTSTR_CACHE_DIR/.locks"
}

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# gives_up_within MIN MAX STATUS ARGS...: `ktstr ARGS` exits with STATUS
# after at least MIN and less than MAX milliseconds.
gives_up_within() {
  local min=$1 max=$2 expected=$3 start took
  shift 3
  start=$(now_ms)
  ktstr_run_with "$expected" timeout 20 -- "$@" || return 1
  took=$(($(now_ms) - start))
  [ "$took" -ge "$min" ] && [ "$took" -lt "$max" ] || {
    echo "ktstr $* took ${took} ms, expected ${min}-${max} ms" >&2
    return 1
  }
}

# still_waiting PID: PID (an acquire) has not ended and is blocked in flock.
still_waiting() {
  run ! pid_ended "$1"
  wait_until "pid $1 blocks on a lock" flock_waiting "$1"
}

@test "timeouts.cache_shared: how long a shared --cache waits; an exclusive one waits longer" {
  behaviour_setup
  printf '[timeouts]\ncache_shared = "300ms"\ncache_exclusive = "30s"\n' >"$C"
  harness_hold -x "$KTSTR_CACHE_DIR/.locks/k.lock"
  ktstr_start --config "$C" acquire --cache k -- touch "$T/ex"
  ex=$KTSTR_PID
  wait_until "the exclusive request blocks" flock_waiting "$ex"
  gives_up_within 250 5000 75 --config "$C" acquire --shared --cache k -- touch "$T/sh"
  [ ! -e "$T/sh" ]
  # The exclusive request outlived the shared one's deadline, and gets in.
  still_waiting "$ex"
  harness_release
  ktstr_wait 0 "$ex"
  [ -e "$T/ex" ]
}

@test "timeouts.cache_exclusive: how long an exclusive --cache waits; a shared one waits longer" {
  behaviour_setup
  printf '[timeouts]\ncache_shared = "30s"\ncache_exclusive = "300ms"\n' >"$C"
  harness_hold -x "$KTSTR_CACHE_DIR/.locks/k.lock"
  ktstr_start --config "$C" acquire --shared --cache k -- touch "$T/sh"
  sh=$KTSTR_PID
  wait_until "the shared request blocks" flock_waiting "$sh"
  gives_up_within 250 5000 75 --config "$C" acquire --cache k -- touch "$T/ex"
  [ ! -e "$T/ex" ]
  still_waiting "$sh"
  harness_release
  ktstr_wait 0 "$sh"
  [ -e "$T/sh" ]
}

@test "timeouts.acquire: how long CPU, LLC and --path requests wait" {
  behaviour_setup
  # A wait long enough that a single attempt on a slow (sanitizer) build
  # still ends well before it.
  printf '[timeouts]\nacquire = "3s"\n' >"$C"
  harness_hold -x "$T/busy"
  gives_up_within 2900 15000 75 --config "$C" acquire --path "$T/busy" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  # --timeout beats the file.
  gives_up_within 0 2900 75 --config "$C" acquire --timeout 0 --path "$T/busy" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
}

@test "timeouts: a request mixing kinds waits the longest of their waits" {
  behaviour_setup
  # The cache entry alone would give up after 300 ms; with a --path in the
  # same request, timeouts.acquire (30 s) applies to the whole request.
  printf '[timeouts]\nacquire = "30s"\ncache_exclusive = "300ms"\n' >"$C"
  harness_hold -x "$KTSTR_CACHE_DIR/.locks/k.lock"
  ktstr_start --config "$C" acquire --cache k --path "$T/free" -- touch "$T/mixed"
  mixed=$KTSTR_PID
  wait_until "the mixed request blocks" flock_waiting "$mixed"
  gives_up_within 250 5000 75 --config "$C" acquire --cache k -- touch "$T/alone"
  still_waiting "$mixed"
  harness_release
  ktstr_wait 0 "$mixed"
  [ -e "$T/mixed" ]
  # And the other way round: the cache entry's wait outlasts timeouts.acquire.
  printf '[timeouts]\nacquire = "300ms"\ncache_exclusive = "30s"\n' >"$C"
  harness_hold -x "$T/busy"
  ktstr_start --config "$C" acquire --path "$T/busy" --cache k2 -- touch "$T/mixed2"
  mixed=$KTSTR_PID
  wait_until "the mixed request blocks" flock_waiting "$mixed"
  gives_up_within 250 5000 75 --config "$C" acquire --path "$T/busy" -- touch "$T/alone"
  still_waiting "$mixed"
  harness_release
  ktstr_wait 0 "$mixed"
  [ -e "$T/mixed2" ]
}

@test "acquire.pin = false: the command keeps the caller's affinity" {
  behaviour_setup
  load fake_sysfs
  fake_topology_small
  write_probe
  local mine
  mine=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  [ "$mine" != 1 ] || skip "this process may only run on CPU 1; pinning to it changes nothing"
  ktstr_run 0 acquire --cpu 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" 1
  printf '[acquire]\npin = false\n' >"$C"
  ktstr_run 0 --config "$C" acquire --cpu 1 -- "$PROBE" "$T"
  assert_equal "$(cat "$T/allowed")" "$mine"
  assert_equal "$(cat "$T/cpus")" 1
}

@test "acquire.conflict_exit_code: the exit code of a conflict; --conflict-exit-code beats it" {
  behaviour_setup
  printf '[acquire]\nconflict_exit_code = 42\n' >"$C"
  harness_hold -x "$T/busy"
  ktstr_run 42 --config "$C" acquire -n --path "$T/busy" -- touch "$T/ran"
  [[ $stderr == *"$T/busy"* ]]
  ktstr_run 43 --config "$C" acquire -n --conflict-exit-code 43 --path "$T/busy" -- touch "$T/ran"
  [ ! -e "$T/ran" ]
  # A command's own status is no conflict: it passes through.
  ktstr_run 0 --config "$C" acquire -n --path "$T/free" -- true
}

@test "timeouts.watch: the interval of locks --watch given no DUR" {
  behaviour_setup
  printf '[timeouts]\nwatch = "50ms"\n' >"$C"
  local out=$T/watch.out
  "$KTSTR" --config "$C" locks --watch --json >"$out" 2>"$T/watch.err" 3>&- &
  local pid=$! i
  # At 50 ms a frame, 10 frames come well within 3 s (the default 1 s
  # interval would need 9 s).
  for ((i = 0; i < 300; i++)); do
    [ "$(wc -l <"$out")" -ge 10 ] && break
    sleep 0.01
  done
  kill -INT "$pid"
  local status=0
  wait "$pid" || status=$?
  assert_equal "$status" 0
  [ "$(wc -l <"$out")" -ge 10 ] || {
    echo "only $(wc -l <"$out") frames in 3 s" >&2
    return 1
  }
  assert_equal "$(head -1 "$out" | jq -c 'keys')" '["cache","cpus","llcs","run_dirs"]'
}
