"""Overdue "without delay" duties for the agency head and the competent supervisor (R-L6).

A duty is overdue once its due time has passed while it is still open — computed from the
due times, so the lists are right before the reminder job ran (``reminded_at`` says whether
it did). One list, ordered by due time, of six kinds:

- ``covert_hit``: the owner's contact decision after a covert hit (R-D3), owed by the owner;
- ``access_request``: a pending request for extended data (R-F1), owed by the owner;
- ``emergency_consent``: the owner's consent to an Eilfall access (R-G3);
- ``emergency_refused``: deletion or blocking after a refused consent (R-G3), owed by the
  requesting agency;
- ``correction_notice``: the owner's review of a correction notice (R-H2);
- ``review_due``: the owner's review of a record (R-L4) — at its review date or opened at once
  (a notice, a justice decision, a complaint); ``reminded_at`` is when the deadline sweep
  (``verbund.services.deadlines``) escalated it to the head and the supervisor.

The head sees its own agency's duties in the files it is authorised for; a supervisor those of
the agencies in its jurisdiction or delegation (R-J1, R-J2, ``audit.selectors``), covert hits
included (R-J6). No other agency ever sees a covert hit here.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import CharField, DateTimeField, F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from agencies.models import Agency, Role
from audit.selectors import supervised_agencies
from verbund.access.records import authorised_files
from verbund.errors import Forbidden
from verbund.models import AccessRequest, CovertHit, EmergencyAccess, File, InboxItem
from verbund.models.emergencies import Consent
from verbund.models.inbox import InboxKind
from verbund.models.requests import RequestStatus

OVERDUE_KINDS = (
    InboxKind.COVERT_HIT.value,
    InboxKind.ACCESS_REQUEST.value,
    InboxKind.EMERGENCY_CONSENT.value,
    InboxKind.EMERGENCY_REFUSED.value,
    InboxKind.CORRECTION_NOTICE.value,
    InboxKind.REVIEW_DUE.value,
    # Subject access (issue 17, subjects branch): the owner's decision on a subject request.
    InboxKind.SUBJECT_REQUEST.value,
)
# The columns every part of the union selects, in this order.
COLUMNS = ("o_kind", "o_agency", "o_file", "o_number", "o_due", "o_reminded", "o_subject")


def _kind(kind: str) -> Value:
    return Value(kind, output_field=CharField())


def _columns(
    qs: QuerySet[Any],
    *,
    kind: str,
    agency: str,
    file: str,
    number: Any,
    due: str,
    reminded: Any,
) -> QuerySet[Any]:
    """Select one part of the union with the shared column names, in ``COLUMNS`` order.

    Without the model's default ordering: SQLite refuses ORDER BY inside the parts of a
    compound statement (the union is ordered as a whole).
    """
    return (
        qs.order_by()
        .annotate(
            o_kind=_kind(kind),
            o_agency=F(agency),
            o_file=F(file),
            o_number=Cast(number, CharField()),
            o_due=F(due),
            o_reminded=reminded,
            o_subject=F("pk"),
        )
        .values_list(*COLUMNS)
    )


def _overdue(
    *, agencies: QuerySet[Agency], files: QuerySet[File] | None, now: datetime.datetime
) -> QuerySet[Any]:
    """Return the union of the overdue duties owed by ``agencies`` (in ``files``, if given)."""

    def in_files(field: str) -> Q:
        return Q(**{f"{field}__in": files}) if files is not None else Q()

    covert = _columns(
        CovertHit.objects.filter(
            Q(owner__in=agencies) & in_files("record__file"),
            decided_at__isnull=True,
            due_at__lt=now,
        ),
        kind=InboxKind.COVERT_HIT,
        agency="owner__code",
        file="record__file__code",
        number=F("record__file_number"),
        due="due_at",
        reminded=F("reminded_at"),
    )
    requests = _columns(
        AccessRequest.objects.filter(
            Q(owner__in=agencies) & in_files("file"),
            status=RequestStatus.PENDING,
            due_at__lt=now,
        ),
        kind=InboxKind.ACCESS_REQUEST,
        agency="owner__code",
        file="file__code",
        number=F("file_number"),
        due="due_at",
        reminded=F("reminded_at"),
    )
    consents = _columns(
        EmergencyAccess.objects.filter(
            Q(owner__in=agencies) & in_files("file"),
            consent=Consent.PENDING,
            consent_due_at__lt=now,
        ),
        kind=InboxKind.EMERGENCY_CONSENT,
        agency="owner__code",
        file="file__code",
        number=F("file_number"),
        due="consent_due_at",
        reminded=F("consent_reminded_at"),
    )
    refused = _columns(
        EmergencyAccess.objects.filter(
            Q(requester__in=agencies) & in_files("file"),
            consent=Consent.REFUSED,
            duty_done_at__isnull=True,
            duty_due_at__lt=now,
        ),
        kind=InboxKind.EMERGENCY_REFUSED,
        agency="requester__code",
        file="file__code",
        number=F("file_number"),
        due="duty_due_at",
        reminded=F("duty_reminded_at"),
    )
    notices = _columns(
        InboxItem.objects.filter(
            Q(agency__in=agencies) & in_files("file"),
            kind=InboxKind.CORRECTION_NOTICE,
            done_at__isnull=True,
            due_at__lt=now,
        ),
        kind=InboxKind.CORRECTION_NOTICE,
        agency="agency__code",
        file="file__code",
        number=KeyTextTransform("file_number", "payload"),
        due="due_at",
        reminded=Cast(KeyTextTransform("reminded_at", "payload"), DateTimeField()),
    )
    reviews = _columns(
        InboxItem.objects.filter(
            Q(agency__in=agencies) & in_files("file"),
            kind=InboxKind.REVIEW_DUE,
            done_at__isnull=True,
            due_at__lt=now,
        ),
        kind=InboxKind.REVIEW_DUE,
        agency="agency__code",
        file="file__code",
        number=KeyTextTransform("file_number", "payload"),
        due="due_at",
        reminded=F("escalated_at"),
    )
    # Subject access (issue 17): the owner's decision on a subject request (R-K1, R-L6).
    subject_requests = _columns(
        InboxItem.objects.filter(
            Q(agency__in=agencies) & in_files("file"),
            kind=InboxKind.SUBJECT_REQUEST,
            done_at__isnull=True,
            due_at__lt=now,
        ),
        kind=InboxKind.SUBJECT_REQUEST,
        agency="agency__code",
        file="file__code",
        number=KeyTextTransform("file_number", "payload"),
        due="due_at",
        reminded=Cast(KeyTextTransform("reminded_at", "payload"), DateTimeField()),
    )
    parts = (requests, consents, refused, notices, reviews, subject_requests)
    return covert.union(*parts, all=True).order_by("o_due", "o_kind", "o_subject")


def overdue_for_head(*, actor: Any, now: datetime.datetime | None = None) -> QuerySet[Any]:
    """Return the overdue duties of the head's agency in the files it is authorised for.

    Anybody but an agency head: 403 ``not_head``.
    """
    if getattr(actor, "role", "") != Role.HEAD or not getattr(actor, "agency_id", None):
        raise Forbidden(
            "Die Liste überfälliger Vorgänge sieht nur die Behördenleitung.", code="not_head"
        )
    return _overdue(
        agencies=Agency.objects.filter(pk=actor.agency_id),
        files=authorised_files(actor),
        now=now or timezone.now(),
    )


def overdue_for_supervisor(
    *,
    actor: Any,
    agencies: QuerySet[Agency] | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Any]:
    """Return the overdue duties of the agencies the supervisor controls (R-J1, R-J2, R-J6).

    ``agencies`` narrows the list (a filter); it never widens the jurisdiction. Anybody but a
    supervisor: 403 ``forbidden``.
    """
    if getattr(actor, "role", "") != Role.SUPERVISOR:
        raise Forbidden("Nur für die Datenschutzaufsicht.", code="forbidden")
    competent = supervised_agencies(actor, power="records")
    if agencies is not None:
        competent = competent.filter(pk__in=agencies.values("pk"))
    return _overdue(agencies=competent, files=None, now=now or timezone.now())


def overdue_view(row: Any) -> dict[str, Any]:
    """Shape one row of the union as the lists show it."""
    kind, agency, file, number, due, reminded, subject = row
    return {
        "id": f"{kind}:{subject}",
        "kind": kind,
        "agency": agency,
        "file": file,
        "file_number": number or "",
        "due_at": due,
        "overdue_since": due,
        "reminded_at": reminded,
        "subject": subject,
    }
