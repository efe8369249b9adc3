#!/usr/bin/env bats
# Installing: `cmake --install` into a DESTDIR, and the Debian package from
# `cpack -G DEB` installed into this machine with dpkg and removed again.
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

@test "cpack -G DEB: dpkg -i, run, man -w, dpkg -r" {
  command -v cpack >/dev/null || skip "cpack is not installed"
  command -v dpkg >/dev/null || skip "dpkg is not installed (not a Debian system)"
  command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps is not installed (dpkg-dev)"
  require_root "dpkg -i installs into this machine"
  if dpkg-query -W -f='${Status}' ktstr 2>/dev/null | grep -q 'install ok installed'; then
    skip "a ktstr package is already installed; not replacing it"
  fi
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
  if readelf -l "$BUILD_DIR/bin/ktstr" | grep -q 'Requesting program interpreter'; then
    [[ "$output" == *"Depends: "*"libc6 ("* ]]
  else
    [[ "$output" != *"Depends:"* ]]
  fi
  [[ "$output" == *"Section: utils"* ]]
  [[ "$output" == *"Maintainer: "* ]]

  # --path-include: some images exclude man pages from dpkg installs.
  run dpkg --path-include='/usr/share/man/*' -i "$deb"
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  local rc=0
  {
    run /usr/bin/ktstr --version
    [ "$status" -eq 0 ] && [[ "$output" == "ktstr "* ]] || rc=1
    run man -w ktstr-acquire
    [ "$status" -eq 0 ] && [[ "$output" == /usr/share/man/man1/ktstr-acquire.1* ]] || rc=2
    run man -w 5 ktstr.toml
    [ "$status" -eq 0 ] || rc=3
    run --separate-stderr /usr/bin/ktstr-holders --help
    [ "$status" -eq 0 ] && [[ "$output" == *"ktstr holders"* ]] || rc=4
  }
  local listed
  listed=$(dpkg -L ktstr)
  run dpkg -r ktstr
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  [ "$rc" -eq 0 ] || {
    echo "installed package check $rc failed" >&2
    return 1
  }
  # Removed cleanly: no file of the package is left, the package is gone.
  ! dpkg-query -W -f='${Status}' ktstr 2>/dev/null | grep -q 'install ok installed'
  local f
  for f in $listed; do
    [ -d "$f" ] && continue
    [ ! -e "$f" ] && [ ! -L "$f" ] || {
      echo "left behind: $f" >&2
      return 1
    }
  done
}
