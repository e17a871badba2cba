#!/usr/bin/env bash
# What fetch_concurrency costs or saves when the provider answers at once (bodies cached,
# no delay: the calls are CPU-bound here, unlike against a real Saba, Benchmarks/latency.sh):
# the same 170-day run at N tickets (default 1,000,000) with each concurrency given
# (default 1 and 4), alternately for R rounds, against one warm
# `saba-sandbox serve --cache-bodies`. Prints wall, stages, peak RSS; medians at the end.
# Usage: bash Benchmarks/concurrency.sh [tickets] [rounds] [levels...]   (default: 1000000 2 1 4)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
ROUNDS=${2:-2}
shift $(( $# > 2 ? 2 : $# ))
LEVELS=("$@")
[ ${#LEVELS[@]} -gt 0 ] || LEVELS=(1 4)
bash scripts/setup
[ -x /usr/bin/time ] || { echo "needs GNU time as /usr/bin/time (apt-get install time)" >&2; exit 2; }
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
BIN=.build/release
WORK=$(mktemp -d /tmp/saba-concurrency.XXXXXX)
trap '[ -f "$WORK/sandbox.pid" ] && kill "$(cat "$WORK/sandbox.pid")" 2>/dev/null; rm -rf "$WORK"' EXIT
NOW=2026-11-20T12:00:00Z
$BIN/saba-sandbox serve --cache-bodies --port 0 --tickets "$N" --span-days 170 --now $NOW --unknown-status-every 0 \
    --token-file "$WORK/jwt" --ledger "$WORK/ledger.sqlite" > "$WORK/sandbox.log" 2>&1 &
echo $! > "$WORK/sandbox.pid"
until grep -q listening "$WORK/sandbox.log" 2>/dev/null; do sleep 1; done
url=$(grep -o 'http://[0-9.]*:[0-9]*' "$WORK/sandbox.log" | head -1)
run() {  # run NAME LEVEL
  /usr/bin/time -v -o "$WORK/$1.time" $BIN/saba-recon run --from 2026-05-30 --to 2026-11-20 --now $NOW --api-url "$url" --jwt-file "$WORK/jwt" \
      --ledger "sqlite:$WORK/ledger.sqlite" --out "$WORK/Reports" --break-book off --fetch-concurrency "$2" --metrics-file "$WORK/$1.prom" \
      > "$WORK/$1.out" 2> "$WORK/$1.err" || true
  grep -q '^saba_recon_last_run_success{command="run"} 1' "$WORK/$1.prom" || { echo "run $1 failed:"; tail -3 "$WORK/$1.err"; exit 2; }
}
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
echo "== fetch_concurrency without latency: $N tickets, $(nproc) cores"
run warm 16
printf "%-6s %-6s %8s %10s %10s %10s %12s\n" round level "wall s" "fetch s" "ledger s" "match s" "peak RSS MB"
declare -A walls
for r in $(seq 1 "$ROUNDS"); do
  for n in "${LEVELS[@]}"; do
    run "c$n-$r" "$n"
    w=$(wall "$WORK/c$n-$r.time")
    walls[$n]="${walls[$n]:-} $w"
    st() { sed -nE "s/^saba_recon_stage_duration_seconds\{.*stage=\"$1\"\} ([0-9.]+)$/\1/p" "$WORK/c$n-$r.prom"; }
    printf "%-6s %-6s %8.2f %10.2f %10.2f %10.2f %12.1f\n" "$r" "$n" "$w" "$(st fetch)" "$(st ledger)" "$(st match)" \
        "$(echo "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/c$n-$r.time") / 1024" | bc -l)"
  done
done
for n in "${LEVELS[@]}"; do
  printf "median wall at %s: %s s\n" "$n" "$(printf "%s\n" ${walls[$n]} | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')"
done
