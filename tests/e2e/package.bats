#!/usr/bin/env bats
# Installing: `cmake --install` into a DESTDIR, and the Debian package from
# `cpack -G DEB` installed with dpkg into a throwaway root (never this
# machine's) and removed again.
load test_helper

setup() {
  BUILD_DIR=$(cd "$KTSTR_BIN_DIR/.." && pwd)
  [ -f "$BUILD_DIR/CMakeCache.txt" ] || {
    echo "$BUILD_DIR is not a CMake build directory" >&2
    return 1
  }
  ktstr_run 0 --list
  APPLETS=$output
}

@test "cmake --install into a DESTDIR: binary, relative links, man pages, completions" {
  local dest=$BATS_TEST_TMPDIR/dest
  DESTDIR=$dest run cmake --install "$BUILD_DIR" --prefix /usr
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  [ -x "$dest/usr/bin/ktstr" ]
  for applet in $APPLETS; do
    [ -L "$dest/usr/bin/ktstr-$applet" ]
    [ "$(readlink "$dest/usr/bin/ktstr-$applet")" = ktstr ]
    # Plain names only with KTSTR_INSTALL_PLAIN_LINKS=ON (off by default).
    if ! grep -q '^KTSTR_INSTALL_PLAIN_LINKS:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
      [ ! -e "$dest/usr/bin/$applet" ]
    fi
    ls "$dest/usr/share/man/man1/ktstr-$applet.1"*
    [ "$(readlink "$dest/usr/share/bash-completion/completions/ktstr-$applet")" = ktstr ]
    [ "$(readlink "$dest/usr/share/fish/vendor_completions.d/ktstr-$applet.fish")" = ktstr.fish ]
  done
  ls "$dest/usr/share/man/man1/ktstr.1"* "$dest/usr/share/man/man5/ktstr.toml.5"*
  [ -f "$dest/usr/share/bash-completion/completions/ktstr" ]
  [ -f "$dest/usr/share/zsh/vendor-completions/_ktstr" ]
  [ -f "$dest/usr/share/fish/vendor_completions.d/ktstr.fish" ]
  [ -f "$dest/usr/share/doc/ktstr/ktstr.toml.example" ]
  # Nothing escaped the DESTDIR, and no link is absolute.
  [ -z "$(find "$dest" -type l -lname '/*')" ]
  # The installed links run their applet.
  run "$dest/usr/bin/ktstr-needle" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"ktstr needle"* ]]
}

# need CMD PACKAGE: fail (not skip) when CMD is missing: scripts/install-deps
# installs it, and a check that does not run must not pass.
need() {
  command -v "$1" >/dev/null || {
    echo "needs $1 (Debian package $2; scripts/install-deps installs it)" >&2
    return 1
  }
}

@test "cpack -G DEB: dpkg -i into a throwaway root, run, man -w, dpkg -r" {
  need cpack cmake
  need dpkg dpkg
  need dpkg-shlibdeps dpkg-dev
  need man man-db
  require_root "dpkg installs files owned by root"
  local out=$BATS_TEST_TMPDIR/pkg
  run cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$out"
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  local deb
  deb=$(ls "$out"/ktstr_*.deb)
  run dpkg-deb -f "$deb" Package Depends Maintainer Section Description
  [ "$status" -eq 0 ]
  [[ "$output" == *"Package: ktstr"* ]]
  # The static PIE needs no package; a dynamic build (KTSTR_STATIC=OFF, or
  # a sanitizer build) needs libc6 and what else it links (libasan8, ...).
  local dynamic=0
  if readelf -l "$BUILD_DIR/bin/ktstr" | grep -q 'Requesting program interpreter'; then
    dynamic=1
    [[ "$output" == *"Depends: "*"libc6 ("* ]]
  else
    [[ "$output" != *"Depends:"* ]]
  fi
  [[ "$output" == *"Section: utils"* ]]
  [[ "$output" == *"Maintainer: "* ]]

  # A throwaway root with an empty dpkg database: this machine's packages
  # are never touched, and a run killed half-way leaves nothing behind.
  local root=$BATS_TEST_TMPDIR/root
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  : >"$root/var/lib/dpkg/status"
  : >"$root/var/lib/dpkg/available"
  # libc6 and the like are not in the empty root; the host's serve.
  local force=()
  [ "$dynamic" -eq 0 ] || force=(--force-depends)
  # --path-include: some images exclude man pages from dpkg installs.
  run dpkg --root="$root" "${force[@]}" --path-include='/usr/share/man/*' -i "$deb"
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' ktstr)" = "install ok installed" ]
  run "$root/usr/bin/ktstr" --version
  [ "$status" -eq 0 ]
  [[ "$output" == "ktstr "* ]]
  run env MANPATH="$root/usr/share/man" man -w ktstr-acquire
  [ "$status" -eq 0 ]
  [[ "$output" == "$root/usr/share/man/man1/ktstr-acquire.1"* ]]
  run env MANPATH="$root/usr/share/man" man -w 5 ktstr.toml
  [ "$status" -eq 0 ]
  [[ "$output" == "$root/usr/share/man/man5/ktstr.toml.5"* ]]
  run --separate-stderr "$root/usr/bin/ktstr-holders" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"ktstr holders"* ]]

  local listed
  listed=$(dpkg --root="$root" -L ktstr)
  [ -n "$listed" ]
  run dpkg --root="$root" -r ktstr
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  # Removed cleanly: no file of the package is left, the package is gone.
  run dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' ktstr
  [[ "$output" != *"install ok installed"* ]]
  local f
  for f in $listed; do
    [ -d "$root$f" ] && continue
    if [ -e "$root$f" ] || [ -L "$root$f" ]; then
      echo "left behind: $root$f" >&2
      return 1
    fi
  done
}
