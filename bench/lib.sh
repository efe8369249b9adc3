# Shared by every bench script: the binary under test, a scratch dir, tools,
# and one way to report a result.
#
#   KTSTR          the ktstr binary to measure (default build/bin/ktstr)
#   BENCH_RUNS     repetition scale; 1 is the default, 0.2 for a quick check
#   BENCH_RESULTS  when set, each result is appended there as a TSV row:
#                  benchmark, ours, reference, ratio, target, verdict
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
KTSTR=${KTSTR:-build/bin/ktstr}
case $KTSTR in /*) ;; *) KTSTR=$REPO_DIR/$KTSTR ;; esac
[ -x "$KTSTR" ] || { echo "bench: $KTSTR is not an executable; build first or set KTSTR" >&2; exit 1; }
BENCH_RUNS=${BENCH_RUNS:-1}

# scaled N: N times BENCH_RUNS, at least 3.
scaled() {
  awk -v n="$1" -v s="$BENCH_RUNS" 'BEGIN { v = int(n * s + 0.5); print (v < 3 ? 3 : v) }'
}

# A private scratch dir, lock dir and config home; removed on exit.
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench.XXXXXX")
trap 'bench_cleanup' EXIT
bench_cleanup() {
  local p
  # A job's children too: `flock F sleep 600` leaves its sleep behind.
  for p in $(jobs -p); do
    pkill -P "$p" 2>/dev/null || true
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$BENCH_TMP"
}
export KTSTR_LOCK_DIR=$BENCH_TMP/locks
export KTSTR_CACHE_DIR=$BENCH_TMP/cache
export XDG_CONFIG_HOME=$BENCH_TMP/config
unset KTSTR_CONFIG KTSTR_SYSFS_ROOT
mkdir -p "$KTSTR_LOCK_DIR" "$KTSTR_CACHE_DIR" "$XDG_CONFIG_HOME"

need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "bench: needs $t" >&2; exit 1; }
  done
}

# build_helper NAME: compiles bench/helpers/NAME.c into the scratch dir and
# prints the binary's path.
build_helper() {
  local out=$BENCH_TMP/$1
  [ -x "$out" ] || cc -O2 -Wall -o "$out" "$BENCH_DIR/helpers/$1.c"
  echo "$out"
}

# hyperfine_median JSON INDEX: median seconds of one command of a hyperfine export.
hyperfine_median() {
  jq ".results[$2].median" "$1"
}

# median < numbers (one a line)
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b == 0 ? 0 : a / b) }'; }

# check VALUE OP LIMIT: "pass" or "MISS" (OP is <= < >= >).
check() {
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    ok = (op == "<=") ? v <= l : (op == "<") ? v < l : (op == ">=") ? v >= l : v > l
    print (ok ? "pass" : "MISS") }'
}

# report BENCHMARK OURS REFERENCE RATIO TARGET VERDICT
report() {
  printf '%-44s ours %-14s ref %-14s ratio %-8s target %-22s %s\n' "$@"
  if [ -n "${BENCH_RESULTS:-}" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS"
  fi
}

ms() { awk -v s="$1" 'BEGIN { printf "%.3f ms", s * 1000 }'; }
