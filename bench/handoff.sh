#!/usr/bin/env bash
# Hand-off: a holder releases while the waiter blocks; the time from the
# release to the waiter's command starting. helpers/handoff.c holds the lock,
# starts the waiter, waits until it blocks, reads CLOCK_MONOTONIC and
# unlocks; the waiter's command is helpers/stamp.c, which prints
# CLOCK_MONOTONIC as it starts. Both tools go through the same harness,
# trials interleaved in rounds so load changes hit both alike.
# Targets: median under 1.5 ms, and at most 1.2x flock(1)'s median.
source "$(dirname "$0")/lib.sh"
need cc flock

handoff=$(build_helper handoff)
stamp=$(build_helper stamp)
f=$BENCH_TMP/handoff.lock
trials=$(scaled 30)
: >"$BENCH_TMP/ours" >"$BENCH_TMP/ref"
for _ in $(seq 1 "$trials"); do
  "$handoff" 1 "$f" "$stamp" -- "$KTSTR" acquire --path "$f" -- "$stamp" >>"$BENCH_TMP/ours"
  "$handoff" 1 "$f" "$stamp" -- "$(command -v flock)" "$f" "$stamp" >>"$BENCH_TMP/ref"
done
ours=$(median <"$BENCH_TMP/ours" | awk '{ print $1 / 1e9 }')
ref=$(median <"$BENCH_TMP/ref" | awk '{ print $1 / 1e9 }')
r=$(ratio "$ours" "$ref")
report "hand-off: release -> command start ($trials trials)" "$(ms "$ours")" "$(ms "$ref")" "$r" \
  "< 1.5 ms, <= 1.2x flock" \
  "$([ "$(check "$ours" '<' 0.0015)" = pass ] && check "$r" '<=' 1.2 || echo MISS)"
