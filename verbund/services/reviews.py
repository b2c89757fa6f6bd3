"""Open and decide reviews of records (R-L4): the owner keeps, corrects, blocks or deletes.

A review is a ``review_due`` inbox item of the owner agency, one open per record (a partial
unique constraint). It is opened ahead of the review date by the deadline sweep
(``verbund.services.deadlines``), and at once by a correction notice (R-H2), a reported
justice decision (R-M4), a supervisor's complaint (R-J6), a missing legal basis (R-M5),
a record stored without a date rule (R-L4a) or the owner handling the case. A second cause
while one is open joins the open item (its ``causes`` list), so nothing is opened twice.

Lock order as in ``verbund.services.searches``: the item row first, the chain lock last.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from verbund.access.logging import log_record
from verbund.models import InboxItem, Record
from verbund.models.inbox import InboxKind
from verbund.models.lifecycle import ReviewCause


def review_due_at(
    record: Record, cause: str, now: datetime.datetime | None = None
) -> datetime.datetime:
    """Return when a review opened for ``cause`` is due (R-L4, R-L6).

    On the review date itself (end of that day, local time) for the date; otherwise
    ``VERBUND_REVIEW_DUE_HOURS`` after opening ("at once").
    """
    moment = now or timezone.now()
    if cause == ReviewCause.DATE:
        end = datetime.datetime.combine(record.review_date, datetime.time(23, 59, 59))
        return timezone.make_aware(end)
    return moment + datetime.timedelta(hours=settings.VERBUND_REVIEW_DUE_HOURS)


def review_open(
    *,
    record: Record,
    cause: str,
    details: dict[str, Any] | None = None,
    actor: Any | None = None,
    now: datetime.datetime | None = None,
) -> tuple[InboxItem, bool]:
    """Open a review of ``record`` in its owner's inbox, or join the open one (R-L4).

    ``cause`` is a ``ReviewCause``; ``details`` (JSON) say what set it off (the notice,
    the justice decision, the complaint). ``actor`` is who set it off, ``None`` for the
    sweep. Returns ``(item, created)``: an open review gets the cause appended and its due
    time brought forward if the new one is earlier. Idempotent per cause: the same cause
    with the same details twice changes nothing. Logged (``record.review_open``) when a
    review is opened or a cause joins it; runs in the caller's transaction.
    """
    if cause not in ReviewCause.values:
        raise ValueError(f"unknown review cause {cause!r}")
    moment = now or timezone.now()
    due = review_due_at(record, cause, moment)
    entry = {"cause": cause, "at": moment.isoformat(), **({"details": details} if details else {})}
    with transaction.atomic():
        item = (
            InboxItem.objects.select_for_update(of=("self",))
            .filter(record=record, kind=InboxKind.REVIEW_DUE, done_at__isnull=True)
            .first()
        )
        created = False
        if item is None:
            try:
                with transaction.atomic():
                    item = InboxItem.objects.create(
                        agency_id=record.owner_id,
                        file_id=record.file_id,
                        kind=InboxKind.REVIEW_DUE,
                        record=record,
                        due_at=due,
                        payload={
                            "record": str(record.pk),
                            "file_number": record.file_number,
                            "review_date": record.review_date.isoformat(),
                            "deletion_date": record.deletion_date.isoformat(),
                            "causes": [entry],
                        },
                    )
                created = True
            except IntegrityError:
                # A concurrent opener won the unique constraint: join its item.
                item = (
                    InboxItem.objects.select_for_update(of=("self",))
                    .filter(record=record, kind=InboxKind.REVIEW_DUE, done_at__isnull=True)
                    .get()
                )
        if not created:
            causes = list(item.payload.get("causes", []))
            if any(
                c.get("cause") == cause and c.get("details") == entry.get("details") for c in causes
            ):
                return item, False
            causes.append(entry)
            item.payload = {**item.payload, "causes": causes}
            fields = ["payload"]
            if item.due_at is None or due < item.due_at:
                item.due_at = due
                fields.append("due_at")
            item.save(update_fields=fields)
        log_record(
            actor=actor,
            action="record.review_open",
            record=record,
            details={
                "cause": cause,
                "item": str(item.pk),
                **({"about": details} if details else {}),
            },
            agency=None if actor is not None else record.owner,
        )
    return item, created
