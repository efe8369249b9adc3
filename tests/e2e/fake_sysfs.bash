# Fake sysfs trees for KTSTR_SYSFS_ROOT, so acquire's CPU and LLC choices can
# be tested on host shapes this machine does not have. Only the files ktstr
# reads are written (SPEC §3):
#   devices/system/cpu/online
#   devices/system/cpu/cpuN/cache/indexM/{level,id,shared_cpu_list}
#   devices/system/cpu/cpuN/nodeK -> ../../node/nodeK (the NUMA node link)
#   devices/system/node/nodeK/cpulist
# Load after test_helper; every tree lives under $BATS_TEST_TMPDIR.

# fake_sysfs_init ONLINE: starts an empty tree whose online list is ONLINE
# (e.g. "0-5,7"), sets $FAKE_SYSFS and exports KTSTR_SYSFS_ROOT to it.
fake_sysfs_init() {
  FAKE_SYSFS=$BATS_TEST_TMPDIR/sysfs
  rm -rf "$FAKE_SYSFS"
  mkdir -p "$FAKE_SYSFS/devices/system/cpu" "$FAKE_SYSFS/devices/system/node"
  printf '%s\n' "$1" >"$FAKE_SYSFS/devices/system/cpu/online"
  export KTSTR_SYSFS_ROOT=$FAKE_SYSFS
}

# fake_expand_cpus LIST: "0-3,8" -> "0 1 2 3 8", one word per CPU.
fake_expand_cpus() {
  local part lo hi parts out=()
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then
      lo=${part%-*} hi=${part#*-}
      out+=($(seq "$lo" "$hi"))
    else
      out+=("$part")
    fi
  done
  echo "${out[@]}"
}

# fake_cache CPU INDEX LEVEL ID SHARED: cpuCPU/cache/indexINDEX with that
# level, cache id and shared_cpu_list. An empty ID writes no id file (old
# kernels had none).
fake_cache() {
  local dir=$FAKE_SYSFS/devices/system/cpu/cpu$1/cache/index$2
  mkdir -p "$dir"
  printf '%s\n' "$3" >"$dir/level"
  [ -z "$4" ] || printf '%s\n' "$4" >"$dir/id"
  printf '%s\n' "$5" >"$dir/shared_cpu_list"
}

# fake_llc ID CPUS: every CPU of CPUS gets a private L1 (index0) and L2
# (index2) and the L3 (index3) with cache id ID shared by all of CPUS.
fake_llc() {
  local id=$1 cpus=$2 c
  for c in $(fake_expand_cpus "$cpus"); do
    fake_cache "$c" 0 1 "$c" "$c"
    fake_cache "$c" 2 2 "$c" "$c"
    fake_cache "$c" 3 3 "$id" "$cpus"
  done
}

# fake_node NODE CPUS: NUMA node NODE holds CPUS: its cpulist, and each CPU's
# nodeNODE link, which is what ktstr and the Rust harness read.
fake_node() {
  local c cpu=$FAKE_SYSFS/devices/system/cpu
  mkdir -p "$FAKE_SYSFS/devices/system/node/node$1"
  printf '%s\n' "$2" >"$FAKE_SYSFS/devices/system/node/node$1/cpulist"
  for c in $(fake_expand_cpus "$2"); do
    mkdir -p "$cpu/cpu$c"
    ln -sfn "../../node/node$1" "$cpu/cpu$c/node$1"
  done
}

# ---- ready-made shapes ----

# Two CPUs, each with its own LLC, and cache ids in the opposite order of the
# CPU numbers: CPU 1 is in LLC 0 (id 4), CPU 0 in LLC 1 (id 9). CPUs 0 and 1
# exist on any test host, so commands can be pinned to them.
fake_topology_small() {
  fake_sysfs_init 0-1
  fake_llc 9 0
  fake_llc 4 1
  fake_node 0 0-1
}

# Two sockets (NUMA nodes) of two LLCs of four CPUs:
#   node 0: LLC 0 = 0-3, LLC 1 = 4-7;  node 1: LLC 2 = 8-11, LLC 3 = 12-15.
fake_topology_two_sockets() {
  fake_sysfs_init 0-15
  fake_llc 0 0-3
  fake_llc 1 4-7
  fake_llc 2 8-11
  fake_llc 3 12-15
  fake_node 0 0-7
  fake_node 1 8-15
}

# SMT: 8 cores with 2 threads each, siblings N and N+8, as x86 numbers them,
# so each LLC's CPU list is not contiguous: LLC 0 = 0-3,8-11, LLC 1 = 4-7,12-15.
fake_topology_smt() {
  fake_sysfs_init 0-15
  fake_llc 0 0-3,8-11
  fake_llc 1 4-7,12-15
  fake_node 0 0-15
}

# CPU 6 offline: online is 0-5,7; sysfs still lists it in LLC 1's shared
# list (LLC 0 = 0-3, LLC 1 = 4-7).
fake_topology_offline() {
  fake_sysfs_init 0-5,7
  fake_llc 0 0-3
  fake_llc 1 4-7
  fake_node 0 0-7
}

# CPU 4 has no cache directory at all, so its LLC key is 0 (LLC 0 = 4);
# CPUs 0-3 share cache id 3 (LLC 1 = 0-3).
fake_topology_no_cache() {
  fake_sysfs_init 0-4
  fake_llc 3 0-3
  mkdir -p "$FAKE_SYSFS/devices/system/cpu/cpu4"
  fake_node 0 0-4
}

# fake_topology_host NODES LLCS CPUS: a big host for scale measurements:
# NODES NUMA nodes of LLCS LLCs of CPUS CPUs each, numbered in order, every
# CPU with an L1 (index0), L2 (index2) and the L3 (index3, cache id = LLC
# number), e.g. 8 12 8 for 768 CPUs. Written with few processes, so even a
# 768-CPU tree takes about a second.
fake_topology_host() {
  local nodes=$1 llcs=$2 per=$3 n l c first last id cpu idx
  local total=$((nodes * llcs * per))
  fake_sysfs_init "0-$((total - 1))"
  cpu=$FAKE_SYSFS/devices/system/cpu
  for ((n = 0; n < nodes; n++)); do
    mkdir -p "$FAKE_SYSFS/devices/system/node/node$n"
    printf '%s\n' "$((n * llcs * per))-$(((n + 1) * llcs * per - 1))" \
      >"$FAKE_SYSFS/devices/system/node/node$n/cpulist"
    for ((l = 0; l < llcs; l++)); do
      id=$((n * llcs + l)) first=$(((n * llcs + l) * per)) last=$(((n * llcs + l + 1) * per - 1))
      local dirs=()
      for ((c = first; c <= last; c++)); do
        dirs+=("$cpu/cpu$c/cache/index0" "$cpu/cpu$c/cache/index2" "$cpu/cpu$c/cache/index3")
      done
      mkdir -p "${dirs[@]}"
      for ((c = first; c <= last; c++)); do
        idx=$cpu/cpu$c/cache
        echo 1 >"$idx/index0/level"
        echo "$c" >"$idx/index0/id"
        echo "$c" >"$idx/index0/shared_cpu_list"
        echo 2 >"$idx/index2/level"
        echo "$c" >"$idx/index2/id"
        echo "$c" >"$idx/index2/shared_cpu_list"
        echo 3 >"$idx/index3/level"
        echo "$id" >"$idx/index3/id"
        echo "$first-$last" >"$idx/index3/shared_cpu_list"
        ln -s "../../node/node$n" "$cpu/cpu$c/node$n"
      done
    done
  done
}
