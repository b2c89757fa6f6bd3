"""Helpers of the deadline-sweep tests (tests/verbund/lifecycle/test_sweep*.py).

Kept out of a ``conftest.py``: other branches add tests to this folder. Plain functions
taking the root fixtures (``make_record``, ``api``), so any test module can use them.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent

EXTENDED = {
    "phones": ["+49 30 7654321"],
    "emails": ["kontakt@example.org"],
    "profession": "Chemiker",
}


@functools.cache
def _today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    """The real today (local time, fixed at first use) plus ``offset`` days.

    Fixed, so that it means the same day after time-machine moved the clock.
    """
    return _today() + datetime.timedelta(days=offset)


def noon(date: datetime.date) -> datetime.datetime:
    """Noon, local time, on ``date`` — a moment well inside that day."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(12)))


def dated(
    make_record: Callable[..., Any],
    *,
    review: datetime.date,
    deletion: datetime.date,
    username: str = "bfv.analyst",
    surname: str = "Fristlich",
    **overrides: Any,
) -> Any:
    """A person record of ``username``'s agency with the given review and deletion dates."""
    overrides.setdefault("extended", dict(EXTENDED))
    return make_record(
        username,
        basic={"surname": surname, "given_names": "Karl", "date_of_birth": "1980-01-02"},
        review_date=review.isoformat(),
        deletion_date=deletion.isoformat(),
        **overrides,
    )


def hit_of(api: Callable[[str | None], APIClient], username: str, surname: str) -> str:
    """Search the ATD by surname as ``username``; return the id of its single hit."""
    response = api(username).post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": surname},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    hits = response.json()["hits"]
    assert len(hits) == 1, hits
    return str(hits[0]["hit"])


def ask(api: Callable[[str | None], APIClient], username: str, hit: str) -> Any:
    """Request the extended data behind ``hit`` as ``username``; return the response."""
    return api(username).post(
        "/api/v1/access-requests/",
        {"hit": hit, "justification": "Prüfung für Verfahren 1 Js 1/26"},
        format="json",
    )


def grant(api: Callable[[str | None], APIClient], owner: str, request_id: str) -> None:
    """Grant a pending request as an officer of the owner agency."""
    response = api(owner).post(
        f"/api/v1/access-requests/{request_id}/decision/",
        {"grant": True, "reasons": "Voraussetzungen liegen vor.", "provision": "§ 19 BVerfSchG"},
        format="json",
    )
    assert response.status_code == 200, response.content


def actions(record_id: Any, action: str) -> int:
    """How many log rows of ``action`` name the record (open records: ``object_id``)."""
    return AuditEvent.objects.filter(action=action, object_id=str(record_id)).count()
