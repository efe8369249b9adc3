#!/usr/bin/env bats
# The README cannot rot: every fenced block marked `sh example` is run and
# prints what the README shows for it (pids, keys and widths aside), and
# the quick start names exactly the two scripts that exist. (The quick
# start's scripts/check is what CI itself runs; the install block is what
# package.bats does with a DESTDIR and dpkg.)

# Each test fails on its own after this long, so a hang fails fast (bats
# reads it before setup() loads test_helper).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
  load test_helper
  load fake_sysfs
  ktstr_isolate
  README=${KTSTR_SOURCE_DIR:?}/README.md
}

teardown() {
  kill_jobs_and_children
}

# extract_blocks INFO DIR: writes each fenced block whose info string is
# exactly INFO to DIR/1.sh, DIR/2.sh, ...; prints how many. When such a block
# is followed at once by a `text` block (what the README says it prints),
# that one goes to DIR/N.expected.
extract_blocks() {
  awk -v info="$1" -v dir="$2" '
    /^```/ {
      if (inside) { inside = 0; close(file); just_closed = (kind == "code"); next }
      if (substr($0, 4) == info) {
        inside = 1; kind = "code"; n++; file = dir "/" n ".sh"; printf "" > file; next
      }
      if (just_closed && substr($0, 4) == "text") {
        inside = 1; kind = "text"; file = dir "/" n ".expected"; printf "" > file
        just_closed = 0; next
      }
    }
    { just_closed = 0 }
    inside { print > file }
    END { print n + 0 }' "$README"
}

# normalise: what may differ between the README's run and this one: pids,
# /proc/locks keys and line numbers, the filesystem type, column widths.
normalise() {
  sed -E \
    -e 's/\b[0-9]{2,}( +\(?(shared|exclusive))/PID\1/g' \
    -e 's/\b(WRITE|READ) +[0-9]+/\1 PID/g' \
    -e 's/\b[0-9a-f]{2,}:[0-9a-f]{2,}:[0-9]+\b/KEY/g' \
    -e 's/^[0-9]+: FLOCK/N: FLOCK/' \
    -e 's/: [a-z0-9]+: ok$/: FS: ok/' \
    -e 's/ +/ /g' -e 's/ $//'
}

@test "every 'sh example' block of the README prints what the README shows" {
  local tmp=$BATS_TEST_TMPDIR/tmp home=$BATS_TEST_TMPDIR/home
  mkdir -p "$BATS_TEST_TMPDIR/blocks" "$tmp" "$BATS_TEST_TMPDIR/work" "$home"
  count=$(extract_blocks "sh example" "$BATS_TEST_TMPDIR/blocks")
  [ "$count" -ge 8 ] || { echo "only $count example blocks found" >&2; return 1; }
  # The README's examples ran on "a 2-CPU host with one LLC": show the
  # tool that host's topology (CPUs 0-1 are real here; the cache is not).
  fake_sysfs_init 0-1
  fake_llc 0 0-1
  fake_node 0 0-1
  compared=0
  for ((i = 1; i <= count; i++)); do
    block=$BATS_TEST_TMPDIR/blocks/$i.sh
    # Examples show /tmp and /root; here both are private directories. The
    # README's "sleep 0.5" gives background commands time to start; give them
    # more on a loaded machine.
    sed -i -e "s#/tmp/#$tmp/#g" -e 's/^sleep 0\.5$/sleep 2/' "$block"
    (
      cd "$BATS_TEST_TMPDIR/work"
      export PATH=$KTSTR_BIN_DIR:$PATH HOME=$home
      export KTSTR_LOCK_DIR=$tmp
      unset KTSTR_CACHE_DIR XDG_CACHE_HOME
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
    [ -e "${block%.sh}.expected" ] || continue
    # The README's paths for this run's: /tmp for the lock dir, /root for HOME.
    sed -i -e "s#$tmp#/tmp#g" -e "s#$home#/root#g" "$block.out"
    expected=$(normalise <"${block%.sh}.expected")
    actual=$(normalise <"$block.out")
    if [ "$actual" != "$expected" ]; then
      printf 'README example %s:\n%s\n--- the README shows\n%s\n--- it printed\n%s\n' \
        "$i" "$(cat "$block")" "$(cat "${block%.sh}.expected")" "$(cat "$block.out")" >&2
      return 1
    fi
    compared=$((compared + 1))
  done
  # Every example but the last (a jq one-liner) shows its output.
  [ "$compared" -ge 7 ] || { echo "only $compared examples show their output" >&2; return 1; }
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
  # The codes of the table's rows: the first cell, split at commas.
  local documented
  documented=$(awk -F'|' '/^\| [0-9]/ {
      n = split($2, codes, ",")
      for (i = 1; i <= n; i++) { gsub(/ /, "", codes[i]); print codes[i] }
    }' "$README" | sort -u)
  for code in 0 1 64 66 69 71 73 74 75 77 78 126 127 128+N 130; do
    grep -qxF "$code" <<<"$documented" || {
      echo "exit code $code missing from the README's table (it has: $(echo $documented))" >&2
      return 1
    }
  done
}
