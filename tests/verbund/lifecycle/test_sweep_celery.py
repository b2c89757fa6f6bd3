"""The deadline sweep run by a real Celery worker against Redis (issue 16, items 5 and 7).

The worker and beat are processes of their own (``celery -A verbund worker`` / ``beat``) on
the test database and the real Redis broker. Proven: the beat's ``enforce-deadlines`` entry
makes the worker delete records past their deletion date and open due reviews (R-L2, R-L4);
a worker killed with SIGKILL in the middle of a sweep leaves every record either fully
handled or untouched, the unacknowledged task is delivered again (``acks_late``; Redis
redelivers after the broker's visibility timeout, shortened here to 5 s) and the rerun
deletes every due record exactly once and opens every due review exactly once.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count

from audit.models import AuditEvent
from tests.celery_support import WORKER as CELERY_WORKER
from tests.celery_support import CeleryProcesses, celery_env
from tests.conftest import PASSWORD
from tests.verbund.lifecycle.sweep_support import dated, day
from verbund.models import InboxItem, Record


@pytest.fixture
def reference(audit_truncate_allowed: None) -> dict[str, Any]:
    """Committed reference data: the worker process reads through its own connection."""
    from agencies.services import demo_officers
    from verbund.services.reference import reference_data_ensure

    agencies = reference_data_ensure()
    demo_officers(PASSWORD)
    return agencies


@pytest.fixture(name="celery_env")
def celery_env_fixture() -> dict[str, str]:
    return celery_env()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start Celery processes on demand (logging to tmp_path/celery.log); stop them after."""
    running = CeleryProcesses(tmp_path / "celery.log")
    try:
        yield running.start
    finally:
        running.stop()


WORKER = [*CELERY_WORKER, "--without-gossip"]


def _wait(condition: Callable[[], bool], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-4000:]
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_r_l2_beat_and_worker_delete_records_past_their_deletion_date(
    make_record: Any,
    celery_env: dict[str, str],
    processes: Callable[..., Any],
    tmp_path: Path,
) -> None:
    gone = [dated(make_record, review=day(5), deletion=day(30), surname=f"Ab{n}") for n in range(3)]
    Record.objects.filter(pk__in=[r.pk for r in gone]).update(
        review_date=day(-10), deletion_date=day(-1)
    )
    coming = dated(make_record, review=day(3), deletion=day(300), surname="Demnaechst")
    later = dated(make_record, review=day(100), deletion=day(300), surname="Spaeter")

    # The beat fires the entry every minute here (VERBUND_DEADLINES_CRON), daily by default.
    env = {**celery_env, "VERBUND_DEADLINES_CRON": "* * * * *"}
    processes(WORKER, env)
    processes(
        [
            "beat",
            "--loglevel=INFO",
            "--scheduler=celery.beat:PersistentScheduler",
            f"--schedule={tmp_path / 'beat-schedule'}",
        ],
        env,
    )
    log = tmp_path / "celery.log"
    _wait(lambda: AuditEvent.objects.filter(action="deadlines.sweep").exists(), 150, log)

    assert not Record.objects.filter(pk__in=[r.pk for r in gone]).exists()
    for record in gone:
        [row] = AuditEvent.objects.filter(action="record.delete", object_id=str(record.pk))
        assert row.details["tombstone"]["ground"] == "deletion_date"
        assert AuditEvent.objects.filter(action="record.create", object_id=str(record.pk)).exists()
    assert InboxItem.objects.filter(kind="review_due", record=coming).count() == 1
    assert not InboxItem.objects.filter(kind="review_due", record=later).exists()
    text = log.read_text(errors="replace")
    assert "verbund.tasks.enforce_deadlines" in text and "succeeded" in text
    for bad in ("deadlock", "Traceback", "ERROR/"):
        assert bad not in text, text[-4000:]


def _clone(template: Record, n: int, **dates: datetime.date) -> list[Any]:
    """``n`` copies of ``template`` (new ids and file numbers) with the given dates."""
    rows = []
    for i in range(n):
        row = Record(
            **{
                f.attname: getattr(template, f.attname)
                for f in Record._meta.concrete_fields
                if not f.primary_key
            }
        )
        row.id = uuid.uuid4()
        row.file_number = f"SWEEP-{uuid.uuid4().hex[:12]}-{i}"
        for key, value in dates.items():
            setattr(row, key, value)
        rows.append(row)
    Record.objects.bulk_create(rows, batch_size=1000)
    return [r.pk for r in rows]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(420)
def test_r_l4_sigkill_mid_sweep_rerun_misses_none_and_handles_none_twice(
    make_record: Any,
    celery_env: dict[str, str],
    processes: Callable[..., Any],
    tmp_path: Path,
) -> None:
    template = dated(make_record, review=day(100), deletion=day(300), surname="Vorlage")
    reviews = _clone(template, 1000, review_date=day(2), deletion_date=day(300))
    deletions = _clone(template, 2000, review_date=day(-30), deletion_date=day(-1))
    env = {
        **celery_env,
        "VERBUND_DEADLINES_BATCH": "25",
        # A task whose worker died is delivered again once this has passed (acks_late).
        "VERBUND_BROKER_VISIBILITY_TIMEOUT": "5",
    }
    log = tmp_path / "celery.log"
    first = processes(WORKER, env)
    from verbund.tasks import enforce_deadlines

    enforce_deadlines.delay()

    def deleted() -> int:
        return 2000 - Record.objects.filter(pk__in=deletions).count()

    # Kill it once part of the deletions are done (the reviews come first).
    _wait(lambda: deleted() >= 100, 240, log)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    at_kill = deleted()
    time.sleep(1)
    assert deleted() == at_kill  # nothing moves while no worker runs
    assert 100 <= at_kill < 2000, at_kill
    assert not AuditEvent.objects.filter(action="deadlines.sweep").exists()
    # Every record is fully handled or untouched: a deleted one has its log row, a live
    # one none (the transaction the kill cut short was rolled back).
    assert AuditEvent.objects.filter(action="record.delete").count() == at_kill

    # A new worker: the unacknowledged sweep comes back to it and finishes.
    processes(WORKER, env)
    _wait(lambda: AuditEvent.objects.filter(action="deadlines.sweep").exists(), 300, log)

    assert deleted() == 2000
    per_record = dict(
        AuditEvent.objects.filter(action="record.delete")
        .values_list("object_id")
        .annotate(n=Count("seq"))
    )
    assert per_record == {str(pk): 1 for pk in deletions}
    items = dict(
        InboxItem.objects.filter(kind="review_due").values_list("record_id").annotate(n=Count("id"))
    )
    assert items == {pk: 1 for pk in reviews}
    opened = dict(
        AuditEvent.objects.filter(action="record.review_open")
        .values_list("object_id")
        .annotate(n=Count("seq"))
    )
    assert opened == {str(pk): 1 for pk in reviews}
    [sweep] = AuditEvent.objects.filter(action="deadlines.sweep")
    assert sweep.details["deleted"] == 2000 - at_kill
    assert sweep.details["errors"] == 0
    text = log.read_text(errors="replace")
    assert text.count("Task verbund.tasks.enforce_deadlines[") >= 2  # received twice
    for bad in ("deadlock", "Traceback", "ERROR/"):
        assert bad not in text, text[-4000:]
    assert Record.objects.filter(pk=template.pk).exists()
