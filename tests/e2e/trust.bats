#!/usr/bin/env bats
# Trust (SPEC §3 "Trust rules"): the lock dir is a world-writable meeting
# point and ktstr often runs as root. Each test replays what another user, a
# hostile file or a careless setting did to the tool, and checks it now
# neither steers the tool nor hangs it. The other user is `nobody` (and
# `daemon` for a third), played with setpriv.

# Each test fails on its own after this long, so a hang fails fast.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
  load test_helper
  ktstr_isolate
  D=$KTSTR_LOCK_DIR
  T=$BATS_TEST_TMPDIR
  SYSCTLS_SET=()
}

teardown() {
  if [ -n "${ROOT_CACHE_WATCHED:-}" ] && [ -e /.cache/ktstr ]; then
    rm -rf /.cache/ktstr
    rmdir /.cache 2>/dev/null || true
  fi
  [ -z "${STOP:-}" ] || touch "$STOP"
  kill_jobs_and_children
  restore_sysctls
}

# as_user USER CMD...: CMD as USER (its own group, no supplementary ones).
as_user() {
  local user=$1
  shift
  setpriv --reuid "$user" --regid "$(id -gn "$user")" --clear-groups -- "$@"
}

# set_sysctl NAME VALUE: sets a sysctl for this test; teardown restores it.
set_sysctl() {
  local old
  old=$(sysctl -n "$1") || skip "no sysctl $1"
  SYSCTLS_SET+=("$1=$old")
  sysctl -qw "$1=$2"
}

restore_sysctls() {
  local kv
  for kv in "${SYSCTLS_SET[@]}"; do sysctl -qw "$kv"; done
}

# sticky_dir DIR: a 1777 directory others can reach, like /tmp.
sticky_dir() {
  mkdir -p "$1"
  chmod 1777 "$1"
  open_path_to_others "$1"
}

# ---- 10.1: directories are made without a window ----

# build_swapper: a program that, as the attacker, swaps a freshly made
# EVIL/sub for a symlink to TARGET (renameat2 RENAME_EXCHANGE) the moment it
# appears, leaves the link there a moment, then clears both away so that
# the next run makes sub again; until STOP exists. Sets $SWAPPER.
build_swapper() {
  command -v cc >/dev/null || skip "needs a C compiler"
  SWAPPER=$T/swapper
  cat >"$T/swapper.c" <<'C_EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>

int main(int argc, char** argv) {
  if (argc != 4 || chdir(argv[1]) != 0) return 2;
  unsigned long n = 0;
  char junk[64];
  while (access(argv[3], F_OK) != 0) {
    (void)symlink(argv[2], "link");
    if (syscall(SYS_renameat2, AT_FDCWD, "sub", AT_FDCWD, "link", RENAME_EXCHANGE) == 0) {
      usleep(2000);  /* the victim's chmod-by-path lands now */
      (void)unlink("sub");
      snprintf(junk, sizeof junk, "junk.%lu", n++);
      (void)rename("link", junk);
    }
  }
  return 0;
}
C_EOF
  cc -O2 -o "$SWAPPER" "$T/swapper.c"
}

# race_target TARGET: root makes EVIL/sub as the lock dir, over and over,
# while nobody swaps it; TARGET's mode must never change (12 s or 400 runs).
race_target() {
  local target=$1 mode evil=$T/x/evil i
  mode=$(stat -c %a "$target")
  mkdir -p "$evil"
  chown nobody:nogroup "$evil"
  open_path_to_others "$evil"
  STOP=$T/stop
  rm -f "$STOP"
  as_user nobody "$SWAPPER" "$evil" "$target" "$STOP" &
  local end=$((SECONDS + 12))
  for ((i = 0; i < 400 && SECONDS < end; i++)); do
    "$KTSTR" acquire -n --no-pin --lock-dir "$evil/sub" --cpu 0 -- true >/dev/null 2>&1 || true
    if [ "$(stat -c %a "$target")" != "$mode" ]; then
      echo "run $i: $target is now $(stat -c %a "$target"), was $mode" >&2
      return 1
    fi
    # A sub the attacker missed stays a directory: move it so the next run
    # makes it again.
    if [ -d "$evil/sub" ] && [ ! -L "$evil/sub" ]; then mv -T "$evil/sub" "$evil/old.$i" 2>/dev/null || true; fi
  done
  touch "$STOP"
  wait_jobs
}

@test "10.1: swapping a new lock dir for a symlink never gets a directory chmod-ed" {
  require_root "plays a second user"
  build_swapper
  mkdir -m 0700 "$T/root-only"
  race_target "$T/root-only"
  [ "$(stat -c %a "$T/root-only")" = 700 ]
}

@test "10.1: swapping a new lock dir for a symlink never gets a file chmod-ed" {
  require_root "plays a second user"
  build_swapper
  install -m 0600 /dev/null "$T/secret"
  race_target "$T/secret"
  [ "$(stat -c %a "$T/secret")" = 600 ]
}

@test "10.1: the lock dir made is 1777, its parents keep the umask's mode" {
  (umask 022 && "$KTSTR" acquire -n --no-pin --lock-dir "$T/a/b/locks" --cpu 0 -- true)
  [ "$(stat -c %a "$T/a")" = 755 ]
  [ "$(stat -c %a "$T/a/b")" = 755 ]
  [ "$(stat -c %a "$T/a/b/locks")" = 1777 ]
}

# ---- 10.2: symlinks on the way to the lock dir and cache root ----

@test "10.2: another user's symlink in a sticky dir is not followed as the lock dir" {
  require_root "plays a second user"
  set_sysctl fs.protected_symlinks 0
  sticky_dir "$T/tmp"
  mkdir -m 0700 "$T/root-only"
  as_user nobody ln -s "$T/root-only" "$T/tmp/locks"
  KTSTR_LOCK_DIR=$T/tmp/locks ktstr_run 77 acquire -n --no-pin --cpu 0 -- touch "$T/ran"
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"'$T/tmp/locks'"*nobody* ]]
  [ ! -e "$T/ran" ]
  [ -z "$(ls -A "$T/root-only")" ]
  # Deeper down the path, and for the cache root, the same.
  KTSTR_LOCK_DIR=$T/tmp/locks/sub ktstr_run 77 acquire -n --no-pin --cpu 0 -- true
  [ ! -e "$T/root-only/sub" ]
  ktstr_run 77 acquire -n --cache-dir "$T/tmp/locks" --cache k -- true
  [[ "$stderr" == *nobody* ]]
  [ -z "$(ls -A "$T/root-only")" ]
}

@test "10.2: links of the caller or of the sticky dir's owner are followed" {
  require_root "plays a second user"
  set_sysctl fs.protected_symlinks 0
  sticky_dir "$T/tmp"
  mkdir "$T/real"
  ln -s "$T/real" "$T/tmp/mine"
  ktstr_run 0 acquire -n --no-pin --lock-dir "$T/tmp/mine/locks" --cpu 0 -- true
  [ -e "$T/real/locks/ktstr-cpu-0.lock" ]
  sticky_dir "$T/nobodys"
  chown nobody:nogroup "$T/nobodys"
  as_user nobody ln -s "$T/real" "$T/nobodys/link"
  ktstr_run 0 acquire -n --no-pin --lock-dir "$T/nobodys/link/locks2" --cpu 0 -- true
  [ -e "$T/real/locks2/ktstr-cpu-0.lock" ]
}

# ---- 10.3: relative lock dir and cache root ----

@test "10.3: a relative lock dir is refused, so two working dirs cannot split the lock space" {
  mkdir "$T/a" "$T/b"
  cd "$T/a"
  KTSTR_LOCK_DIR=rel ktstr_run 64 acquire --no-pin --cpu 0 -- true
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *KTSTR_LOCK_DIR*"'rel'"*relative* ]]
  cd "$T/b"
  KTSTR_LOCK_DIR=rel ktstr_run 64 acquire -n --no-pin --cpu 0 -- true
  ktstr_run 64 acquire -n --no-pin --lock-dir rel --cpu 0 -- true
  [[ "$stderr" == *--lock-dir* ]]
  [ ! -e "$T/a/rel" ] && [ ! -e "$T/b/rel" ]
}

@test "10.3: a relative cache root is refused: 64 from a flag or the environment, 78 from the config" {
  cd "$T"
  ktstr_run 64 acquire -n --cache-dir cache --cache k -- true
  KTSTR_CACHE_DIR=cache ktstr_run 64 acquire -n --cache k -- true
  printf 'cache_dir = "cache"\n' >"$T/c.toml"
  unset KTSTR_CACHE_DIR
  ktstr_run 78 --config "$T/c.toml" acquire -n --cache k -- true
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$T/c.toml"* ]]
  printf 'lock_dir = "locks"\n' >"$T/l.toml"
  unset KTSTR_LOCK_DIR
  ktstr_run 78 --config "$T/l.toml" acquire -n --no-pin --cpu 0 -- true
  [ ! -e "$T/cache" ] && [ ! -e "$T/locks" ]
}

@test "10.3: relative XDG_CACHE_HOME and XDG_CONFIG_HOME are ignored" {
  unset KTSTR_CACHE_DIR
  mkdir -p "$T/home" "$T/cwd/xdg/ktstr"
  cd "$T/cwd"
  printf 'no_such_key = 1\n' >xdg/ktstr/ktstr.toml
  HOME=$T/home XDG_CACHE_HOME=rel XDG_CONFIG_HOME=xdg ktstr_run 0 acquire -n --cache k -- true
  [ -e "$T/home/.cache/ktstr/kernels/.locks/k.lock" ]
  [ ! -e "$T/cwd/rel" ]
}

@test "10.3: no usable HOME: the cache root is a 78 naming KTSTR_CACHE_DIR, CPU locks still work" {
  unset KTSTR_CACHE_DIR XDG_CACHE_HOME
  cd "$T"
  # What an old version made of an empty HOME; teardown removes it.
  [ -e /.cache/ktstr ] || ROOT_CACHE_WATCHED=1
  for home in unset "" relative; do
    if [ "$home" = unset ]; then
      run --separate-stderr env -u HOME "$KTSTR" acquire -n --cache k -- true
    else
      run --separate-stderr env HOME="$home" "$KTSTR" acquire -n --cache k -- true
    fi
    [ "$status" -eq 78 ] || { echo "HOME=$home: $status $stderr" >&2; return 1; }
    assert_one_error_line "ktstr acquire:"
    [[ "$stderr" == *KTSTR_CACHE_DIR* ]]
    run --separate-stderr env -u HOME "$KTSTR" acquire -n --no-pin --cpu 0 -- true
    [ "$status" -eq 0 ] || { echo "--cpu 0: $status $stderr" >&2; return 1; }
  done
  [ ! -e "$T/.cache" ]
  [ -z "${ROOT_CACHE_WATCHED:-}" ] || [ ! -e /.cache/ktstr ]
}

@test "10.3: cache_dir = \"~/x\" expands HOME, or is refused without one, never ./~/x" {
  unset KTSTR_CACHE_DIR
  mkdir "$T/home"
  printf 'cache_dir = "~/x"\n' >"$T/c.toml"
  cd "$T"
  HOME=$T/home ktstr_run 0 --config "$T/c.toml" acquire -n --cache k -- true
  [ -e "$T/home/x/.locks/k.lock" ]
  run --separate-stderr env -u HOME "$KTSTR" --config "$T/c.toml" acquire -n --cache k -- true
  [ "$status" -eq 78 ]
  [[ "$stderr" == *HOME* ]]
  [ ! -e "$T/~" ]
}

# ---- 10.4 (first part): the path must still name the locked file ----

@test "10.4: a lock file replaced while acquire waited: the new file is locked, not the old one" {
  harness_hold "$T/f"
  ktstr_start acquire --path "$T/f" -- sh -c 'touch "$1/ran" && exec sleep 600' sh "$T"
  wait_until "acquire blocks on the lock" flock_waiting "$KTSTR_PID"
  rm "$T/f"
  touch "$T/f"
  harness_release
  wait_until "the command runs" test -e "$T/ran"
  # The file at the path is held: without the recheck acquire would hold the
  # removed one, and this would get the lock beside it.
  run flock -n "$T/f" true
  [ "$status" -eq 1 ]
}

# ---- 10.8: hostile config files ----

@test "10.8: a config FIFO, device, directory or 2 MiB file is 78 at once; a missing one 66" {
  mkfifo "$T/fifo"
  mkdir "$T/dir"
  head -c $((2 << 20)) /dev/zero | tr '\0' '#' >"$T/big.toml"
  for f in "$T/fifo" /dev/zero "$T/dir" "$T/big.toml"; do
    run --separate-stderr timeout 10 "$KTSTR" --config "$f" acquire -n --no-pin --cpu 0 -- true
    [ "$status" -eq 78 ] || { echo "$f: $status $stderr" >&2; return 1; }
    assert_one_error_line "ktstr acquire:"
    [[ "$stderr" == *"'$f'"* ]]
  done
  ktstr_run 66 --config "$T/nope.toml" acquire -n --no-pin --cpu 0 -- true
}

@test "10.8: a NUL in a path value is 78, not a path cut short" {
  printf 'lock_dir = "%s/a\\u0000b"\n' "$T" >"$T/c.toml"
  ktstr_run 78 --config "$T/c.toml" acquire -n --no-pin --cpu 0 -- true
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *NUL* ]]
  [ ! -e "$T/a" ]
}

# ---- 10.9: cache keys ----

@test "10.9: bad cache keys are 64 with a short message; 200 bytes is fine" {
  long=$(printf 'k%.0s' $(seq 1 4000))
  ktstr_run 64 acquire -n --cache "$long" -- true
  assert_one_error_line "ktstr acquire:"
  [ "${#stderr}" -lt 400 ]
  for key in a:b $'a\x1bb' .hidden a/b; do
    ktstr_run 64 acquire -n --cache "$key" -- true
    assert_one_error_line "ktstr acquire:"
    [[ "$stderr" != *$'\x1b'* ]]
  done
  ktstr_run 0 acquire -n --cache "${long:0:200}" -- true
  [ ! -e "$KTSTR_CACHE_DIR/.locks/a:b.lock" ]
}

# ---- 10.10: FIFOs, devices and sockets at a lock path ----

@test "10.10: a device, FIFO or socket at a lock path is 73 without being opened" {
  mkfifo "$T/fifo"
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock"
  for f in /dev/tty "$T/fifo" "$T/sock"; do
    run --separate-stderr timeout 10 "$KTSTR" acquire --path "$f" -- touch "$T/ran"
    [ "$status" -eq 73 ] || { echo "$f: $status $stderr" >&2; return 1; }
    assert_one_error_line "ktstr acquire:"
    [[ "$stderr" == *"'$f' is a"* ]]
  done
  [ ! -e "$T/ran" ]
  # Nothing opened the FIFO: a reader would have seen a writer, or blocked.
  mkdir -p "$D"
  mkfifo "$D/ktstr-cpu-0.lock"
  run --separate-stderr timeout 10 "$KTSTR" acquire --no-pin --cpu 0 -- true
  [ "$status" -eq 73 ]
}

# ---- 10.11: --cpus skips an unusable candidate ----

@test "10.11: --cpus skips a candidate whose lock file is a FIFO or private, and says why with -v" {
  require_root "plays a second user"
  load fake_sysfs
  fake_sysfs_init 0-3
  fake_llc 0 0-3
  fake_node 0 0-3
  sticky_dir "$D"
  mkfifo -m 0666 "$D/ktstr-cpu-0.lock"
  as_user daemon sh -c 'umask 077 && : >"$1/ktstr-cpu-1.lock"' sh "$D"
  ktstr_run_as_nobody 0 -v acquire -n --no-pin --cpus 2 -- sh -c 'echo "$KTSTR_CPUS"'
  [ "$output" = 2-3 ]
  [[ "$stderr" == *"skipping CPU 0"*FIFO* ]]
  [[ "$stderr" == *"skipping CPU 1"*daemon* ]]
  # Too few usable candidates left: an error at once, not a wait.
  ktstr_run_as_nobody 73 acquire --no-pin --cpus 3 --timeout 30 -- true
  [[ "$stderr" == *"--cpus 3"* ]]
}

# ---- 10.12: another user's private lock file ----

@test "10.12: another user's private lock file: 77 naming the owner, the mode and the remedy" {
  require_root "plays two other users"
  sticky_dir "$D"
  as_user daemon sh -c 'umask 077 && : >"$1/ktstr-cpu-0.lock"' sh "$D"
  ktstr_run_as_nobody 77 acquire -n --no-pin --cpu 0 -- true
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *"$D/ktstr-cpu-0.lock"*daemon*0600* ]]
  [[ "$stderr" == *"ask daemon to chmod 0666 it, or remove it"* ]]
}

@test "10.12: with protected_regular=2, root and another user lock the CPU files each other made" {
  require_root "plays a second user"
  set_sysctl fs.protected_regular 2
  # The lock dir belongs to a third user, as a shared /tmp subdirectory may.
  sticky_dir "$D"
  chown daemon:daemon "$D"
  ktstr_run_as_nobody 0 acquire -n --no-pin --cpu 0 -- true
  [ "$(stat -c %U "$D/ktstr-cpu-0.lock")" = nobody ]
  ktstr_run 0 acquire -n --no-pin --cpu 0 -- true
  rm -f "$D"/ktstr-*.lock
  ktstr_run 0 acquire -n --no-pin --cpu 0 -- true
  [ "$(stat -c %U "$D/ktstr-cpu-0.lock")" = root ]
  ktstr_run_as_nobody 0 acquire -n --no-pin --cpu 0 -- true
}

# ---- 10.13: a small fd limit ----

@test "10.13: a soft fd limit too small for the request is raised; a hard one is named" {
  local args=() i
  for i in $(seq 1 60); do args+=(--path "$T/f$i"); done
  run --separate-stderr bash -c 'ulimit -Sn 20 && exec "$@"' sh "$KTSTR" acquire -n "${args[@]}" -- true
  [ "$status" -eq 0 ] || { echo "$stderr" >&2; return 1; }
  run --separate-stderr bash -c 'ulimit -n 20 && exec "$@"' sh "$KTSTR" acquire -n "${args[@]}" -- true
  [ "$status" -eq 71 ]
  assert_one_error_line "ktstr acquire:"
  [[ "$stderr" == *RLIMIT_NOFILE*20*"ulimit -n"* ]]
}
