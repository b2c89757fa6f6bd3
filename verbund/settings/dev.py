"""Settings for `make run`: SQLite in var/, Celery over the filesystem transport."""

from typing import Any

from verbund.settings.base import *  # noqa: F403
from verbund.settings.base import DATABASES, VAR_DIR, env

DEBUG = env("DJANGO_DEBUG", "0") == "1"

# SQLite shared by several gunicorn workers, the Celery worker and beat (scripts/run.sh).
# - WAL journal: readers never block the writer nor the writer the readers; the mode is
#   stored in the file, the PRAGMA on every connection only makes sure of it.
#   synchronous=NORMAL is the setting SQLite recommends with WAL (durable except for the
#   last transactions on a power loss, never corrupt).
# - transaction_mode IMMEDIATE (Django 5.1+): every atomic block takes the write lock at
#   BEGIN. With SQLite's default DEFERRED, two connections that read and then write both
#   hold a read lock and one of them fails at once with "database is locked" (an upgrade
#   deadlock the busy timeout cannot wait out); IMMEDIATE makes the second one wait.
# - timeout: the busy timeout in seconds (sqlite3.connect's, i.e. PRAGMA busy_timeout):
#   how long a connection waits for the write lock. Below gunicorn's worker timeout
#   (scripts/gunicorn.conf.py, 30 s), so a stuck request fails with an error, not a kill.
# - CONN_MAX_AGE 0: connections are not kept across requests, so none holds a stale
#   snapshot or a lock between them.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Embedded broker: kombu's filesystem transport needs no server; the worker and beat
# started by `make run` really consume from it.
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {  # type: ignore[no-redef]
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcasts (worker pings of /health/, remote control) go through this folder;
        # absolute, so web and worker meet there whatever their working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
