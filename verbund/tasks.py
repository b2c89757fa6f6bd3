"""Celery tasks of the verbund app: thin, idempotent, taking ids and calling services."""

from __future__ import annotations

from celery import shared_task

from verbund.services.deadlines import deadlines_enforce, retention_run
from verbund.services.duties import duties_remind
from verbund.services.searches import covert_hits_deliver_pending, covert_hits_remind


@shared_task(name="verbund.tasks.deliver_pending_covert_hits", ignore_result=True)
def deliver_pending_covert_hits() -> int:
    """Deliver the covert-hit notices of every undelivered search (R-D3; beat, idempotent).

    The only delivery path: searches enqueue nothing (``verbund.services.searches``).
    """
    return covert_hits_deliver_pending()


@shared_task(name="verbund.tasks.remind_overdue_covert_hits")
def remind_overdue_covert_hits() -> int:
    """Mark and log covert-hit decisions that are overdue (beat; idempotent)."""
    return covert_hits_remind()


@shared_task(name="verbund.tasks.remind_overdue_duties")
def remind_overdue_duties() -> int:
    """Mark and log overdue requests, Eilfall consents and duties, correction notices.

    R-L6 (beat, every ``VERBUND_REMINDER_SECONDS``; idempotent: each duty is reminded once).
    """
    return duties_remind()


@shared_task(
    name="verbund.tasks.enforce_deadlines",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def enforce_deadlines() -> dict[str, int | bool]:
    """The daily deadline sweep (R-L2, R-L4, R-L4a, R-L6, R-I3; beat ``enforce-deadlines``).

    Purges the log past its retention, then reviews, deletions by date and escalations
    (``verbund.services.deadlines``). Acked only when done and re-queued when the worker dies
    (``acks_late``, ``reject_on_worker_lost``): a rerun handles what the killed run did not,
    and nothing twice (each record and item is handled in its own locked transaction).
    """
    purged, errors = retention_run()
    summary = deadlines_enforce(partitions_purged=purged)
    summary.errors += errors
    return summary.as_dict()
