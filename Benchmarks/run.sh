#!/usr/bin/env bash
# Re-runnable benchmarks (release builds), on this machine:
#   1. decoder MB/s beside Foundation's JSONDecoder on the same body;
#   2. the whole `saba-recon run` at 100k and 1M tickets over 170 days, side by side with
#      the Python peer a finance team would write (../shared/peers/py_recon.py, stdlib json
#      with Decimals, and --orjson), all against one `saba-sandbox serve --cache-bodies`
#      whose bodies were rendered in an untimed warm-up, so the clients are timed, not the
#      sandbox: wall time, MB/s of GetBetDetails JSON, peak RSS (GNU time), speed ratio;
#   3. the ledger read on SQLite and on a private PostgreSQL.
# Usage: bash Benchmarks/run.sh [ticket counts...]   (default: 100000 1000000)
# ROUNDS=n (default 3): timed rounds per count; each client's median round is reported (a
# single round on shared cores varied by a quarter between runs).
# PEER=path/to/py_recon.py overrides where the peer is looked for.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
[ -x /usr/bin/time ] || { echo "Benchmarks/run.sh needs GNU time as /usr/bin/time (apt-get install time)" >&2; exit 2; }
swift build -c release --product saba-recon
swift build -c release --product saba-sandbox
swift build -c release --product saba-bench
BIN=.build/release
WORK=$(mktemp -d /tmp/saba-bench.XXXXXX)
chmod 755 "$WORK"  # the postgres user must reach its data folder inside
# Whatever way the script ends (a failure, ^C), its servers stop and its work folder goes.
trap 'kill $(jobs -p) 2>/dev/null || true; [ "$(type -t pg_stop)" = function ] && pg_stop; rm -rf "$WORK"' EXIT
COUNTS=("$@")
ROUNDS=${ROUNDS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive whole number, not '$ROUNDS'" >&2; exit 2; }
[ $# -gt 0 ] || COUNTS=(100000 1000000)
NOW=2026-11-20T12:00:00Z
FROM=2026-05-30
TO=2026-11-20
# The sandbox writes its ledger as table `ledger` (SQLiteLedgerWriter's default); the
# peer's own default is `ledger_entries`, so it is named.
TABLE=ledger

# The peer is read where it lies, beside the project: never copied into it.
PEER=${PEER:-../shared/peers/py_recon.py}
peer_note=""
if ! command -v python3 >/dev/null; then
  peer_note="python3 is not installed: no peer comparison"
elif [ ! -f "$PEER" ]; then
  peer_note="the Python peer is not at $PEER (PEER=path overrides): no peer comparison"
fi
orjson_note=""
if [ -z "$peer_note" ] && ! python3 -c 'import orjson' 2>/dev/null; then
  orjson_note="orjson is not importable by python3 (pip install orjson): no --orjson line"
fi

# "h:mm:ss" or "m:ss.ss" from GNU time -> seconds.
seconds() { echo "$1" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
# A field of a GNU time -v report.
timed() { awk -F': ' -v k="$2" 'index($0, k) {print $2}' "$1"; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m)"
echo "== 1. decoder"
$BIN/saba-bench 50000

echo "== 2. whole run: saba-recon beside the Python peer, $FROM..$TO, bodies cached by the sandbox"
[ -z "$peer_note" ] || echo "   $peer_note"
[ -z "$orjson_note" ] || echo "   $orjson_note"
for N in "${COUNTS[@]}"; do
  dir=$WORK/run-$N
  mkdir -p "$dir"
  $BIN/saba-sandbox serve --cache-bodies --port 0 --tickets "$N" --span-days 170 --now $NOW --unknown-status-every 0 \
      --token-file "$dir/jwt" --ledger "$dir/ledger.sqlite" > "$dir/sandbox.log" 2>&1 &
  spid=$!
  until grep -q listening "$dir/sandbox.log" 2>/dev/null; do
    kill -0 $spid 2>/dev/null || { echo "the sandbox stopped:"; cat "$dir/sandbox.log"; exit 2; }
    sleep 1
  done
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$dir/sandbox.log" | head -1)
  ledger_mb=$(echo "$(stat -c %s "$dir/ledger.sqlite") / 1048576" | bc -l)

  # Warm-up, untimed: one saba-recon run renders its windows' bodies into the cache (and
  # brings the ledger file into the page cache); curl renders the peer's windows, which
  # are cut differently (no edge margins), and counts their bytes.
  $BIN/saba-recon run --from $FROM --to $TO --now $NOW --api-url "$url" --jwt-file "$dir/jwt" \
      --ledger "sqlite:$dir/ledger.sqlite" --out "$dir/warm" > "$dir/warm.out" 2>&1 || true
  peer_bytes=0
  peer_calls=0
  if [ -z "$peer_note" ]; then
    jwt=$(cat "$dir/jwt")
    w=$FROM
    end=$(date -u -d "$TO + 1 day" +%F)
    while [[ "$w" < "$end" ]]; do
      we=$(date -u -d "$w + 30 days" +%F)
      [[ "$we" < "$end" ]] || we=$end
      last=$(date -u -d "$we - 1 second" +%Y-%m-%dT%H:%M:%S)
      for settled in false true; do
        read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -H "Authorization: Bearer $jwt" \
            "$url/betting/v1/GetBetDetails?start=${w}T00:00:00&end=$last&isSettled=$settled&Language=en")
        [ "$code" = 200 ] || { echo "warm-up GetBetDetails $w..$last isSettled=$settled answered $code"; exit 2; }
        peer_bytes=$((peer_bytes + size))
        peer_calls=$((peer_calls + 1))
      done
      w=$we
    done
  fi

  # Timed: ROUNDS rounds, each client once per round, one after the other against the same
  # warm sandbox (alternating, so a noisy neighbour hits every client alike); the table shows
  # each client's median round (by wall time) and the ratios compare medians.
  clients=(recon)
  [ -n "$peer_note" ] || clients+=(py)
  [ -n "$peer_note" ] || [ -n "$orjson_note" ] || clients+=(orjson)
  for r in $(seq 1 "$ROUNDS"); do
    for c in "${clients[@]}"; do
      case $c in
        recon)
          /usr/bin/time -v -o "$dir/recon.$r.time" $BIN/saba-recon run --from $FROM --to $TO --now $NOW \
              --api-url "$url" --jwt-file "$dir/jwt" --ledger "sqlite:$dir/ledger.sqlite" \
              --out "$dir/Reports$r" --metrics-file "$dir/recon.$r.prom" > "$dir/recon.$r.out" 2> "$dir/recon.$r.err" || true ;;
        py)
          SABA_JWT=$(cat "$dir/jwt") /usr/bin/time -v -o "$dir/py.$r.time" python3 "$PEER" --api-url "$url" --from $FROM --to $TO \
              --ledger "$dir/ledger.sqlite" --ledger-table $TABLE --out "$dir/py.csv" > "$dir/py.$r.out" 2> "$dir/py.$r.err" || true ;;
        orjson)
          SABA_JWT=$(cat "$dir/jwt") /usr/bin/time -v -o "$dir/orjson.$r.time" python3 "$PEER" --api-url "$url" --from $FROM --to $TO \
              --ledger "$dir/ledger.sqlite" --ledger-table $TABLE --out "$dir/orjson.csv" --orjson > "$dir/orjson.$r.out" 2> "$dir/orjson.$r.err" || true ;;
      esac
    done
  done
  # Each call's bytes are in a run's manifest (the first round's; every round fetches the same).
  recon_bytes=$(grep -o '"bytes" : [0-9]*' "$dir/Reports1/latest/manifest.json" | awk '{s += $3} END {print s + 0}')
  recon_calls=$(grep -c '"bytes" : ' "$dir/Reports1/latest/manifest.json")
  kill $spid 2>/dev/null || true
  wait $spid 2>/dev/null || true

  printf "\n-- %s tickets: ledger %.1f MB; GetBetDetails JSON: saba-recon %.1f MB in %s calls" \
      "$N" "$ledger_mb" "$(echo "$recon_bytes / 1048576" | bc -l)" "$recon_calls"
  if [ -z "$peer_note" ]; then
    printf ", peer %.1f MB in %s calls" "$(echo "$peer_bytes / 1048576" | bc -l)" "$peer_calls"
  fi
  printf "; median of %s rounds\n%-34s %10s %9s %9s %9s %12s  %-6s %s\n" "$ROUNDS" "client" "tickets" "wall s" "cpu s" "MB/s" "peak RSS MB" "exit" "rounds: wall/cpu s"
  recon_wall=""
  recon_cpu=""
  recon_round=1
  best_py=""
  best_py_cpu=""
  best_py_name=""
  for c in "${clients[@]}"; do
    case $c in
      recon)  name="saba-recon run (Swift, release)"; bytes=$recon_bytes ;;
      py)     name="python peer (json, Decimal)"; bytes=$peer_bytes ;;
      orjson) name="python peer (--orjson, floats)"; bytes=$peer_bytes ;;
    esac
    # One line per round: wall, cpu (user + system seconds, every thread: the issue-23 measure
    # of work per ticket), peak RSS KB, exit status, round; the median round is picked by wall.
    : > "$dir/$c.rounds"
    for r in $(seq 1 "$ROUNDS"); do
      t=$dir/$c.$r.time
      status=$(timed "$t" 'Exit status')
      # GNU time says "Exit status: 0" for a process a signal killed (the OOM killer, say).
      ! grep -q 'terminated by signal' "$t" || status="killed"
      echo "$(seconds "$(timed "$t" 'Elapsed (wall clock)')") $(echo "$(timed "$t" 'User time (seconds)') + $(timed "$t" 'System time (seconds)')" | bc -l) $(timed "$t" 'Maximum resident set size') $status $r" >> "$dir/$c.rounds"
    done
    read -r wall cpu rss status round < <(sort -n "$dir/$c.rounds" | sed -n "$(( (ROUNDS + 1) / 2 ))p")
    all=$(awk '{printf "%s%.2f/%.2f", (NR > 1 ? " " : ""), $1, $2}' "$dir/$c.rounds")
    case $c in
      recon)  tickets=$(grep -o '[0-9]* tickets' "$dir/recon.$round.out" | head -1 | cut -d' ' -f1) ;;
      *)      tickets=$(grep -o '^[0-9]* tickets' "$dir/$c.$round.out" | cut -d' ' -f1) ;;
    esac
    printf "%-34s %10s %9.2f %9.2f %9.1f %12.1f  %-6s %s\n" "$name" "${tickets:-?}" "$wall" "$cpu" \
        "$(echo "$bytes / 1048576 / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$status" "$all"
    # saba-recon exits 1 when it reports discrepancies (the sandbox's seeded mistakes); the peer 0.
    if [ "$c" = recon ]; then
      recon_wall=$wall
      recon_cpu=$cpu
      recon_round=$round
      # The peak is the highest of any round, not the median's: the 64 MB bound holds for every run.
      printf "%-34s %10s %9s %9s %9s %12.1f\n" "  saba-recon, highest of the rounds" "" "" "" "" "$(sort -n -k3 "$dir/$c.rounds" | tail -1 | awk '{print $3 / 1024}')"
    elif [ "$status" = 0 ] && { [ -z "$best_py" ] || (( $(echo "$wall < $best_py" | bc -l) )); }; then
      best_py=$wall
      best_py_cpu=$cpu
      best_py_name=$name
    fi
    [ "$c" = recon ] || [ "$status" = 0 ] || tail -3 "$dir/$c.$round.err"
  done
  if [ -n "$best_py" ]; then
    printf "speed: faster python wall / saba-recon wall = %.2f / %.2f = %.2fx (%s)\n" \
        "$best_py" "$recon_wall" "$(echo "$best_py / $recon_wall" | bc -l)" "$best_py_name"
    printf "cpu: saba-recon cpu / faster python cpu = %.2f / %.2f = %.2f\n" \
        "$recon_cpu" "$best_py_cpu" "$(echo "$recon_cpu / $best_py_cpu" | bc -l)"
  fi
  # Where saba-recon's time went (its metrics textfile): the peer has no run store, reports or refund checks.
  printf "saba-recon stages:"
  sed -nE 's/^saba_recon_stage_duration_seconds\{.*stage="([a-z]+)"\} ([0-9.]+)$/\1 \2/p' "$dir/recon.$recon_round.prom" \
      | awk '{printf " %s %.2f s", $1, $2}'
  echo
  head -1 "$dir/recon.$recon_round.out"
done

echo "== 3. ledger read"
last=${COUNTS[-1]}
$BIN/saba-bench ledger "sqlite:$WORK/run-$last/ledger.sqlite"
source Benchmarks/private-postgres.sh
if [ -n "$PGBIN" ]; then
  pg_start "$WORK/pg"
  sqlite3 -csv "$WORK/run-$last/ledger.sqlite" "SELECT * FROM $TABLE" > "$WORK/ledger.csv"
  psql -X -q -h 127.0.0.1 -p $PGBENCH_PORT -U postgres -c "CREATE TABLE ledger (entry_id text PRIMARY KEY, provider text, ticket_id text, member_id text, kind text, amount numeric(20,4), currency text, created_at timestamptz, ref text, event_id text, market_id text, specifiers text)"
  psql -X -q -h 127.0.0.1 -p $PGBENCH_PORT -U postgres -c "\\copy ledger FROM '$WORK/ledger.csv' CSV"
  $BIN/saba-bench ledger "$PGBENCH_URL"
  pg_stop
fi
