"""Celery tasks of subject access: thin, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task

from subjects.services import subject_requests_remind


@shared_task(name="subjects.tasks.remind_overdue_subject_requests")
def remind_overdue_subject_requests() -> int:
    """Mark and log owners' decisions on subject requests that are overdue (beat; R-L6)."""
    return subject_requests_remind()
