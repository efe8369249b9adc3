# Scratch filesystems for end-to-end tests: tmpfs, bind, overlayfs, ext4 and
# btrfs loop images, bindfs (FUSE). Each helper mounts under a directory the
# test names (keep it under $BATS_TEST_TMPDIR) and logs what it did, so that
# mounts_cleanup, called from teardown, undoes it all in reverse order even
# when the test failed half-way.
#
#   setup()    { ktstr_isolate; require_root "mounts"; }
#   teardown() { kill_background_trees; mounts_cleanup; }
#
# Needs root; each helper that needs a tool skips the test when that tool is
# missing (scripts/install-deps installs them all).

_mounts_log() { printf '%s/.mounts.log' "${BATS_TEST_TMPDIR:?}"; }

# _mounts_record KIND WHAT: KIND is "mount" (WHAT a mount point) or "loop"
# (WHAT a loop device). NUL-separated: a test may mount on a path with a
# newline in it.
_mounts_record() { printf '%s\0%s\0' "$1" "$2" >>"$(_mounts_log)"; }

# require_cmd CMD PACKAGE: skip unless CMD is installed.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || skip "needs $1 (Debian package $2)"
}

# mount_tmpfs DIR
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o size=16m ktstr-e2e "$1" || return 1
  _mounts_record mount "$1"
}

# mount_bind SRC DIR: SRC appears (again) at DIR.
mount_bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2" || return 1
  _mounts_record mount "$2"
}

# mount_overlay DIR: an overlayfs at DIR whose lower, upper and work dirs are
# DIR.layers/{lower,upper,work}. Files a test puts in DIR.layers/lower before
# calling it show through DIR as lower-only (not yet copied up) files.
mount_overlay() {
  local dir=$1 layers=$1.layers
  mkdir -p "$dir" "$layers/lower" "$layers/upper" "$layers/work"
  mount -t overlay ktstr-e2e \
    -o "lowerdir=$layers/lower,upperdir=$layers/upper,workdir=$layers/work" "$dir" || return 1
  _mounts_record mount "$dir"
}

# _attach_image IMAGE: attaches IMAGE to a free loop device, prints it.
_attach_image() {
  local dev
  dev=$(losetup --find --show "$1") || return 1
  _mounts_record loop "$dev"
  printf '%s\n' "$dev"
}

# mount_ext4 DIR: a fresh 32 MiB ext4 loop image (sparse, in DIR.img).
mount_ext4() {
  require_cmd mkfs.ext4 e2fsprogs
  local dir=$1 dev
  mkdir -p "$dir"
  truncate -s 32M "$dir.img"
  mkfs.ext4 -q -F "$dir.img" || return 1
  dev=$(_attach_image "$dir.img") || return 1
  mount -t ext4 "$dev" "$dir" || return 1
  _mounts_record mount "$dir"
}

# mount_btrfs DIR: a fresh 128 MiB btrfs loop image (sparse, in DIR.img);
# sets BTRFS_DEV to its loop device for further mounts (e.g. -o subvol=).
mount_btrfs() {
  require_cmd mkfs.btrfs btrfs-progs
  local dir=$1
  mkdir -p "$dir"
  truncate -s 128M "$dir.img"
  # mkfs.btrfs prints a notice about changed defaults even with -q.
  mkfs.btrfs -q -f "$dir.img" >/dev/null 2>&1 || { echo "mkfs.btrfs $dir.img failed" >&2; return 1; }
  BTRFS_DEV=$(_attach_image "$dir.img") || return 1
  mount -t btrfs "$BTRFS_DEV" "$dir" || return 1
  _mounts_record mount "$dir"
}

# mount_btrfs_subvol DEV SUBVOL DIR: mounts subvolume SUBVOL of the btrfs on
# DEV at DIR (the same superblock again, another root).
mount_btrfs_subvol() {
  mkdir -p "$3"
  mount -t btrfs -o "subvol=$2" "$1" "$3" || return 1
  _mounts_record mount "$3"
}

# btrfs_subvolume PATH: creates a subvolume (unmounted with its filesystem).
btrfs_subvolume() {
  btrfs -q subvolume create "$1" >/dev/null || return 1
}

# mount_bindfs SRC DIR: a FUSE mount of SRC at DIR.
# scripts/check sets KTSTR_REQUIRE_FUSE=1 after making /dev/fuse usable:
# there a missing bindfs or /dev/fuse fails the test instead of skipping it.
mount_bindfs() {
  if [ "${KTSTR_REQUIRE_FUSE:-0}" = 1 ]; then
    command -v bindfs >/dev/null || { echo "needs bindfs (KTSTR_REQUIRE_FUSE=1)" >&2; return 1; }
    [ -c /dev/fuse ] || { echo "/dev/fuse is missing (KTSTR_REQUIRE_FUSE=1)" >&2; return 1; }
  fi
  require_cmd bindfs bindfs
  [ -e /dev/fuse ] || skip "needs /dev/fuse"
  mkdir -p "$2"
  bindfs "$1" "$2" || return 1
  _mounts_record mount "$2"
}

# _unmount DIR: umount, retrying while the processes a test just killed are
# still letting go of their files; a lazy unmount as last resort, reported.
_unmount() {
  local dir=$1 i
  for i in $(seq 1 100); do
    umount "$dir" 2>/dev/null && return 0
    mountpoint -q "$dir" || return 0
    sleep 0.05
  done
  echo "mounts_cleanup: $dir still busy; detaching it lazily" >&2
  umount -l "$dir"
  return 1
}

# mounts_cleanup: undoes every mount and loop device of this test, newest
# first. Fails (after undoing what it can) when something would not let go.
mounts_cleanup() {
  local log kind what i rc=0
  local -a entries=()
  log=$(_mounts_log)
  [ -f "$log" ] || return 0
  while IFS= read -r -d '' kind && IFS= read -r -d '' what; do
    entries+=("$kind" "$what")
  done <"$log"
  for ((i = ${#entries[@]} - 2; i >= 0; i -= 2)); do
    kind=${entries[i]} what=${entries[i + 1]}
    case $kind in
      mount) _unmount "$what" || rc=1 ;;
      loop) losetup -d "$what" || { echo "mounts_cleanup: losetup -d $what failed" >&2; rc=1; } ;;
    esac
  done
  rm -f "$log"
  return $rc
}
