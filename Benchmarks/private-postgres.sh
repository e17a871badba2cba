# Sourced by the benchmarks: a private PostgreSQL on loopback in a folder of the benchmark's.
#   pg_start DIR   initdb into DIR/data (as the postgres user when root), start it on a free
#                  port; sets PGBENCH_PORT and PGBENCH_URL (database postgres, no TLS)
#   pg_stop        stop it (also safe in an EXIT trap, started or not)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PGBENCH_DIR=""
pg_as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_start() {
  [ -n "$PGBIN" ] || { echo "needs PostgreSQL server binaries (apt-get install postgresql)" >&2; return 2; }
  PGBENCH_DIR=$1
  mkdir -p "$PGBENCH_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PGBENCH_DIR"; fi
  pg_as_postgres "$PGBIN/initdb" -D "$PGBENCH_DIR/data" -A trust -U postgres --no-sync >/dev/null
  PGBENCH_PORT=$((40000 + RANDOM % 10000))
  pg_as_postgres "$PGBIN/pg_ctl" -D "$PGBENCH_DIR/data" -o "-p $PGBENCH_PORT -k $PGBENCH_DIR -c listen_addresses=127.0.0.1 -c fsync=off" \
      -l "$PGBENCH_DIR/log" -w start >/dev/null
  PGBENCH_URL="postgres://postgres@127.0.0.1:$PGBENCH_PORT/postgres?sslmode=disable"
}
pg_stop() {
  [ -n "$PGBENCH_DIR" ] && [ -d "$PGBENCH_DIR/data" ] || return 0
  pg_as_postgres "$PGBIN/pg_ctl" -D "$PGBENCH_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}
