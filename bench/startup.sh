#!/usr/bin/env bash
# Start-up and peak memory. Start-up: `ktstr --version` against
# `flock --version`, median wall from one hyperfine run. Peak memory: max
# RSS (/usr/bin/time -v) of each applet on a small, real job, against
# `flock F true`.
# Targets: start-up at most 1.5x flock(1); peak RSS of every applet at most
# 2x flock(1)'s.
source "$(dirname "$0")/lib.sh"
need hyperfine jq flock
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (GNU time)" >&2; exit 1; }

hyperfine -N --style none --warmup 20 --runs "$(scaled 300)" --export-json "$BENCH_TMP/startup.json" \
  -n ktstr "$KTSTR --version" -n flock "flock --version" >/dev/null
ours=$(hyperfine_median "$BENCH_TMP/startup.json" 0)
ref=$(hyperfine_median "$BENCH_TMP/startup.json" 1)
r=$(ratio "$ours" "$ref")
report "start-up: ktstr --version" "$(ms "$ours")" "$(ms "$ref")" "$r" "<= 1.5x flock --version" \
  "$(check "$r" '<=' 1.5)"

# max_rss CMD...: the largest "Maximum resident set size" (KiB) of 5 runs.
max_rss() {
  local i best=0 kb
  for i in 1 2 3 4 5; do
    kb=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }')
    [ "$kb" -gt "$best" ] && best=$kb
  done
  echo "$best"
}

f=$BENCH_TMP/rss.lock
: >"$f"
mkdir -p "$KTSTR_CACHE_DIR/.locks"
: >"$KTSTR_LOCK_DIR/ktstr-cpu-0.lock"
: >"$KTSTR_CACHE_DIR/.locks/k.lock"
flock "$f" sleep 600 >/dev/null 2>&1 &
ref_kb=$(max_rss flock "$BENCH_TMP/other.lock" true)
for applet in "--version" "acquire --path $BENCH_TMP/other.lock -- true" "locks --json" "holders $f" \
  "needle $f" "fscheck"; do
  # holders exits 1 when a path is not held; the RSS is what is measured.
  kb=$(max_rss "$KTSTR" $applet || true)
  r=$(ratio "$kb" "$ref_kb")
  report "peak RSS: ktstr ${applet%% *}" "$kb KiB" "$ref_kb KiB" "$r" "<= 2x flock" "$(check "$r" '<=' 2)"
done
