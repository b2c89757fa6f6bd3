#!/usr/bin/env bash
# `make run`: the whole of Verbund on one machine with no server to install.
#
# SQLite in var/verbund.sqlite3 and Celery's filesystem transport in var/broker
# (verbund.settings.dev); a real Celery worker and exactly one beat run in the background,
# the web server in the foreground. Ctrl-C (or TERM) stops all three.
# Safe to run again: migrations, demo data and static files are brought up to date in place.
#
# Environment: VERBUND_HOST (127.0.0.1), VERBUND_PORT (8000), VERBUND_DEMO_PASSWORD,
# and everything verbund.settings.dev reads (DATABASE_URL, CELERY_BROKER_URL, ...).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export DJANGO_SETTINGS_MODULE=verbund.settings.dev
export PYTHONUNBUFFERED=1
HOST=${VERBUND_HOST:-127.0.0.1}
PORT=${VERBUND_PORT:-8000}
VAR=${VERBUND_VAR_DIR:-$ROOT/var}
BIN=$ROOT/.venv/bin
PY=$BIN/python
WORKER_PID=$VAR/worker.pid
BEAT_PID=$VAR/beat.pid

log() { echo "run: $*" >&2; }

[ -x "$PY" ] || {
    log "no virtualenv; run 'make venv' (or 'make run') first"
    exit 1
}
mkdir -p "$VAR/log"

# Refuse early when something already serves the port (another `make run`, most likely):
# starting a second worker and beat next to it would break "exactly one beat".
if ! "$PY" - "$HOST" "$PORT" <<'EOF'; then
import socket, sys
host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(sys.argv[1], sys.argv[1])
try:
    socket.create_connection((host, int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(0)  # nothing answers: the port is ours
sys.exit(1)
EOF
    log "port $HOST:$PORT is in use: is Verbund already running? (or set VERBUND_PORT)"
    exit 1
fi

# A worker or beat left behind by a run that was killed (kill -9, closed terminal) would
# consume tasks with old code or schedule every task twice: stop it first.
stop_from_pidfile() {
    local pidfile=$1 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        grep -qa celery "/proc/$pid/cmdline" 2>/dev/null; then
        log "stopping leftover celery process $pid ($pidfile)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}
stop_from_pidfile "$WORKER_PID"
stop_from_pidfile "$BEAT_PID"

log "migrating the database"
"$PY" manage.py migrate --noinput
log "loading demo data (idempotent)"
"$PY" manage.py seed_demo
log "collecting static files"
"$PY" manage.py collectstatic --noinput --verbosity 0

PIDS=()
cleanup() {
    trap - EXIT INT TERM
    local pid
    if [ "${#PIDS[@]}" -gt 0 ]; then
        log "stopping web server, worker and beat"
        kill -TERM "${PIDS[@]}" 2>/dev/null || true
        # The worker finishes its current task on TERM (warm shutdown); give it a while.
        for _ in $(seq 1 60); do
            local alive=0
            for pid in "${PIDS[@]}"; do
                kill -0 "$pid" 2>/dev/null && alive=1
            done
            [ "$alive" = 0 ] && break
            sleep 0.25
        done
        kill -KILL "${PIDS[@]}" 2>/dev/null || true
        wait 2>/dev/null || true
    fi
    rm -f "$WORKER_PID" "$BEAT_PID"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Worker: one process, one task at a time (SQLite has one writer anyway).
"$BIN/celery" -A verbund worker --pool=solo --concurrency=1 --loglevel=INFO \
    --hostname="verbund-dev@%h" --pidfile="$WORKER_PID" \
    >>"$VAR/log/worker.log" 2>&1 </dev/null &
PIDS+=("$!")
# Beat: exactly one, schedule kept in the database (django_celery_beat DatabaseScheduler).
"$BIN/celery" -A verbund beat --loglevel=INFO --pidfile="$BEAT_PID" \
    --schedule="$VAR/celerybeat-schedule" \
    >>"$VAR/log/beat.log" 2>&1 </dev/null &
PIDS+=("$!")

sleep 2
for pid in "${PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        log "a Celery process exited at once; see $VAR/log/worker.log and $VAR/log/beat.log"
        tail -n 20 "$VAR/log/worker.log" "$VAR/log/beat.log" >&2 || true
        exit 1
    fi
done

PASSWORD=${VERBUND_DEMO_PASSWORD:-demo-only-password}
cat <<EOF

  Verbund is starting at  http://$HOST:$PORT/
  API under http://$HOST:$PORT/api/v1/  (OpenAPI: http://$HOST:$PORT/api/v1/schema/)

  Demo logins (password: $PASSWORD)
    bka.analyst          BKA (Bundeskriminalamt), analyst
    bka.head             BKA, head of unit
    lka-bw.analyst       LKA Baden-Wuerttemberg, analyst
    bfv.analyst          BfV (Bundesamt fuer Verfassungsschutz), analyst
    bfdi.supervisor      BfDI (federal data protection supervisor)
    lfd-bw.supervisor    LfD Baden-Wuerttemberg (state data protection supervisor)

  Celery worker log: $VAR/log/worker.log    beat log: $VAR/log/beat.log
  Stop with Ctrl-C.

EOF

# In the background plus `wait`, so a TERM to this script runs the trap at once
# (bash defers traps while a foreground child runs).
"$PY" manage.py runserver "$HOST:$PORT" --noreload </dev/null &
PIDS+=("$!")
wait "${PIDS[-1]}"
