# Sourced by the benchmarks: the sandbox a benchmark runs against.
#   sandbox_serve DIR TICKETS [serve options...]
#                  starts `saba-sandbox serve --cache-bodies` ($BIN) on a free port with TICKETS
#                  tickets over 170 days before $NOW, its token and SQLite ledger in DIR; waits
#                  for both; sets SANDBOX_PORT and exports SABA_JWT. Stopped by the caller's
#                  EXIT trap (kill $(jobs -p)).
sandbox_serve() {
  local dir=$1 tickets=$2
  shift 2
  SANDBOX_PORT=$((20000 + RANDOM % 20000))
  "$BIN/saba-sandbox" serve --port "$SANDBOX_PORT" --tickets "$tickets" --span-days 170 --now "$NOW" --cache-bodies "$@" \
      --token-file "$dir/token" --ledger "$dir/ledger.sqlite" > "$dir/sandbox.log" 2>&1 &
  for _ in $(seq 1 600); do [ -s "$dir/token" ] && [ -s "$dir/ledger.sqlite" ] && break; sleep 0.5; done
  sleep 2
  export SABA_JWT
  SABA_JWT=$(cat "$dir/token")
}
