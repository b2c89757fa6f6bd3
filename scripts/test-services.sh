#!/usr/bin/env bash
# Start the real PostgreSQL 15 and Redis 7 that the test suite needs, and Chromium for the
# browser tests; reuse them when they already run.
#
#   scripts/test-services.sh          start (or reuse) and print DATABASE_URL / REDIS_URL
#   scripts/test-services.sh stop     stop the PostgreSQL and Redis started here
#   scripts/test-services.sh status   tell whether they answer
#
# A DATABASE_URL or REDIS_URL already in the environment is used as given, and that server
# is not started. The URLs are also written, as `export` lines, to var/test-services.env
# (VERBUND_SERVICES_ENV overrides the path), which the Makefile sources.
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
# (runuser) on a throwaway data directory in /tmp. Both servers listen on 127.0.0.1 only.
# Reads no stdin: CI runs it as root with none.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_PORT=${VERBUND_TEST_PG_PORT:-54329}
REDIS_PORT=${VERBUND_TEST_REDIS_PORT:-63799}
PG_BIN=${VERBUND_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DATA=/tmp/verbund-pg-$PG_PORT
PG_DB=verbund
REDIS_DIR=/tmp/verbund-redis-$REDIS_PORT
ENV_FILE=${VERBUND_SERVICES_ENV:-$ROOT/var/test-services.env}
CHROMIUM=/usr/bin/chromium

log() { echo "test-services: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a PostgreSQL program as the postgres user when root (PostgreSQL refuses root).
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# ---------------------------------------------------------------- packages
ensure_packages() {
    local missing=()
    if [ -z "${DATABASE_URL:-}" ] && [ ! -x "$PG_BIN/initdb" ]; then
        missing+=(postgresql-15)
    fi
    if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
        missing+=(redis-server)
    fi
    # redis-cli (redis-tools) answers the readiness check below.
    if [ -z "${REDIS_URL:-}" ] && ! command -v redis-cli >/dev/null 2>&1; then
        missing+=(redis-tools)
    fi
    # The browser tests drive Debian's Chromium (no browser download is possible here).
    if [ ! -x "$CHROMIUM" ] && [ "${VERBUND_SKIP_CHROMIUM:-0}" != 1 ]; then
        missing+=(chromium)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        "$ROOT/scripts/apt-install.sh" "${missing[@]}"
    fi
}

# ---------------------------------------------------------------- PostgreSQL
pg_answers() {
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2 </dev/null >/dev/null 2>&1
}

pg_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@" </dev/null
}

pg_init() {
    log "initialising PostgreSQL data directory $PG_DATA"
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    chmod 700 "$PG_DATA"
    if is_root; then
        chown postgres:postgres "$PG_DATA"
    fi
    # --no-sync: a throwaway test cluster need not survive a crash.
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync >"$PG_DATA.initdb.log" 2>&1 ||
        {
            cat "$PG_DATA.initdb.log" >&2
            die "initdb failed"
        }
    rm -f "$PG_DATA.initdb.log"
    # Trust, and only on loopback: nothing but this machine can connect.
    as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<EOF
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
EOF
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- verbund test cluster (scripts/test-services.sh) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
max_connections = 100
# Durability is worthless for a throwaway test database; speed is not.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_start() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
        >/dev/null 2>&1
}

start_postgres() {
    if pg_answers; then
        log "PostgreSQL already running on 127.0.0.1:$PG_PORT (reused)"
    else
        if [ ! -f "$PG_DATA/PG_VERSION" ] || [ "$(cat "$PG_DATA/PG_VERSION")" != 15 ]; then
            pg_init
        fi
        # Nothing answers on the port, so lock files left by a killed server are stale
        # (their PID may even belong to another process by now).
        rm -f "$PG_DATA/postmaster.pid" "$PG_DATA"/.s.PGSQL.*
        log "starting PostgreSQL 15 on 127.0.0.1:$PG_PORT"
        if ! pg_start; then
            log "start failed; recreating the data directory once"
            tail -n 20 "$PG_DATA/server.log" >&2 2>/dev/null || true
            pg_init
            pg_start || {
                tail -n 40 "$PG_DATA/server.log" >&2 2>/dev/null || true
                die "PostgreSQL did not start (is port $PG_PORT taken? set VERBUND_TEST_PG_PORT)"
            }
        fi
    fi
    local i
    for i in $(seq 1 60); do
        pg_answers && break
        [ "$i" -eq 60 ] && die "PostgreSQL on port $PG_PORT does not answer"
        sleep 0.5
    done
    if [ "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
        pg_psql -d postgres -c "CREATE DATABASE $PG_DB"
        log "created database $PG_DB"
    fi
}

stop_postgres() {
    if [ -f "$PG_DATA/postmaster.pid" ] && pg_answers; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
        log "stopped PostgreSQL on port $PG_PORT"
    else
        log "PostgreSQL on port $PG_PORT is not running"
    fi
}

# ---------------------------------------------------------------- Redis
redis_answers() {
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping </dev/null 2>/dev/null)" = PONG ]
}

start_redis() {
    if redis_answers; then
        log "Redis already running on 127.0.0.1:$REDIS_PORT (reused)"
        return
    fi
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$REDIS_DIR"
    # No persistence: test data is thrown away (production uses AOF, see docker-compose.yml).
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --daemonize yes --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" \
        --logfile "$REDIS_DIR/redis.log" </dev/null >/dev/null
    local i
    for i in $(seq 1 60); do
        redis_answers && return
        sleep 0.5
    done
    tail -n 20 "$REDIS_DIR/redis.log" >&2 2>/dev/null || true
    die "Redis did not start (is port $REDIS_PORT taken? set VERBUND_TEST_REDIS_PORT)"
}

stop_redis() {
    if redis_answers; then
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave </dev/null >/dev/null 2>&1 || true
        log "stopped Redis on port $REDIS_PORT"
    else
        log "Redis on port $REDIS_PORT is not running"
    fi
}

# ---------------------------------------------------------------- main
write_env() {
    mkdir -p "$(dirname "$ENV_FILE")"
    local tmp="$ENV_FILE.tmp.$$"
    {
        echo "# Written by scripts/test-services.sh; sourced by the Makefile."
        printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
        printf 'export REDIS_URL=%q\n' "$REDIS_URL"
    } >"$tmp"
    mv "$tmp" "$ENV_FILE"
}

cmd=${1:-start}
case "$cmd" in
start)
    ensure_packages
    if [ -n "${DATABASE_URL:-}" ]; then
        log "using DATABASE_URL from the environment"
    else
        start_postgres
        DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB
    fi
    if [ -n "${REDIS_URL:-}" ]; then
        log "using REDIS_URL from the environment"
    else
        start_redis
        REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
    fi
    write_env
    log "wrote $ENV_FILE"
    echo "DATABASE_URL=$DATABASE_URL"
    echo "REDIS_URL=$REDIS_URL"
    ;;
stop)
    stop_postgres
    stop_redis
    rm -f "$ENV_FILE"
    ;;
status)
    rc=0
    if pg_answers; then log "PostgreSQL: up on 127.0.0.1:$PG_PORT"; else
        log "PostgreSQL: down"
        rc=1
    fi
    if redis_answers; then log "Redis: up on 127.0.0.1:$REDIS_PORT"; else
        log "Redis: down"
        rc=1
    fi
    exit "$rc"
    ;;
*)
    echo "usage: $0 [start|stop|status]" >&2
    exit 2
    ;;
esac
