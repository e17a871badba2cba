#!/usr/bin/env bash
# A provider that takes its time (SPEC §1.1, fetch_concurrency): the same 180-day run (16
# GetBetDetails calls) against `saba-sandbox serve --cache-bodies --delay-ms D`, one call
# at a time and at each concurrency given; then with Saba's access limit (E009) answered
# to every third request. Prints wall time, speedup, GetBetDetails attempts (the manifest's
# per-call attempts, retries included), and checks that every variant wrote the same
# discrepancies.csv.
# Usage: bash Benchmarks/latency.sh [delay-ms] [tickets] [concurrency...]   (default: 2000 20000 4 8)
set -euo pipefail
cd "$(dirname "$0")/.."
DELAY=${1:-2000}
TICKETS=${2:-20000}
shift $(( $# > 2 ? 2 : $# ))
LEVELS=("$@")
[ ${#LEVELS[@]} -gt 0 ] || LEVELS=(4 8)
bash scripts/setup
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
BIN=$PWD/.build/release
WORK=$(mktemp -d /tmp/saba-latency.XXXXXX)
# Each sandbox is started inside $(serve ...), a subshell: its pid file is how it is stopped.
trap 'for f in "$WORK"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; rm -rf "$WORK"' EXIT
NOW=2026-11-20T12:00:00Z
RANGE=(--from 2026-05-25 --to 2026-11-20 --now $NOW)

serve() {  # serve NAME [fault flags...]: a sandbox of its own (its request count starts at 0)
  local name=$1; shift
  $BIN/saba-sandbox serve --port 0 --tickets "$TICKETS" --span-days 180 --now $NOW --cache-bodies --delay-ms "$DELAY" \
      --token-file "$WORK/$name.jwt" --ledger "$WORK/$name.sqlite" "$@" > "$WORK/$name.log" 2>&1 &
  echo $! > "$WORK/$name.pid"
  until grep -q listening "$WORK/$name.log" 2>/dev/null; do sleep 0.5; done
  grep -o 'http://[0-9.]*:[0-9]*' "$WORK/$name.log" | head -1
}
run() {  # run NAME URL CONCURRENCY: wall seconds
  local name=$1 url=$2 n=$3 t0 t1
  t0=$(date +%s.%N)
  $BIN/saba-recon run "${RANGE[@]}" --api-url "$url" --jwt-file "$WORK/$4.jwt" --ledger "sqlite:$WORK/$4.sqlite" --no-html --no-xlsx \
      --fetch-concurrency "$n" --out "$WORK/$name" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
  t1=$(date +%s.%N)
  grep -q '^run ' "$WORK/$name.out" || { echo "run $name failed:"; tail -3 "$WORK/$name.err"; exit 2; }
  echo "$t1 - $t0" | bc -l
}
attempts() { grep -o '"attempts" : [0-9]*' "$WORK/$1/latest/manifest.json" | awk '{s += $3} END {print s + 0}'; }
same() { diff <(cut -d, -f2- "$WORK/$1/latest/discrepancies.csv") <(cut -d, -f2- "$WORK/$2/latest/discrepancies.csv") > /dev/null && echo same || echo DIFFERENT; }

echo "== latency: $TICKETS tickets, 180 days, every GetBetDetails answer after ${DELAY} ms; $(nproc) cores"
printf "%-40s %8s %8s %9s  %s\n" "variant" "wall s" "speedup" "attempts" "discrepancies.csv"
for mode in plain e009; do
  flags=(); [ $mode = e009 ] && flags=(--e009-every 3)
  base=""
  for n in 1 "${LEVELS[@]}"; do
    name=$mode-$n
    url=$(serve "$name" "${flags[@]}")
    # The sandbox renders each body on its first request: one untimed pass at full width renders them all.
    run "$name-warm" "$url" 16 "$name" > /dev/null
    wall=$(run "$name" "$url" "$n" "$name")
    [ -n "$base" ] || base=$wall
    label="no faults"; [ $mode = e009 ] && label="E009 every 3rd request"
    printf "%-40s %8.2f %7.2fx %9s  %s\n" "$label, --fetch-concurrency $n" "$wall" "$(echo "$base / $wall" | bc -l)" \
        "$(attempts "$name")" "$(same "$mode-1" "$name")"
    kill "$(cat "$WORK/$name.pid")" 2>/dev/null || true
  done
done
