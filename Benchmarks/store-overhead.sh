#!/usr/bin/env bash
# What the shared run's store costs one process (issue 23, part 3): the same run with and
# without --store, in alternating rounds, against `saba-sandbox serve --cache-bodies` with
# no delay (so the store's work is not hidden behind Saba's response time) and a private
# PostgreSQL. Reports wall time and peak RSS (GNU time) per variant and round, and checks
# that both variants wrote the same discrepancies.csv.
# Usage: bash Benchmarks/store-overhead.sh [tickets] [rounds]   (default: 300000 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
[ -x /usr/bin/time ] || { echo "needs GNU time as /usr/bin/time (apt-get install time)" >&2; exit 2; }
source Benchmarks/private-postgres.sh
source Benchmarks/sandbox-serve.sh
[ -n "$PGBIN" ] || { echo "needs PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 2; }
TICKETS=${1:-300000}
ROUNDS=${2:-2}
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
BIN=$PWD/.build/release
# SABA_RECON_BIN=path/to/saba-recon times another build (an earlier commit's, for a before
# and after on the same day); the sandbox is this tree's.
RECON=${SABA_RECON_BIN:-$BIN/saba-recon}
WORK=$(mktemp -d /tmp/saba-store.XXXXXX)
chmod 755 "$WORK"
NOW=2026-11-20T12:00:00Z
# Whatever way the script ends (a failure, ^C), its servers stop and its work folder goes.
trap 'kill $(jobs -p) 2>/dev/null || true; pg_stop; rm -rf "$WORK"' EXIT
sandbox_serve "$WORK" "$TICKETS"
port=$SANDBOX_PORT
pg_start "$WORK/pg"
COMMON=(--api-url "http://127.0.0.1:$port" --ledger "sqlite:$WORK/ledger.sqlite" --no-html --no-xlsx)
RANGE=(--from 2026-06-04 --to 2026-11-20 --now $NOW)
# The sandbox renders each body on its first request: one untimed pass renders them all.
"$RECON" run "${RANGE[@]}" "${COMMON[@]}" --out "$WORK/warm" > /dev/null 2>&1 || true
csv() { local d=$1; local id; id=$(basename "$(readlink "$d/latest")"); sed "s/$id/RUN/" "$d/latest/discrepancies.csv" | md5sum | cut -c1-12; }
echo "tickets $TICKETS, no delay, fetch_concurrency default"
printf "%-8s %-22s %8s %10s  %s\n" round variant "wall s" "peak MB" csv
for round in $(seq 1 "$ROUNDS"); do
  /usr/bin/time -f "%e %M" -o "$WORK/t-single-$round" "$RECON" run "${RANGE[@]}" "${COMMON[@]}" --out "$WORK/single-$round" > /dev/null 2>&1 || true
  printf "%-8s %-22s %8.2f %10.1f  %s\n" "$round" "one process" "$(tail -1 "$WORK/t-single-$round" | cut -d' ' -f1)" \
    "$(tail -1 "$WORK/t-single-$round" | awk '{print $2/1024}')" "$(csv "$WORK/single-$round")"
  psql -X -q -h 127.0.0.1 -p "$PGBENCH_PORT" -U postgres -c "CREATE DATABASE r$round"
  /usr/bin/time -f "%e %M" -o "$WORK/t-store-$round" "$RECON" run "${RANGE[@]}" "${COMMON[@]}" --out "$WORK/store-$round" \
    --store "postgres://postgres@127.0.0.1:$PGBENCH_PORT/r$round?sslmode=disable" > /dev/null 2>&1 || true
  printf "%-8s %-22s %8.2f %10.1f  %s\n" "$round" "one process, --store" "$(tail -1 "$WORK/t-store-$round" | cut -d' ' -f1)" \
    "$(tail -1 "$WORK/t-store-$round" | awk '{print $2/1024}')" "$(csv "$WORK/store-$round")"
done
