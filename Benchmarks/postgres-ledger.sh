#!/usr/bin/env bash
# The PostgreSQL ledger as operators have it (issue 13), on a private PostgreSQL:
#   1. `saba-recon run` against the sandbox with the ledger of its range alone, then with
#      the same range inside HISTORY rows of older wallet history (an index on created_at):
#      wall time, peak RSS, and the two runs' discrepancies.csv compared;
#   2. the ledger read's throughput: every `saba` row of the big table (saba-bench ledger).
# Usage: bash Benchmarks/postgres-ledger.sh [tickets] [history rows]   (default: 20000 3000000)
# SABA_RECON_BIN=path/to/saba-recon times another build (an earlier commit's, for a before
# and after on the same day); the sandbox and saba-bench are this tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
[ -x /usr/bin/time ] || { echo "needs GNU time as /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
source Benchmarks/private-postgres.sh
[ -n "$PGBIN" ] || { echo "needs PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 2; }
TICKETS=${1:-20000}
HISTORY=${2:-3000000}
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
swift build -c release --product saba-bench
BIN=$PWD/.build/release
RECON=${SABA_RECON_BIN:-$BIN/saba-recon}
WORK=$(mktemp -d /tmp/saba-pgbench.XXXXXX)
chmod 755 "$WORK"
NOW=2026-11-20T12:00:00Z
# Whatever way the script ends (a failure, ^C), its servers stop and its work folder goes.
trap 'kill $(jobs -p) 2>/dev/null || true; pg_stop; rm -rf "$WORK"' EXIT

# The sandbox: its tickets over the last 40 days and the matching SQLite ledger.
port=$((20000 + RANDOM % 20000))
$BIN/saba-sandbox serve --port $port --tickets "$TICKETS" --now $NOW --cache-bodies \
    --token-file "$WORK/token" --ledger "$WORK/ledger.sqlite" > "$WORK/sandbox.log" 2>&1 &
for _ in $(seq 1 100); do [ -s "$WORK/token" ] && [ -s "$WORK/ledger.sqlite" ] && break; sleep 0.2; done
sleep 1

# A private PostgreSQL on loopback.
pg_start "$WORK/pg"
pgport=$PGBENCH_PORT
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $pgport -U postgres"
COLS="entry_id text, provider text, ticket_id text, member_id text, kind text, amount numeric, currency text, created_at timestamptz, ref text, event_id text, market_id text, specifiers text"
sqlite3 -csv "$WORK/ledger.sqlite" "SELECT entry_id, provider, ticket_id, member_id, kind, amount, currency, created_at, ref, event_id, market_id, specifiers FROM ledger" > "$WORK/ledger.csv"
$PSQL -c "CREATE TABLE ledger_range ($COLS)" -c "CREATE TABLE ledger_history ($COLS)"
$PSQL -c "\\copy ledger_range FROM '$WORK/ledger.csv' CSV"
echo "loading $HISTORY rows of older history..."
$PSQL -c "INSERT INTO ledger_history SELECT 'old-' || g, CASE WHEN g % 10 = 0 THEN 'ebet' ELSE 'saba' END, 'o' || g, 'm' || (g % 5000),
            CASE WHEN g % 2 = 0 THEN 'bet' ELSE 'settle' END, (g % 10000) / 100.0 - 50, 'USD',
            timestamptz '2023-01-01 00:00:00+00' + g * interval '9 seconds', NULL, NULL, NULL, NULL
          FROM generate_series(1, $HISTORY) g" \
      -c "INSERT INTO ledger_history SELECT * FROM ledger_range" \
      -c "CREATE INDEX ON ledger_range (created_at)" -c "CREATE INDEX ON ledger_history (created_at)" \
      -c "ANALYZE ledger_range" -c "ANALYZE ledger_history"
range_rows=$($PSQL -At -c "SELECT count(*) FROM ledger_range")
total_rows=$($PSQL -At -c "SELECT count(*) FROM ledger_history")
echo "ledger_range: $range_rows rows; ledger_history: $total_rows rows (the same range inside older history)"

run() {  # table, label [, out folder name: the table's by default]
  local out=$WORK/out-${3:-$1}
  /usr/bin/time -f "%e %M" -o "$WORK/time-$1" env SABA_JWT="$(cat "$WORK/token")" "$RECON" run \
      --from 2026-10-12 --to 2026-11-20 --now $NOW --api-url "http://127.0.0.1:$port" \
      --ledger "postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable" --ledger-table "$1" \
      --out "$out" --no-html --no-xlsx --metrics-file "$WORK/$1.prom" > "$WORK/run-$1.out" 2>&1 || true
  # GNU time writes "Command exited with non-zero status 1" first when the run reports discrepancies.
  read -r wall rss < <(tail -1 "$WORK/time-$1")
  local ledger_s
  ledger_s=$(sed -nE 's/^saba_recon_stage_duration_seconds\{.*stage="ledger"\} ([0-9.]+)$/\1/p' "$WORK/$1.prom")
  printf "%-40s wall %6.2f s  peak RSS %6.1f MB  ledger stage %s s\n" "$2" "$wall" "$(echo "$rss / 1024" | bc -l)" "$ledger_s"
}
echo "== 1. saba-recon run, $TICKETS tickets (warm-up run first, untimed)"
# The warm-up writes elsewhere: in the timed run's root it would make the timed run a
# second night, whose breaks are "open" where the other table's are "new".
run ledger_range "warm-up" warm > /dev/null
run ledger_range "range alone ($range_rows rows)"
run ledger_history "range inside history ($total_rows rows)"
a=$(sed "s/$(basename "$(readlink "$WORK/out-ledger_range/latest")")/RUN/" "$WORK/out-ledger_range/latest/discrepancies.csv" | md5sum)
b=$(sed "s/$(basename "$(readlink "$WORK/out-ledger_history/latest")")/RUN/" "$WORK/out-ledger_history/latest/discrepancies.csv" | md5sum)
if [ "$a" = "$b" ]; then
  echo "discrepancies.csv: identical (run id aside)"
else
  echo "discrepancies.csv: DIFFERENT"
  diff <(sed "s/$(basename "$(readlink "$WORK/out-ledger_range/latest")")/RUN/" "$WORK/out-ledger_range/latest/discrepancies.csv") \
       <(sed "s/$(basename "$(readlink "$WORK/out-ledger_history/latest")")/RUN/" "$WORK/out-ledger_history/latest/discrepancies.csv") | head -10
fi
head -1 "$WORK/run-ledger_history.out"

echo "== 2. ledger read throughput (every saba row, binary cells, one connection)"
$BIN/saba-bench ledger "postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable" ledger_history
