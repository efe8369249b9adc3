#!/usr/bin/env bats
# What the observing applets write (SPEC §3 trust rules): every write to
# stdout is checked, the final flush too ("ktstr APPLET: write error:
# REASON", exit 74), and no untrusted name puts a control character on the
# terminal.

load test_helper

setup() {
  ktstr_isolate
  F=$BATS_TEST_TMPDIR/f
  touch "$F"
}

teardown() {
  kill_background_trees
}

# run_to FILE STATUS ARGS...: `ktstr ARGS... >FILE`; fails unless it exits
# with STATUS. Sets $status and $stderr ($output is empty).
run_to() {
  local file=$1 expected=$2
  shift 2
  run --separate-stderr bash -c 'out=$1; shift; exec "$@" >"$out"' _ "$file" "$KTSTR" "$@"
  if [ "$status" -ne "$expected" ]; then
    printf 'ktstr %s >%s\nexpected status %s, got %s\n--- stderr\n%s\n' \
      "$*" "$file" "$expected" "$status" "$stderr" >&2
    return 1
  fi
}

# assert_write_error WHO: stderr is the one write error line of WHO.
assert_write_error() {
  assert_equal "$stderr" "$1: write error: No space left on device"
}

# many_cache_entries N: N cache-entry lock files, so `locks --json` prints
# far more than a pipe holds (64 KiB).
many_cache_entries() {
  mkdir -p "$KTSTR_CACHE_DIR/.locks"
  (cd "$KTSTR_CACHE_DIR/.locks" && seq -f 'entry-%06g.lock' 1 "$1" | xargs touch)
}

# ---- write errors ----

@test "locks >/dev/full: write error, 74" {
  run_to /dev/full 74 locks
  assert_write_error "ktstr locks"
  run_to /dev/full 74 locks --json
  assert_write_error "ktstr locks"
}

@test "needle, fscheck, holders >/dev/full: write error, 74" {
  run_to /dev/full 74 needle "$F"
  assert_write_error "ktstr needle"
  run_to /dev/full 74 needle --json "$F"
  assert_write_error "ktstr needle"
  run_to /dev/full 74 fscheck "$F"
  assert_write_error "ktstr fscheck"
  run_to /dev/full 74 fscheck --json
  assert_write_error "ktstr fscheck"
  # Not held (the answer 1) and held (0): the write error outranks both.
  run_to /dev/full 74 holders "$F"
  assert_write_error "ktstr holders"
  hold_lock "$F"
  run_to /dev/full 74 holders "$F"
  assert_write_error "ktstr holders"
  run_to /dev/full 74 holders --json "$F"
  assert_write_error "ktstr holders"
  # -q prints nothing, so there is nothing to fail.
  run_to /dev/full 0 holders -q "$F"
}

@test "--help, --list, --version >/dev/full: write error, 74" {
  run_to /dev/full 74 --help
  assert_write_error "ktstr"
  run_to /dev/full 74 --list
  assert_write_error "ktstr"
  run_to /dev/full 74 --version
  assert_write_error "ktstr"
  local applet
  for applet in locks holders needle fscheck acquire; do
    run_to /dev/full 74 "$applet" --help
    assert_write_error "ktstr $applet"
  done
  run_to /dev/full 74 locks --version
  assert_write_error "ktstr locks"
}

@test "a successful run to a file still exits 0 and writes everything" {
  run_to "$BATS_TEST_TMPDIR/out" 0 locks --json
  assert_equal "$stderr" ""
  jq -e '.run_dirs == []' "$BATS_TEST_TMPDIR/out"
  run_to "$BATS_TEST_TMPDIR/out" 0 --list
  grep -qx locks "$BATS_TEST_TMPDIR/out"
}

@test "SIGPIPE ignored, a large locks --json into a closed pipe: 74, not an internal error" {
  many_cache_entries 2000
  run --separate-stderr bash -c 'trap "" PIPE; "$1" locks --json | head -c1 >/dev/null
    exit "${PIPESTATUS[0]}"' _ "$KTSTR"
  assert_equal "$status" 74
  assert_equal "$stderr" "ktstr locks: write error: Broken pipe"
  run --separate-stderr bash -c 'trap "" PIPE; "$1" locks | head -c1 >/dev/null
    exit "${PIPESTATUS[0]}"' _ "$KTSTR"
  assert_equal "$status" 74
  assert_equal "$stderr" "ktstr locks: write error: Broken pipe"
}

@test "locks --watch stops on a write error instead of looping" {
  # timeout(1) turns a loop into status 124.
  run --separate-stderr bash -c 'exec timeout 20 "$1" locks --watch 50ms >/dev/full' _ "$KTSTR"
  assert_equal "$status" 74
  assert_write_error "ktstr locks"
  run --separate-stderr bash -c 'exec timeout 20 "$1" locks --watch 50ms --json >/dev/full' _ \
    "$KTSTR"
  assert_equal "$status" 74
  assert_write_error "ktstr locks"
  # And into a pipe whose reader has gone, with SIGPIPE ignored.
  many_cache_entries 2000
  run --separate-stderr timeout 20 bash -c 'trap "" PIPE; "$1" locks --watch 50ms --json |
    head -c1 >/dev/null; exit "${PIPESTATUS[0]}"' _ "$KTSTR"
  assert_equal "$status" 74
  assert_equal "$stderr" "ktstr locks: write error: Broken pipe"
}

# ---- escapes ----

ESC=$'\e'

# assert_no_escape_byte TEXT...: none of TEXT holds an ESC (or other C0) byte
# but newline.
assert_no_control_bytes() {
  local t
  for t in "$@"; do
    if [ "$(printf '%s' "$t" | tr -d '\n' | LC_ALL=C grep -c '[[:cntrl:]]')" -ne 0 ]; then
      printf 'control byte in:\n%s\n' "$t" | od -c >&2
      return 1
    fi
  done
}

@test "locks: a hostile cache key and lock dir print escaped, JSON escaped as JSON" {
  mkdir -p "$KTSTR_CACHE_DIR/.locks"
  : >"$KTSTR_CACHE_DIR/.locks/${ESC}[2Jx.lock"
  local dir=$BATS_TEST_TMPDIR/${ESC}[31mlocks
  mkdir -p "$dir"
  hold_lock "$dir/ktstr-cpu-0.lock"
  ktstr_run 0 locks --lock-dir "$dir"
  assert_no_control_bytes "$output" "$stderr"
  [ "$(printf '%s' "$output" | grep -c "$ESC")" -eq 0 ]
  assert_output --partial "/\\x1b[31mlocks/ktstr-cpu-0.lock"
  # The key is shown escaped, unless the key rule keeps it out of the listing.
  [[ $output == *'\x1b[2Jx'* || $output != *'2Jx'* ]]
  ktstr_run 0 locks --lock-dir "$dir" --json
  jq -e --arg d "$dir" '.cpus[0].lockfile == ($d + "/ktstr-cpu-0.lock")' <<<"$output"
  [ "$(printf '%s' "$output" | grep -c "$ESC")" -eq 0 ]
  assert_output --partial '\u001b[31mlocks'
}

@test "holders, fscheck, needle: a path with escapes prints escaped, in output and errors" {
  local bad="$BATS_TEST_TMPDIR/${ESC}[2J${ESC}]0;title"$'\a'f
  touch "$bad"
  hold_lock "$bad"
  ktstr_run 1 holders "$bad" "$F"
  assert_no_control_bytes "$output" "$stderr"
  assert_line --index 0 "${BATS_TEST_TMPDIR}/\\x1b[2J\\x1b]0;title\\x07f:"
  ktstr_run 0 fscheck "$bad"
  assert_no_control_bytes "$output" "$stderr"
  assert_output --partial '\x1b[2J'
  ktstr_run 0 needle "$bad"
  assert_no_control_bytes "$output" "$stderr"
  # Missing: the error line quotes the path escaped.
  local missing=$BATS_TEST_TMPDIR/${ESC}[2Jmissing
  ktstr_run 66 holders "$missing"
  assert_no_control_bytes "$output" "$stderr"
  assert_one_error_line "ktstr holders:"
  [[ $stderr == *'\x1b[2Jmissing'* ]]
  ktstr_run 66 needle "$missing"
  assert_no_control_bytes "$stderr"
  [[ $stderr == *'\x1b[2Jmissing'* ]]
  ktstr_run 66 fscheck "$missing"
  assert_no_control_bytes "$output" "$stderr"
  [[ $stderr == *'\x1b[2Jmissing'* ]]
}

@test "acquire's conflict report names at most 10 busy locks, then how many more" {
  local d=$BATS_TEST_TMPDIR/busy i args=()
  mkdir -p "$d"
  perl -e 'use Fcntl qw(:flock); my ($d, $ready) = @ARGV; my @fh;
    for my $i (1 .. 12) { open($fh[$i], ">>", "$d/f$i") or die; flock($fh[$i], LOCK_EX) or die; }
    open(my $r, ">", $ready) or die; close($r); sleep 600' "$d" "$BATS_TEST_TMPDIR/ready" &
  wait_until "the 12 locks are held" test -e "$BATS_TEST_TMPDIR/ready"
  for i in $(seq 1 12); do args+=(--path "$d/f$i"); done
  ktstr_run 75 acquire -n "${args[@]}" -- true
  [ "$(grep -c "is busy (exclusive wanted): held by [0-9]* (exclusive) perl" <<<"$stderr")" -eq 10 ]
  [ "$(printf '%s\n' "$stderr" | tail -1)" = 'ktstr acquire: and 2 more busy lock(s), see `ktstr locks`' ]
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 11 ]
}
