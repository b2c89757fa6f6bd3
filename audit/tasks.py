"""Celery tasks of the audit app (thin: they call services)."""

from celery import shared_task

from audit.services import checkpoint_write, purge_expired


@shared_task(name="audit.tasks.write_checkpoint")
def write_checkpoint() -> int | None:
    """Anchor the head of the audit chain."""
    cp = checkpoint_write()
    return cp.seq if cp else None


@shared_task(name="audit.tasks.purge_expired")
def purge_expired_task() -> int:
    """Delete log rows past the 18-month retention (R-I3)."""
    return purge_expired()
