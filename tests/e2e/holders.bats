#!/usr/bin/env bats
# holders on real mounts and real processes, including the two cases where
# /proc/locks alone misleads: btrfs files sharing a key across subvolumes,
# and a lock whose recorded pid has exited while its open file lives on.

load test_helper
load mounts

setup() {
  ktstr_isolate
  M=$BATS_TEST_TMPDIR/mnt
  F=$BATS_TEST_TMPDIR/f
  touch "$F"
}

teardown() {
  kill_background_trees
  # Holders that outlived their parent are no longer jobs of this shell.
  [ -z "${ORPHANS:-}" ] || kill -KILL $ORPHANS 2>/dev/null || true
  mounts_cleanup
}

# assert_holds_alone FILE PID MODE: `holders FILE` names PID, holding FILE in
# MODE, as its only holder and nothing else; exit 0.
assert_holds_alone() {
  local file=$1 pid=$2 mode=$3
  ktstr_run 0 holders "$file"
  [ -z "$stderr" ]
  assert_line --index 0 --regexp '^PID +MODE +STATE +COMMAND$'
  assert_line --index 1 --regexp "^$pid +$mode +held +"
  [ "${#lines[@]}" -eq 2 ]
  ktstr_run 0 holders --json "$file"
  jq -e --argjson pid "$pid" --arg mode "$mode" --arg key "$(lock_key_of_pid "$pid")" '
    length == 1 and .[0].needle == $key
    and (.[0].holders | length) == 1 and .[0].holders[0].pid == $pid
    and .[0].holders[0].mode == $mode and .[0].waiters == []' <<<"$output"
}

# check_fs FILE: flock(1) holds FILE; holders names that flock process, with
# its command line, and the key matches the kernel's.
check_fs() {
  local file=$1
  hold_lock "$file"
  assert_holds_alone "$file" "$HOLDER_PID" exclusive
  ktstr_run 0 holders "$file"
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held +flock $file sleep 600$"
  ktstr_run 0 needle "$file"
  assert_output "$(lock_key_of_pid "$HOLDER_PID")"
}

@test "tmpfs: names the holder" {
  require_root "mounts tmpfs"
  mount_tmpfs "$M"
  touch "$M/f"
  check_fs "$M/f"
}

@test "bind mount: the holder is seen through the bind and the original path" {
  require_root "mounts tmpfs and a bind mount"
  mount_tmpfs "$M/orig"
  mount_bind "$M/orig" "$M/bind"
  touch "$M/orig/f"
  check_fs "$M/bind/f"
  assert_holds_alone "$M/orig/f" "$HOLDER_PID" exclusive
}

@test "overlayfs: names the holder of an upper and of a lower-only file" {
  require_root "mounts overlayfs"
  mkdir -p "$M/ovl.layers/lower"
  echo lower >"$M/ovl.layers/lower/lower-only"
  mount_overlay "$M/ovl"
  touch "$M/ovl/upper"
  check_fs "$M/ovl/upper"
  check_fs "$M/ovl/lower-only"
}

@test "ext4 loop image: names the holder" {
  require_root "mounts an ext4 loop image"
  mount_ext4 "$M/ext4"
  touch "$M/ext4/f"
  check_fs "$M/ext4/f"
}

@test "btrfs: names the holder in each of two subvolumes" {
  require_root "mounts a btrfs loop image"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv1"
  btrfs_subvolume "$M/btrfs/sv2"
  touch "$M/btrfs/sv1/f" "$M/btrfs/sv2/g"
  check_fs "$M/btrfs/sv1/f"
  check_fs "$M/btrfs/sv2/g"
}

@test "bindfs (FUSE): names the holder" {
  require_root "mounts bindfs"
  mkdir -p "$M/src"
  touch "$M/src/f"
  mount_bindfs "$M/src" "$M/fuse"
  check_fs "$M/fuse/f"
}

@test "btrfs: a same-key file in another subvolume is not held" {
  require_root "mounts a btrfs loop image"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv1"
  btrfs_subvolume "$M/btrfs/sv2"
  # A fresh subvolume's first file gets the same inode number (257 on
  # current btrfs); make files until the two numbers meet.
  local a=$M/btrfs/sv1/f b i
  touch "$a"
  for i in $(seq 1 20); do
    b=$M/btrfs/sv2/f$i
    touch "$b"
    [ "$(stat -c %i "$b")" = "$(stat -c %i "$a")" ] && break
  done
  [ "$(stat -c %i "$b")" = "$(stat -c %i "$a")" ]
  [ "$(stat -c %d "$b")" != "$(stat -c %d "$a")" ]

  hold_lock "$a"
  # The kernel's key for the lock on $a is also $b's key.
  local key
  key=$(lock_key_of_pid "$HOLDER_PID")
  ktstr_run 0 needle "$b"
  assert_output "$key"

  ktstr_run 1 holders "$b"
  assert_output "not held"
  [ -z "$stderr" ]
  ktstr_run 1 holders --json "$b"
  jq -e '.[0].holders == [] and .[0].waiters == []' <<<"$output"
  assert_holds_alone "$a" "$HOLDER_PID" exclusive

  # Nor does a process waiting for $a wait for $b.
  flock "$a" true 3>&- &
  local waiter=$!
  wait_for_waiter_pid "$waiter"
  ktstr_run 1 holders --json "$b"
  jq -e '.[0].holders == [] and .[0].waiters == []' <<<"$output"
  ktstr_run 0 holders --json "$a"
  jq -e --argjson w "$waiter" '[.[0].waiters[].pid] == [$w]' <<<"$output"

  # And when the recorded pid is gone, the live owner of $a's lock is still
  # not a holder of $b.
  local child
  child=$(pgrep -P "$HOLDER_PID")
  ORPHANS=$child
  kill -KILL "$HOLDER_PID"
  wait "$HOLDER_PID" 2>/dev/null || true
  ktstr_run 0 holders --json "$a"
  jq -e --argjson c "$child" '[.[0].holders[].pid] == [$c]' <<<"$output"
  ktstr_run 1 holders "$b"
  assert_output "not held"
}

@test "btrfs: a process that locks a same-key file and only has this one open is no holder of it" {
  require_root "mounts a btrfs loop image"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv1"
  btrfs_subvolume "$M/btrfs/sv2"
  local a=$M/btrfs/sv1/f b i
  touch "$a"
  for i in $(seq 1 20); do
    b=$M/btrfs/sv2/f$i
    touch "$b"
    [ "$(stat -c %i "$b")" = "$(stat -c %i "$a")" ] && break
  done
  [ "$(stat -c %i "$b")" = "$(stat -c %i "$a")" ]
  # One process: $a locked, $b merely open. Having $b open and a lock on
  # $b's key is not enough; only the fdinfo "lock:" line of $b's descriptor
  # would make it a holder of $b, and there is none.
  perl -e 'use Fcntl ":flock";
    open(my $fa, "<", $ARGV[0]) or die "$ARGV[0]: $!";
    open(my $fb, "<", $ARGV[1]) or die "$ARGV[1]: $!";
    flock($fa, LOCK_EX) or die "flock: $!";
    sleep 600' "$a" "$b" 3>&- &
  local pid=$!
  wait_for_lock_pid "$pid"
  ktstr_run 1 holders "$b"
  assert_output "not held"
  ktstr_run 1 holders --json "$b"
  jq -e '.[0].holders == [] and .[0].waiters == []' <<<"$output"
  ktstr_run 0 holders --json "$a"
  jq -e --argjson p "$pid" '[.[0].holders[] | [.pid, .confirmed]] == [[$p, true]]' <<<"$output"
}

@test "a mount hidden by a later mount on an ancestor: the holder is still found" {
  require_root "mounts tmpfs twice"
  mount_tmpfs "$M/a/b"
  mount_tmpfs "$M/a"
  mkdir "$M/a/b"
  touch "$M/a/b/f"
  check_fs "$M/a/b/f"
}

@test "a holder whose /proc/PID/fd cannot be read: shown, unconfirmed" {
  require_root "switches to user nobody"
  mkdir -m 0755 "$BATS_TEST_TMPDIR/open"
  touch "$BATS_TEST_TMPDIR/open/f"
  open_path_to_others "$BATS_TEST_TMPDIR"
  hold_lock "$BATS_TEST_TMPDIR/open/f"
  ktstr_run_as_nobody 0 holders "$BATS_TEST_TMPDIR/open/f"
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held\? +flock "
  ktstr_run_as_nobody 0 holders --json "$BATS_TEST_TMPDIR/open/f"
  jq -e --argjson p "$HOLDER_PID" '.[0].holders == [.[0].holders[0]]
    and .[0].holders[0].pid == $p and .[0].holders[0].confirmed == false' <<<"$output"
}

# root_holder_and_waiter: as root, flock(1) holds $BATS_TEST_TMPDIR/open/f and
# a second flock(1) waits for it; the directories are open to nobody. Sets
# $G (the file), $HOLDER_PID and $WAITER_PID.
root_holder_and_waiter() {
  mkdir -m 0755 "$BATS_TEST_TMPDIR/open"
  G=$BATS_TEST_TMPDIR/open/f
  touch "$G"
  open_path_to_others "$BATS_TEST_TMPDIR"
  hold_lock "$G"
  flock "$G" true 3>&- &
  WAITER_PID=$!
  wait_for_waiter_pid "$WAITER_PID"
}

@test "a waiter whose /proc/PID/fd cannot be read: still waiting, with its pid, unconfirmed" {
  require_root "switches to user nobody"
  root_holder_and_waiter
  ktstr_run_as_nobody 0 holders "$G"
  assert_equal "$stderr" ""
  assert_line --index 0 --regexp '^PID +MODE +STATE +COMMAND$'
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held\? +flock $G sleep 600$"
  # Its cmdline is readable; only whether it waits for this very file (and
  # not a same-key file on btrfs) is unknown.
  assert_line --index 2 --regexp "^$WAITER_PID +exclusive +waiting\? +flock $G true$"
  [ "${#lines[@]}" -eq 3 ]
  ktstr_run_as_nobody 0 holders --json "$G"
  jq -e --argjson w "$WAITER_PID" --arg cmd "flock $G true" '
    .[0].waiters == [.[0].waiters[0]] and .[0].waiters[0].pid == $w
    and .[0].waiters[0].mode == "exclusive" and .[0].waiters[0].confirmed == false
    and .[0].waiters[0].cmdline == $cmd' <<<"$output"
  # As root the same waiter is confirmed.
  ktstr_run 0 holders "$G"
  assert_line --index 2 --regexp "^$WAITER_PID +exclusive +waiting +flock $G true$"
}

@test "a waiter hidden by hidepid=2: still waiting, with its pid, cmdline unavailable" {
  require_root "mounts a private /proc"
  command -v unshare >/dev/null || skip "needs unshare (Debian package util-linux)"
  root_holder_and_waiter
  local json
  for json in "" --json; do
    run --separate-stderr unshare --mount --propagation private -- sh -c '
      mount -t proc -o hidepid=2 proc /proc &&
      exec setpriv --reuid nobody --regid nogroup --clear-groups -- "$@"' \
      sh "$KTSTR" holders $json "$G"
    [ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; return 1; }
    assert_equal "$stderr" ""
    if [ -z "$json" ]; then
      assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held\? +<cmdline unavailable>$"
      assert_line --index 2 --regexp "^$WAITER_PID +exclusive +waiting\? +<cmdline unavailable>$"
      [ "${#lines[@]}" -eq 3 ]
    else
      jq -e --argjson h "$HOLDER_PID" --argjson w "$WAITER_PID" '
        (.[0].holders | length == 1) and (.[0].waiters | length == 1)
        and ([.[0].holders[0], .[0].waiters[0]] | map([.pid, .mode, .confirmed, .cmdline])
          == [[$h, "exclusive", false, "<cmdline unavailable>"],
              [$w, "exclusive", false, "<cmdline unavailable>"]])' <<<"$output"
    fi
  done
}

@test "holders never reads the config: a broken, FIFO or missing one changes nothing (strace)" {
  strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
  hold_lock "$F"
  local bad=$BATS_TEST_TMPDIR/bad.toml xdg=$XDG_CONFIG_HOME/ktstr/ktstr.toml
  printf 'lock_dir = \n' >"$bad"
  mkdir -p "${xdg%/*}"
  mkfifo "$xdg"
  # Each config is one an applet that reads it fails on (locks does).
  KTSTR_CONFIG=$bad ktstr_run 78 locks
  ktstr_run_with 78 timeout 20 -- locks
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/missing.toml ktstr_run 66 locks
  # holders answers all the same. (A FIFO it opened would block: timeout.)
  local log=$BATS_TEST_TMPDIR/strace.log env
  for env in "KTSTR_CONFIG=$bad" "KTSTR_CONFIG=$BATS_TEST_TMPDIR/missing.toml" "KTSTR_CONFIG="; do
    # LeakSanitizer cannot run under ptrace; leaks are checked by every other test.
    run --separate-stderr env "$env" ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
      timeout 20 strace -f -qq -o "$log" -e trace=%file "$KTSTR" holders "$F"
    [ "$status" -eq 0 ] || { echo "$env: status $status: $stderr" >&2; return 1; }
    assert_equal "$stderr" ""
    assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held +flock $F sleep 600$"
    # It looked at the lock, and at no config file anywhere.
    grep -q '/proc/locks' "$log"
    run ! grep -E 'ktstr\.toml|/bad\.toml|/missing\.toml' "$log"
  done
  # The trace would show a config read: locks, traced the same way, reads it.
  run env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -qq -o "$log" -e trace=%file "$KTSTR" --config "$bad" locks
  [ "$status" -eq 78 ]
  grep -q "$bad" "$log"
}

@test "a POSIX (fcntl) lock on the file is not a flock holder" {
  # struct flock on LP64: short type, short whence, off_t start, off_t len,
  # pid_t pid (with padding); F_SETLKW takes a write lock on the whole file.
  perl -e 'use Fcntl; open(my $fh, "+<", $ARGV[0]) or die "open: $!";
    fcntl($fh, F_SETLKW, pack("s s x4 q q i x4", F_WRLCK, SEEK_SET, 0, 0, 0))
      or die "fcntl: $!"; sleep 600' "$F" 3>&- &
  local pid=$! i
  for i in $(seq 1 500); do
    awk -v p="$pid" '$2 == "POSIX" && $5 == p { found = 1 } END { exit !found }' /proc/locks && break
    sleep 0.01
  done
  awk -v p="$pid" '$2 == "POSIX" && $5 == p { found = 1 } END { exit !found }' /proc/locks
  ktstr_run 1 holders "$F"
  assert_output "not held"
}

@test "recorded pid gone, open file alive in a shell: the shell is the holder" {
  # flock(1) locks fd 9 of the shell and exits; /proc/locks keeps its pid.
  # sleep runs without fd 9, so the shell alone holds the open file.
  ktstr_run 0 needle "$F"
  local key=$output
  bash -c 'exec 9>"$1"; flock 9; sleep 600 9>&-; :' _ "$F" 3>&- &
  local shell=$!
  local i recorded=
  for i in $(seq 1 500); do
    recorded=$(awk -v k="$key" '$2 == "FLOCK" && $6 == k { print $5 }' /proc/locks)
    [ -n "$recorded" ] && break
    sleep 0.01
  done
  [ -n "$recorded" ]
  [ "$recorded" != "$shell" ]
  # flock(1) has exited (its pid may even be reused by now; not flock then).
  [ ! -e "/proc/$recorded" ] || [[ $(tr '\0' ' ' <"/proc/$recorded/cmdline") != flock* ]]

  ktstr_run 0 holders "$F"
  assert_line --index 1 --regexp "^$shell +exclusive +held +bash -c exec 9>"
  [ "${#lines[@]}" -eq 2 ]
  refute_output --regexp "^$recorded "
  ktstr_run 0 holders --json "$F"
  jq -e --argjson pid "$shell" '.[0].holders | length == 1 and .[0].pid == $pid
    and .[0].confirmed == true' <<<"$output"
}

@test "recorded pid killed, its child inherited the lock: the child is named" {
  # flock(1) locks, then its child sleep inherits the descriptor; once
  # flock is gone, sleep alone keeps the lock alive.
  hold_lock "$F"
  local child
  child=$(pgrep -P "$HOLDER_PID")
  [ -n "$child" ]
  ORPHANS=$child
  kill -KILL "$HOLDER_PID"
  wait "$HOLDER_PID" 2>/dev/null || true
  [ ! -e "/proc/$HOLDER_PID" ]
  # /proc/locks still shows the dead flock's pid.
  lock_key_of_pid "$HOLDER_PID"
  ktstr_run 0 holders "$F"
  assert_line --index 1 --regexp "^$child +exclusive +held +sleep 600$"
  [ "${#lines[@]}" -eq 2 ]
}

@test "recorded pid gone, open file shared by three: all three are named" {
  bash -c 'exec 9>"$1"; flock 9; sleep 600 & sleep 600; :' _ "$F" 3>&- &
  local shell=$!
  local i kids=
  for i in $(seq 1 500); do
    kids=$(pgrep -P "$shell" | sort -n | tr '\n' ' ')
    [ "$(wc -w <<<"$kids")" -eq 2 ] && break
    sleep 0.01
  done
  local expected
  expected=$(printf '%s\n' "$shell" $kids | sort -n | tr '\n' ' ')
  ktstr_run 0 holders --json "$F"
  run jq -r '[.[0].holders[].pid] | map(tostring) | join(" ")' <<<"$output"
  assert_output "${expected% }"
}

@test "a blocked flock shows as waiting, not holding" {
  hold_lock "$F"
  flock "$F" true 3>&- &
  local waiter=$!
  wait_for_waiter_pid "$waiter"
  ktstr_run 0 holders "$F"
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held +flock "
  assert_line --index 2 --regexp "^$waiter +exclusive +waiting +flock $F true$"
  [ "${#lines[@]}" -eq 3 ]
  ktstr_run 0 holders --json "$F"
  jq -e --argjson h "$HOLDER_PID" --argjson w "$waiter" '
    .[0].holders | length == 1 and .[0].pid == $h' <<<"$output"
  jq -e --argjson w "$waiter" '
    .[0].waiters | length == 1 and .[0].pid == $w and .[0].mode == "exclusive"' <<<"$output"
}

@test "a shared waiter behind an exclusive holder: waiting, mode shared" {
  hold_lock "$F"
  flock -s "$F" true 3>&- &
  local waiter=$!
  wait_for_waiter_pid "$waiter"
  ktstr_run 0 holders "$F"
  assert_line --index 2 --regexp "^$waiter +shared +waiting +flock -s $F true$"
  ktstr_run 0 holders --json "$F"
  jq -e --argjson w "$waiter" '.[0].waiters == [.[0].waiters[0]]
    and .[0].waiters[0].pid == $w and .[0].waiters[0].mode == "shared"' <<<"$output"
}

@test "shared holders: each named, mode shared" {
  hold_lock -s "$F"
  local first=$HOLDER_PID
  hold_lock -s "$F"
  local second=$HOLDER_PID
  ktstr_run 0 holders "$F"
  assert_line --index 1 --regexp "^$first +shared +held +flock -s $F sleep 600$"
  assert_line --index 2 --regexp "^$second +shared +held +flock -s $F sleep 600$"
  [ "${#lines[@]}" -eq 3 ]
  ktstr_run 0 holders --json "$F"
  jq -e --argjson a "$first" --argjson b "$second" '
    [.[0].holders[] | [.pid, .mode]] == [[$a, "shared"], [$b, "shared"]]' <<<"$output"
}

@test "--json: typed fields" {
  hold_lock "$F"
  ktstr_run 0 holders --json "$F"
  [ -z "$stderr" ]
  jq -e --arg f "$F" --argjson pid "$HOLDER_PID" '
    type == "array" and length == 1
    and .[0].path == $f and (.[0].needle | type) == "string"
    and (.[0].holders | type) == "array" and (.[0].waiters | type) == "array"
    and (.[0].holders[0] | (.pid | type) == "number" and .pid == $pid
         and (.mode | type) == "string" and .mode == "exclusive"
         and (.cmdline | type) == "string" and .cmdline == "flock \($f) sleep 600"
         and (.confirmed | type) == "boolean")' <<<"$output"
}

@test "--json when not held: empty arrays, exit 1" {
  ktstr_run 1 holders --json "$F"
  jq -e --arg f "$F" '. == [{"path": $f, "needle": .[0].needle, "holders": [], "waiters": []}]' \
    <<<"$output"
}

@test "exit status: 0 held, 1 not held" {
  ktstr_run 1 holders "$F"
  assert_output "not held"
  [ -z "$stderr" ]
  hold_lock "$F"
  ktstr_run 0 holders "$F"
}

@test "-q prints nothing, held or not; the status still answers" {
  ktstr_run 1 holders -q "$F"
  assert_output ""
  [ -z "$stderr" ]
  hold_lock "$F"
  ktstr_run 0 holders -q "$F"
  assert_output ""
  [ -z "$stderr" ]
  ktstr_run 0 holders --quiet --json "$F"
  assert_output ""
  ktstr_run 0 -q holders "$F"
  assert_output ""
}

@test "several PATHs: a section each; 0 only when all are held" {
  local g=$BATS_TEST_TMPDIR/g
  touch "$g"
  hold_lock "$F"
  ktstr_run 1 holders "$F" "$g"
  assert_line --index 0 "$F:"
  assert_line --index 1 --regexp '^  PID +MODE +STATE +COMMAND$'
  assert_line --index 2 --regexp "^  $HOLDER_PID +exclusive +held +flock "
  assert_line --index 3 "$g:"
  assert_line --index 4 "  not held"
  [ "${#lines[@]}" -eq 5 ]
  local first=$HOLDER_PID
  hold_lock -s "$g"
  ktstr_run 0 holders "$F" "$g"
  assert_line --index 2 --regexp "^  $first +exclusive +held "
  assert_line --index 5 --regexp "^  $HOLDER_PID +shared +held "
  ktstr_run 0 holders --json "$g" "$F"
  jq -e --arg f "$F" --arg g "$g" '[.[].path] == [$g, $f]
    and all(.[]; .holders | length == 1)' <<<"$output"
}

@test "a missing PATH among several: 66, named on stderr, the rest answered" {
  hold_lock "$F"
  ktstr_run 66 holders "$BATS_TEST_TMPDIR/missing" "$F"
  assert_one_error_line 'ktstr holders:'
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing"* ]]
  assert_output --partial "$F:"
  assert_output --regexp "$HOLDER_PID +exclusive +held"
}

@test "a long command line is cut at 100 characters with …" {
  local long
  long=$(printf 'x%.0s' $(seq 1 150))
  # bash -c takes the long word as its $0, so flock's own argv is long.
  flock "$F" bash -c 'sleep 600' "$long" 3>&- &
  HOLDER_PID=$!
  wait_for_lock_pid "$HOLDER_PID"
  ktstr_run 0 holders --json "$F"
  jq -e --arg full "flock $F bash -c sleep 600 $long" '
    .[0].holders[0].cmdline == ($full[0:100] + "…")' <<<"$output"
  ktstr_run 0 holders "$F"
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held +flock .*x…$"
}

# churn_flocks DIR N: two background processes that hold N/2 flocks each on
# files in DIR and keep dropping and retaking 40 of them at a time, so
# /proc/locks (more than two pages long) changes under every reader, and by
# dozens of lines at once. Waits until all are held.
churn_flocks() {
  local dir=$1 n=$2 p
  for p in 1 2; do
    mkdir -p "$dir/$p"
    perl -e 'use Fcntl qw(:flock); my ($dir, $n, $ready) = @ARGV; my @fh;
      for my $i (0 .. $n - 1) {
        open($fh[$i], ">>", "$dir/c$i") or die "open: $!"; flock($fh[$i], LOCK_EX) or die;
      }
      open(my $r, ">", $ready) or die; close($r);
      for (;;) {
        my @b = map { int(rand($n)) } 1 .. 40;
        flock($fh[$_], LOCK_UN) for @b;
        flock($fh[$_], LOCK_EX) for @b;
      }' "$dir/$p" "$((n / 2))" "$BATS_TEST_TMPDIR/churn$p.ready" &
  done
  wait_until "the churn holds its locks" test -e "$BATS_TEST_TMPDIR/churn1.ready"
  wait_until "the churn holds its locks" test -e "$BATS_TEST_TMPDIR/churn2.ready"
}

@test "under flock churn, a held lock is never reported not held" {
  # The held lock is taken first, so the churn's locks are listed before it
  # and move it across the page boundaries of /proc/locks reads.
  hold_lock "$F"
  churn_flocks "$BATS_TEST_TMPDIR/churn" 200
  [ "$(wc -c </proc/locks)" -gt 8192 ]
  local runs=0 wrong=0 rc end=$((SECONDS + 30))
  # Up to 2000 runs in 30 s, and at least 60 however slow the build is.
  while [ "$runs" -lt 2000 ] && { [ "$SECONDS" -lt "$end" ] || [ "$runs" -lt 60 ]; }; do
    rc=0
    "$KTSTR" holders -q "$F" || rc=$?
    [ "$rc" -eq 0 ] || wrong=$((wrong + 1))
    runs=$((runs + 1))
  done
  echo "runs: $runs, wrong: $wrong" >&3
  assert_equal "$wrong" 0
  # And the answer "not held" still comes for a free file under the churn.
  local free=$BATS_TEST_TMPDIR/free
  touch "$free"
  ktstr_run 1 holders "$free"
  assert_output "not held"
}
