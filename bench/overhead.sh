#!/usr/bin/env bash
# Overhead: `ktstr acquire --path F -- true` against `flock F true`, an
# uncontended lock around a trivial command. Median wall time of each, the
# two run alternately (helpers/alternate.c), so that whatever else the
# machine does weighs on both alike.
# Target: ours at most 1.05x flock(1).
source "$(dirname "$0")/lib.sh"
need flock

alternate=$(build_helper alternate)
f=$BENCH_TMP/overhead.lock
: >"$f"
"$alternate" "$(scaled 300)" 20 "$KTSTR" acquire --path "$f" -- true :: flock "$f" true \
  >"$BENCH_TMP/pairs"
ours=$(cut -d' ' -f1 "$BENCH_TMP/pairs" | median)
ref=$(cut -d' ' -f2 "$BENCH_TMP/pairs" | median)
r=$(ratio "$ours" "$ref")
report "overhead: acquire --path F -- true" "$(ms "$ours")" "$(ms "$ref")" "$r" "<= 1.05x flock" \
  "$(check "$r" '<=' 1.05)"
