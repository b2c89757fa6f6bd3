"""The deadline sweep: reviews coming due, deletion dates passed, overdue duties escalated.

R-L4, R-L2, R-L4a, R-L6. ``deadlines_enforce`` is run daily by the beat task
``verbund.tasks.enforce_deadlines`` and by the operator command
``python manage.py enforce_deadlines``. Each step reads only what is due, through an index
(cost grows with the due rows, never with the file; no JSON scan of the file):

a. **Reviews coming due** — records (active or blocked) whose ``review_date`` is at most
   ``VERBUND_REVIEW_LEAD_DAYS`` ahead (index ``record_review_date``) and that have no review
   for that date yet (``NOT EXISTS`` on their ``review_due`` items, looked up by record):
   ``verbund.services.reviews.review_open`` with cause ``date``. An active record already
   past its deletion date is not reviewed: step b erases it.
b. **Deletion dates passed** — active records whose ``deletion_date`` is today or earlier
   (index ``record_deletion_date``) are erased through ``record_erase`` (ground
   ``deletion_date``). Blocked records are not: a blocking decision replaced their deletion
   (R-L3); they are counted as ``skipped_blocked``. An overdue review never blocks a record.
c. **Overdue duties escalated** — first the R-L6 reminders (``duties_remind``,
   ``covert_hits_remind``); then every open inbox item past its due time and not yet
   escalated (index ``inbox_open_due``): overdue reviews and the "without delay" duties
   (covert-hit contact, request decision, Eilfall consent, deletion after refused consent,
   correction notice) get ``escalated_at`` (column and payload) and one ``duty.escalate`` row
   naming the agency that owes them. The agency head's and the competent supervisor's
   overdue lists (``verbund.selectors.duties``) show them.
d. **GWS dates after a new order version** — a hook: when
   ``verbund.services.date_rules.gws_dates_recompute(file, order)`` is importable (the dates
   branch), it is called for each file whose order in force sets review periods and whose
   order-dated records still carry an older version (index ``record_dates_order``).
e. **Legal basis** (R-M5, R-A3, R-L2) — records of a file or participation resting on no
   statute or ordinance in force get a review (cause ``no_legal_basis``); once the basis
   carries entries (the ordinance in force), that cause lapses on the open reviews
   (``legal_basis_reviews_lapse``: settled as ``basis_in_force``, logged; a review left
   without a cause is closed).
f. One ``deadlines.sweep`` log row per run with the summary.

Crash safety (issue 16 item 7): each record is handled in a transaction of its own, its row
locked ``select_for_update(skip_locked=True, of=("self",))`` with the condition checked again
under the lock; escalations go in batches of ``batch`` items, locked the same way. A run killed
at any point leaves every item either fully handled or untouched, and a rerun (or a second run
beside it) misses none and handles none twice. Lock order (architecture "Lock order"): the
record and item rows first, the audit chain lock last — ``record_erase`` and ``review_open``
log after their row writes, and each transaction here ends at its log row.

``dry_run`` counts what a run would do and writes nothing (no log row either).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.access.records import current_order
from verbund.models import AccessRequest, CovertHit, EmergencyAccess, File, InboxItem, Record
from verbund.models.emergencies import Consent
from verbund.models.inbox import InboxKind
from verbund.models.lifecycle import DeletionGround, ReviewCause
from verbund.models.records import RecordStatus
from verbund.models.requests import RequestStatus
from verbund.services.date_rules import gws_dates_recompute
from verbund.services.duties import duties_remind
from verbund.services.records import record_erase
from verbund.services.reviews import (
    legal_basis_reviews_lapse,
    legal_basis_reviews_open,
    review_open,
)
from verbund.services.searches import covert_hits_remind

logger = logging.getLogger(__name__)

# The open inbox items the sweep escalates once past their due time (R-L4, R-L6).
ESCALATED_KINDS = (
    InboxKind.REVIEW_DUE.value,
    InboxKind.COVERT_HIT.value,
    InboxKind.ACCESS_REQUEST.value,
    InboxKind.EMERGENCY_CONSENT.value,
    InboxKind.EMERGENCY_REFUSED.value,
    InboxKind.CORRECTION_NOTICE.value,
)

#: ``progress(step, handled)`` — called after each batch with how many rows it handled.
Progress = Callable[[str, int], None]


@dataclasses.dataclass
class Summary:
    """What one sweep did (or, in a dry run, would do)."""

    due: int = 0
    reminded: int = 0
    escalated: int = 0
    deleted: int = 0
    skipped_blocked: int = 0
    partitions_purged: int = 0
    gws_recomputed: int = 0
    # R-M5: records of a file (or participation) without a legal basis sent to review.
    no_legal_basis: int = 0
    # R-L2, R-M5: ``no_legal_basis`` causes settled because a basis entered into force.
    no_legal_basis_lapsed: int = 0
    errors: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The summary as logged in the ``deadlines.sweep`` row."""
        return dataclasses.asdict(self)


# ------------------------------------------------------------------ queries (all indexed)


def reviews_due(today: datetime.date) -> QuerySet[Record]:
    """Records whose review comes due within the lead time and has not been opened (R-L4).

    Through ``record_review_date``; the ``NOT EXISTS`` looks up the few ``review_due`` items
    of each candidate by record: an open review (whatever its cause), or a review already
    opened for this same review date (decided since, e.g. blocked without a new date), keeps
    the record from being opened again — so a record is read once per review date, not daily.
    """
    limit = today + datetime.timedelta(days=settings.VERBUND_REVIEW_LEAD_DAYS)
    opened = (
        InboxItem.objects.filter(record=OuterRef("pk"), kind=InboxKind.REVIEW_DUE)
        .alias(review_for=KeyTextTransform("review_date", "payload"))
        .filter(
            Q(done_at__isnull=True)
            | Q(review_for=Cast(OuterRef("review_date"), output_field=CharField()))
        )
    )
    return (
        Record.objects.filter(
            review_date__lte=limit,
            status__in=(RecordStatus.ACTIVE, RecordStatus.BLOCKED),
        )
        # An active record past its deletion date is erased in this run, not reviewed.
        .exclude(status=RecordStatus.ACTIVE, deletion_date__lte=today)
        .filter(~Exists(opened))
    )


def deletions_due(today: datetime.date) -> QuerySet[Record]:
    """Active records whose deletion date is today or earlier (R-L2, R-L4a)."""
    return Record.objects.filter(deletion_date__lte=today, status=RecordStatus.ACTIVE)


def blocked_past_deletion(today: datetime.date) -> QuerySet[Record]:
    """Blocked records past their deletion date: kept, a blocking decision replaced deletion."""
    return Record.objects.filter(deletion_date__lte=today, status=RecordStatus.BLOCKED)


def escalations_due(moment: datetime.datetime) -> QuerySet[InboxItem]:
    """Open items past their due time, not yet escalated, whose duty is still open (R-L6).

    Through ``inbox_open_due`` (kind, due_at where done_at is null); the duty rows are
    checked by primary key only.
    """
    subject = OuterRef("subject_id")
    still_open = (
        Q(kind__in=(InboxKind.REVIEW_DUE, InboxKind.CORRECTION_NOTICE))
        | Q(
            Exists(CovertHit.objects.filter(pk=subject, decided_at__isnull=True)),
            kind=InboxKind.COVERT_HIT,
        )
        | Q(
            Exists(AccessRequest.objects.filter(pk=subject, status=RequestStatus.PENDING)),
            kind=InboxKind.ACCESS_REQUEST,
        )
        | Q(
            Exists(EmergencyAccess.objects.filter(pk=subject, consent=Consent.PENDING)),
            kind=InboxKind.EMERGENCY_CONSENT,
        )
        | Q(
            Exists(
                EmergencyAccess.objects.filter(
                    pk=subject, consent=Consent.REFUSED, duty_done_at__isnull=True
                )
            ),
            kind=InboxKind.EMERGENCY_REFUSED,
        )
    )
    return InboxItem.objects.filter(
        kind__in=ESCALATED_KINDS,
        done_at__isnull=True,
        due_at__lt=moment,
        escalated_at__isnull=True,
    ).filter(still_open)


# ------------------------------------------------------------------ the steps


def _ids(qs: QuerySet[Any], field: str, batch: int, after: tuple[Any, Any] | None) -> list[Any]:
    """The next batch of ``(date, id)`` in ``(field, pk)`` order, after the last one seen.

    Keyset paging over the date index: each batch starts where the last ended, so a batch
    costs the same however many are due; a row this run skipped (locked by a decision or a
    second sweep, or failed) is passed over, and the next run takes it.
    """
    if after is not None:
        qs = qs.filter(Q(**{f"{field}__gt": after[0]}) | Q(**{field: after[0], "pk__gt": after[1]}))
    return list(qs.order_by(field, "pk").values_list(field, "pk")[:batch])


def _each_due(
    due: Callable[[], QuerySet[Record]],
    field: str,
    batch: int,
    act: Callable[[Record], bool],
    step: str,
    summary: Summary,
    progress: Progress | None,
) -> int:
    """Call ``act`` on every record of ``due()``, each locked in its own transaction.

    Keyset pages over ``field`` (an indexed date); under the lock the row is read again
    through ``due()`` with ``skip_locked``, so a record a decision or another sweep holds, or
    one no longer due, is passed over (the next run takes it) and none is handled twice. A
    failure is logged and counted, and the sweep goes on. ``act`` returns whether it counts;
    the count is returned.
    """
    after = None
    counted = 0
    while rows := _ids(due(), field, batch, after):
        after = rows[-1]
        handled = 0
        for _date, pk in rows:
            try:
                with transaction.atomic():
                    record = (
                        due()
                        .select_for_update(skip_locked=True, of=("self",))
                        .select_related("owner", "file")
                        .filter(pk=pk)
                        .first()
                    )
                    if record is None:
                        continue
                    counts = act(record)
            except Exception:
                logger.exception("deadline sweep: %s of record %s failed", step, pk)
                summary.errors += 1
                continue
            handled += 1
            counted += int(counts)
        _tick(progress, step, handled)
    return counted


def _open_reviews(
    today: datetime.date, moment: datetime.datetime, batch: int, summary: Summary, progress: Any
) -> None:
    """Open the review of every record whose review date comes within the lead time (R-L4)."""

    def act(record: Record) -> bool:
        _item, created = review_open(record=record, cause=ReviewCause.DATE, now=moment)
        return created

    summary.due += _each_due(
        lambda: reviews_due(today), "review_date", batch, act, "reviews", summary, progress
    )


def _erase_due(today: datetime.date, batch: int, summary: Summary, progress: Any) -> None:
    """Erase every active record whose deletion date has come (R-L2, R-L4a)."""

    def act(record: Record) -> bool:
        record_erase(record=record, actor=None, reason="", ground=DeletionGround.DELETION_DATE)
        return True

    summary.deleted += _each_due(
        lambda: deletions_due(today), "deletion_date", batch, act, "deletions", summary, progress
    )


def _escalation_ref(item: InboxItem, moment: datetime.datetime) -> dict[str, Any]:
    base = (
        log_ref(item.record)
        if item.record is not None
        else {"agency": item.agency.code, "file_number": item.payload.get("file_number", "")}
    )
    return {
        **base,
        "inbox_item": str(item.pk),
        "kind": item.kind,
        **({"due_at": item.due_at.isoformat()} if item.due_at else {}),
    }


def _escalate(moment: datetime.datetime, batch: int, summary: Summary, progress: Any) -> None:
    while True:
        with transaction.atomic():
            items = list(
                escalations_due(moment)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("agency", "file", "record__owner")
                .order_by("due_at", "pk")[:batch]
            )
            if not items:
                return
            stamp = moment.isoformat()
            for item in items:
                item.escalated_at = moment
                item.payload = {**item.payload, "overdue": True, "escalated_at": stamp}
            InboxItem.objects.bulk_update(items, ["escalated_at", "payload"])
            # The chain lock last, once every row of the batch is written.
            for item in items:
                record = item.record
                covert = item.kind == InboxKind.COVERT_HIT or (
                    record is not None and record.storage == "covert"
                )
                ref = _escalation_ref(item, moment)
                log_event(
                    actor=None,
                    agency=item.agency,
                    action="duty.escalate",
                    object_type="inbox_item",
                    object_id="" if covert else str(item.pk),
                    file=item.file.code,
                    references=[] if covert else [ref],
                    covert=[ref] if covert else [],
                    details={
                        "duty": item.kind,
                        "escalated_at": stamp,
                        "to": ["head", "supervisor"],
                    },
                )
        summary.escalated += len(items)
        _tick(progress, "escalations", len(items))


def _gws_orders() -> list[tuple[File, Any]]:
    """Files whose order in force sets review periods (GWS), with that order (R-L4a)."""
    found = []
    for file in File.objects.filter(is_atd=False).order_by("code"):
        order = current_order(file)
        if order is not None and order.review_months:
            found.append((file, order))
    return found


def _tick(progress: Progress | None, step: str, handled: int) -> None:
    if progress is not None:
        progress(step, handled)


def planned(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """How many rows each step would handle now (what a dry run reports; progress totals)."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    return {
        "reviews": reviews_due(today).count(),
        "deletions": deletions_due(today).count(),
        "escalations": escalations_due(moment).count(),
    }


def deadlines_enforce(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    batch: int | None = None,
    progress: Progress | None = None,
    partitions_purged: int = 0,
) -> Summary:
    """Run the deadline sweep once; return (and log, unless ``dry_run``) its summary.

    ``batch`` rows per batch (default ``VERBUND_DEADLINES_BATCH``); ``progress`` is called
    after each batch. ``partitions_purged`` is what the caller's log purge
    (``audit.services.purge_expired``, run just before) reported, carried into the summary.
    Idempotent and safe beside a second run: see the module docstring.
    """
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    size = max(1, int(batch or settings.VERBUND_DEADLINES_BATCH))
    summary = Summary(dry_run=dry_run, partitions_purged=partitions_purged)
    summary.skipped_blocked = blocked_past_deletion(today).count()
    if dry_run:
        counts = planned(now=moment)
        summary.due = counts["reviews"]
        summary.deleted = counts["deletions"]
        summary.escalated = counts["escalations"]
        return summary
    # d. GWS dates first: a recomputed deletion date may fall due in this very run. Records
    # dated under an older order version are found through the (file, dates_order) index.
    for file, order in _gws_orders():
        summary.gws_recomputed += gws_dates_recompute(file, order, batch=size)
    # R-M5 / R-A3: a file or participation resting on no statute or ordinance in force.
    for file in File.objects.select_related("legal_basis").order_by("code"):
        summary.no_legal_basis += legal_basis_reviews_open(file, now=moment)
        summary.no_legal_basis_lapsed += legal_basis_reviews_lapse(file, now=moment)
    _open_reviews(today, moment, size, summary, progress)
    _erase_due(today, size, summary, progress)
    summary.reminded = duties_remind(now=moment) + covert_hits_remind(now=moment)
    _escalate(moment, size, summary, progress)
    with transaction.atomic():
        log_event(
            actor=None,
            action="deadlines.sweep",
            object_type="deadlines",
            details={**summary.as_dict(), "at": moment.isoformat(), "batch": size},
        )
    return summary


def retention_run(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Run the log retention before the sweep; return ``(partitions purged, errors)``.

    ``audit.services.retention_enforce`` (R-I3): coming partitions, then the 18-month purge.
    A lock it could not get in time changed nothing; it is counted as an error and the sweep
    goes on (the ``audit-purge`` beat entry retries the purge on its own).
    """
    from django.db import OperationalError

    from audit.services import retention_enforce

    try:
        result = retention_enforce(now=now)
    except OperationalError:
        logger.warning("log retention skipped: table lock not available", exc_info=True)
        return 0, 1
    return result["partitions_purged"], 0
