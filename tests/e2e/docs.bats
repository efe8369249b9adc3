#!/usr/bin/env bats
# Man pages generated at build time (build/share/man): they lint clean,
# document every option --help shows, and carry EXIT STATUS, ENVIRONMENT and
# FILES.
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
  printf '%s\n' "$output" | grep -oE '^ +(-[a-zA-Z],)?--[a-z][a-z0-9-]*' |
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
  files=$(section "$MAN_DIR/man1/ktstr-acquire.1" FILES)
  grep -qF 'lock_dir/ktstr-cpu-N.lock' <<<"$files"
  grep -qF 'lock_dir/ktstr-llc-N.lock' <<<"$files"
  grep -qF 'cache_root/.locks/KEY.lock' <<<"$files"
  grep -qF '/etc/ktstr/ktstr.toml' <<<"$files"
}

@test "option names are set with \\- so they can be searched and copied" {
  grep -qF '\fB\-\-nonblock\fR' "$MAN_DIR/man1/ktstr-acquire.1"
  # No raw "--" in any text line of a page.
  ! grep -nE '(^|[^\\])--[a-z]' $(pages)
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

@test "the pages are what the binary generates now" {
  export SOURCE_DATE_EPOCH=0
  ktstr_run 0 --generate man:ktstr-holders
  local fresh=$output
  ktstr_run 0 --generate man:ktstr-holders
  [ "$output" = "$fresh" ]
  # The build's copy differs at most in its date line.
  diff <(grep -v '^\.TH' "$MAN_DIR/man1/ktstr-holders.1") <(printf '%s\n' "$fresh" | grep -v '^\.TH')
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
