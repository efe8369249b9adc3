# fish completion for ktstr and its ktstr-APPLET links.
#
# The source of the installed ktstr.fish. At build time the KTSTR_GENERATED
# comment line at the end is replaced by calls of the functions below, one
# per applet, option and operand of the binary's option tables (see
# cmake/KtstrDocs.cmake); the rest is written here.

function __ktstr_online_cpus
    set -l root /sys
    set -q KTSTR_SYSFS_ROOT; and test -n "$KTSTR_SYSFS_ROOT"; and set root $KTSTR_SYSFS_ROOT
    read -l list < $root/devices/system/cpu/online 2>/dev/null; or return
    for part in (string split , -- $list)
        set -l ends (string split - -- $part)
        seq $ends[1] $ends[-1]
    end
end

# The LLC indices (ktstr-llc-N.lock's N), from the binary that is completed.
function __ktstr_llc_indices
    set -l bin (commandline -opc)[1]
    switch (string replace -r -- '.*/' '' $bin)
        case 'ktstr-*'
            set bin (string replace -r -- '-[^-/]*$' '' $bin)
        case ktstr
        case '*'
            set bin ktstr
    end
    $bin --generate llc-indices 2>/dev/null
end

# Offers each item after what the current list word already has: "0-3,"
function __ktstr_list
    set -l cur (commandline -ct)
    set -l head (string match -r -- '^.*,' $cur)
    for item in $argv
        printf '%s%s\n' "$head" $item
    end
end

function __ktstr_after_dashdash
    contains -- -- (commandline -opc)
end

# acquire's COMMAND: what follows "--" completes as a command line.
function __ktstr_command
    set -l tokens (commandline -opc)
    set -l i (contains -i -- -- $tokens)
    set -l rest $tokens[(math $i + 1)..-1]
    complete -C (string join ' ' -- (string escape -- $rest) (commandline -ct))
end

# __ktstr_applet NAME SUMMARY: `ktstr NAME` and the ktstr-NAME link.
# $__ktstr_applets holds every NAME beforehand.
function __ktstr_applet
    set -l name $argv[1]
    set -l summary $argv[2]
    complete -c ktstr -n "not __fish_seen_subcommand_from $__ktstr_applets" -a $name -d $summary
    complete -c ktstr-$name -f
end

# __ktstr_option OWNER NAMES KIND HELP [CHOICE...]
#   OWNER  an applet, @global (every applet and ktstr) or @top (bare ktstr)
#   NAMES  "-n,--nb,--nonblock"
#   KIND   flag, optional (a value that may be left out), text, file,
#          directory, cpu_list, llc_list or choice
function __ktstr_option
    set -l owner $argv[1]
    set -l names $argv[2]
    set -l kind $argv[3]
    set -l help $argv[4]
    set -l args
    for name in (string split , -- $names)
        if string match -q -- '--*' $name
            set -a args -l (string sub -s 3 -- $name)
        else
            set -a args -s (string sub -s 2 -- $name)
        end
    end
    switch $kind
        case choice
            set -a args -x -a "$argv[5..-1]"
        case file
            set -a args -r -F
        case directory
            set -a args -x -a '(__fish_complete_directories (commandline -ct))'
        case cpu_list
            set -a args -x -a '(__ktstr_list (__ktstr_online_cpus))'
        case llc_list
            set -a args -x -a '(__ktstr_list (__ktstr_llc_indices))'
        case text
            set -a args -x
    end
    set -a args -d $help
    switch $owner
        case @top
            complete -c ktstr -n "not __fish_seen_subcommand_from $__ktstr_applets" $args
        case @global
            for command in ktstr ktstr-$__ktstr_applets
                complete -c $command -n 'not __ktstr_after_dashdash' $args
            end
        case '*'
            complete -c ktstr -n "__fish_seen_subcommand_from $owner; and not __ktstr_after_dashdash" $args
            complete -c ktstr-$owner -n 'not __ktstr_after_dashdash' $args
    end
end

# __ktstr_operands APPLET KIND: what APPLET's operands are (command or file).
function __ktstr_operands
    set -l applet $argv[1]
    set -l kind $argv[2]
    if test "$kind" = command
        complete -c ktstr -n "__fish_seen_subcommand_from $applet; and __ktstr_after_dashdash" -x -a '(__ktstr_command)'
        complete -c ktstr-$applet -n __ktstr_after_dashdash -x -a '(__ktstr_command)'
    else
        complete -c ktstr -n "__fish_seen_subcommand_from $applet" -F
        complete -c ktstr-$applet -F
    end
end

complete -c ktstr -f
# @KTSTR_GENERATED data@
