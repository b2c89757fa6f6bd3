#!/usr/bin/env bash
# `make run`: the whole of Verbund on one machine with no server to install.
#
# SQLite in var/verbund.sqlite3 (WAL mode) and Celery's filesystem transport in var/broker
# (verbund.settings.dev); a real Celery worker, exactly one beat and the web server —
# gunicorn via scripts/serve.sh, with the same config file as docker-compose's `web` —
# run in the background while this script waits. Ctrl-C (or TERM) stops all three.
# Safe to run again: migrations, demo data and static files are brought up to date in place;
# processes left behind by a run that was killed are stopped first.
#
# Environment: VERBUND_HOST (127.0.0.1), VERBUND_PORT (8000), VERBUND_VAR_DIR (var/),
# VERBUND_WEB_WORKERS (2) and VERBUND_WEB_THREADS (4) for gunicorn (scripts/serve.sh),
# VERBUND_DEMO_PASSWORD, and everything verbund.settings.dev reads (DATABASE_URL, ...).
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
RUN_PID=$VAR/run.pid
WEB_PID=$VAR/web.pid
WORKER_PID=$VAR/worker.pid
BEAT_PID=$VAR/beat.pid

log() { echo "run: $*" >&2; }

[ -x "$PY" ] || {
    log "no virtualenv; run 'make venv' (or 'make run') first"
    exit 1
}
mkdir -p "$VAR/log"

# Another `make run` on this var/ directory still running: refuse (a second worker and beat
# next to it would break "exactly one beat").
if [ -f "$RUN_PID" ]; then
    other=$(cat "$RUN_PID" 2>/dev/null || true)
    if [ -n "$other" ] && [ "$other" != "$$" ] && kill -0 "$other" 2>/dev/null &&
        grep -qa run.sh "/proc/$other/cmdline" 2>/dev/null; then
        log "Verbund is already running from $VAR (process $other); stop it first"
        exit 1
    fi
fi

# A web server, worker or beat left behind by a run that was killed (kill -9, closed
# terminal) would keep the port, consume tasks with old code or schedule every task twice:
# stop it first. Only a process whose command line names the expected program is stopped.
stop_from_pidfile() {
    local pidfile=$1 program=$2 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        grep -qa "$program" "/proc/$pid/cmdline" 2>/dev/null; then
        log "stopping leftover $program process $pid ($pidfile)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}
stop_from_pidfile "$WEB_PID" gunicorn
stop_from_pidfile "$WORKER_PID" celery
stop_from_pidfile "$BEAT_PID" celery

# True when something accepts connections on $HOST:$PORT.
port_answers() {
    "$PY" - "$HOST" "$PORT" <<'EOF'
import socket, sys
host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(sys.argv[1], sys.argv[1])
try:
    socket.create_connection((host, int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

# Refuse when something else already serves the port (a `make run` from another
# VERBUND_VAR_DIR, or any other program).
if port_answers; then
    log "port $HOST:$PORT is in use: is Verbund already running? (or set VERBUND_PORT)"
    exit 1
fi

PIDS=()
cleanup() {
    trap - EXIT INT TERM HUP
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
    rm -f "$WEB_PID" "$WORKER_PID" "$BEAT_PID" "$RUN_PID"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
echo "$$" >"$RUN_PID"

log "migrating the database"
"$PY" manage.py migrate --noinput
log "rebuilding search keys made with an older folding (none: nothing to do)"
"$PY" manage.py rebuild_search_keys
log "loading demo data (idempotent)"
"$PY" manage.py seed_demo
log "collecting static files"
"$PY" manage.py collectstatic --noinput --verbosity 0

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

# Web server: gunicorn (scripts/serve.sh: no Server header, gthread workers, var/log/).
# In its own session, so Ctrl-C reaches only this script, whose trap stops gunicorn with one
# TERM (graceful shutdown, ~3 s). On SIGINT gunicorn takes its quick-shutdown path, where a
# gthread worker now and then hangs until the master kills it after --graceful-timeout
# (measured: 1 stop in 4-6 took 12 s; TERM: 12 of 12 within 3.3 s). The price: a SIGKILL to
# this script's process group no longer reaches gunicorn; the next run stops it (web.pid).
VERBUND_HOST=$HOST VERBUND_PORT=$PORT VERBUND_VAR_DIR=$VAR \
    setsid bash scripts/serve.sh </dev/null &
WEB=$!
PIDS+=("$WEB")

# Wait until gunicorn answers (each worker imports Django first); give up if it exits or
# stays silent for a minute.
deadline=$((SECONDS + 60))
until port_answers; do
    if ! kill -0 "$WEB" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        log "the web server did not start; see $VAR/log/web.log"
        tail -n 20 "$VAR/log/web.log" >&2 || true
        exit 1
    fi
    sleep 0.25
done

PASSWORD=${VERBUND_DEMO_PASSWORD:-demo-only-password}
cat <<EOF

  Verbund is running at  http://$HOST:$PORT/
  API under http://$HOST:$PORT/api/v1/  (OpenAPI: http://$HOST:$PORT/api/v1/schema/)

  Demo logins (password: $PASSWORD)
    bka.analyst          BKA (Bundeskriminalamt), analyst
    bka.head             BKA, head of unit
    lka-bw.analyst       LKA Baden-Wuerttemberg, analyst
    bfv.analyst          BfV (Bundesamt fuer Verfassungsschutz), analyst
    bfdi.supervisor      BfDI (federal data protection supervisor)
    lfd-bw.supervisor    LfD Baden-Wuerttemberg (state data protection supervisor)
    bka.auskunft         BKA subject-access desk
    bfv.auskunft         BfV subject-access desk (its own covert data included)
    bka.betrieb          BKA IT operations (operations log only)

  Logs in $VAR/log/: web.log and access.log (gunicorn), worker.log, beat.log (Celery)
  Stop with Ctrl-C.

EOF

# Wait with the shell's `wait`, so a TERM to this script runs the trap at once (bash defers
# traps while a foreground child runs). Whichever of the three exits first ends the run.
wait -n "${PIDS[@]}" || true
log "a process exited by itself; stopping the others (see $VAR/log/)"
exit 1
