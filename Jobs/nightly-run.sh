#!/usr/bin/env bash
# Nightly saba-recon run: reconciles the last 30 complete UTC days (yesterday and the
# 29 days before it) against the wallet ledger, logs to syslog, and exits with
# saba-recon's status: 0 reconciled, 1 discrepancies reported, 2 the run failed.
#
# Reads:
#   /etc/saba-recon/env   shell variables (see Jobs/README.md):
#                           SABA_API_URL      Saba base URL (required)
#                           SABA_LEDGER_PATH  path of the SQLite ledger (required)
#                           SABA_RECON_OUT    report root (default /var/lib/saba-recon/Reports)
#                           SABA_RECON_BIN    saba-recon binary (default /usr/local/bin/saba-recon)
#   /etc/saba-recon/jwt   the Saba JWT (what SABA_JWT would hold), mode 0600
# Arguments are passed on to `saba-recon run`, e.g. --api-utc-offset -4 --tolerance 0.01.
# SABA_RECON_ENV and SABA_RECON_JWT override the two paths (for a test run by hand).
set -uo pipefail

tag=saba-recon
env_file=${SABA_RECON_ENV:-/etc/saba-recon/env}
jwt_file=${SABA_RECON_JWT:-/etc/saba-recon/jwt}

log() { logger -t "$tag" -p "user.$1" -- "$2"; }
fail() { log err "nightly: $1"; echo "nightly-run: $1" >&2; exit 2; }

[ -r "$env_file" ] || fail "cannot read $env_file"
set -a
# shellcheck source=/dev/null
. "$env_file" || fail "cannot load $env_file"
set +a
[ -n "${SABA_API_URL:-}" ] || fail "SABA_API_URL is not set in $env_file"
[ -n "${SABA_LEDGER_PATH:-}" ] || fail "SABA_LEDGER_PATH is not set in $env_file"
[ -r "$jwt_file" ] || fail "cannot read the JWT file $jwt_file"
bin=${SABA_RECON_BIN:-/usr/local/bin/saba-recon}
out=${SABA_RECON_OUT:-/var/lib/saba-recon/Reports}
[ -x "$bin" ] || fail "$bin is not executable"

# One run at a time: a night that overruns must not meet the next one.
exec 9>"${TMPDIR:-/tmp}/saba-recon-nightly.lock"
flock -n 9 || fail "another nightly run is still going"

# The last 30 complete UTC days, both inclusive: 30 days ago .. yesterday.
from=$(date -u -d '30 days ago' +%F)
to=$(date -u -d '1 day ago' +%F)

log info "nightly: reconciling $from..$to into $out"
# stdout (summary) and stderr (warnings, the error line) go to syslog line by line.
"$bin" run --from "$from" --to "$to" \
  --api-url "$SABA_API_URL" \
  --jwt-file "$jwt_file" \
  --ledger "sqlite:$SABA_LEDGER_PATH" \
  --out "$out" \
  "$@" 2>&1 |
while IFS= read -r line; do
  case $line in
    "saba-recon: error:"* | *" error saba-recon:"* | *" critical saba-recon:"*) prio=err ;;
    *" warning saba-recon:"*) prio=warning ;;
    *) prio=info ;;
  esac
  log "$prio" "$line"
done
status=${PIPESTATUS[0]}

case $status in
  0) log info "nightly: $from..$to reconciled, no discrepancies (exit 0)" ;;
  1) log warning "nightly: $from..$to discrepancies reported, see $out/latest (exit 1)" ;;
  *) log err "nightly: $from..$to failed (exit $status), see the error above" ;;
esac
exit "$status"
