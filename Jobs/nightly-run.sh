#!/usr/bin/env bash
# Nightly saba-recon for cron: runs `saba-recon nightly` (the last 180 UTC days, today
# included), logs to syslog, and exits with saba-recon's status: 0 reconciled,
# 1 discrepancies reported, 2 the run failed.
#   nightly-run.sh [options]                  saba-recon nightly
#   nightly-run.sh resume RUN_ID [options]    saba-recon run --resume RUN_ID (a killed run)
#   nightly-run.sh rediff RUN_ID [options]    saba-recon rediff RUN_ID (after a wallet fix)
# The last two run by hand with the job's env file, JWT, ledger and report root.
#
# `saba-recon nightly` holds OUT/.saba-recon.lock while it runs (a second start exits 2)
# and, started again on the same UTC day after a kill or a failure, resumes that run
# instead of starting over; the wrapper adds no lock or date arithmetic of its own.
#
# Reads:
#   /etc/saba-recon/saba-recon.yaml  the config file (Jobs/saba-recon.yaml), passed as SABA_RECON_CONFIG
#   /etc/saba-recon/env   NAME=value lines (NAME in capitals), the file saba-recon.service reads:
#                         secrets and per-host values, exported to saba-recon, which reads them
#                         over the config file. Nothing is expanded (a password may hold $ or `);
#                         blank lines and lines starting with # are skipped; one pair of
#                         surrounding quotes is removed. For example:
#                           SABA_VENDOR_ID    vendor_id for Saba's POST /login (or use the JWT file)
#                           SABA_API_URL      Saba base URL (over api_url in the config)
#                           SABA_LEDGER_URL   the ledger (over ledger): sqlite:/path, or
#                                             postgres://user@host:5432/db?sslmode=verify-full
#                           PGPASSWORD        the PostgreSQL ledger's password
#                           SABA_RECON_BIN    saba-recon binary (default /usr/local/bin/saba-recon)
#                         SABA_LEDGER_PATH=/path (the older form) still means sqlite:/path.
#                           SABA_RECON_JWT_FILE  a JWT file instead of the login (or jwt_file in the
#                                             config; read again by saba-recon whenever it changes)
#                         The token is chosen as under systemd: SABA_JWT, jwt_file, then the login.
# Options are passed on to saba-recon, e.g. --api-utc-offset -4 --tolerance 0.01, or --check
# to validate the settings without running.
# SABA_RECON_ENV and SABA_RECON_CONFIG override the two paths (a test run by hand).
set -uo pipefail

tag=saba-recon
env_file=${SABA_RECON_ENV:-/etc/saba-recon/env}
config=${SABA_RECON_CONFIG:-/etc/saba-recon/saba-recon.yaml}

log() { logger -t "$tag" -p "user.$1" -- "$2"; }
fail() { log err "nightly-run: $1"; echo "nightly-run: $1" >&2; exit 2; }

mode=nightly run_id=
case ${1:-} in
  resume | rediff)
    [ -n "${2:-}" ] && [[ $2 != -* ]] || fail "usage: nightly-run.sh $1 RUN_ID [options]"
    mode=$1 run_id=$2
    shift 2 ;;
esac

[ -r "$env_file" ] || fail "cannot read $env_file"
# Read like systemd's EnvironmentFile=, not sourced by the shell.
n=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  line=${line#"${line%%[![:space:]]*}"}
  case $line in '' | '#'* | ';'*) continue ;; esac
  name=${line%%=*}
  [[ $line == *=* && $name =~ ^[A-Z_][A-Z0-9_]*$ ]] || fail "$env_file line $n is not NAME=value (NAME in capitals)"
  value=${line#*=}
  value=${value%"${value##*[![:space:]]}"}
  if [ ${#value} -ge 2 ] && { [[ $value == \"*\" ]] || [[ $value == \'*\' ]]; }; then
    value=${value:1:${#value}-2}
  fi
  export "$name=$value"
done <"$env_file"

[ -r "$config" ] || fail "cannot read the config file $config"
export SABA_RECON_CONFIG=$config
if [ -z "${SABA_LEDGER_URL:-}" ] && [ -n "${SABA_LEDGER_PATH:-}" ]; then export SABA_LEDGER_URL="sqlite:$SABA_LEDGER_PATH"; fi
bin=${SABA_RECON_BIN:-/usr/local/bin/saba-recon}
[ -x "$bin" ] || fail "$bin is not executable"
case $mode in
  nightly) cmd=(nightly) ;;
  resume) cmd=(run --resume "$run_id") ;;
  rediff) cmd=(rediff "$run_id") ;;
esac

log info "$mode: starting${run_id:+ $run_id} with $config"
# stdout (the run line) and stderr (warnings, the error line) go to syslog line by line;
# the error line also goes to stderr, so cron mails it; on a terminal every line is shown.
[ -t 1 ] && tty=1 || tty=0
"$bin" "${cmd[@]}" "$@" 2>&1 |
while IFS= read -r line; do
  [ "$tty" = 1 ] && [[ $line != "saba-recon: error:"* ]] && echo "$line"
  case $line in
    "saba-recon: error:"*) prio=err; echo "$line" >&2 ;;
    *" error saba-recon"* | *" critical saba-recon"*) prio=err ;;
    *" warning saba-recon"*) prio=warning ;;
    *) prio=info ;;
  esac
  log "$prio" "$line"
done
status=${PIPESTATUS[0]}

case $status in
  0) log info "$mode: reconciled, no discrepancies (exit 0)" ;;
  1) log warning "$mode: discrepancies reported, see the reports' latest folder (exit 1)"
     echo "nightly-run: $mode: discrepancies reported, see the reports' latest folder (exit 1)" >&2 ;;
  *) log err "$mode: failed (exit $status), see the error above"
     echo "nightly-run: $mode: failed (exit $status); see syslog tag $tag" >&2 ;;
esac
exit "$status"
