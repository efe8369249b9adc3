#!/usr/bin/env bats
# fscheck on real mounts: every local filesystem is accepted, FUSE refused.

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

k_fuse_magic=$((0x65735546))

@test "tmpfs, bind, overlayfs, ext4, btrfs and a btrfs subvolume are accepted" {
  require_root "mounts tmpfs, overlayfs, ext4 and btrfs"
  mount_tmpfs "$M/tmpfs"
  mkdir "$M/tmpfs/d"
  mount_bind "$M/tmpfs/d" "$M/bind"
  mount_overlay "$M/ovl"
  mount_ext4 "$M/ext4"
  mount_btrfs "$M/btrfs"
  btrfs_subvolume "$M/btrfs/sv"
  touch "$M/btrfs/sv/f"

  ktstr_run 0 fscheck "$M/tmpfs" "$M/bind" "$M/ovl" "$M/ext4" "$M/btrfs" "$M/btrfs/sv/f"
  [ -z "$stderr" ]
  assert_line --index 0 "$M/tmpfs: tmpfs: ok"
  assert_line --index 1 "$M/bind: tmpfs: ok"
  assert_line --index 2 "$M/ovl: overlay: ok"
  assert_line --index 3 "$M/ext4: ext4: ok"
  assert_line --index 4 "$M/btrfs: btrfs: ok"
  assert_line --index 5 "$M/btrfs/sv/f: btrfs: ok"
  [ "${#lines[@]}" -eq 6 ]

  ktstr_run 0 fscheck --json "$M/tmpfs" "$M/ovl" "$M/ext4" "$M/btrfs/sv/f"
  jq -e '[.[] | [.fstype, .safe, .reason]]
    == [["tmpfs", true, null], ["overlay", true, null], ["ext4", true, null], ["btrfs", true, null]]
    and all(.[]; (.magic | type) == "number" and .path == .checked_path)' <<<"$output"
}

@test "an ext4 mount hidden by a later tmpfs on an ancestor: tmpfs is reported" {
  require_root "mounts ext4 and tmpfs"
  mount_ext4 "$M/a/b"
  mount_tmpfs "$M/a"
  mkdir "$M/a/b"
  ktstr_run 0 fscheck "$M/a/b"
  assert_output "$M/a/b: tmpfs: ok"
}

@test "bindfs (FUSE) is refused: exit 1, the reason names FUSE" {
  require_root "mounts bindfs"
  mkdir -p "$M/src"
  touch "$M/src/f"
  mount_bindfs "$M/src" "$M/fuse"
  ktstr_run 1 fscheck "$M/fuse"
  [ -z "$stderr" ]
  assert_output --regexp "^$M/fuse: fuse[^:]*: refused: .*FUSE"
  ktstr_run 1 fscheck "$M/fuse/f"
  assert_output --regexp "^$M/fuse/f: fuse[^:]*: refused: .*FUSE"
  ktstr_run 1 fscheck --json "$M/fuse"
  jq -e --argjson magic "$k_fuse_magic" '
    length == 1 and .[0].safe == false and .[0].magic == $magic
    and (.[0].fstype | startswith("fuse")) and (.[0].reason | test("FUSE"))' <<<"$output"
}

@test "one refused PATH among safe ones: exit 1, every PATH reported" {
  require_root "mounts tmpfs and bindfs"
  mount_tmpfs "$M/tmpfs"
  mkdir -p "$M/src"
  mount_bindfs "$M/src" "$M/fuse"
  ktstr_run 1 fscheck "$M/tmpfs" "$M/fuse"
  assert_line --index 0 "$M/tmpfs: tmpfs: ok"
  assert_line --index 1 --regexp "^$M/fuse: fuse[^:]*: refused: "
  ktstr_run 1 fscheck --json "$M/tmpfs" "$M/fuse"
  jq -e '[.[].safe] == [true, false]' <<<"$output"
}

@test "a lock dir on FUSE: the default check refuses it" {
  require_root "mounts bindfs"
  mkdir -p "$M/src"
  mount_bindfs "$M/src" "$M/fuse"
  ktstr_run 1 --lock-dir "$M/fuse" fscheck
  assert_line --index 0 --regexp "^$M/fuse: fuse[^:]*: refused: .*FUSE"
  assert_line --index 1 --regexp "^$KTSTR_CACHE_DIR/.locks \(via $BATS_TEST_TMPDIR\): [^:]+: ok$"
  # A lock dir yet to be made is judged by where it would be created.
  ktstr_run 1 fscheck --lock-dir "$M/fuse/not/yet" --json
  jq -e --arg p "$M/fuse/not/yet" --arg c "$M/fuse" '
    .[0].path == $p and .[0].checked_path == $c and .[0].safe == false' <<<"$output"
  [ ! -e "$M/fuse/not" ]
}

@test "no PATH: the lock dir and the cache-entry lock dir, via their nearest existing parent" {
  ktstr_run 0 fscheck
  [ -z "$stderr" ]
  assert_line --index 0 --regexp "^$KTSTR_LOCK_DIR \(via $BATS_TEST_TMPDIR\): [^:]+: ok$"
  assert_line --index 1 --regexp "^$KTSTR_CACHE_DIR/.locks \(via $BATS_TEST_TMPDIR\): [^:]+: ok$"
  [ "${#lines[@]}" -eq 2 ]
  mkdir -p "$KTSTR_LOCK_DIR"
  ktstr_run 0 fscheck --json
  jq -e --arg l "$KTSTR_LOCK_DIR" --arg c "$KTSTR_CACHE_DIR/.locks" --arg t "$BATS_TEST_TMPDIR" '
    [.[] | [.path, .checked_path, .safe]] == [[$l, $l, true], [$c, $t, true]]' <<<"$output"
}

@test "fscheck creates nothing" {
  ktstr_run 0 fscheck
  [ ! -e "$KTSTR_LOCK_DIR" ]
  [ ! -e "$KTSTR_CACHE_DIR" ]
}

@test "a missing PATH: 66, named on stderr; the other PATHs still checked" {
  ktstr_run 66 fscheck "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR"
  assert_one_error_line 'ktstr fscheck:'
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing"* ]]
  assert_output --regexp "^$BATS_TEST_TMPDIR: [^:]+: ok$"
}
