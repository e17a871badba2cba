#!/usr/bin/env bash
# What the break book (SPEC §9) adds to a night: the same `saba-recon run` (release build)
# at N tickets (default 1,000,000) with about 10,000 open breaks, with the book and without
# (--break-book off), alternately, against one warm `saba-sandbox serve --cache-bodies`.
# The ledger gets 10,000 settlements booked twice, so every night reports 10,000 breaks;
# an untimed first night puts them in the book, so each timed night loads 10,000 open
# breaks, judges them, saves the book and writes the five break columns and breaks.csv.
# Prints each run's wall time and reports stage, the medians, and the book's share.
# Usage: bash Benchmarks/break-book.sh [tickets] [rounds]   (default: 1000000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
ROUNDS=${2:-3}
BREAKS=10000
bash scripts/setup
[ -x /usr/bin/time ] || { echo "Benchmarks/break-book.sh needs GNU time as /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "Benchmarks/break-book.sh needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
BIN=.build/release
WORK=$(mktemp -d /tmp/saba-book-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
NOW=2026-11-20T12:00:00Z
FROM=2026-05-30
TO=2026-11-20

$BIN/saba-sandbox serve --cache-bodies --port 0 --tickets "$N" --span-days 170 --now $NOW --unknown-status-every 0 \
    --token-file "$WORK/jwt" --ledger "$WORK/ledger.sqlite" > "$WORK/sandbox.log" 2>&1 &
spid=$!
until grep -q listening "$WORK/sandbox.log" 2>/dev/null; do
  kill -0 $spid 2>/dev/null || { echo "the sandbox stopped:"; cat "$WORK/sandbox.log"; exit 2; }
  sleep 1
done
url=$(grep -o 'http://[0-9.]*:[0-9]*' "$WORK/sandbox.log" | head -1)
sqlite3 "$WORK/ledger.sqlite" "INSERT INTO ledger SELECT entry_id || '-twice', provider, ticket_id, member_id, kind, amount, currency, created_at, ref, event_id, market_id, specifiers FROM ledger WHERE kind = 'settle' AND created_at < '2026-11-19' ORDER BY entry_id LIMIT $BREAKS"

run() {  # run NAME [extra flags...]: one timed night into $WORK/Reports
  local name=$1; shift
  /usr/bin/time -v -o "$WORK/$name.time" $BIN/saba-recon run --from $FROM --to $TO --now $NOW --api-url "$url" --jwt-file "$WORK/jwt" \
      --ledger "sqlite:$WORK/ledger.sqlite" --out "$WORK/Reports" --metrics-file "$WORK/$name.prom" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
  grep -q '^saba_recon_last_run_success{command="run"} 1' "$WORK/$name.prom" || { echo "run $name failed:"; tail -5 "$WORK/$name.err"; exit 2; }
}
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
stage() { sed -nE "s/^saba_recon_stage_duration_seconds\{.*stage=\"$2\"\} ([0-9.]+)$/\1/p" "$1"; }

echo "== break book: $N tickets, $BREAKS settlements booked twice; $(nproc) cores"
# Untimed: renders the sandbox's bodies and fills the book with the breaks.
run warm
echo "first night: $(head -1 "$WORK/warm.out")"
echo "book after it: $(sqlite3 "$WORK/Reports/breaks.sqlite" "SELECT count(*) FROM breaks WHERE resolved_at IS NULL") open breaks"
printf "\n%-8s %-6s %9s %10s %12s\n" "round" "book" "wall s" "reports s" "peak RSS MB"
on=(); off=()
for r in $(seq 1 "$ROUNDS"); do
  for mode in off on; do
    if [ $mode = on ]; then run "$mode-$r"; else run "$mode-$r" --break-book off; fi
    w=$(wall "$WORK/$mode-$r.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$mode-$r.time")
    printf "%-8s %-6s %9.2f %10.2f %12.1f\n" "$r" "$mode" "$w" "$(stage "$WORK/$mode-$r.prom" reports)" "$(echo "$rss / 1024" | bc -l)"
    if [ $mode = on ]; then on+=("$w"); else off+=("$w"); fi
  done
done
median() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
echo "book rows on the last night: $(sed -nE 's/^saba_recon_breaks\{.*status="([a-z]+)"\} ([0-9.]+)$/\1 \2/p' "$WORK/on-$ROUNDS.prom" | tr '\n' ' ')"
printf "median wall: with the book %.2f s, without %.2f s: the book adds %.2f s = %.1f%%\n" "$m_on" "$m_off" \
    "$(echo "$m_on - $m_off" | bc -l)" "$(echo "($m_on - $m_off) * 100 / $m_off" | bc -l)"
kill $spid 2>/dev/null || true
