#!/usr/bin/env bats
# Shell completions made at build time (build/share) from the sources in
# completions/ and the binary's option tables: bash is driven through its
# completion function, fish through `complete -C`, zsh's per-applet specs are
# searched for every option; all are linted, sources and generated scripts.
load test_helper

setup() {
  SHARE=$KTSTR_BIN_DIR/../share
  BASH_FILE=$SHARE/bash-completion/completions/ktstr
  ZSH_FILE=$SHARE/zsh/vendor-completions/_ktstr
  FISH_FILE=$SHARE/fish/vendor_completions.d/ktstr.fish
  [ -f "$BASH_FILE" ] || {
    echo "no generated completions in $SHARE (configured with KTSTR_DOCS=OFF?)" >&2
    return 1
  }
  # The completions call `ktstr --generate llc-indices`: use the build's.
  export PATH=$KTSTR_BIN_DIR:$PATH
  unset KTSTR_SYSFS_ROOT
}

# complete_bash WORDS...: what bash offers for the last word (may be "").
# Prints COMPREPLY one a line.
complete_bash() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _ktstr
    printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_FILE" "$@"
}

help_options() {
  ktstr_run 0 "$@" --help
  printf '%s\n' "$output" | grep -oE '^ +(-[a-zA-Z],)?(--[a-z][a-z0-9-]*,)*--[a-z][a-z0-9-]*' |
    tr ',' '\n' | tr -d ' ' | sort -u
}

# Every option of ktstr and of every applet, one a line.
all_options() {
  local applet
  ktstr_run 0 --list
  for applet in "" $output; do
    help_options $applet
  done | sort -u
}

# complete_zsh LINE: what zsh's completion system offers at the end of LINE,
# sorted, space-separated. An interactive zsh on a pseudo-terminal (zpty)
# gets LINE and a TAB; a compadd wrapper prints every candidate.
complete_zsh() {
  local fpath_dir=$BATS_TEST_TMPDIR/zfunc
  mkdir -p "$fpath_dir"
  cp "$ZSH_FILE" "$fpath_dir/_ktstr"
  timeout 20 zsh -f -c '
    zmodload zsh/zpty
    zpty z zsh -f -i
    zpty -w z "fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
    zpty -w z "compprefuncs=(nolist); nolist() { compstate[list]=; compstate[insert]= }"
    zpty -w z "compadd() { builtin compadd -O __hits \"\$@\"; print -rl -- \${__hits/#/\<H\>}; builtin compadd \"\$@\" }"
    zpty -w z "print -r -- READY"
    zpty -r z line "*READY*"; zpty -r z line "*READY*"
    zpty -w -n z "$2"$'"'"'\t'"'"'
    zpty -w z $'"'"'\C-u'"'"'"print -r -- DONE"
    out=
    while zpty -r z line; do [[ $line == *DONE* && $line != *print* ]] && break; out+=$line; done
    zpty -d z
    print -r -- $out | tr -d "\r" | grep -o "<H>[^<]*" | sed "s/<H>//" | sort -u | tr "\n" " "
  ' zsh "$fpath_dir" "$1"
}

# The online CPUs of this host, one a line.
online_cpus() {
  local part
  for part in $(tr ',' ' ' </sys/devices/system/cpu/online); do
    seq "${part%-*}" "${part#*-}"
  done
}

# A fake sysfs: CPUs 0-3 and 8 online, CPUs 0-1 and 8 on LLC id 4, 2-3 on
# LLC id 9: two LLCs, indices 0 and 1.
fake_sysfs() {
  local root=$BATS_TEST_TMPDIR/sys cpu id list
  mkdir -p "$root/devices/system/cpu"
  echo 0-3,8 >"$root/devices/system/cpu/online"
  for cpu in 0 1 2 3 8; do
    case $cpu in 2 | 3) id=9 list=2-3 ;; *) id=4 list=0-1,8 ;; esac
    mkdir -p "$root/devices/system/cpu/cpu$cpu/cache/index3"
    echo 3 >"$root/devices/system/cpu/cpu$cpu/cache/index3/level"
    echo $id >"$root/devices/system/cpu/cpu$cpu/cache/index3/id"
    echo $list >"$root/devices/system/cpu/cpu$cpu/cache/index3/shared_cpu_list"
  done
  echo "$root"
}

@test "bash: ktstr acq<TAB> offers acquire" {
  run complete_bash ktstr acq
  [ "$status" -eq 0 ]
  [ "$output" = acquire ]
}

@test "bash: ktstr <TAB> offers every applet" {
  run complete_bash ktstr ""
  [ "$status" -eq 0 ]
  ktstr_run 0 --list
  local applets=$output
  run complete_bash ktstr ""
  [ "$output" = "$applets" ]
}

@test "bash: ktstr acquire --c<TAB> offers the --c options of acquire and the global ones" {
  run complete_bash ktstr acquire --c
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output" | tr '\n' ' ')" = \
    "--cache --cache-dir --close --color --command --config --conflict-exit-code --cpu --cpu-cap --cpus " ]
}

@test "bash: the same through a ktstr-acquire link, and after global options" {
  run complete_bash ktstr-acquire --no-
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "--no-fork --no-pin " ]
  run complete_bash ktstr --color never --lock-dir /tmp holders --j
  [ "$output" = --json ]
}

@test "bash: --color offers its choices, also as --color=" {
  run complete_bash ktstr --color ""
  [ "$(tr '\n' ' ' <<<"$output")" = "auto always never " ]
  run complete_bash ktstr locks --color = al
  [ "$output" = always ]
}

@test "bash: --cpu offers the online CPUs, and continues a list" {
  run complete_bash ktstr acquire --cpu ""
  [ "$output" = "$(online_cpus)" ]
  local root
  root=$(fake_sysfs)
  KTSTR_SYSFS_ROOT=$root run complete_bash ktstr acquire --cpu ""
  [ "$(tr '\n' ' ' <<<"$output")" = "0 1 2 3 8 " ]
  KTSTR_SYSFS_ROOT=$root run complete_bash ktstr-acquire --cpu 0-1,
  [ "$(tr '\n' ' ' <<<"$output")" = "0-1,0 0-1,1 0-1,2 0-1,3 0-1,8 " ]
}

@test "bash: --llc offers the LLC indices" {
  local root
  root=$(fake_sysfs)
  KTSTR_SYSFS_ROOT=$root ktstr_run 0 --generate llc-indices
  [ "$output" = "$(printf '0\n1')" ]
  KTSTR_SYSFS_ROOT=$root run complete_bash ktstr acquire --llc ""
  [ "$(tr '\n' ' ' <<<"$output")" = "0 1 " ]
  KTSTR_SYSFS_ROOT=$root run complete_bash "$KTSTR_BIN_DIR/ktstr-acquire" --llc ""
  [ "$(tr '\n' ' ' <<<"$output")" = "0 1 " ]
}

@test "bash: files for --path, --config and PATH, directories for --lock-dir" {
  mkdir -p "$BATS_TEST_TMPDIR/d/subdir"
  touch "$BATS_TEST_TMPDIR/d/file1"
  local p=$BATS_TEST_TMPDIR/d/
  run complete_bash ktstr acquire --path "$p"
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "${p}file1 ${p}subdir " ]
  run complete_bash ktstr --config "${p}f"
  [ "$output" = "${p}file1" ]
  run complete_bash ktstr holders "${p}f"
  [ "$output" = "${p}file1" ]
  run complete_bash ktstr --lock-dir "$p"
  [ "$output" = "${p}subdir" ]
}

@test "bash: after -- acquire completes a command" {
  run complete_bash ktstr acquire --cpu 0 -- bas
  grep -qx bash <<<"$output"
}

@test "bash: every option of every --help is offered" {
  # The list comes from --help: make sure it is read at all.
  [ "$(help_options acquire | wc -l)" -ge 12 ]
  ktstr_run 0 --list
  local applets=$output applet opt missing=
  for applet in "" $applets; do
    local offered
    offered=$(complete_bash ktstr $applet -)
    for opt in $(help_options $applet); do
      grep -qx -- "$opt" <<<"$offered" || missing+=" ${applet:-ktstr}:$opt"
    done
  done
  [ -z "$missing" ] || {
    echo "not offered:$missing" >&2
    return 1
  }
}

@test "bash: the script registers ktstr and every ktstr-APPLET link" {
  run bash --norc -c 'source "$1" && complete -p ktstr' bash "$BASH_FILE"
  [ "$status" -eq 0 ]
  [ "$output" = "complete -F _ktstr ktstr" ]
  ktstr_run 0 --list
  [ -n "$output" ]
  local applet
  for applet in $output; do
    run bash --norc -c 'source "$1" && complete -p "ktstr-$2"' bash "$BASH_FILE" "$applet"
    [ "$status" -eq 0 ]
    [ "$output" = "complete -F _ktstr ktstr-$applet" ]
  done
}

@test "zsh: the script parses and names every option" {
  command -v zsh >/dev/null || skip "zsh is not installed"
  run zsh -n "$ZSH_FILE"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run zsh -fc 'autoload -Uz compinit && compinit -D -u && source "$1" && print -r -- $_comps[ktstr] $_comps[ktstr-acquire]' zsh "$ZSH_FILE"
  [ "$status" -eq 0 ]
  [ "$output" = "_ktstr _ktstr" ]
  ktstr_run 0 --list
  local applets=$output applet opt missing= specs
  for applet in "" $applets; do
    # The specs _arguments gets for this applet (or bare ktstr), as zsh
    # sees them after sourcing the script.
    run zsh -fc 'autoload -Uz compinit && compinit -D -u && source "$1" &&
      if [[ -n $2 ]]; then a=_ktstr_specs_$2; print -rl -- $_ktstr_global_specs ${(P)a}
      else print -rl -- $_ktstr_global_specs $_ktstr_top_specs; fi' zsh "$ZSH_FILE" "$applet"
    [ "$status" -eq 0 ]
    # "(--json)--watch[redraw ...]::DUR: " names --watch: drop the
    # exclusion list, the repeat mark and everything from the help on.
    specs=$(sed -E 's/^\([^)]*\)//; s/^\*//; s/\[.*//' <<<"$output")
    for opt in $(help_options $applet); do
      grep -qxF -- "$opt" <<<"$specs" || missing+=" ${applet:-ktstr}:$opt"
    done
  done
  [ -z "$missing" ] || {
    echo "missing from _ktstr:$missing" >&2
    return 1
  }
}

@test "fish: the script parses and completes applets, options and values" {
  command -v fish >/dev/null || skip "fish is not installed"
  run fish -n "$FISH_FILE"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  fish_complete() {
    fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$FISH_FILE" "$1" | cut -f1
  }
  run fish_complete "ktstr acq"
  [ "$output" = acquire ]
  run fish_complete "ktstr --color "
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "always auto never " ]
  run fish_complete "ktstr acquire --cpu "
  [ "$output" = "$(online_cpus)" ]
  ktstr_run 0 --list
  local applets=$output applet opt missing= offered
  for applet in "" $applets; do
    offered=$(fish_complete "ktstr $applet${applet:+ }-")
    offered+=$'\n'$(fish_complete "ktstr $applet${applet:+ }--")
    for opt in $(help_options $applet); do
      grep -qx -- "$opt" <<<"$offered" || missing+=" ${applet:-ktstr}:$opt"
    done
    if [ -n "$applet" ]; then
      offered=$(fish_complete "ktstr-$applet --")
      for opt in $(help_options $applet | grep -- '^--'); do
        grep -qx -- "$opt" <<<"$offered" || missing+=" ktstr-$applet:$opt"
      done
    fi
  done
  [ -z "$missing" ] || {
    echo "not offered by fish:$missing" >&2
    return 1
  }
}

@test "shellcheck passes on completions/ktstr.bash and on the generated script" {
  command -v shellcheck >/dev/null || skip "shellcheck is not installed (scripts/install-deps)"
  run shellcheck -s bash "$KTSTR_SOURCE_DIR/completions/ktstr.bash"
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
  run shellcheck -s bash "$BASH_FILE"
  [ "$status" -eq 0 ] || {
    echo "$output" >&2
    return 1
  }
}

@test "the zsh and fish sources parse on their own" {
  command -v zsh >/dev/null || skip "zsh is not installed"
  command -v fish >/dev/null || skip "fish is not installed"
  run zsh -n "$KTSTR_SOURCE_DIR/completions/ktstr.zsh"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run fish -n "$KTSTR_SOURCE_DIR/completions/ktstr.fish"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "the generated scripts are the sources with every placeholder filled" {
  local shell file
  for shell in bash zsh fish; do
    case $shell in
      bash) file=$BASH_FILE ;;
      zsh) file=$ZSH_FILE ;;
      fish) file=$FISH_FILE ;;
    esac
    run grep -n '@KTSTR_' "$file"
    [ "$status" -eq 1 ] || {
      echo "$file: left over: $output" >&2
      return 1
    }
    # Every hand-written line is in the generated script, in order.
    run diff <(grep -v '@KTSTR_GENERATED' "$KTSTR_SOURCE_DIR/completions/ktstr.$shell") \
      <(grep -vxFf <(ktstr_run 0 --generate "$shell" && printf '%s\n' "$output") "$file")
    [ "$status" -eq 0 ] || {
      echo "$file differs from completions/ktstr.$shell beyond the generated lines: $output" >&2
      return 1
    }
  done
}

@test "the completion sources name no option that does not exist" {
  local known opt unknown=
  known=$(all_options)
  [ "$(wc -l <<<"$known")" -ge 20 ]
  # --generate is the one hidden option; the completions call its
  # llc-indices at TAB time.
  ktstr_run 0 --generate llc-indices
  known+=$'\n--generate'
  for opt in $(grep -hoE -- '--[a-z][a-z0-9-]*' "$KTSTR_SOURCE_DIR"/completions/*); do
    grep -qxF -- "$opt" <<<"$known" || unknown+=" $opt"
  done
  [ -z "$unknown" ] || {
    echo "completions/ names options ktstr does not have:$unknown" >&2
    return 1
  }
}

@test "zsh: completes applets, options and values" {
  command -v zsh >/dev/null || skip "zsh is not installed"
  run complete_zsh "ktstr acq"
  [ "$status" -eq 0 ]
  [ "$output" = "acquire " ]
  run complete_zsh "ktstr locks --w"
  [ "$output" = "--watch " ]
  run complete_zsh "ktstr-acquire --no-"
  [ "$output" = "--no-fork --no-pin " ]
  run complete_zsh "ktstr --color "
  [ "$output" = "always auto never " ]
  run complete_zsh "ktstr holders --"
  [ "$output" = "--cache-dir --color --config --help --json --lock-dir --quiet --runs-dir --verbose --version " ]
}
