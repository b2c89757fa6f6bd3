"""R-L6 end to end: the beat schedules ``remind_overdue_duties`` and a real worker runs it.

The worker and beat run as their own processes (``celery -A verbund worker`` / ``beat``) on the
test database and the real Redis broker, as in ``tests/verbund/search/test_celery_worker.py``.
The duties are created in the past (time-machine) so that, on the worker's real clock, some
are past their configured due time and one is not yet due.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.verbund.search.test_celery_worker import _database_url
from verbund.models import AccessRequest, CovertHit, EmergencyAccess, InboxItem

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def reference(audit_truncate_allowed: None) -> dict[str, Any]:
    """Committed reference data: the worker process reads through its own connection."""
    from agencies.services import demo_officers
    from verbund.services.reference import reference_data_ensure

    agencies = reference_data_ensure()
    demo_officers(PASSWORD)
    return agencies


@pytest.fixture
def reminder_processes(tmp_path: Path) -> Iterator[Callable[[], Path]]:
    """Start one worker and one beat (reminders every 0.5 s) when called."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.test",
        "DATABASE_URL": _database_url(),
        "VERBUND_REMINDER_SECONDS": "0.5",
        "PYTHONPATH": str(ROOT),
    }
    celery = [sys.executable, "-m", "celery", "-A", "verbund"]
    log = tmp_path / "celery.log"
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> Path:
        # Tasks left on the broker by an earlier run must not run against this database.
        subprocess.run([*celery, "purge", "-f"], env=env, cwd=ROOT, check=True, capture_output=True)
        with log.open("ab") as out:
            for args in (
                ["worker", "--pool=solo", "--loglevel=INFO", "--without-heartbeat"],
                [
                    "beat",
                    "--loglevel=INFO",
                    "--scheduler=celery.beat:PersistentScheduler",
                    f"--schedule={tmp_path / 'beat-schedule'}",
                ],
            ):
                procs.append(
                    subprocess.Popen(
                        [*celery, *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
                    )
                )
        return log

    try:
        yield start
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_r_l6_reminders_fire_through_the_real_celery_beat_and_worker(
    duty: Callable[[str], Any], reminder_processes: Callable[[], Path], settings: Any
) -> None:
    settings.VERBUND_ACCESS_REQUEST_REMINDER_HOURS = 5
    settings.VERBUND_EILFALL_CONSENT_HOURS = 5
    settings.VERBUND_EILFALL_DUTY_HOURS = 5
    settings.VERBUND_CORRECTION_DUE_HOURS = 5
    settings.VERBUND_COVERT_CONTACT_HOURS = 5
    created = timezone.now() - datetime.timedelta(hours=6)
    with time_machine.travel(created, tick=True):
        subjects = {
            kind: duty(kind)[0]
            for kind in (
                "access_request",
                "emergency_consent",
                "emergency_refused",
                "correction_notice",
                "covert_hit",
            )
        }
        # Due in 4 hours on the real clock: not reminded.
        settings.VERBUND_ACCESS_REQUEST_REMINDER_HOURS = 10
        later = duty("access_request")[0]

    log = reminder_processes()

    def marked() -> bool:
        return (
            AccessRequest.objects.filter(reminded_at__isnull=False).exists()
            and EmergencyAccess.objects.filter(consent_reminded_at__isnull=False).exists()
            and EmergencyAccess.objects.filter(duty_reminded_at__isnull=False).exists()
            and InboxItem.objects.filter(kind="correction_notice", payload__overdue=True).exists()
            and CovertHit.objects.filter(reminded_at__isnull=False).exists()
        )

    deadline = time.monotonic() + 120
    while not marked():
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.5)
    time.sleep(2)  # a few more beats: nothing is reminded twice

    for kind, subject in subjects.items():
        item = (
            InboxItem.objects.get(pk=subject.pk)
            if kind == "correction_notice"
            else InboxItem.objects.get(kind=kind, subject_id=subject.pk)
        )
        assert item.payload["overdue"] is True, kind
        assert datetime.datetime.fromisoformat(item.payload["reminded_at"]) > created + (
            datetime.timedelta(hours=5)
        )
    later.refresh_from_db()
    assert later.reminded_at is None
    assert (
        "overdue" not in InboxItem.objects.get(kind="access_request", subject_id=later.pk).payload
    )
    assert AuditEvent.objects.filter(action="duty.reminder").count() == 4
    assert AuditEvent.objects.filter(action="covert_hit.reminder").count() == 1
    text = log.read_text(errors="replace")
    assert "verbund.tasks.remind_overdue_duties" in text and "succeeded" in text
    for bad in ("deadlock", "Traceback", "ERROR/"):
        assert bad not in text, text[-3000:]


@pytest.mark.django_db(transaction=True)
def test_r_l6_concurrent_reminder_runs_mark_each_duty_once(
    duty: Callable[[str], Any],
) -> None:
    import threading

    from django.db import connection

    from verbund.services.duties import duties_remind

    for kind in ("access_request", "emergency_consent", "emergency_refused", "correction_notice"):
        for _ in range(3):
            duty(kind)
    later = timezone.now() + datetime.timedelta(days=30)
    start = threading.Barrier(3)
    counts: list[Any] = [None] * 3

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            counts[index] = duties_remind(now=later)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            counts[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == 12
    assert AuditEvent.objects.filter(action="duty.reminder").count() == 12
    assert duties_remind(now=later) == 0
