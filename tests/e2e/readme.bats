#!/usr/bin/env bats
# The README cannot rot: every fenced block marked `sh example` is run, and
# the quick start names exactly the two scripts that exist. (The quick
# start's scripts/check is what CI itself runs; the install block is what
# package.bats does with a DESTDIR and dpkg.)

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  ktstr_isolate
  README=${KTSTR_SOURCE_DIR:?}/README.md
}

teardown() {
  kill_jobs_and_children
}

# extract_blocks INFO DIR: writes each fenced block whose info string is
# exactly INFO to DIR/1.sh, DIR/2.sh, ...; prints how many.
extract_blocks() {
  awk -v info="$1" -v dir="$2" '
    /^```/ {
      if (inside) { inside = 0; close(file); next }
      if (substr($0, 4) == info) { inside = 1; n++; file = dir "/" n ".sh"; printf "" > file; next }
    }
    inside { print > file }
    END { print n + 0 }' "$README"
}

@test "every 'sh example' block of the README runs and exits 0" {
  mkdir -p "$BATS_TEST_TMPDIR/blocks" "$BATS_TEST_TMPDIR/tmp" "$BATS_TEST_TMPDIR/work" \
    "$BATS_TEST_TMPDIR/home"
  count=$(extract_blocks "sh example" "$BATS_TEST_TMPDIR/blocks")
  [ "$count" -ge 8 ] || { echo "only $count example blocks found" >&2; return 1; }
  for ((i = 1; i <= count; i++)); do
    block=$BATS_TEST_TMPDIR/blocks/$i.sh
    # Examples show /tmp; here /tmp is a private directory.
    sed -i "s#/tmp/#$BATS_TEST_TMPDIR/tmp/#g" "$block"
    (
      cd "$BATS_TEST_TMPDIR/work"
      export PATH=$KTSTR_BIN_DIR:$PATH HOME=$BATS_TEST_TMPDIR/home
      export KTSTR_LOCK_DIR=$BATS_TEST_TMPDIR/tmp
      # Its own session, so background commands of the example can be
      # killed as a group afterwards.
      setsid bash -e "$block" >"$block.out" 2>&1 3>&- &
      leader=$!
      status=0
      wait "$leader" || status=$?
      kill -KILL -- "-$leader" 2>/dev/null || true
      if [ "$status" -ne 0 ]; then
        printf 'README example %s failed with %s:\n%s\n--- output\n%s\n' \
          "$i" "$status" "$(cat "$block")" "$(cat "$block.out")" >&2
        exit 1
      fi
    )
  done
}

@test "the README's quick start is exactly scripts/demo and scripts/check, and both exist" {
  mkdir -p "$BATS_TEST_TMPDIR/blocks"
  extract_blocks "sh" "$BATS_TEST_TMPDIR/blocks" >/dev/null
  run grep -v '^$' "$BATS_TEST_TMPDIR/blocks/1.sh"
  assert_line --index 0 --regexp '^scripts/demo +#'
  assert_line --index 1 --regexp '^scripts/check +#'
  assert_equal "${#lines[@]}" 2
  [ -x "$KTSTR_SOURCE_DIR/scripts/demo" ]
  [ -x "$KTSTR_SOURCE_DIR/scripts/check" ]
  # .ci/run runs exactly the README's test command.
  grep -qx 'exec scripts/check' "$KTSTR_SOURCE_DIR/.ci/run"
}

@test "the README's exit code table lists every code the binary documents" {
  for code in 0 1 64 66 69 71 73 75 77 78 126 127 130; do
    grep -q "^| $code[ ,|]" "$README" || grep -q "^| [0-9, ]*$code" "$README" || {
      echo "exit code $code missing from the README" >&2
      return 1
    }
  done
}
