"""End to end on PostgreSQL and Redis: a real Celery worker runs the daily purge (R-I3).

The worker is its own process (``celery -A verbund worker``) on the test database; the task
goes over the real broker. Log rows 19 to 23 months old sit in their monthly partitions; the
worker drops those partitions, writes their checkpoints and the ``audit.purge`` entry, and the
chain still verifies.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from audit import partitions
from audit.models import AuditEvent, PurgedPeriod
from audit.services import log_event, verify_chain
from audit.tasks import purge_expired_task
from tests.celery_support import WORKER, CeleryProcesses, celery_env


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Path]:
    """Start one Celery worker on the test database; yield its log file."""
    running = CeleryProcesses(tmp_path / "celery.log")
    running.start(WORKER, celery_env())
    try:
        yield running.log
    finally:
        running.stop(timeout=30)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_r_i3_real_worker_drops_expired_partitions_and_verify_stays_ok(
    audit_truncate_allowed: Any, partitions_restored: None, worker: Path
) -> None:
    first = partitions.add_months(partitions.month_start(timezone.now()), -23)
    months = [partitions.add_months(first, n) for n in range(5)]  # 23 to 19 months ago
    with transaction.atomic(), connection.cursor() as cursor:
        for month in months:
            partitions.partition_create(cursor, month)
    for n, month in enumerate(months):
        noon = datetime.datetime(month.year, month.month, 15, 12, tzinfo=datetime.UTC)
        with time_machine.travel(noon, tick=False):
            log_event(actor=None, action=f"old.{n}")
    log_event(actor=None, action="recent")
    names = [partitions.partition_name(m) for m in months]

    purge_expired_task.delay()
    deadline = time.monotonic() + 90
    while not AuditEvent.objects.filter(action="audit.purge").exists():
        assert time.monotonic() < deadline, worker.read_text()[-3000:]
        time.sleep(0.5)

    entry = AuditEvent.objects.get(action="audit.purge")
    assert [p["partition"] for p in entry.details["periods"]] == names
    assert entry.details["deleted"] == 5
    with connection.cursor() as cursor:
        present = {name for name, _ in partitions.monthly_partitions(cursor)}
    assert not present & set(names)
    # The coming months exist (the task ensures them first).
    coming = partitions.add_months(partitions.month_start(timezone.now()), 3)
    assert partitions.partition_name(coming) in present
    assert [p.partition for p in PurgedPeriod.objects.all()] == names
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["recent", "audit.purge"]
    assert verify_chain()["ok"] is True
    assert "ERROR" not in worker.read_text()
