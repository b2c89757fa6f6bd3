#!/usr/bin/env bash
# The dedicated PostgreSQL 15 cluster of `make bench-http` (benchmarks/http_bench.py), with
# production durability — not the test-services cluster, which runs with fsync off.
#
#   scripts/bench-pg.sh start     start (or reuse) it; prints its DATABASE_URL (database postgres)
#   scripts/bench-pg.sh stop      stop it (the data stay in the data directory)
#   scripts/bench-pg.sh status    tell whether it answers (exit 1 if not)
#   scripts/bench-pg.sh destroy   stop it and delete the data directory (the loaded records)
#
# Settings (written once, at initdb): fsync, synchronous_commit and full_page_writes on (the
# defaults a deployment keeps), shared_buffers 2GB, work_mem 16MB, max_connections 100
# (gunicorn's workers and threads, the Celery worker and beat, the benchmark, pgbench),
# max_wal_size 4GB (bulk loading with fewer forced checkpoints). Listens on 127.0.0.1 only,
# trust authentication: nothing but this machine can connect.
#
# Environment: VERBUND_BENCH_PG_PORT (54340), VERBUND_BENCH_PG_DIR (var/bench-pg of this
# checkout), VERBUND_PG_BIN (/usr/lib/postgresql/15/bin). A server already answering on the
# port is reused as it is, whichever checkout's data directory it runs on (`status` names it).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_PORT=${VERBUND_BENCH_PG_PORT:-54340}
PG_BIN=${VERBUND_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DATA=${VERBUND_BENCH_PG_DIR:-$ROOT/var/bench-pg}

log() { echo "bench-pg: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

answers() {
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2 \
        </dev/null >/dev/null 2>&1
}

psql_value() {
    "$PG_BIN/psql" -X -q -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "$1" </dev/null
}

init() {
    [ -x "$PG_BIN/initdb" ] || "$ROOT/scripts/apt-install.sh" postgresql-15
    log "initialising $PG_DATA (PostgreSQL 15, port $PG_PORT)"
    mkdir -p "$(dirname "$PG_DATA")"
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    chmod 700 "$PG_DATA"
    if is_root; then
        chown postgres:postgres "$PG_DATA"
    fi
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$PG_DATA.initdb.log" 2>&1 || {
        cat "$PG_DATA.initdb.log" >&2
        die "initdb failed"
    }
    rm -f "$PG_DATA.initdb.log"
    as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<EOF
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
EOF
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- verbund benchmark cluster (scripts/bench-pg.sh): production durability ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
max_connections = 100
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 2GB
work_mem = 16MB
max_wal_size = 4GB
EOF
}

start() {
    if answers; then
        log "reusing the server on 127.0.0.1:$PG_PORT (data directory $(psql_value 'SHOW data_directory'))"
    else
        if [ ! -f "$PG_DATA/PG_VERSION" ]; then
            init
        elif [ "$(cat "$PG_DATA/PG_VERSION")" != 15 ]; then
            die "$PG_DATA is not a PostgreSQL 15 data directory"
        fi
        # Nothing answers on the port: lock files left by a killed server are stale.
        rm -f "$PG_DATA/postmaster.pid" "$PG_DATA"/.s.PGSQL.*
        log "starting PostgreSQL 15 on 127.0.0.1:$PG_PORT ($PG_DATA)"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 120 start \
            >/dev/null 2>&1 || {
            tail -n 40 "$PG_DATA/server.log" >&2 2>/dev/null || true
            die "PostgreSQL did not start (is port $PG_PORT taken? set VERBUND_BENCH_PG_PORT)"
        }
    fi
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

stop() {
    if [ -f "$PG_DATA/postmaster.pid" ] && answers; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 120 stop >/dev/null
        log "stopped PostgreSQL on port $PG_PORT"
    else
        log "no server of $PG_DATA is running on port $PG_PORT"
    fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
status)
    if answers; then
        log "up on 127.0.0.1:$PG_PORT, data directory $(psql_value 'SHOW data_directory')"
    else
        log "down (port $PG_PORT)"
        exit 1
    fi
    ;;
destroy)
    stop
    rm -rf "$PG_DATA"
    log "deleted $PG_DATA"
    ;;
*)
    echo "usage: $0 [start|stop|status|destroy]" >&2
    exit 2
    ;;
esac
