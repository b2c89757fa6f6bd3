#!/usr/bin/env bash
# The web server of `make run` (scripts/run.sh starts it; tests/verbund/test_serving.py runs
# it as it is): gunicorn with scripts/gunicorn.conf.py — the config docker-compose's `web`
# uses too, which sends no Server header — serving verbund.wsgi on $VERBUND_HOST:$VERBUND_PORT.
# A few gthread workers (keep-alive; one slow request does not hold up the others); logs
# and pid file in $VERBUND_VAR_DIR. Settings: DJANGO_SETTINGS_MODULE from the caller.
#
# Environment: VERBUND_HOST (127.0.0.1), VERBUND_PORT (8000), VERBUND_VAR_DIR (var/),
# VERBUND_WEB_WORKERS (2), VERBUND_WEB_THREADS (4).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VAR=${VERBUND_VAR_DIR:-$ROOT/var}
mkdir -p "$VAR/log"

# exec: the caller's $! is gunicorn's master, which stops its workers on TERM or INT.
exec "$ROOT/.venv/bin/gunicorn" -c scripts/gunicorn.conf.py \
    --bind "${VERBUND_HOST:-127.0.0.1}:${VERBUND_PORT:-8000}" \
    --workers "${VERBUND_WEB_WORKERS:-2}" --threads "${VERBUND_WEB_THREADS:-4}" \
    --graceful-timeout 10 --pid "$VAR/web.pid" \
    --access-logfile "$VAR/log/access.log" --error-logfile "$VAR/log/web.log" \
    verbund.wsgi:application
