"""Real Celery processes beside a test: a worker and a beat on the test database and Redis.

Shared by the tests that prove behaviour through real processes (no mocked broker):
``tests/verbund/lifecycle/test_sweep_celery.py``, ``tests/audit/test_retention_worker.py``,
``tests/verbund/duties/test_celery_reminders.py``. The processes read the test database
through their own connections, so those tests commit (``transaction=True``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
CELERY = [sys.executable, "-m", "celery", "-A", "verbund"]
WORKER = ["worker", "--pool=solo", "--loglevel=INFO", "--without-heartbeat"]


def database_url() -> str:
    """Return the URL of the test database the current connection uses."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def celery_env(**extra: str) -> dict[str, str]:
    """Return the environment of Celery processes on the test database; empty the broker.

    ``extra`` adds settings read from the environment (e.g. ``VERBUND_REMINDER_SECONDS``).
    Tasks left on the broker by an earlier run must not run against this database, so the
    queue is purged first.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.test",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    subprocess.run([*CELERY, "purge", "-f"], env=env, cwd=ROOT, check=True, capture_output=True)
    return env


class CeleryProcesses:
    """Start Celery processes logging to one file; stop them all (TERM, then KILL)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start ``celery -A verbund <args>`` with ``env``; return the process."""
        with self.log.open("ab") as out:
            proc = subprocess.Popen(
                [*CELERY, *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append(proc)
        return proc

    def stop(self, timeout: float = 60) -> None:
        """Ask every process still running to stop; kill what does not within ``timeout``."""
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
