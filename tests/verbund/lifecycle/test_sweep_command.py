"""``manage.py enforce_deadlines`` and the daily beat entry of the sweep (issue 16, R-L4, R-L2).

The command runs the same service as the beat task, with a progress bar on a terminal and a
summary line; the beat entry is copied by django-celery-beat's DatabaseScheduler into the
database, where the admin shows it and can change it.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Officer
from audit.models import AuditEvent
from tests.verbund.lifecycle.sweep_support import dated, day, noon
from verbund.models import InboxItem, Record

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    """A captured stream that says it is a terminal (the bar is drawn on terminals only)."""

    def isatty(self) -> bool:
        return True


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), Terminal()
    call_command("enforce_deadlines", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_r_l4_command_dry_run_counts_and_writes_nothing(
    make_record: Any, time_machine: Any
) -> None:
    dated(make_record, review=day(3), deletion=day(10), surname="Eins")
    dated(make_record, review=day(3), deletion=day(100), surname="Zwei")
    time_machine.move_to(noon(day(10)), tick=False)
    stock = (Record.objects.count(), InboxItem.objects.count(), AuditEvent.objects.count())
    out, err = _run("--dry-run")
    assert out.strip() == (
        "dry run: due=1 reminded=0 escalated=0 deleted=1 skipped_blocked=0 "
        "partitions_purged=0 errors=0"
    )
    assert err == ""
    assert (Record.objects.count(), InboxItem.objects.count(), AuditEvent.objects.count()) == stock


def test_r_l2_command_runs_the_sweep_with_a_progress_bar_and_a_summary(
    make_record: Any, time_machine: Any
) -> None:
    for n in range(3):
        dated(make_record, review=day(3), deletion=day(10), surname=f"Weg{n}")
    kept = dated(make_record, review=day(3), deletion=day(10), surname="Gesperrt")
    from verbund.services.records import record_block

    record_block(
        actor=Officer.objects.get(username="bfv.analyst"),
        record_id=kept.pk,
        reason="Löschung würde schutzwürdige Interessen beeinträchtigen",
    )
    dated(make_record, review=day(12), deletion=day(100), surname="Bald")
    time_machine.move_to(noon(day(10)), tick=False)
    out, err = _run("--batch", "2")
    # Due: "Bald" and the blocked record (reviewed, not deleted); the latter's review is
    # overdue at once and escalated.
    assert out.strip() == (
        "due=2 reminded=0 escalated=1 deleted=3 skipped_blocked=1 partitions_purged=0 errors=0"
    )
    assert "Fristen" in err and "6/6" in err  # the bar, on stderr
    assert Record.objects.count() == 2 and Record.objects.filter(pk=kept.pk).exists()
    sweep = AuditEvent.objects.get(action="deadlines.sweep")
    assert sweep.details["deleted"] == 3 and sweep.details["batch"] == 2
    # The purge ran first (R-I3): logged, whatever it dropped.
    assert AuditEvent.objects.filter(action="audit.purge").exists()
    out, _ = _run()
    assert out.strip() == (
        "due=0 reminded=0 escalated=0 deleted=0 skipped_blocked=1 partitions_purged=0 errors=0"
    )


def test_r_l4_command_refuses_a_batch_below_one(reference: Any) -> None:
    with pytest.raises(CommandError, match="--batch"):
        _run("--batch", "0")


def test_r_l4_beat_entry_is_daily_and_editable_in_the_admin(reference: Any, client: Any) -> None:
    """The DatabaseScheduler syncs CELERY_BEAT_SCHEDULE into the DB; the admin lists it."""
    from django.conf import settings
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    from verbund.celery import app

    # What DatabaseScheduler.setup_schedule does when beat starts (update_from_dict), without
    # its connection housekeeping, which would close the test's transaction.
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        ModelEntry.from_entry(name, app=app, **entry)
    task = PeriodicTask.objects.get(name="enforce-deadlines")
    assert task.task == "verbund.tasks.enforce_deadlines" and task.enabled
    assert task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour) == ("30", "2")
    assert (task.crontab.day_of_month, task.crontab.month_of_year) == ("*", "*")
    assert task.crontab.day_of_week == "*"
    assert str(task.crontab.timezone) == "Europe/Berlin"

    admin = Officer.objects.create_superuser(username="root", password="irrelevant-123")
    client.force_login(admin)
    page = client.get("/admin/django_celery_beat/periodictask/")
    assert page.status_code == 200
    assert "enforce-deadlines" in page.content.decode()
    change = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert change.status_code == 200
    assert "verbund.tasks.enforce_deadlines" in change.content.decode()


def test_r_l4_task_is_acked_late_and_requeued_when_the_worker_dies() -> None:
    from verbund.tasks import enforce_deadlines

    assert enforce_deadlines.acks_late is True
    assert enforce_deadlines.reject_on_worker_lost is True
