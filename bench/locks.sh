#!/usr/bin/env bash
# locks: 1,000 ktstr-cpu-N.lock files, 500 of them held by one process, plus
# 2,000 unrelated flocks held by another: `ktstr locks --json` against
# `lslocks --json` (which resolves each lock's path through /proc/*/fdinfo).
# Then again with 10,000 unrelated flocks, ours only.
# Targets: ours at least 100x faster than lslocks and under 30 ms; with
# 10,000 unrelated flocks at most 5x the 2,000 time.
source "$(dirname "$0")/lib.sh"
need hyperfine jq lslocks cc

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
hold=$(build_helper hold_many)
mkdir -p "$BENCH_TMP/unrelated"

# start_holder ARGS...: hold_many in the background, once it is ready.
start_holder() {
  local fifo=$BENCH_TMP/ready.$RANDOM
  mkfifo "$fifo"
  "$hold" "$@" >"$fifo" &
  HOLDER=$!
  read -r _ <"$fifo"
  rm -f "$fifo"
}

HOLD_SUFFIX=.lock start_holder "$KTSTR_LOCK_DIR" ktstr-cpu- 1000 500
start_holder "$BENCH_TMP/unrelated" u 2000
unrelated=$HOLDER
n_ours=$(jq '[.cpus[] | select(.holders != [])] | length' < <("$KTSTR" locks --json))
[ "$n_ours" -eq 500 ] || { echo "locks bench: expected 500 held CPU rows, got $n_ours" >&2; exit 1; }

runs=$(scaled 30)
hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$BENCH_TMP/ours2k.json" \
  -n ktstr "$KTSTR locks --json" >/dev/null
hyperfine -N --style none --warmup 0 --runs "$(scaled 3)" --export-json "$BENCH_TMP/lslocks.json" \
  -n lslocks "lslocks --json" >/dev/null
ours=$(hyperfine_median "$BENCH_TMP/ours2k.json" 0)
ref=$(hyperfine_median "$BENCH_TMP/lslocks.json" 0)
speedup=$(ratio "$ref" "$ours")
r=$(ratio "$ours" "$ref")
report "locks --json: 1k files/500 held + 2k other" "$(ms "$ours")" "$(ms "$ref") lslocks" "$r" \
  ">= 100x faster, < 30 ms" \
  "$([ "$(check "$speedup" '>=' 100)" = pass ] && check "$ours" '<' 0.030 || echo MISS)"

kill "$unrelated"
wait "$unrelated" 2>/dev/null || true
rm -rf "$BENCH_TMP/unrelated"
mkdir -p "$BENCH_TMP/unrelated"
start_holder "$BENCH_TMP/unrelated" u 10000
hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$BENCH_TMP/ours10k.json" \
  -n ktstr "$KTSTR locks --json" >/dev/null
ours10=$(hyperfine_median "$BENCH_TMP/ours10k.json" 0)
r=$(ratio "$ours10" "$ours")
report "locks --json: the same + 10k other flocks" "$(ms "$ours10")" "$(ms "$ours") at 2k" "$r" \
  "<= 5x the 2k time" "$(check "$r" '<=' 5)"
