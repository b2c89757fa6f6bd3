"""Celery tasks of the verbund app: thin, idempotent, taking ids and calling services."""

from __future__ import annotations

from celery import shared_task

from verbund.services.searches import (
    covert_hits_deliver,
    covert_hits_deliver_pending,
    covert_hits_remind,
)


@shared_task(name="verbund.tasks.deliver_covert_hits")
def deliver_covert_hits(search_id: str) -> int:
    """Send the query data of one search to the owners of covert records it matched (R-D3)."""
    return covert_hits_deliver(search_id=search_id)


@shared_task(name="verbund.tasks.deliver_pending_covert_hits")
def deliver_pending_covert_hits() -> int:
    """Deliver covert-hit notices whose task was lost (beat sweeper; idempotent)."""
    return covert_hits_deliver_pending()


@shared_task(name="verbund.tasks.remind_overdue_covert_hits")
def remind_overdue_covert_hits() -> int:
    """Mark and log covert-hit decisions that are overdue (beat; idempotent)."""
    return covert_hits_remind()
