# @KTSTR_GENERATED compdef@
# zsh completion for ktstr and its ktstr-APPLET links.
#
# The source of the installed _ktstr. At build time the KTSTR_GENERATED
# comment lines are replaced by what the binary's option tables say (see
# cmake/KtstrDocs.cmake): the #compdef line above and the arrays below; the
# rest is written here.

# The applet names, and "NAME:summary" for the menu.
typeset -ga _ktstr_applet_names _ktstr_applet_descriptions
# _arguments specs of the global options and of bare ktstr's own; each
# applet's are in _ktstr_specs_APPLET.
typeset -ga _ktstr_global_specs _ktstr_top_specs
# @KTSTR_GENERATED data@

# The online CPUs, from sysfs at TAB time, as a comma-separated list.
_ktstr_cpus() {
  local list part lo hi
  local -a cpus
  list=$(<${KTSTR_SYSFS_ROOT:-/sys}/devices/system/cpu/online) 2>/dev/null || return 1
  for part in ${(s:,:)list}; do
    lo=${part%-*} hi=${part#*-}
    cpus+=({$lo..$hi})
  done
  _values -s , CPU $cpus
}

# The LLC indices (ktstr-llc-N.lock's N), from the binary that is completed.
_ktstr_llcs() {
  local bin=$words[1]
  case ${bin:t} in
    ktstr-*) bin=${bin%-*} ;;
    ktstr) ;;
    *) bin=ktstr ;;
  esac
  local -a llcs
  llcs=(${(f)"$($bin --generate llc-indices 2>/dev/null)"})
  (( $#llcs )) && _values -s , LLC $llcs
}

_ktstr_applets() {
  _describe -t applets 'ktstr applet' _ktstr_applet_descriptions
}

# The arguments of applet $1 (words[1] is the applet or its link).
_ktstr_applet() {
  local specs=_ktstr_specs_$1
  (( ${+parameters[$specs]} )) || return 1
  _arguments -s -S : $_ktstr_global_specs "${(@P)specs}"
}

_ktstr() {
  local applet=${service#ktstr-}
  if [[ $service == ktstr-* ]]; then
    _ktstr_applet $applet
    return
  fi
  local curcontext=$curcontext state line ret=1
  _arguments -s -C : $_ktstr_global_specs $_ktstr_top_specs \
    '1:applet:_ktstr_applets' \
    '*::arg:->args' && ret=0
  if [[ $state == args ]]; then
    applet=$words[1]
    curcontext=${curcontext%:*:*}:ktstr-$applet:
    _ktstr_applet $applet && ret=0
  fi
  return ret
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _ktstr "$@"
else
  compdef _ktstr ktstr ktstr-${^_ktstr_applet_names}
fi
