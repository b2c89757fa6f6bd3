"""Celery task of the supervision console (thin: it calls the service)."""

from celery import shared_task

from verbund.services.supervision import controls_flag_due


@shared_task(name="verbund.console.tasks.flag_due_controls")
def flag_due_controls() -> int:
    """Flag mandatory controls that are due or overdue (R-J4, R-J7); daily, idempotent."""
    return controls_flag_due()
