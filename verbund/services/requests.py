"""Requests for extended data and for further use after a hit, and the owner's decision.

R-F1: outside an Eilfall another agency reads a record's extended data only after a hit and
only if the owner grants a request in the individual case under its own transfer law; the
decision records the provision relied on and the reasons. R-F2: any use of hit data beyond
checking the match and preparing a transfer request needs one of the § 6(1) S. 2 grounds
and the owner's consent; such data carry the § 6(3) marking. R-H3: the requesting agency
answers for the lawfulness of its request, so the justification is required and logged.

Lock order as in ``verbund.services.searches``: row locks first (``of=("self",)``), the rows
written here, the audit chain's lock last (``log_event``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Officer
from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.access.records import authorised_files
from verbund.access.requests import crosses_separation, hit_for_request
from verbund.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.models import AccessRequest, InboxItem
from verbund.models.inbox import InboxKind
from verbund.models.records import RecordStatus, Storage
from verbund.models.requests import (
    USE_CHECK_ONLY,
    USE_FURTHER_USE,
    RequestKind,
    RequestStatus,
    UseGround,
)
from verbund.services import shapes
from verbund.services.due import access_request_due
from verbund.services.record_rules import RaiseAtOnce, clean_text
from verbund.services.searches import require_officer

MAX_TEXT = 4000
MAX_PROVISION = 200

# The bodies (JSON types only; the rules below give them meaning).
ACCESS_REQUEST = shapes.Obj(
    {
        "hit": shapes.Text(max_len=40),
        "justification": shapes.Text(max_len=MAX_TEXT),
        "kind": shapes.Text(max_len=40),
        "use_ground": shapes.Text(max_len=40),
        "use_purpose": shapes.Text(max_len=MAX_TEXT),
    }
)
ACCESS_DECISION = shapes.Obj(
    {
        "grant": shapes.Bool(),
        "reasons": shapes.Text(max_len=MAX_TEXT),
        "provision": shapes.Text(max_len=MAX_PROVISION),
    }
)
# Fields the server sets: sent with a create they are ignored, never applied (api.md).
SERVER_SET = frozenset(
    {
        "id",
        "status",
        "grant",
        "consent",
        "decided_at",
        "decided_by",
        "owner",
        "requester",
        "officer",
        "record",
        "file",
        "file_number",
        "crosses_separation",
        "provision",
        "reasons",
        "use_markings",
        "created_at",
        "due_at",
    }
)
# R-F2 / § 6(3): the use marking a grant gives the released data, per kind of request.
GRANT_MARKINGS = {
    RequestKind.EXTENDED_DATA.value: [USE_CHECK_ONLY],
    RequestKind.FURTHER_USE.value: [USE_FURTHER_USE],
}


def _required_text(value: Any, name: str, detail: str, *, max_len: int = MAX_TEXT) -> str:
    """Return a cleaned, non-empty text or raise 400 naming the field."""
    text = clean_text(value, name, RaiseAtOnce(), max_len=max_len) if value is not None else ""
    if not text:
        raise Invalid(detail, code="required", fields={name: [detail]})
    return text


def _choice(value: Any, name: str, choices: list[str], default: str) -> str:
    if value is None or value == "":
        return default
    if value not in choices:
        detail = "Unzulässiger Wert; zulässig: " + ", ".join(choices) + "."
        raise Invalid(detail, code="invalid_choice", fields={name: [detail]})
    return str(value)


def _inbox_payload(request: AccessRequest) -> dict[str, Any]:
    """Return the owner's inbox payload of a request (what the owner decides on)."""
    return {
        "access_request": str(request.pk),
        "requester": request.requester.code,
        "officer": request.officer.username,
        "justification": request.justification,
        "file_number": request.file_number,
        "record": str(request.record_id),
        "kind": request.kind,
        "use_ground": request.use_ground,
        "use_purpose": request.use_purpose,
        "crosses_separation": request.crosses_separation,
    }


def access_request_create(
    *,
    actor: Officer,
    hit: Any,
    justification: Any,
    kind: Any = RequestKind.EXTENDED_DATA.value,
    use_ground: Any = "",
    use_purpose: Any = "",
) -> AccessRequest:
    """Ask the owner of a hit's record for its extended data or for a further use.

    Only from a hit of the officer's own agency in the ATD (R-F1, R-M7: GWS hits 400
    ``not_in_gws``), never on the agency's own record (400 ``own_record``). The requesting
    agency answers for the request (R-H3): ``justification`` is required. ``further_use``
    needs a § 6(1) S. 2 ground and what the data are to be used for (R-F2). A second pending
    request of the agency for the same record and kind is 409 ``already_pending``, one
    already granted 409 ``already_granted``. The request starts pending; the owner's inbox
    receives it in the same transaction, with a due time for the reminder (R-L6).
    """
    require_officer(actor)
    if isinstance(hit, uuid.UUID):  # a caller in Python may pass the id itself
        hit = str(hit)
    shapes.check(
        ACCESS_REQUEST,
        {
            "hit": hit,
            "justification": justification,
            "kind": kind,
            "use_ground": use_ground,
            "use_purpose": use_purpose,
        },
    )
    if hit is None or hit == "":
        raise Invalid("Treffer angeben.", code="required", fields={"hit": ["Treffer angeben."]})
    kind_code = _choice(kind, "kind", RequestKind.values, RequestKind.EXTENDED_DATA.value)
    text = _required_text(
        justification,
        "justification",
        "Begründung angeben: die ersuchende Behörde verantwortet ihr Ersuchen.",
    )
    ground = ""
    purpose_text = ""
    if kind_code == RequestKind.FURTHER_USE:
        # R-F2: only for an especially serious crime or a danger to a person.
        if use_ground is None or use_ground == "":
            detail = "Grund der Weiterverwendung angeben."
            raise Invalid(detail, code="required", fields={"use_ground": [detail]})
        ground = _choice(use_ground, "use_ground", UseGround.values, "")
        purpose_text = _required_text(
            use_purpose, "use_purpose", "Angeben, wofür die Daten verwendet werden sollen."
        )
    elif use_ground not in (None, "") or use_purpose not in (None, ""):
        detail = "Nur bei einem Ersuchen um Weiterverwendung."
        field = "use_ground" if use_ground not in (None, "") else "use_purpose"
        raise Invalid(detail, code="not_allowed", fields={field: [detail]})
    with transaction.atomic():
        # No row lock: the partial unique constraint keeps one pending request per record,
        # agency and kind, also against a concurrent request (IntegrityError below).
        found, record = hit_for_request(actor, hit)
        if not record.file.is_atd:
            # R-M7: GWS participants retrieve directly; there is nothing to request.
            detail = "In dieser Datei werden Datensätze unmittelbar abgerufen; kein Ersuchen."
            raise Invalid(detail, code="not_in_gws", fields={"hit": [detail]})
        if record.owner_id == actor.agency_id:
            detail = "Ein Treffer auf einen Datensatz der eigenen Behörde."
            raise Invalid(detail, code="own_record", fields={"hit": [detail]})
        existing = set(
            AccessRequest.objects.filter(
                record=record, requester_id=actor.agency_id, kind=kind_code
            )
            .exclude(status=RequestStatus.REFUSED)
            .values_list("status", flat=True)
        )
        if RequestStatus.PENDING in existing:
            raise Conflict(
                "Zu diesem Datensatz ist bereits ein Ersuchen offen.", code="already_pending"
            )
        if RequestStatus.GRANTED in existing:
            raise Conflict("Dieses Ersuchen wurde bereits bewilligt.", code="already_granted")
        requester = actor.agency
        now = timezone.now()
        request = AccessRequest(
            kind=kind_code,
            hit=found,
            record=record,
            file=record.file,
            file_number=record.file_number,
            requester=requester,
            officer=actor,
            owner=record.owner,
            purpose=found.search.purpose,
            justification=text,
            use_ground=ground,
            use_purpose=purpose_text,
            crosses_separation=crosses_separation(requester, record.owner),
            due_at=access_request_due(now),
        )
        try:
            with transaction.atomic():
                request.save(force_insert=True)
        except IntegrityError:
            # A concurrent request of the same agency for the same record won the race.
            raise Conflict(
                "Zu diesem Datensatz ist bereits ein Ersuchen offen.", code="already_pending"
            ) from None
        InboxItem.objects.create(
            agency=record.owner,
            file=record.file,
            kind=InboxKind.ACCESS_REQUEST,
            record=record,
            subject_id=request.pk,
            payload=_inbox_payload(request),
            due_at=request.due_at,
        )
        log_event(
            actor=actor,
            action="access_request.create",
            object_type="access_request",
            object_id=str(request.pk),
            file=record.file.code,
            purpose=found.search.purpose,
            urgency=found.search.urgency,
            references=[{**log_ref(record), "hit": str(found.pk)}],
            details={
                "kind": kind_code,
                "justification": text,
                "use_ground": ground,
                "use_purpose": purpose_text,
                "owner": record.owner.code,
                "crosses_separation": request.crosses_separation,
            },
        )
    return request


def access_request_decide(
    *, actor: Officer, request_id: Any, grant: Any, reasons: Any, provision: Any
) -> AccessRequest:
    """Record the owner's decision on a request under its own transfer law (R-F1, R-F2).

    Only officers of the owning agency authorised for the file decide; the requesting
    agency gets 403 ``not_owner``, anybody else 404 as if the request did not exist.
    ``grant``, ``reasons`` and ``provision`` (the owner's transfer provision relied on) are
    required. A second decision is 409 ``already_decided``. A grant marks the released data
    (R-C7): "only to check the match and to prepare a transfer request" for extended data,
    the § 6(3) marking for a further use. The requester's inbox learns the decision; the
    owner's item is done.
    """
    require_officer(actor)
    shapes.check(ACCESS_DECISION, {"grant": grant, "reasons": reasons, "provision": provision})
    if grant is None:
        detail = "Entscheidung angeben: bewilligen oder ablehnen (true/false)."
        raise Invalid(detail, code="required", fields={"grant": [detail]})
    provision_text = _required_text(
        provision,
        "provision",
        "Die Übermittlungsvorschrift angeben, auf die sich die Entscheidung stützt.",
        max_len=MAX_PROVISION,
    )
    text = _required_text(reasons, "reasons", "Gründe der Entscheidung angeben.")
    try:
        pk = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFound() from None
    with transaction.atomic():
        request = (
            AccessRequest.objects.select_for_update(of=("self",))
            .filter(pk=pk, file__in=authorised_files(actor))
            .select_related("requester", "owner", "file", "record", "officer")
            .first()
        )
        if request is None or actor.agency_id not in (request.owner_id, request.requester_id):
            raise NotFound()
        if request.owner_id != actor.agency_id:
            raise Forbidden("Nur die eingebende Behörde entscheidet.", code="not_owner")
        if request.status != RequestStatus.PENDING:
            raise Conflict("Über dieses Ersuchen ist bereits entschieden.", code="already_decided")
        record = request.record
        if record is None:
            raise NotFound()
        if grant and record.status == RecordStatus.BLOCKED:
            raise Conflict(
                "Der Datensatz ist gesperrt; er wird nicht freigegeben.", code="record_blocked"
            )
        if grant and record.storage == Storage.COVERT:
            # Stored covert since the request (R-D3, R-C8): a grant would open nothing and
            # tell the requester that the record went covert; only a refusal remains. The
            # owner alone gets here, so naming the storage mode reveals nothing.
            raise Conflict(
                "Der Datensatz ist verdeckt gespeichert; er wird nicht freigegeben. "
                "Lehnen Sie das Ersuchen ab.",
                code="record_covert",
            )
        now = timezone.now()
        request.status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
        request.provision = provision_text
        request.reasons = text
        request.decided_by = actor
        request.decided_at = now
        request.use_markings = list(GRANT_MARKINGS[request.kind]) if grant else []
        request.save(
            update_fields=[
                "status",
                "provision",
                "reasons",
                "decided_by",
                "decided_at",
                "use_markings",
            ]
        )
        InboxItem.objects.filter(
            kind=InboxKind.ACCESS_REQUEST, subject_id=request.pk, done_at__isnull=True
        ).update(done_at=now)
        InboxItem.objects.create(
            agency=request.requester,
            file=request.file,
            kind=InboxKind.ACCESS_DECISION,
            record=None,  # a recorded decision stays after the record's deletion (R-L5)
            subject_id=request.pk,
            payload={
                "access_request": str(request.pk),
                "owner": request.owner.code,
                "file_number": request.file_number,
                # The record's id only where the grant opens it to the requester.
                **({"record": str(record.pk)} if grant else {}),
                "kind": request.kind,
                "status": request.status,
                "provision": provision_text,
                "reasons": text,
                "decided_by": actor.username,
                "decided_at": now.isoformat(),
                "use_markings": request.use_markings,
            },
        )
        log_event(
            actor=actor,
            action="access_request.decide",
            object_type="access_request",
            object_id=str(request.pk),
            file=request.file.code,
            purpose=request.purpose,
            references=[log_ref(record)],
            details={
                "grant": bool(grant),
                "kind": request.kind,
                "provision": provision_text,
                "reasons": text,
                "requester": request.requester.code,
                "use_markings": request.use_markings,
                "crosses_separation": request.crosses_separation,
            },
        )
    return request
