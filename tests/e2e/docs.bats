#!/usr/bin/env bats
# Man pages made at build time (build/share/man) from the prose in man/ and
# the binary's tables: they lint clean, document every option --help shows,
# and carry EXIT STATUS, ENVIRONMENT and FILES; the prose names no option
# that does not exist.
load test_helper

setup() {
  MAN_DIR=$KTSTR_BIN_DIR/../share/man
  [ -d "$MAN_DIR" ] || {
    echo "no generated man pages in $MAN_DIR (configured with KTSTR_DOCS=OFF?)" >&2
    return 1
  }
}

# The option names (-n, --nonblock, ...) of `ktstr [APPLET] --help`.
help_options() {
  ktstr_run 0 "$@" --help
  printf '%s\n' "$output" | grep -oE '^ +(-[a-zA-Z],)?(--[a-z][a-z0-9-]*,)*--[a-z][a-z0-9-]*' |
    tr ',' '\n' | tr -d ' ' | sort -u
}

# The page's text as it renders, without formatting.
rendered() {
  MANWIDTH=200 mandoc -Tascii "$1" | col -b
}

# The lines of section $2 in rendered page $1.
section() {
  rendered "$1" | awk -v s="$2" '/^[A-Z]/ { on = ($0 == s); next } on'
}

pages() {
  ls "$MAN_DIR"/man1/*.1 "$MAN_DIR"/man5/*.5
}

@test "one page per applet, plus ktstr(1) and ktstr.toml(5)" {
  ktstr_run 0 --list
  for applet in $output; do
    [ -s "$MAN_DIR/man1/ktstr-$applet.1" ]
  done
  [ -s "$MAN_DIR/man1/ktstr.1" ]
  [ -s "$MAN_DIR/man5/ktstr.toml.5" ]
}

@test "pages lint clean with mandoc -Tlint -Wwarning" {
  command -v mandoc >/dev/null || skip "mandoc is not installed"
  for page in $(pages); do
    run --separate-stderr mandoc -Tlint -Wwarning "$page"
    [ -z "$output$stderr" ] || {
      printf '%s:\n%s\n%s\n' "$page" "$output" "$stderr" >&2
      return 1
    }
  done
}

@test "pages render without warnings with groff -ww" {
  command -v groff >/dev/null || skip "groff is not installed"
  for page in $(pages); do
    run --separate-stderr groff -ww -man -z "$page"
    [ "$status" -eq 0 ] && [ -z "$output$stderr" ] || {
      printf '%s:\n%s\n' "$page" "$stderr" >&2
      return 1
    }
  done
}

@test "every option of every applet's --help is in its man page" {
  # The list comes from --help: make sure it is read at all.
  [ "$(help_options acquire | wc -l)" -ge 12 ]
  ktstr_run 0 --list
  local applets=$output applet opt page missing=
  for applet in $applets; do
    page=$MAN_DIR/man1/ktstr-$applet.1
    for opt in $(help_options "$applet"); do
      grep -qF -- "\\fB${opt//-/\\-}\\fR" "$page" || missing+=" $applet:$opt"
    done
  done
  [ -z "$missing" ] || {
    echo "missing from man pages:$missing" >&2
    return 1
  }
}

@test "every option of ktstr --help is in ktstr(1)" {
  local opt missing=
  for opt in $(help_options); do
    grep -qF -- "\\fB${opt//-/\\-}\\fR" "$MAN_DIR/man1/ktstr.1" || missing+=" $opt"
  done
  [ -z "$missing" ] || {
    echo "missing from ktstr(1):$missing" >&2
    return 1
  }
}

@test "ktstr(1) lists every applet and the exit codes of SPEC §5" {
  ktstr_run 0 --list
  local body
  body=$(rendered "$MAN_DIR/man1/ktstr.1")
  for applet in $output; do
    grep -q "ktstr-$applet(1)" <<<"$body"
  done
  local codes
  codes=$(section "$MAN_DIR/man1/ktstr.1" "EXIT STATUS" | awk '{ print $1 }')
  for code in 0 1 64 66 69 71 73 75 77 78 126 127 128+N; do
    grep -qx -- "$code" <<<"$codes" || {
      echo "exit code $code missing from ktstr(1)" >&2
      return 1
    }
  done
}

@test "each applet page lists its exit codes, usage error included" {
  ktstr_run 0 --list
  for applet in $output; do
    section "$MAN_DIR/man1/ktstr-$applet.1" "EXIT STATUS" | grep -qE '^ +64 ' || {
      echo "ktstr-$applet(1): no 64 in EXIT STATUS" >&2
      return 1
    }
  done
  section "$MAN_DIR/man1/ktstr-holders.1" "EXIT STATUS" | grep -qE '^ +1 '
  section "$MAN_DIR/man1/ktstr-acquire.1" "EXIT STATUS" | grep -qE '^ +75 '
}

@test "ENVIRONMENT and FILES name the variables and the lock files" {
  local env files
  env=$(section "$MAN_DIR/man1/ktstr.1" ENVIRONMENT)
  for var in KTSTR_LOCK_DIR KTSTR_CACHE_DIR KTSTR_CONFIG KTSTR_SYSFS_ROOT NO_COLOR \
    XDG_CONFIG_HOME XDG_CACHE_HOME; do
    grep -qE "^ +$var\$" <<<"$env" || {
      echo "$var missing from ktstr(1) ENVIRONMENT" >&2
      return 1
    }
  done
  env=$(section "$MAN_DIR/man1/ktstr-acquire.1" ENVIRONMENT)
  grep -qE '^ +KTSTR_LOCK_DIR$' <<<"$env"
  grep -qE '^ +KTSTR_CPUS$' <<<"$env"
  grep -qE '^ +KTSTR_CPU_CAP$' <<<"$env"
  grep -qE '^ +CARGO_TARGET_DIR$' <<<"$env"
  files=$(section "$MAN_DIR/man1/ktstr-acquire.1" FILES)
  grep -qF 'lock_dir/ktstr-cpu-N.lock' <<<"$files"
  grep -qF 'lock_dir/ktstr-llc-N.lock' <<<"$files"
  grep -qF 'cache_root/.locks/KEY.lock' <<<"$files"
  grep -qF 'cache_root/.locks/source-HASH.lock' <<<"$files"
  grep -qF 'runs_root/.locks/KEY.lock' <<<"$files"
  grep -qF '/etc/ktstr/ktstr.toml' <<<"$files"
}

@test "option names are set with \\- so they can be searched and copied" {
  grep -qF '\fB\-\-nonblock\fR' "$MAN_DIR/man1/ktstr-acquire.1"
  # No raw "--" in any text line of a page.
  run grep -nE '(^|[^\\])--[a-z]' $(pages)
  [ "$status" -eq 1 ] || {
    echo "raw -- in: $output" >&2
    return 1
  }
}

@test "ktstr.toml(5) documents every key of ktstr.toml.example" {
  local body key table=
  body=$(rendered "$MAN_DIR/man5/ktstr.toml.5")
  while IFS= read -r line; do
    case $line in
      '['*']') table=${line:1:-1}. ;;
      [a-z]*=*)
        key=$table${line%% =*}
        grep -qE "^ +$key = " <<<"$body" || {
          echo "$key missing from ktstr.toml(5)" >&2
          return 1
        }
        ;;
    esac
  done <"$KTSTR_SOURCE_DIR/ktstr.toml.example"
}

# generate KIND TEMPLATE OUT [ARG]: what the build does for one page.
generate() {
  local arg=()
  [ -z "${4-}" ] || arg=(-DARG="$4")
  SOURCE_DATE_EPOCH=0 cmake -DBIN="$KTSTR_BIN_DIR/ktstr" -DKIND="$1" -DTEMPLATE="$2" \
    -DOUT="$3" "${arg[@]}" -P "$KTSTR_SOURCE_DIR/cmake/KtstrGenerate.cmake"
}

@test "the pages are their man/ source with the generated blocks filled in" {
  local out=$BATS_TEST_TMPDIR/ktstr-holders.1
  run generate man:ktstr-holders "$KTSTR_SOURCE_DIR/man/ktstr-holders.1.in" "$out"
  [ "$status" -eq 0 ]
  # The build's copy differs at most in its date line.
  diff <(grep -v '^\.TH' "$MAN_DIR/man1/ktstr-holders.1") <(grep -v '^\.TH' "$out")
  grep -qx '\.TH KTSTR\\-HOLDERS 1 1970-01-01 "ktstr [0-9.]*" "User Commands"' "$out"
  # No placeholder is left in any page.
  run grep -l '@KTSTR_' $(pages)
  [ "$status" -eq 1 ]
}

@test "a source and the generator must agree on the blocks" {
  local src=$BATS_TEST_TMPDIR/page.1.in out=$BATS_TEST_TMPDIR/page.1
  # A placeholder the generator has no block for.
  { cat "$KTSTR_SOURCE_DIR/man/ktstr-needle.1.in"; echo '.\" @KTSTR_GENERATED nosuch@'; } >"$src"
  run generate man:ktstr-needle "$src" "$out"
  [ "$status" -ne 0 ]
  [[ "$output" == *"gives nothing for @KTSTR_GENERATED nosuch@"* ]]
  [ ! -e "$out" ]
  # A block the source has no place for.
  grep -v '@KTSTR_GENERATED files@' "$KTSTR_SOURCE_DIR/man/ktstr-needle.1.in" >"$src"
  run generate man:ktstr-needle "$src" "$out"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no line '@KTSTR_GENERATED files@'"* ]]
  [ ! -e "$out" ]
}

@test "every man/ source has a page, and every page a source" {
  local src page
  for src in "$KTSTR_SOURCE_DIR"/man/*.in; do
    page=${src##*/}
    page=${page%.in}
    [ -s "$MAN_DIR/man${page##*.}/$page" ] || {
      echo "$src has no page $page" >&2
      return 1
    }
  done
  for page in $(pages); do
    [ -f "$KTSTR_SOURCE_DIR/man/${page##*/}.in" ]
  done
}

@test "the man/ sources name no option that does not exist" {
  ktstr_run 0 --list
  local applets=$output src known opt unknown=
  for src in "$KTSTR_SOURCE_DIR"/man/*.in; do
    case ${src##*/} in
      ktstr-*.1.in)
        local applet=${src##*/ktstr-}
        known=$(help_options "${applet%.1.in}")
        ;;
      *) known=$(for a in "" $applets; do help_options $a; done) ;;
    esac
    [ "$(wc -l <<<"$known")" -ge 8 ]
    # Options are written \-\-name in roff; a raw --name would be found by
    # the lint test below.
    for opt in $(grep -oE -- '\\-\\-[a-z]([a-z0-9]|\\-)*' "$src" | sed 's/\\-/-/g'); do
      grep -qxF -- "$opt" <<<"$known" || unknown+=" ${src##*/}:$opt"
    done
    for opt in $(grep -oE -- '\\fB\\-[a-zA-Z]\\fR' "$src" | sed 's/\\fB\\-/-/; s/\\fR//'); do
      grep -qxF -- "$opt" <<<"$known" || unknown+=" ${src##*/}:$opt"
    done
  done
  [ -z "$unknown" ] || {
    echo "man/ names options ktstr does not have:$unknown" >&2
    return 1
  }
}

@test "--generate: an unknown kind is a usage error" {
  ktstr_run 64 --generate man:ktstr-nosuch
  [[ "$stderr" == *"unknown kind"* ]]
  ktstr_run 64 --generate man:ktstr.toml
  ktstr_run 66 --generate man:ktstr.toml "$BATS_TEST_TMPDIR/missing.toml"
}

@test "--generate man:ktstr.toml refuses an example that misses a key" {
  grep -v '^pin' "$KTSTR_SOURCE_DIR/ktstr.toml.example" >"$BATS_TEST_TMPDIR/partial.toml"
  ktstr_run 78 --generate man:ktstr.toml "$BATS_TEST_TMPDIR/partial.toml"
  [[ "$stderr" == *"acquire.pin is not documented"* ]]
}
