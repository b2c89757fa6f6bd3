"""Celery tasks of the audit app (thin: they call services)."""

from celery import shared_task
from django.db import OperationalError

from audit.services import checkpoint_write, partitions_ensure, purge_expired


@shared_task(name="audit.tasks.write_checkpoint")
def write_checkpoint() -> int | None:
    """Anchor the head of the audit chain."""
    cp = checkpoint_write()
    return cp.seq if cp else None


@shared_task(
    name="audit.tasks.purge_expired",
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=5,
)
def purge_expired_task() -> int:
    """Create the coming months' log partitions, then purge past 18 months (R-I3).

    Daily; idempotent (a second run creates and drops nothing). Returns the rows removed.
    A lock timeout or deadlock (``OperationalError``, nothing changed) is retried after 1, 2,
    4 ... minutes, so the purge does not slip by a day.
    """
    partitions_ensure()
    return purge_expired()
