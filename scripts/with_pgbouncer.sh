#!/usr/bin/env bash
# Run a command with PgBouncer (transaction pooling) between Django and PostgreSQL.
#   scripts/with_pgbouncer.sh .venv/bin/pytest sessions/tests/test_concurrency.py
# It starts a private pgbouncer on PGBOUNCER_PORT (default 6432) in front of 127.0.0.1:5432,
# points DATABASE_URL at it with DATABASE_PGBOUNCER=true, runs the command, and stops it.
set -euo pipefail

if ! command -v pgbouncer >/dev/null 2>&1; then
  echo "pgbouncer is not installed (Debian: apt-get install pgbouncer)" >&2
  exit 1
fi

port="${PGBOUNCER_PORT:-6432}"
workdir="$(mktemp -d)"
chown postgres "$workdir" 2>/dev/null || true  # pgbouncer refuses to run as root
cat > "$workdir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432 user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 400
default_pool_size = 40
ignore_startup_parameters = extra_float_digits,options
pidfile = $workdir/pgbouncer.pid
logfile = $workdir/pgbouncer.log
INI

run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  if [ -f "$workdir/pgbouncer.pid" ]; then kill "$(cat "$workdir/pgbouncer.pid")" 2>/dev/null || true; fi
  sleep 0.2
  rm -rf "$workdir"
}
trap cleanup EXIT

run_as_postgres pgbouncer -d "$workdir/pgbouncer.ini"
for _ in $(seq 50); do
  pg_isready -h 127.0.0.1 -p "$port" -q && break
  sleep 0.1
done
pg_isready -h 127.0.0.1 -p "$port" -q || { cat "$workdir/pgbouncer.log" >&2; exit 1; }

echo "PgBouncer (transaction pooling) on 127.0.0.1:$port"
DATABASE_URL="postgres://postgres@127.0.0.1:$port/assessment_engine" DATABASE_PGBOUNCER=true "$@"
