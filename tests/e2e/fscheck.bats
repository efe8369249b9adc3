#!/usr/bin/env bats
# fscheck on real mounts: every local filesystem is accepted, FUSE refused;
# and acquire refusing a lock dir, cache dir or --path there (exit 69).

load test_helper
load mounts

setup() {
  ktstr_isolate
  M=$BATS_TEST_TMPDIR/mnt
}

teardown() {
  kill_background_trees
  mounts_cleanup
  [ -z "${NFS_EXPORT:-}" ] || exportfs -u "127.0.0.1:$NFS_EXPORT" 2>/dev/null || true
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

# ---- acquire on a refused filesystem: 69, before any lock file is opened ----

# fuse_lock_space: a bindfs (FUSE) mount at $M/fuse of the empty $M/src.
fuse_lock_space() {
  require_root "mounts bindfs"
  mkdir -p "$M/src"
  mount_bindfs "$M/src" "$M/fuse"
}

# assert_refused_fs PATH: stderr is one line naming PATH, FUSE and the remedy.
assert_refused_fs() {
  assert_one_error_line "ktstr acquire:"
  [[ $stderr == *"'$1'"*"fuse"*"FUSE"* ]] || {
    echo "stderr does not name $1 and FUSE: $stderr" >&2
    return 1
  }
  [[ $stderr == *"local filesystem"* ]]
}

@test "acquire with its lock dir on FUSE: 69, nothing created, the command never runs" {
  fuse_lock_space
  ktstr_run 69 acquire --lock-dir "$M/fuse" --cpu 0 -- touch "$BATS_TEST_TMPDIR/ran"
  assert_refused_fs "$M/fuse"
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  assert_equal "$(ls -A "$M/src")" ""
  # A lock dir yet to be made there is refused before it is made.
  KTSTR_LOCK_DIR=$M/fuse/locks ktstr_run 69 acquire --cpu 0 -- touch "$BATS_TEST_TMPDIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ $stderr == *"$M/fuse"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  assert_equal "$(ls -A "$M/src")" ""
}

@test "acquire with its cache dir on FUSE: --cache is 69, nothing created" {
  fuse_lock_space
  KTSTR_CACHE_DIR=$M/fuse ktstr_run 69 acquire --cache k -- touch "$BATS_TEST_TMPDIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ $stderr == *"$M/fuse"*"FUSE"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  assert_equal "$(ls -A "$M/src")" ""
}

@test "acquire --path on FUSE: 69, the file neither created nor locked; other requests not held" {
  fuse_lock_space
  touch "$M/src/existing"
  ktstr_run 69 acquire --path "$M/fuse/new" -- touch "$BATS_TEST_TMPDIR/ran"
  # (The file is yet to be made: the directory it would be made in is named.)
  assert_refused_fs "$M/fuse"
  [ ! -e "$M/src/new" ]
  # With a good request beside it: still nothing runs, and the refusal
  # comes before any lock file is opened, the good one's included.
  ktstr_run 69 acquire --path "$BATS_TEST_TMPDIR/good" --path "$M/fuse/existing" \
    -- touch "$BATS_TEST_TMPDIR/ran"
  assert_refused_fs "$M/fuse"
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  [ ! -e "$BATS_TEST_TMPDIR/good" ]
  assert_equal "$(ls -A "$M/src")" existing
}

# ---- NFS, served by this machine's kernel on loopback ----

# mount_nfs_loopback DIR EXPORT: exports EXPORT to 127.0.0.1 only with the
# kernel NFS server and mounts it at DIR; skips, saying why, when the kernel
# has no NFS server or client (a container on a kernel without nfsd, say).
mount_nfs_loopback() {
  local dir=$1 export=$2
  modprobe nfsd 2>/dev/null || true
  modprobe nfs 2>/dev/null || true
  grep -qw nfsd /proc/filesystems || skip "the kernel has no NFS server (no nfsd in /proc/filesystems)"
  grep -qw nfs /proc/filesystems || skip "the kernel has no NFS client (no nfs in /proc/filesystems)"
  require_cmd exportfs nfs-kernel-server
  require_cmd rpc.nfsd nfs-kernel-server
  require_cmd mount.nfs nfs-common
  mkdir -p "$dir" "$export"
  mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd || skip "cannot mount /proc/fs/nfsd here"
  rpcbind 2>/dev/null || true
  rpc.nfsd 2 || skip "rpc.nfsd cannot start the kernel NFS server here"
  exportfs -o rw,no_root_squash,insecure,fsid=$RANDOM "127.0.0.1:$export" || return 1
  NFS_EXPORT=$export
  mount -t nfs -o vers=4,proto=tcp,nolock "127.0.0.1:$export" "$dir" || return 1
  _mounts_record mount "$dir"
}

@test "NFS (kernel server on loopback): fscheck refuses it, acquire exits 69" {
  require_root "runs the kernel NFS server and mounts NFS"
  mount_nfs_loopback "$M/nfs" "$BATS_TEST_TMPDIR/export"
  ktstr_run 1 fscheck "$M/nfs"
  assert_output --regexp "^$M/nfs: nfs[^:]*: refused: .*NFS"
  ktstr_run 69 acquire --lock-dir "$M/nfs" --cpu 0 -- touch "$BATS_TEST_TMPDIR/ran"
  assert_one_error_line "ktstr acquire:"
  [[ $stderr == *"$M/nfs"*"NFS"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/export")" ""
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
