#!/usr/bin/env bats
# needle on real mounts: the key it prints must be the one the kernel prints
# in /proc/locks for a lock util-linux flock(1) holds on the same file.

load test_helper
load mounts

setup() {
  ktstr_isolate
  M=$BATS_TEST_TMPDIR/mnt
}

teardown() {
  kill_background_trees
  mounts_cleanup
}

# stat_dev FILE: FILE's st_dev as /proc/locks would spell it (MAJ:MIN, hex).
stat_dev() {
  printf '%02x:%02x\n' "$(stat -c %Hd "$1")" "$(stat -c %Ld "$1")"
}

# assert_needle_matches_kernel FILE: holds FILE with flock(1), then checks
# that `needle FILE` is exactly the key of that holder's /proc/locks line.
# Sets KEY to it.
assert_needle_matches_kernel() {
  local file=$1
  hold_lock "$file"
  KEY=$(lock_key_of_pid "$HOLDER_PID")
  [[ $KEY =~ ^[0-9a-f]{2,}:[0-9a-f]{2,}:[0-9]+$ ]]
  ktstr_run 0 needle "$file"
  assert_output "$KEY"
  [ -z "$stderr" ]
}

# assert_json_dev_differs FILE [BOOL]: needle --json agrees with stat(1) about
# whether FILE's st_dev differs from the device of KEY, and with BOOL if given.
assert_json_dev_differs() {
  local file=$1 differs=false
  [ "$(stat_dev "$file")" = "${KEY%:*}" ] || differs=true
  [ -z "${2:-}" ] || assert_equal "$differs" "$2"
  ktstr_run 0 needle --json "$file"
  jq -e --arg k "$KEY" --arg sd "$(stat_dev "$file")" --argjson d "$differs" '
    length == 1 and .[0].needle == $k and .[0].stat_dev == $sd and .[0].dev_differs == $d
    and (.[0].major | type) == "number" and (.[0].inode | type) == "number"' <<<"$output"
}

@test "tmpfs: needle is the /proc/locks key; st_dev agrees" {
  require_root "mounts tmpfs"
  mount_tmpfs "$M"
  touch "$M/f"
  assert_needle_matches_kernel "$M/f"
  [ "$(stat_dev "$M/f")" = "${KEY%:*}" ]
  assert_json_dev_differs "$M/f" false
  ktstr_run 0 needle --json "$M/f"
  jq -e --arg m "$M" '.[0].mount_point == $m and .[0].fstype == "tmpfs"' <<<"$output"
}

@test "bind mount: the file seen through the bind has the same key" {
  require_root "mounts tmpfs and a bind mount"
  mount_tmpfs "$M/orig"
  mount_bind "$M/orig" "$M/bind"
  touch "$M/orig/f"
  assert_needle_matches_kernel "$M/bind/f"
  ktstr_run 0 needle "$M/orig/f"
  assert_output "$KEY"
  ktstr_run 0 needle --json "$M/bind/f"
  jq -e --arg m "$M/bind" '.[0].mount_point == $m' <<<"$output"
}

@test "mount point with a space: mountinfo's \\040 escape is decoded" {
  require_root "mounts tmpfs"
  mount_tmpfs "$M/with space"
  touch "$M/with space/f"
  assert_needle_matches_kernel "$M/with space/f"
  ktstr_run 0 needle --json "$M/with space/f"
  jq -e --arg m "$M/with space" '.[0].mount_point == $m and .[0].fstype == "tmpfs"' <<<"$output"
}

@test "mount points with backslash, tab and newline: every escape decoded" {
  require_root "mounts tmpfs"
  local dir
  dir=$M/$(printf 'back\\slash\ttab\nnewline')
  mount_tmpfs "$dir"
  touch "$dir/f"
  assert_needle_matches_kernel "$dir/f"
  ktstr_run 0 needle --json "$dir/f"
  jq -e --arg m "$dir" '.[0].mount_point == $m' <<<"$output"
}

@test "a mount point that is a string prefix but not a path prefix does not cover" {
  require_root "mounts tmpfs"
  mount_tmpfs "$M/a"
  mkdir -p "$M/ab"
  touch "$M/ab/f"
  assert_needle_matches_kernel "$M/ab/f"
  ktstr_run 0 needle --json "$M/ab/f"
  jq -e --arg m "$M/a" '.[0].mount_point != $m' <<<"$output"
}

@test "the mount point itself: its root directory's key" {
  require_root "mounts tmpfs"
  mount_tmpfs "$M"
  assert_needle_matches_kernel "$M"
}

@test "stacked mounts on one point: the top one" {
  require_root "mounts tmpfs twice"
  mount_tmpfs "$M"
  touch "$M/under"
  mount_tmpfs "$M"
  touch "$M/f"
  assert_needle_matches_kernel "$M/f"
}

@test "a mount hidden by a later mount on an ancestor does not cover" {
  require_root "mounts tmpfs twice"
  # inner on $M/a/b, then outer on $M/a: $M/a/b is now outer's directory,
  # though mountinfo still lists inner there (longest prefix picks it).
  mount_tmpfs "$M/a/b"
  mount_tmpfs "$M/a"
  mkdir "$M/a/b"
  touch "$M/a/b/f"
  assert_needle_matches_kernel "$M/a/b/f"
  ktstr_run 0 needle --json "$M/a/b/f"
  jq -e --arg m "$M/a" '.[0].mount_point == $m and .[0].dev_differs == false' <<<"$output"
}

@test "overlayfs: upper and lower-only files key on the overlay inode" {
  require_root "mounts overlayfs"
  mkdir -p "$M/ovl.layers/lower"
  echo lower >"$M/ovl.layers/lower/lower-only"
  mount_overlay "$M/ovl"
  touch "$M/ovl/upper"
  assert_needle_matches_kernel "$M/ovl/upper"
  assert_json_dev_differs "$M/ovl/upper"
  kill_background_trees
  # flock(1) opens O_RDONLY, so the lower file is not copied up: the lock
  # sits on the overlay inode of a file whose data is still in the lower
  # layer.
  assert_needle_matches_kernel "$M/ovl/lower-only"
  [ ! -e "$M/ovl.layers/upper/lower-only" ]
  ktstr_run 0 needle --json "$M/ovl/lower-only"
  jq -e '.[0].fstype == "overlay"' <<<"$output"
  assert_json_dev_differs "$M/ovl/lower-only"
}

@test "ext4 loop image: needle is the /proc/locks key" {
  require_root "mounts an ext4 loop image"
  mount_ext4 "$M/ext4"
  touch "$M/ext4/f"
  assert_needle_matches_kernel "$M/ext4/f"
  [ "$(stat_dev "$M/ext4/f")" = "${KEY%:*}" ]
  assert_json_dev_differs "$M/ext4/f" false
  ktstr_run 0 needle --json "$M/ext4/f"
  jq -e '.[0].fstype == "ext4" and .[0].major == 7' <<<"$output"
}

@test "btrfs subvolumes: the superblock device, not stat's st_dev" {
  require_root "mounts a btrfs loop image"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv1"
  btrfs_subvolume "$M/btrfs/sv2"
  touch "$M/btrfs/top" "$M/btrfs/sv1/f" "$M/btrfs/sv2/f"

  assert_needle_matches_kernel "$M/btrfs/sv1/f"
  local key1=$KEY
  [ "$(stat_dev "$M/btrfs/sv1/f")" != "${KEY%:*}" ]
  assert_json_dev_differs "$M/btrfs/sv1/f" true
  kill_background_trees

  assert_needle_matches_kernel "$M/btrfs/sv2/f"
  [ "${KEY%:*}" = "${key1%:*}" ]
  [ "$(stat_dev "$M/btrfs/sv2/f")" != "$(stat_dev "$M/btrfs/sv1/f")" ]
  assert_json_dev_differs "$M/btrfs/sv2/f" true
  kill_background_trees

  # The top-level subvolume: same superblock device. (Whether its st_dev is
  # that device too depends on the kernel; 6.x gives it an anonymous one.)
  assert_needle_matches_kernel "$M/btrfs/top"
  [ "${KEY%:*}" = "${key1%:*}" ]
  assert_json_dev_differs "$M/btrfs/top"
}

@test "btrfs subvolume mounted on its own (-o subvol=): still the superblock device" {
  require_root "mounts a btrfs loop image"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv1"
  touch "$M/btrfs/sv1/f"
  mount_btrfs_subvol "$BTRFS_DEV" sv1 "$M/sv1"
  assert_needle_matches_kernel "$M/sv1/f"
  [ "$(stat_dev "$M/sv1/f")" != "${KEY%:*}" ]
  ktstr_run 0 needle --json "$M/sv1/f"
  jq -e --arg m "$M/sv1" '.[0].mount_point == $m and .[0].fstype == "btrfs" and .[0].dev_differs' <<<"$output"
  ktstr_run 0 needle "$M/btrfs/sv1/f"
  assert_output "$KEY"
}

@test "a bind mount of a btrfs subvolume directory: the superblock device" {
  require_root "mounts a btrfs loop image and a bind mount"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv1"
  mkdir "$M/btrfs/sv1/d"
  touch "$M/btrfs/sv1/d/f"
  mount_bind "$M/btrfs/sv1/d" "$M/bind"
  assert_needle_matches_kernel "$M/bind/f"
  assert_json_dev_differs "$M/bind/f" true
}

@test "bindfs (FUSE): needle is the /proc/locks key" {
  require_root "mounts bindfs"
  mkdir -p "$M/src"
  touch "$M/src/f"
  mount_bindfs "$M/src" "$M/fuse"
  assert_needle_matches_kernel "$M/fuse/f"
  ktstr_run 0 needle --json "$M/fuse/f"
  jq -e '.[0].fstype | startswith("fuse")' <<<"$output"
}

@test "several PATHs: one key a line, in order; a symlink keys on its target" {
  touch "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  ln -s a "$BATS_TEST_TMPDIR/link"
  hold_lock "$BATS_TEST_TMPDIR/a"
  local ka kb
  ka=$(lock_key_of_pid "$HOLDER_PID")
  hold_lock "$BATS_TEST_TMPDIR/b"
  kb=$(lock_key_of_pid "$HOLDER_PID")
  ktstr_run 0 needle "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/link"
  assert_equal "$output" "$kb"$'\n'"$ka"$'\n'"$ka"
  [ -z "$stderr" ]
}

@test "--json: one object per PATH with typed fields" {
  touch "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  ktstr_run 0 needle --json "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  jq -e --arg a "$BATS_TEST_TMPDIR/a" --arg b "$BATS_TEST_TMPDIR/b" '
    length == 2 and .[0].path == $a and .[1].path == $b
    and all(.[]; (.needle | type) == "string" and (.major | type) == "number"
                 and (.minor | type) == "number" and (.inode | type) == "number"
                 and (.mount_point | type) == "string" and (.fstype | type) == "string"
                 and (.stat_dev | type) == "string" and (.dev_differs | type) == "boolean")' \
    <<<"$output"
  # The key is MAJ:MIN:INODE with major and minor in hex: rebuild it.
  local needle major minor inode
  while IFS=$'\t' read -r needle major minor inode; do
    assert_equal "$needle" "$(printf '%02x:%02x:%s' "$major" "$minor" "$inode")"
  done < <(jq -r '.[] | [.needle, .major, .minor, .inode] | @tsv' <<<"$output")
}

@test "a missing PATH: 66, named on stderr; the other PATHs still print" {
  touch "$BATS_TEST_TMPDIR/a"
  ktstr_run 66 needle "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR/a"
  assert_one_error_line 'ktstr needle:'
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing"* ]]
  # From mountinfo, not st_dev: the two differ on a btrfs subvolume.
  assert_output "$(proc_locks_key "$BATS_TEST_TMPDIR/a")"
}

@test "needle never creates or locks anything" {
  mkdir "$BATS_TEST_TMPDIR/d"
  touch "$BATS_TEST_TMPDIR/d/a"
  ktstr_run 0 needle "$BATS_TEST_TMPDIR/d/a"
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/d")" "a"
  [ ! -e "$KTSTR_LOCK_DIR" ]
  [ ! -e "$KTSTR_CACHE_DIR" ]
}

@test "needle never reads the config: a broken or FIFO one changes nothing (strace)" {
  strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
  local f=$BATS_TEST_TMPDIR/f bad=$BATS_TEST_TMPDIR/bad.toml xdg=$XDG_CONFIG_HOME/ktstr/ktstr.toml
  touch "$f"
  printf 'lock_dir = \n' >"$bad"
  mkdir -p "${xdg%/*}"
  mkfifo "$xdg"
  # Both are configs that an applet reading them fails on.
  KTSTR_CONFIG=$bad ktstr_run 78 fscheck
  ktstr_run_with 78 timeout 20 -- fscheck
  local log=$BATS_TEST_TMPDIR/strace.log env
  for env in "KTSTR_CONFIG=$bad" "KTSTR_CONFIG="; do
    # LeakSanitizer cannot run under ptrace; leaks are checked by every other test.
    run --separate-stderr env "$env" ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
      timeout 20 strace -f -qq -o "$log" -e trace=%file "$KTSTR" needle "$f"
    [ "$status" -eq 0 ] || { echo "$env: status $status: $stderr" >&2; return 1; }
    assert_output "$(proc_locks_key "$f")"
    assert_equal "$stderr" ""
    grep -q 'mountinfo' "$log"
    run ! grep -E 'ktstr\.toml|/bad\.toml' "$log"
  done
}
