"""Beat tasks of the audit app run their services (R-I3)."""

from __future__ import annotations

import pytest
from django.conf import settings

from audit.models import AuditEvent, Checkpoint
from audit.services import log_event
from audit.tasks import purge_expired_task, write_checkpoint


def test_r_i3_purge_and_checkpoint_are_scheduled() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"audit.tasks.purge_expired", "audit.tasks.write_checkpoint"} <= tasks


@pytest.mark.django_db
def test_r_i3_purge_task_logs_itself_and_checkpoint_anchors_head(db: object) -> None:
    log_event(actor=None, action="recent.event")
    assert purge_expired_task.apply().get() == 0
    assert AuditEvent.objects.filter(action="audit.purge").count() == 1
    seq = write_checkpoint.apply().get()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert Checkpoint.objects.get().seq == seq == head
