"""Which records a supervisor may act on, within jurisdiction or delegation (R-J1, R-J2, R-J6).

Supervision is not limited in substance: a supervisor reaches the records entered by the
agencies it supervises, covert ones included, and the records those agencies queried (a hit
of one of their searches; for a covert record from an Art. 10 measure, a covert match of one
of their searches, R-J3). Anything else answers 404, as if unknown.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from audit.jsonq import list_holds
from audit.models import AuditEvent
from audit.selectors import supervised_agencies
from verbund.access.logging import log_record
from verbund.errors import Forbidden, NotFound
from verbund.models import AccessRequest, InboxItem, Record
from verbund.models.emergencies import EmergencyAccess
from verbund.models.inbox import InboxKind
from verbund.models.searches import CovertHit, Hit


def supervised_record(actor: Any, record_id: Any) -> Record:
    """Return a record within the supervisor's jurisdiction or delegation, else 404."""
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        raise NotFound() from None
    agencies = supervised_agencies(actor, power="records")
    queried = Hit.objects.filter(record=OuterRef("pk"), search__agency__in=agencies)
    # R-J3: a covert record from an Art. 10 measure that a supervised agency's search matched
    # is controllable by that agency's supervisor too.
    covert_queried = CovertHit.objects.filter(record=OuterRef("pk"), search__agency__in=agencies)
    record = (
        Record.objects.filter(pk=pk)
        .annotate(
            controlled=Exists(Record.objects.filter(pk=OuterRef("pk"), owner__in=agencies))
            | Exists(queried),
            covert_matched=Exists(covert_queried),
        )
        .select_related("file", "owner")
        .first()
    )
    # The marking is read from the one row (markings is a JSON list: no portable lookup).
    if record is None or not (
        record.controlled or (record.covert_matched and "art10" in (record.markings or []))
    ):
        raise NotFound()
    return record


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _username(officer: Any) -> str | None:
    return officer.username if officer else None


def record_decisions(record: Record) -> dict[str, Any]:
    """Return the decisions recorded on a record (R-J6): storage mode, requests, Eilfälle,
    reviews (complaints among them) with their outcomes."""
    requests = (
        AccessRequest.objects.filter(record=record)
        .select_related("requester", "decided_by")
        .order_by("created_at", "pk")
    )
    emergencies = (
        EmergencyAccess.objects.filter(record=record)
        .select_related("requester", "decided_by", "consent_by")
        .order_by("created_at", "pk")
    )
    reviews = InboxItem.objects.filter(record=record, kind=InboxKind.REVIEW_DUE).order_by(
        "created_at", "pk"
    )
    return {
        "storage": {
            "storage": record.storage,
            "decided_by": _username(record.storage_decided_by),
            "reasons": record.storage_reasons,
        },
        "access_requests": [
            {
                "id": str(r.pk),
                "kind": r.kind,
                "requester": r.requester.code,
                "justification": r.justification,
                "status": r.status,
                "provision": r.provision,
                "reasons": r.reasons,
                "decided_by": _username(r.decided_by),
                "decided_at": _iso(r.decided_at),
                "created_at": _iso(r.created_at),
            }
            for r in requests
        ],
        "emergencies": [
            {
                "id": str(e.pk),
                "requester": e.requester.code,
                "danger": e.danger,
                "facts": e.facts,
                "decided_by": _username(e.decided_by),
                "created_at": _iso(e.created_at),
                "consent": e.consent,
                "consent_reasons": e.consent_reasons,
                "consent_by": _username(e.consent_by),
                "consent_at": _iso(e.consent_at),
                "duty_done_at": _iso(e.duty_done_at),
            }
            for e in emergencies
        ],
        "reviews": [
            {
                "id": str(item.pk),
                "causes": [
                    {
                        "cause": str(c.get("cause", "")),
                        "at": c.get("at"),
                        "text": str((c.get("details") or {}).get("text", "")),
                    }
                    for c in item.payload.get("causes", [])
                ],
                "due_at": _iso(item.due_at),
                "done_at": _iso(item.done_at),
                "outcome": item.payload.get("outcome"),
                "reasons": item.payload.get("reasons"),
                "decided_by": item.payload.get("decided_by"),
            }
            for item in reviews
        ],
    }


def supervision_record_read(*, actor: Any, record_id: Any) -> dict[str, Any]:
    """Return a record with its recorded decisions for a supervisor; the read is logged.

    Supervisors only (others 403); outside jurisdiction and delegation (``records``) 404 as
    if unknown. The whole record, covert ones included (R-J6); the log row
    (``supervision.record_read``) names a covert record only in the covert column (R-I5).
    """
    if getattr(actor, "role", "") != "supervisor" or not getattr(actor, "is_active", False):
        raise Forbidden("Nur für die Datenschutzaufsicht.", code="forbidden")
    with transaction.atomic():
        record = supervised_record(actor, record_id)
        log_record(actor=actor, action="supervision.record_read", record=record)
    data: dict[str, Any] = {
        "id": str(record.pk),
        "file": record.file.code,
        "kind": record.kind,
        "owner": record.owner.code,
        "reference": {
            "agency": record.owner.code,
            "file_number": record.file_number,
            "classification": record.classification,
        },
        "storage": record.storage,
        "markings": record.markings,
        "findings_basis": record.findings_basis,
        "withheld": record.withheld,
        "review_date": record.review_date.isoformat(),
        "deletion_date": record.deletion_date.isoformat(),
        "status": record.status,
        "blocked_reason": record.blocked_reason,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "decisions": record_decisions(record),
    }
    if record.is_person:
        data["basic"] = record.basic
        data["case_group"] = record.case_group
        data["extended"] = record.extended
    else:
        data["object"] = record.object_data
    return data


def complaints_of(actor: Any) -> list[dict[str, Any]]:
    """Return the complaints this supervisor lodged, newest first, with the owner's decision.

    Read from the log (R-J6): the complaint's ``record.review_open`` row and the owner's
    ``record.review_decide`` row of the same review (found through the record's reference,
    GIN-indexed), so the outcome stays visible even after the owner deleted the record.
    """
    if getattr(actor, "role", "") != "supervisor":
        return []
    lodged = AuditEvent.objects.filter(
        officer=actor, action="record.review_open", details__cause="complaint"
    ).order_by("-seq")[:200]
    out = []
    for event in lodged:
        ref = (event.references or event.covert or [{}])[0]
        rid = str(ref.get("record", ""))
        item = str(event.details.get("item", ""))
        decided = (
            AuditEvent.objects.filter(
                list_holds("references", {"record": rid}) | list_holds("covert", {"record": rid}),
                action="record.review_decide",
                time__gte=event.time,
                details__item=item,
            )
            .order_by("seq")
            .first()
            if rid
            else None
        )
        about = event.details.get("about") or {}
        out.append(
            {
                "record": rid,
                "covert": bool(event.covert),
                "agency": ref.get("agency", ""),
                "file": event.file,
                "file_number": ref.get("file_number", ""),
                "text": about.get("text", ""),
                "lodged_at": event.time,
                "review": item,
                "outcome": decided.details.get("outcome") if decided else None,
                "reasons": decided.details.get("reasons") if decided else None,
                "decided_by": decided.officer_username if decided else None,
                "decided_at": decided.time if decided else None,
            }
        )
    return out
