"""Remind the agencies of overdue "without delay" duties (R-L6).

Each duty has a configurable due time (``verbund.services.due``). The beat task
``verbund.tasks.remind_overdue_duties`` calls :func:`duties_remind`, which marks every duty
whose due time has passed and which is still open — once: the row's reminder field is set,
the open inbox item about it gets ``"overdue": true`` and ``"reminded_at"`` in its payload,
and a ``duty.reminder`` row is logged for the agency that owes the duty. Duties covered:

- a pending request for extended data (R-F1): the owner decides (``AccessRequest.due_at``);
- the owner's consent to an Eilfall access (R-G3, ``EmergencyAccess.consent_due_at``);
- deletion or blocking after a refused consent (R-G3, ``EmergencyAccess.duty_due_at``), owed
  by the requesting agency;
- the review of a correction notice (R-H2), the ``correction_notice`` inbox item itself.

Covert-hit contact decisions (R-D3) are reminded by ``covert_hits_remind`` in
``verbund.services.searches``; the overdue lists (``verbund.selectors.duties``) show both.

Lock order as in ``verbund.services.searches``: the duty rows first, each locked alone
(``of=("self",)``) and skipping rows a decision holds (it closes the duty anyway, and a
concurrent run of this job must not wait or mark twice), then the inbox items about them,
the audit chain's lock last.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.models import AccessRequest, EmergencyAccess, InboxItem
from verbund.models.emergencies import Consent
from verbund.models.inbox import InboxKind
from verbund.models.requests import RequestStatus


def _ref(row: Any, agency_code: str, kind: str, due_at: datetime.datetime | None) -> dict[str, Any]:
    """Return what identifies the duty in the log row, keyed as every log reference."""
    record = getattr(row, "record", None)
    if record is not None:
        base = log_ref(record)
    else:
        number = getattr(row, "file_number", None) or row.payload.get("file_number", "")
        base = {"agency": agency_code, "file_number": number}
    if isinstance(row, InboxItem):
        base["inbox_item"] = str(row.pk)
    return {**base, "kind": kind, **({"due_at": due_at.isoformat()} if due_at else {})}


def _log(
    *,
    agency: Any,
    kind: str,
    object_type: str,
    row: Any,
    file_code: str,
    due_at: datetime.datetime | None,
    moment: datetime.datetime,
) -> None:
    """Log one reminder; a covert record's reference goes to the covert column only (R-I5)."""
    record = getattr(row, "record", None)
    covert = record is not None and record.storage == "covert"
    ref = _ref(row, agency.code, kind, due_at)
    log_event(
        actor=None,
        agency=agency,
        action="duty.reminder",
        object_type=object_type,
        object_id="" if covert else str(row.pk),
        file=file_code,
        references=[] if covert else [ref],
        covert=[ref] if covert else [],
        details={"duty": kind, "reminded_at": moment.isoformat()},
    )


def _mark_items(kind: str, subject_ids: list[Any], moment: datetime.datetime) -> None:
    """Add the overdue mark to the open inbox items about the given rows."""
    if not subject_ids:
        return
    items = list(
        InboxItem.objects.select_for_update(of=("self",)).filter(
            kind=kind, subject_id__in=subject_ids, done_at__isnull=True
        )
    )
    for item in items:
        item.payload = {**item.payload, "overdue": True, "reminded_at": moment.isoformat()}
    InboxItem.objects.bulk_update(items, ["payload"])


def duties_remind(*, now: datetime.datetime | None = None) -> int:
    """Mark and log every overdue, still open duty once; return how many were reminded.

    Idempotent: a marked duty is never reminded again, a decided or closed one never.
    Safe beside a second run and beside the decisions (rows locked with ``skip_locked``).
    """
    moment = now or timezone.now()
    with transaction.atomic():
        requests = list(
            AccessRequest.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status=RequestStatus.PENDING, reminded_at__isnull=True, due_at__lt=moment)
            .select_related("owner", "file", "record__owner")
            .order_by("due_at", "pk")
        )
        consents = list(
            EmergencyAccess.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                consent=Consent.PENDING,
                consent_reminded_at__isnull=True,
                consent_due_at__lt=moment,
            )
            .select_related("owner", "file", "record__owner")
            .order_by("consent_due_at", "pk")
        )
        duties = list(
            EmergencyAccess.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                consent=Consent.REFUSED,
                duty_done_at__isnull=True,
                duty_reminded_at__isnull=True,
                duty_due_at__lt=moment,
            )
            .select_related("requester", "file", "record__owner")
            .order_by("duty_due_at", "pk")
        )
        notices = list(
            InboxItem.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(kind=InboxKind.CORRECTION_NOTICE, done_at__isnull=True, due_at__lt=moment)
            .exclude(payload__has_key="overdue")
            .select_related("agency", "file", "record__owner")
            .order_by("due_at", "pk")
        )
        if not (requests or consents or duties or notices):
            return 0
        AccessRequest.objects.filter(pk__in=[r.pk for r in requests]).update(reminded_at=moment)
        EmergencyAccess.objects.filter(pk__in=[e.pk for e in consents]).update(
            consent_reminded_at=moment
        )
        EmergencyAccess.objects.filter(pk__in=[e.pk for e in duties]).update(
            duty_reminded_at=moment
        )
        for notice in notices:
            notice.payload = {**notice.payload, "overdue": True, "reminded_at": moment.isoformat()}
        InboxItem.objects.bulk_update(notices, ["payload"])
        _mark_items(InboxKind.ACCESS_REQUEST, [r.pk for r in requests], moment)
        _mark_items(InboxKind.EMERGENCY_CONSENT, [e.pk for e in consents], moment)
        _mark_items(InboxKind.EMERGENCY_REFUSED, [e.pk for e in duties], moment)
        # The chain lock last, once every row is written.
        for request in requests:
            _log(
                agency=request.owner,
                kind="access_request",
                object_type="access_request",
                row=request,
                file_code=request.file.code,
                due_at=request.due_at,
                moment=moment,
            )
        for emergency in consents:
            _log(
                agency=emergency.owner,
                kind="emergency_consent",
                object_type="emergency",
                row=emergency,
                file_code=emergency.file.code,
                due_at=emergency.consent_due_at,
                moment=moment,
            )
        for emergency in duties:
            _log(
                agency=emergency.requester,
                kind="emergency_refused",
                object_type="emergency",
                row=emergency,
                file_code=emergency.file.code,
                due_at=emergency.duty_due_at,
                moment=moment,
            )
        for notice in notices:
            _log(
                agency=notice.agency,
                kind="correction_notice",
                object_type="inbox_item",
                row=notice,
                file_code=notice.file.code,
                due_at=notice.due_at,
                moment=moment,
            )
    return len(requests) + len(consents) + len(duties) + len(notices)


def overdue_log_view(*, actor: Any, items: list[dict[str, Any]], query: dict[str, Any]) -> None:
    """Log a page of an overdue list shown to a head or a supervisor (R-I1).

    Covert hits go to the owner/supervisor-only column (R-I5), like every covert reference.
    """
    references: list[dict[str, Any]] = []
    covert: list[dict[str, Any]] = []
    shown: list[str] = []
    # The review of a covert record names it in the covert column only (R-I5).
    reviews = [i["subject"] for i in items if i["kind"] == InboxKind.REVIEW_DUE]
    covert_reviews = (
        {
            str(pk)
            for pk in InboxItem.objects.filter(
                pk__in=reviews, record__storage="covert"
            ).values_list("pk", flat=True)
        }
        if reviews
        else set()
    )
    # Subject access (issue 17): a subject request about a covert record (an agency's own
    # desk, R-K2) is named in the covert column only.
    subject_items = [i["subject"] for i in items if i["kind"] == InboxKind.SUBJECT_REQUEST]
    if subject_items:
        from subjects.models import Consultation

        covert_reviews |= {
            str(pk)
            for pk in InboxItem.objects.filter(
                pk__in=subject_items,
                subject_id__in=Consultation.objects.filter(storage="covert").values("pk"),
            ).values_list("pk", flat=True)
        }
    for item in items:
        ref: dict[str, Any] = {
            "kind": item["kind"],
            "agency": item["agency"],
            "file_number": item["file_number"],
            "due_at": item["due_at"].isoformat(),
        }
        if item["kind"] == InboxKind.COVERT_HIT:
            covert.append({**ref, "covert_hit": str(item["subject"])})
            continue
        if item["kind"] in (
            InboxKind.CORRECTION_NOTICE,
            InboxKind.REVIEW_DUE,
            InboxKind.SUBJECT_REQUEST,
        ):
            ref["inbox_item"] = str(item["subject"])
        if str(item["subject"]) in covert_reviews:
            covert.append(ref)
            continue
        references.append(ref)
        shown.append(item["id"])
    with transaction.atomic():
        log_event(
            actor=actor,
            action="overdue.read",
            object_type="overdue",
            references=references,
            covert=covert,
            details={"items": shown, "query": query},
        )
