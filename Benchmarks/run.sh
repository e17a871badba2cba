#!/usr/bin/env bash
# Re-runnable benchmarks (release builds), on this machine:
#   1. decoder MB/s beside Foundation's JSONDecoder on the same body;
#   2. the whole `saba-recon run` against the sandbox at 100k and 1M tickets over 170 days:
#      wall time, tickets/s and peak RSS (GNU time);
#   3. the ledger read on SQLite and on a private PostgreSQL.
# Usage: bash Benchmarks/run.sh [ticket counts...]   (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
swift build -c release --product saba-recon
swift build -c release --product saba-bench
BIN=.build/release
WORK=$(mktemp -d /tmp/saba-bench.XXXXXX)
chmod 755 "$WORK"  # the postgres user must reach its data folder inside
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
COUNTS=("${@:-100000 1000000}")
[ $# -gt 0 ] || COUNTS=(100000 1000000)
NOW=2026-11-20T12:00:00Z

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m)"
echo "== 1. decoder"
$BIN/saba-bench 50000

echo "== 2. whole run"
for N in "${COUNTS[@]}"; do
  dir=$WORK/run-$N
  mkdir -p "$dir"
  port=$((20000 + RANDOM % 20000))
  $BIN/saba-recon sandbox --port $port --tickets "$N" --span-days 170 --now $NOW --unknown-status-every 0 \
      --token-file "$dir/jwt" --ledger "$dir/ledger.sqlite" > "$dir/sandbox.log" 2>&1 &
  spid=$!
  for _ in $(seq 1 600); do grep -q listening "$dir/sandbox.log" 2>/dev/null && break; sleep 1; done
  bytes=$(stat -c %s "$dir/ledger.sqlite")
  /usr/bin/time -v $BIN/saba-recon run --from 2026-05-30 --to 2026-11-20 --now $NOW \
      --api-url "http://127.0.0.1:$port" --jwt-file "$dir/jwt" --ledger "sqlite:$dir/ledger.sqlite" \
      --out "$dir/Reports" > "$dir/run.out" 2> "$dir/run.time" || true
  kill $spid 2>/dev/null || true
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$dir/run.time")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$dir/run.time")
  tickets=$(grep -o '[0-9]* tickets' "$dir/run.out" | head -1 | cut -d' ' -f1)
  secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  printf "tickets %8s  wall %8s  %9.0f tickets/s  peak RSS %6.1f MB  ledger file %6.1f MB\n" \
      "$tickets" "$wall" "$(echo "$tickets / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(echo "$bytes / 1048576" | bc -l)"
  head -2 "$dir/run.out"
done

echo "== 3. ledger read"
last=${COUNTS[-1]}
$BIN/saba-bench ledger "sqlite:$WORK/run-$last/ledger.sqlite"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -n "$PGBIN" ]; then
  pgdir=$WORK/pg
  mkdir -p "$pgdir"
  as_pg=""
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdir"; as_pg="runuser -u postgres --"; fi
  $as_pg "$PGBIN/initdb" -D "$pgdir/data" -A trust -U postgres --no-sync >/dev/null
  pgport=$((40000 + RANDOM % 10000))
  $as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$pgdir/log" -w start >/dev/null
  sqlite3 -csv "$WORK/run-$last/ledger.sqlite" "SELECT * FROM ledger" > "$WORK/ledger.csv"
  psql -X -q -h 127.0.0.1 -p $pgport -U postgres -c "CREATE TABLE ledger (entry_id text PRIMARY KEY, provider text, ticket_id text, member_id text, kind text, amount numeric(20,4), currency text, created_at timestamptz, ref text, event_id text, market_id text, specifiers text)"
  psql -X -q -h 127.0.0.1 -p $pgport -U postgres -c "\\copy ledger FROM '$WORK/ledger.csv' CSV"
  $BIN/saba-bench ledger "postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"
  $as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null
fi
rm -rf "$WORK"
