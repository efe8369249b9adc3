# bash completion for ktstr and its ktstr-APPLET links.
#
# The source of the installed script. At build time the KTSTR_GENERATED
# comment line below is replaced by the contents of these tables, from the
# binary's option tables (see cmake/KtstrDocs.cmake); the rest is written
# here.

# The applet names.
_ktstr_applets=()
# The options of bare ktstr, before any applet name.
_ktstr_top_options=
# The options every applet and bare ktstr accept.
_ktstr_global_options=
# APPLET -> its own options, space-separated.
declare -gA _ktstr_options=()
# "APPLET:OPTION", or "*:OPTION" for a global option -> the kind of value the
# option needs: file, directory, cpu_list, llc_list, choice or text.
declare -gA _ktstr_value_kinds=()
# The same keys -> the choices of a choice option, space-separated.
declare -gA _ktstr_choices=()
# APPLET -> what its operands are: command (after "--") or file.
declare -gA _ktstr_positionals=()
# @KTSTR_GENERATED data@

# The online CPUs, from sysfs at TAB time: "0-3,8" -> 0 1 2 3 8.
_ktstr_online_cpus() {
  local list part lo hi
  list=$(< "${KTSTR_SYSFS_ROOT:-/sys}/devices/system/cpu/online") 2>/dev/null || return
  local IFS=,
  for part in $list; do
    lo=${part%-*} hi=${part#*-}
    while [ "$lo" -le "$hi" ]; do
      printf '%s\n' "$lo"
      lo=$((lo + 1))
    done
  done
}

# The LLC indices (ktstr-llc-N.lock's N), from the binary that is completed.
_ktstr_llc_indices() {
  local bin=$1
  case ${bin##*/} in
    ktstr-*) bin=${bin%-*} ;;
    ktstr) ;;
    *) bin=ktstr ;;
  esac
  "$bin" --generate llc-indices 2>/dev/null
}

# Completes one element of a comma-separated list: "0-3,<TAB>" offers
# "0-3,4", ...
_ktstr_list() {
  local cur=$1 words=$2 head=''
  [[ $cur == *,* ]] && head=${cur%,*},
  local IFS=$'\n'
  mapfile -t COMPREPLY < <(compgen -P "$head" -W "$words" -- "${cur##*,}")
}

# Offers what an option's value can be, by its kind ($1) and key ($2).
_ktstr_value() {
  local cur=$3
  case $1 in
    choice) mapfile -t COMPREPLY < <(compgen -W "${_ktstr_choices[$2]}" -- "$cur") ;;
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    directory) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    cpu_list) _ktstr_list "$cur" "$(_ktstr_online_cpus)" ;;
    llc_list) _ktstr_list "$cur" "$(_ktstr_llc_indices "${COMP_WORDS[0]}")" ;;
    *) COMPREPLY=() ;; # free text: nothing sensible to offer
  esac
}

_ktstr() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev='' applet='' i word
  [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
  # "--color=al": COMP_WORDBREAKS splits at '=', leaving "=" a word.
  if [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ]; then
    prev=${COMP_WORDS[COMP_CWORD-2]}
  elif [ "$cur" = = ]; then
    cur=
  fi
  local cmd=${COMP_WORDS[0]##*/}
  case $cmd in ktstr-*) applet=${cmd#ktstr-} ;; ktstr) ;; *) applet=$cmd ;; esac
  # Find the applet name and whether "--" was seen (then COMMAND follows).
  local dashdash=0 first_arg=0
  i=1
  while [ "$i" -lt "$COMP_CWORD" ]; do
    word=${COMP_WORDS[i]}
    if [ "$dashdash" -eq 1 ]; then
      [ "$first_arg" -eq 0 ] && first_arg=$i
    elif [ "$word" = -- ]; then
      dashdash=1
    elif [ -n "${_ktstr_value_kinds["*:$word"]-}" ]; then
      i=$((i + 1)) # a global option's value is not the applet name
    elif [[ $word != -* && -z $applet ]]; then
      applet=$word
    fi
    i=$((i + 1))
  done
  # After "--" (acquire's COMMAND): commands, then their files.
  if [ "$dashdash" -eq 1 ]; then
    if [ "$first_arg" -eq 0 ]; then
      mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
    else
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return
  fi
  # The value of the option just before the cursor.
  local key
  for key in "${applet:-ktstr}:$prev" "*:$prev"; do
    if [ -n "${_ktstr_value_kinds[$key]-}" ]; then
      _ktstr_value "${_ktstr_value_kinds[$key]}" "$key" "$cur"
      return
    fi
  done
  # Options, applets, operands.
  local opts=$_ktstr_global_options
  if [ -z "$applet" ]; then
    opts="$opts $_ktstr_top_options"
  else
    opts="${_ktstr_options[$applet]-} $opts"
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  elif [ -z "$applet" ]; then
    mapfile -t COMPREPLY < <(compgen -W "${_ktstr_applets[*]}" -- "$cur")
  elif [ "${_ktstr_positionals[$applet]-}" = command ]; then
    mapfile -t COMPREPLY < <(compgen -W "-- $opts" -- "$cur")
  elif [ -n "${_ktstr_positionals[$applet]-}" ]; then
    _ktstr_value "${_ktstr_positionals[$applet]}" "$applet" "$cur"
  fi
}

complete -F _ktstr ktstr "${_ktstr_applets[@]/#/ktstr-}"
