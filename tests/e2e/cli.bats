#!/usr/bin/env bats
# The dispatcher and what every applet shares: multi-call links, --list,
# --help, --version, global options, usage errors and the exit codes of
# missing and unreadable paths.

load test_helper

setup() {
  ktstr_isolate
  F=$BATS_TEST_TMPDIR/f
  touch "$F"
}

teardown() {
  kill_background_trees
}

# The applets SPEC §4 names; --list may only grow.
k_applets=(acquire fscheck holders locks needle)

@test "--list: one applet name a line, sorted, every documented applet" {
  ktstr_run 0 --list
  [ -z "$stderr" ]
  [ "$output" = "$(sort <<<"$output")" ]
  local a
  for a in "${k_applets[@]}"; do assert_line "$a"; done
  for a in "${lines[@]}"; do [[ $a =~ ^[a-z][a-z0-9-]*$ ]]; done
}

@test "--version: ktstr and a version number on stdout" {
  ktstr_run 0 --version
  [ -z "$stderr" ]
  assert_output --regexp '^ktstr [0-9]+\.[0-9]+\.[0-9]+'
  [ "${#lines[@]}" -eq 1 ]
}

@test "--help: usage, every applet and the global options on stdout" {
  ktstr_run 0 --help
  [ -z "$stderr" ]
  assert_output --partial "Usage: ktstr"
  local a
  for a in $("$KTSTR" --list); do assert_line --regexp "^  $a +[a-z]"; done
  local opt
  for opt in --config --lock-dir --cache-dir --color --quiet --verbose --list --version; do
    assert_output --partial -- "$opt"
  done
}

@test "APPLET --help for every applet of --list: stdout, exit 0" {
  local a
  ktstr_run 0 --list
  for a in $output; do
    ktstr_run 0 "$a" --help
    [ -z "$stderr" ]
    assert_output --partial "Usage: ktstr $a"
    # The global options are accepted by every applet, so its help has them.
    assert_output --partial -- "--lock-dir"
    ktstr_run 0 "$a" -h
    assert_output --partial "Usage: ktstr $a"
    applet_run 0 "$a" --help
    assert_output --partial "Usage: ktstr $a"
    applet_run 0 "ktstr-$a" --help
    assert_output --partial "Usage: ktstr $a"
    ktstr_run 0 --list
  done
}

@test "a bad option for every applet: 64, one stderr line 'ktstr APPLET:'" {
  local a
  ktstr_run 0 --list
  for a in $output; do
    ktstr_run 64 "$a" --no-such-option
    assert_output ""
    assert_one_error_line "ktstr $a:"
    applet_run 64 "ktstr-$a" --no-such-option
    assert_one_error_line "ktstr $a:"
    ktstr_run 0 --list
  done
}

@test "a bad option beside valid arguments is named: needle, holders, fscheck, locks" {
  local a
  for a in needle holders fscheck; do
    ktstr_run 64 "$a" --no-such-option "$F"
    assert_output ""
    assert_one_error_line "ktstr $a:"
    [[ $stderr == *--no-such-option* ]]
    [[ $stderr == *"ktstr $a --help"* ]]
  done
  ktstr_run 64 locks --json --no-such-option
  assert_one_error_line "ktstr locks:"
  [[ $stderr == *--no-such-option* ]]
}

@test "acquire: a bad option before -- is a usage error, not the COMMAND" {
  ktstr_run 64 acquire --no-such-option --path "$F" -- true
  assert_one_error_line "ktstr acquire:"
  [[ $stderr == *--no-such-option* ]]
}

@test "ktstr --no-such-option: usage error 64" {
  ktstr_run 64 --no-such-option
  assert_output ""
  assert_one_error_line "ktstr"
  [[ $stderr == *--no-such-option* ]]
}

@test "a bad --color value: 64" {
  ktstr_run 64 --color sometimes needle "$F"
  assert_output ""
  assert_one_error_line "ktstr"
  [[ $stderr == *sometimes* ]]
  ktstr_run 64 needle --color sometimes "$F"
  assert_one_error_line "ktstr"
}

@test "an unknown applet: 127 with a did-you-mean" {
  ktstr_run 127 holdrs "$F"
  assert_output ""
  assert_one_error_line "ktstr"
  [[ $stderr == *"holdrs"* ]]
  [[ $stderr == *"did you mean 'holders'"* ]]
  ktstr_run 127 nedle "$F"
  [[ $stderr == *"did you mean 'needle'"* ]]
}

@test "no applet: usage error 64" {
  ktstr_run 64
  assert_output ""
  assert_one_error_line "ktstr"
}

@test "applets through links: holders, ktstr-holders, needle, ktstr-needle" {
  hold_lock "$F"
  applet_run 0 holders "$F"
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held +flock "
  applet_run 0 ktstr-holders "$F"
  assert_line --index 1 --regexp "^$HOLDER_PID +exclusive +held +flock "
  local key
  key=$(lock_key_of_pid "$HOLDER_PID")
  applet_run 0 needle "$F"
  assert_output "$key"
  applet_run 0 ktstr-needle "$F"
  assert_output "$key"
  applet_run 0 fscheck "$F"
  assert_output --regexp "^$F: [^:]+: ok$"
  # Errors through a link still carry the applet's name.
  applet_run 66 ktstr-needle "$BATS_TEST_TMPDIR/missing"
  assert_one_error_line "ktstr needle:"
}

@test "a link in another directory works too, by its basename" {
  ktstr_run 0 needle "$F"
  local expected=$output
  ln -s "$KTSTR_BIN_DIR/ktstr" "$BATS_TEST_TMPDIR/ktstr-needle"
  # ktstr_run runs "$KTSTR"; here that is the link.
  local KTSTR=$BATS_TEST_TMPDIR/ktstr-needle
  ktstr_run 0 "$F"
  assert_output "$expected"
  ktstr_run 66 "$BATS_TEST_TMPDIR/missing"
  assert_one_error_line "ktstr needle:"
}

@test "global options before the applet and after it" {
  hold_lock "$F"
  ktstr_run 0 -q holders "$F"
  assert_output ""
  ktstr_run 0 holders -q "$F"
  assert_output ""
  ktstr_run 0 --quiet holders "$F"
  assert_output ""
  ktstr_run 0 -v --color never holders "$F"
  assert_line --index 1 --regexp "^$HOLDER_PID "
  ktstr_run 0 holders --color always -v "$F"
  assert_output --partial "$HOLDER_PID"
  NO_COLOR=1 ktstr_run 0 needle "$F"
  assert_output --regexp '^[0-9a-f]{2,}:[0-9a-f]{2,}:[0-9]+$'
  ktstr_run 0 --lock-dir "$BATS_TEST_TMPDIR/x" fscheck --json
  jq -e --arg l "$BATS_TEST_TMPDIR/x" '.[0].path == $l' <<<"$output"
  ktstr_run 0 fscheck --lock-dir "$BATS_TEST_TMPDIR/y" --json
  jq -e --arg l "$BATS_TEST_TMPDIR/y" '.[0].path == $l' <<<"$output"
}

@test "a missing PATH: 66, one stderr line naming it (needle, holders, fscheck)" {
  local a missing=$BATS_TEST_TMPDIR/no/such/file
  for a in needle holders fscheck; do
    ktstr_run 66 "$a" "$missing"
    assert_output ""
    assert_one_error_line "ktstr $a:"
    [[ $stderr == *"$missing"* ]]
  done
}

@test "an unreadable PATH: 77 for nobody inside a 0700 root directory" {
  require_root "switches to user nobody"
  mkdir -m 0755 "$BATS_TEST_TMPDIR/open"
  mkdir -m 0700 "$BATS_TEST_TMPDIR/closed"
  touch "$BATS_TEST_TMPDIR/open/f" "$BATS_TEST_TMPDIR/closed/f"
  open_path_to_others "$BATS_TEST_TMPDIR"
  # The same file in a directory nobody may enter is fine: the set-up is right.
  ktstr_run_as_nobody 0 needle "$BATS_TEST_TMPDIR/open/f"
  ktstr_run_as_nobody 1 holders "$BATS_TEST_TMPDIR/open/f"
  ktstr_run_as_nobody 0 fscheck "$BATS_TEST_TMPDIR/open/f"
  local a closed=$BATS_TEST_TMPDIR/closed/f
  for a in needle holders fscheck; do
    ktstr_run_as_nobody 77 "$a" "$closed"
    assert_output ""
    assert_one_error_line "ktstr $a:"
    [[ $stderr == *"$closed"* ]]
    [[ $stderr == *"Permission denied"* ]]
  done
}

@test "--help shows each option with its value name, aligned, without CLI11's notes" {
  ktstr_run 0 acquire --help
  refute_output --partial "Excludes"
  assert_line --regexp '^  -w,--wait,--timeout DUR +give up after DUR'
  assert_line --regexp '^  -n,--nb,--nonblock +fail at once'
  assert_line --regexp '^  --cpu LIST \.\.\. +reserve these CPUs'
  ktstr_run 0 --help
  refute_output --partial "{auto"
  assert_line --regexp '^  --color WHEN +colour output'
}

@test "a value is parsed as its option's kind: a bad --llc list is an LLC list, not a CPU list" {
  local dir=$BATS_TEST_TMPDIR/locks
  mkdir "$dir"
  ktstr_run 64 acquire --lock-dir "$dir" --llc 0-x -- true
  assert_one_error_line "ktstr acquire:"
  [[ $stderr == *"--llc: bad LLC list '0-x'"* ]]
  ktstr_run 64 acquire --lock-dir "$dir" --cpu 0-x -- true
  [[ $stderr == *"--cpu: bad cpu list '0-x'"* ]]
  [ -z "$(ls -A "$dir")" ]
}

@test "an unknown option is named before a missing PATH, with a suggestion" {
  ktstr_run 64 holders --jsn
  assert_one_error_line "ktstr holders:"
  [[ $stderr == *"unknown option '--jsn'; did you mean '--json'?"* ]]
  ktstr_run 64 holders
  [[ $stderr == *"missing PATH"* ]]
  ktstr_run 64 --lst
  [[ $stderr == *"unknown option '--lst'; did you mean '--list'?"* ]]
}
