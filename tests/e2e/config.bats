#!/usr/bin/env bats
# Configuration (SPEC §2): where the file is found, strict TOML errors, and
# the precedence flag > environment > file > default, observed through the
# lock dir and cache dir `fscheck` checks when given no PATH.

load test_helper

setup() {
  ktstr_isolate
  unset KTSTR_LOCK_DIR KTSTR_CACHE_DIR
  export HOME=$BATS_TEST_TMPDIR/home
  mkdir -p "$HOME"
  C=$BATS_TEST_TMPDIR/ktstr.toml
}

# fscheck_paths ARGS...: runs `ktstr ARGS... fscheck --json` (exit 0) and
# sets LOCK_DIR and CACHE_LOCKS to the two paths it checked.
fscheck_paths() {
  ktstr_run 0 "$@" fscheck --json
  [ -z "$stderr" ]
  LOCK_DIR=$(jq -r '.[0].path' <<<"$output")
  CACHE_LOCKS=$(jq -r '.[1].path' <<<"$output")
}

# assert_config_error STATUS FILE LINE: one stderr line from fscheck naming
# FILE:LINE:COLUMN.
assert_config_error() {
  assert_one_error_line "ktstr fscheck: $1:$2:"
  [[ $stderr =~ ^"ktstr fscheck: $1:$2:"[0-9]+": " ]]
}

@test "lock_dir: the default is /tmp" {
  [ ! -e /etc/ktstr/ktstr.toml ] || skip "this host has /etc/ktstr/ktstr.toml"
  fscheck_paths
  assert_equal "$LOCK_DIR" /tmp
}

@test "lock_dir: file beats default, KTSTR_LOCK_DIR beats file, --lock-dir beats both" {
  printf 'lock_dir = "%s"\n' "$BATS_TEST_TMPDIR/from-file" >"$C"
  fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-file"

  KTSTR_LOCK_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-env"

  KTSTR_LOCK_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C" \
    --lock-dir "$BATS_TEST_TMPDIR/from-flag"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-flag"

  # Set but empty counts as unset.
  KTSTR_LOCK_DIR= fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" "$BATS_TEST_TMPDIR/from-file"

  # The human output names the same lock dir.
  ktstr_run 0 --config "$C" fscheck
  assert_line --index 0 --regexp "^$BATS_TEST_TMPDIR/from-file \(via $BATS_TEST_TMPDIR\): [^:]+: ok$"
}

@test "cache_dir: default under XDG_CACHE_HOME or HOME; file, env and flag in order; ~ expands" {
  unset XDG_CACHE_HOME
  [ ! -e /etc/ktstr/ktstr.toml ] || skip "this host has /etc/ktstr/ktstr.toml"
  fscheck_paths
  assert_equal "$CACHE_LOCKS" "$HOME/.cache/ktstr/kernels/.locks"
  XDG_CACHE_HOME=$BATS_TEST_TMPDIR/xdg-cache fscheck_paths
  assert_equal "$CACHE_LOCKS" "$BATS_TEST_TMPDIR/xdg-cache/ktstr/kernels/.locks"

  printf 'cache_dir = "~/from-file"\n' >"$C"
  fscheck_paths --config "$C"
  assert_equal "$CACHE_LOCKS" "$HOME/from-file/.locks"
  KTSTR_CACHE_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C"
  assert_equal "$CACHE_LOCKS" "$BATS_TEST_TMPDIR/from-env/.locks"
  KTSTR_CACHE_DIR=$BATS_TEST_TMPDIR/from-env fscheck_paths --config "$C" \
    --cache-dir "$BATS_TEST_TMPDIR/from-flag"
  assert_equal "$CACHE_LOCKS" "$BATS_TEST_TMPDIR/from-flag/.locks"
}

@test "file search: --config, then KTSTR_CONFIG, then XDG_CONFIG_HOME" {
  mkdir -p "$XDG_CONFIG_HOME/ktstr"
  printf 'lock_dir = "/xdg"\n' >"$XDG_CONFIG_HOME/ktstr/ktstr.toml"
  printf 'lock_dir = "/env"\n' >"$BATS_TEST_TMPDIR/env.toml"
  printf 'lock_dir = "/flag"\n' >"$C"
  fscheck_paths
  assert_equal "$LOCK_DIR" /xdg
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/env.toml fscheck_paths
  assert_equal "$LOCK_DIR" /env
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/env.toml fscheck_paths --config "$C"
  assert_equal "$LOCK_DIR" /flag
  # --config after the applet name works the same.
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/env.toml ktstr_run 0 fscheck --json --config "$C"
  jq -e '.[0].path == "/flag"' <<<"$output"
}

@test "file search: ~/.config/ktstr/ktstr.toml without XDG_CONFIG_HOME" {
  unset XDG_CONFIG_HOME
  mkdir -p "$HOME/.config/ktstr"
  printf 'lock_dir = "/home-config"\n' >"$HOME/.config/ktstr/ktstr.toml"
  fscheck_paths
  assert_equal "$LOCK_DIR" /home-config
}

@test "a default location that does not exist is not an error" {
  [ ! -e "$XDG_CONFIG_HOME" ]
  ktstr_run 0 fscheck
  [ -z "$stderr" ]
}

@test "--config FILE that does not exist: 66, naming it" {
  ktstr_run 66 --config "$BATS_TEST_TMPDIR/missing.toml" fscheck
  assert_output ""
  assert_one_error_line "ktstr fscheck:"
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing.toml"* ]]
}

@test "KTSTR_CONFIG naming a file that does not exist: 66, naming it" {
  KTSTR_CONFIG=$BATS_TEST_TMPDIR/missing.toml ktstr_run 66 fscheck
  assert_output ""
  assert_one_error_line "ktstr fscheck:"
  [[ $stderr == *"$BATS_TEST_TMPDIR/missing.toml"* ]]
}

@test "malformed TOML: 78, file:line:col" {
  printf '# a comment\nlock_dir = "/x"\ncache_dir = \n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_output ""
  assert_config_error "$C" 3
  printf 'lock_dir = "/x\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 1
  printf '[timeouts\nacquire = "1s"\n' >"$C"
  KTSTR_CONFIG=$C ktstr_run 78 fscheck
  assert_config_error "$C" 1
}

@test "an unknown key: 78, file:line:col and the nearest valid key" {
  printf '# ktstr\n\nlock_dri = "/x"\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_output ""
  assert_config_error "$C" 3
  [[ $stderr == *"'lock_dri'"* ]]
  [[ $stderr == *"did you mean 'lock_dir'"* ]]

  printf 'lock_dir = "/x"\n[timeouts]\nacquir = "1s"\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 3
  [[ $stderr == *"did you mean 'timeouts.acquire'"* ]]

  printf '[acquire]\npinn = false\n' >"$C"
  KTSTR_CONFIG=$C ktstr_run 78 fscheck
  assert_config_error "$C" 2
  [[ $stderr == *"did you mean 'acquire.pin'"* ]]

  printf '# a misspelt table\n[timeout]\nacquire = "1s"\n' >"$C"
  KTSTR_CONFIG=$C ktstr_run 78 fscheck
  assert_config_error "$C" 2
  [[ $stderr == *"unknown table 'timeout'; did you mean 'timeouts'"* ]]
}

@test "a value of the wrong type or a bad duration: 78, naming the key" {
  printf 'lock_dir = 5\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 1
  [[ $stderr == *"lock_dir"* ]]
  printf '\n[timeouts]\nacquire = "5 parsecs"\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 3
  [[ $stderr == *"timeouts.acquire"* ]]
  printf '[acquire]\nconflict_exit_code = 300\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 2
  [[ $stderr == *"acquire.conflict_exit_code"* ]]
  printf 'timeouts = 3\n' >"$C"
  ktstr_run 78 --config "$C" fscheck
  assert_config_error "$C" 1
}

@test "ktstr.toml.example loads, and says what the defaults are" {
  local example=${KTSTR_SOURCE_DIR:-$BATS_TEST_DIRNAME/../..}/ktstr.toml.example
  [ -f "$example" ]
  fscheck_paths --config "$example"
  assert_equal "$LOCK_DIR" /tmp
  assert_equal "$CACHE_LOCKS" "$HOME/.cache/ktstr/kernels/.locks"
}
