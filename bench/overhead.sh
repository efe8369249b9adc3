#!/usr/bin/env bash
# Overhead: `ktstr acquire --path F -- true` against `flock F true`, an
# uncontended lock around a trivial command. Median wall time of each, from
# one hyperfine run that alternates nothing but the two commands.
# Target: ours at most 1.05x flock(1).
source "$(dirname "$0")/lib.sh"
need hyperfine jq flock

f=$BENCH_TMP/overhead.lock
: >"$f"
runs=$(scaled 300)
hyperfine -N --style none --warmup 20 --runs "$runs" --export-json "$BENCH_TMP/overhead.json" \
  -n ktstr "$KTSTR acquire --path $f -- true" \
  -n flock "flock $f true" >/dev/null
ours=$(hyperfine_median "$BENCH_TMP/overhead.json" 0)
ref=$(hyperfine_median "$BENCH_TMP/overhead.json" 1)
r=$(ratio "$ours" "$ref")
report "overhead: acquire --path F -- true" "$(ms "$ours")" "$(ms "$ref")" "$r" "<= 1.05x flock" \
  "$(check "$r" '<=' 1.05)"
