#!/usr/bin/env bash
# Makespan: 40 commands of 50 ms (`sleep 0.05`), each under
# `ktstr acquire --cpus 1`, all started at once on this host. With P CPUs
# the ideal is 40 x 50 ms / P (1.0 s on 2 CPUs). The reference is the same
# 40 sleeps run by `xargs -P P`, a perfect 2-slot scheduler with no locks:
# what process start-up alone costs on this machine right now.
# Target: at most 1.10x the ideal (on a 2-CPU host).
source "$(dirname "$0")/lib.sh"
need xargs

jobs_n=40
cpus=$(nproc)
ideal=$(awk -v n="$jobs_n" -v p="$cpus" 'BEGIN { print n * 0.05 / p }')
rounds=$(scaled 5)

now() { date +%s.%N; }
run_ours() {
  local t0 t1 i
  t0=$(now)
  for i in $(seq 1 "$jobs_n"); do
    "$KTSTR" acquire --cpus 1 -- sleep 0.05 &
  done
  wait
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}
run_ref() {
  local t0 t1
  t0=$(now)
  seq 1 "$jobs_n" | xargs -P "$cpus" -I{} sleep 0.05
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

: >"$BENCH_TMP/ours" >"$BENCH_TMP/ref"
for _ in $(seq 1 "$rounds"); do
  run_ours >>"$BENCH_TMP/ours"
  run_ref >>"$BENCH_TMP/ref"
done
ours=$(median <"$BENCH_TMP/ours")
ref=$(median <"$BENCH_TMP/ref")
r=$(ratio "$ours" "$ideal")
report "makespan: 40 x 50 ms, --cpus 1, $cpus CPUs" "$(ms "$ours")" "$(ms "$ref") xargs" \
  "$r" "<= 1.10x ideal $(ms "$ideal")" "$(check "$r" '<=' 1.10)"
