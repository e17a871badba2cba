#!/usr/bin/env bash
# Several workers, one run (SPEC section 7): the same 170-day run with 1, 2 and 4 processes
# sharing it through a private PostgreSQL, against `saba-sandbox serve --cache-bodies` with a
# delay before every GetBetDetails answer (Saba's response time, which sets the pace when
# several processes help). Beside them, the single process without a store. Reports wall
# time, speedup, each process's peak RSS (GNU time), and checks that every variant wrote the
# same discrepancies.csv.
# Usage: bash Benchmarks/workers.sh [tickets] [delay-ms]   (default: 1000000 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
[ -x /usr/bin/time ] || { echo "needs GNU time as /usr/bin/time (apt-get install time)" >&2; exit 2; }
source Benchmarks/private-postgres.sh
source Benchmarks/sandbox-serve.sh
[ -n "$PGBIN" ] || { echo "needs PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 2; }
TICKETS=${1:-1000000}
DELAY=${2:-5000}
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
BIN=$PWD/.build/release
WORK=$(mktemp -d /tmp/saba-workers.XXXXXX)
chmod 755 "$WORK"
NOW=2026-11-20T12:00:00Z
# Whatever way the script ends (a failure, ^C), its servers stop and its work folder goes.
trap 'kill $(jobs -p) 2>/dev/null || true; pg_stop; rm -rf "$WORK"' EXIT

sandbox_serve "$WORK" "$TICKETS" --delay-ms "$DELAY"
port=$SANDBOX_PORT
pg_start "$WORK/pg"
pgport=$PGBENCH_PORT
COMMON=(--api-url "http://127.0.0.1:$port" --ledger "sqlite:$WORK/ledger.sqlite" --no-html --no-xlsx)
RANGE=(--from 2026-06-04 --to 2026-11-20 --now $NOW)

# The sandbox renders each body on its first request: one untimed pass renders them all.
$BIN/saba-recon run "${RANGE[@]}" "${COMMON[@]}" --out "$WORK/warm" > /dev/null 2>&1 || true

peak() { tail -1 "$1" | awk '{printf "%.1f", $2 / 1024}'; }
csv() { local d=$1; local id; id=$(basename "$(readlink "$d/latest")"); sed "s/$id/RUN/" "$d/latest/discrepancies.csv" | md5sum | cut -c1-12; }

echo "tickets $TICKETS, delay ${DELAY} ms per GetBetDetails call"
printf "%-28s %8s %8s  %s\n" "variant" "wall s" "speedup" "peak RSS MB per process"
/usr/bin/time -f "%e %M" -o "$WORK/t-single" $BIN/saba-recon run "${RANGE[@]}" "${COMMON[@]}" --out "$WORK/out-single" > "$WORK/single.out" 2>&1 || true
single=$(tail -1 "$WORK/t-single" | cut -d' ' -f1)
printf "%-28s %8.2f %8s  %s   csv %s\n" "one process, run.sqlite" "$single" "1.00x" "$(peak "$WORK/t-single")" "$(csv "$WORK/out-single")"
for n in 1 2 4; do
  db="w$n"
  psql -X -q -h 127.0.0.1 -p $pgport -U postgres -c "CREATE DATABASE $db"
  store="postgres://postgres@127.0.0.1:$pgport/$db?sslmode=disable"
  out="$WORK/out-$n"
  start=$(date +%s.%N)
  pids=()
  for i in $(seq 2 $n); do
    /usr/bin/time -f "%e %M" -o "$WORK/t-$n-$i" $BIN/saba-recon worker "${COMMON[@]}" --out "$out" --store "$store" --wait 1m > "$WORK/w-$n-$i.out" 2>&1 &
    pids+=($!)
  done
  # Info-level log, to tell who published (its "publishing run" line).
  /usr/bin/time -f "%e %M" -o "$WORK/t-$n-1" $BIN/saba-recon run "${RANGE[@]}" "${COMMON[@]}" --out "$out" --store "$store" --log-level info > "$WORK/run-$n.out" 2>&1 || true
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc -l)
  rss=""
  for i in $(seq 1 $n); do rss="$rss $(peak "$WORK/t-$n-$i")"; done
  by="a worker"
  ! grep -q "publishing run" "$WORK/run-$n.out" || by="the opener"
  # How many calls the opener had staged when it published (its own and those it copied ahead).
  ahead=$(grep -o '[0-9]* of [0-9]* calls staged here' "$WORK/run-$n.out" | head -1 | cut -d' ' -f1,2,3)
  [ -z "$ahead" ] || by="$by ($ahead staged ahead)"
  printf "%-28s %8.2f %7.2fx  %s   csv %s, published by %s\n" "$n process(es), --store" "$wall" "$(echo "$single / $wall" | bc -l)" "$rss" "$(csv "$out")" "$by"
done
grep -m1 "^run " "$WORK/run-4.out"
