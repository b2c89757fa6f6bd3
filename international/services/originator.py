"""The third-party rule: what foreign bodies passed on in confidence (R-N3, 000 Q9).

To anyone but the owner, items under an originator marking are *absent* — not "withheld":
confidentiality covers whether such information exists. Every path that shows or passes on
a record's items to another agency or a partner (grants, Eilfall, transfers, subject access,
statistics) drops the items ``hidden_items`` names. Only a recorded release for that
recipient, unexpired, lifts this; a ``comprehensive_restriction`` is never released.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from agencies.models import Agency, Officer
from audit.services import log_event
from international.models import OriginatorKind, OriginatorMarking, OriginatorRelease, Partner
from verbund.access.logging import log_ref
from verbund.access.records import records_for
from verbund.dates import parse_iso_date
from verbund.errors import Invalid, NotFound, Refused
from verbund.models import Record
from verbund.models.records import Storage
from verbund.services import shapes
from verbund.services.record_rules import RaiseAtOnce, clean_text
from verbund.services.searches import require_officer


def hidden_items(
    record: Record,
    *,
    agency_id: Any = None,
    partner_id: Any = None,
    on: datetime.date | None = None,
) -> set[str]:
    """Return the record's items hidden from a recipient (an agency or a partner).

    Shape: a set of item names as ``verbund.services.transfers.transferable_items`` names
    them (``basic``, ``reference``, an extended field …). The owner sees everything (empty
    set). One query for the markings, one for releases when any marking is releasable.
    """
    if agency_id is not None and agency_id == record.owner_id:
        return set()
    markings = list(OriginatorMarking.objects.filter(record=record))
    if not markings:
        return set()
    day = on or timezone.localdate()
    released: set[Any] = set()
    releasable = [m.pk for m in markings if m.kind == OriginatorKind.THIRD_PARTY_RULE]
    if releasable and (agency_id is not None or partner_id is not None):
        releases = OriginatorRelease.objects.filter(marking_id__in=releasable, expires_on__gte=day)
        if agency_id is not None:
            releases = releases.filter(recipient_agency_id=agency_id)
        else:
            releases = releases.filter(recipient_partner_id=partner_id)
        released = set(releases.values_list("marking_id", flat=True))
    hidden: set[str] = set()
    for marking in markings:
        if marking.pk not in released:
            hidden.update(str(item) for item in marking.items or [])
    return hidden


# --- Recording markings and releases (R-N3; issue 20 "Build" 4, branch intlts) -------------

# The file reference is the owner's own (agency, file number, classification): it never
# comes from a foreign body and keeps the record identifiable, so it cannot be marked.
NOT_MARKABLE = frozenset({"reference"})
TEXT_MAX = 4000

MARKING = shapes.Obj(
    {
        "partner": shapes.Text(max_len=40),
        "kind": shapes.Text(max_len=40),
        "items": shapes.ListOf(shapes.Text(max_len=60), name_items=False),
    }
)
RELEASE = shapes.Obj(
    {
        "recipient": shapes.Obj(
            {"agency": shapes.Text(max_len=40), "partner": shapes.Text(max_len=40)}
        ),
        "purpose": shapes.Text(max_len=TEXT_MAX),
        "expires_on": shapes.Text(max_len=10),
    }
)


def strip_hidden(data: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    """Return record data (``record_data``'s shape) without the hidden items: the keys
    ``basic``/``object`` and extended fields simply do not exist — no placeholder, no
    count, no hint (R-N3)."""
    if not hidden:
        return data
    out = {k: v for k, v in data.items() if k not in hidden or k in NOT_MARKABLE}
    extended = out.get("extended")
    if isinstance(extended, dict):
        out["extended"] = {k: v for k, v in extended.items() if k not in hidden}
    return out


def markable_items(record: Record) -> list[str]:
    """Return the item names an owner can mark (``transferable_items`` but the reference)."""
    from verbund.services.transfers import transferable_items

    return [item for item in transferable_items(record) if item not in NOT_MARKABLE]


def covert_storage_proposed(record: Record, *, marked: bool | None = None) -> bool:
    """True when the record carries originator markings but is not stored covertly: the
    owner's head is proposed covert storage (002 Rn. 10) and decides through the storage
    decision of R-D4 (``verbund.services.records.record_update`` with ``storage_decision``)."""
    if record.storage == Storage.COVERT:
        return False
    if marked is None:
        marked = OriginatorMarking.objects.filter(record=record).exists()
    return marked


def _own_record(actor: Officer, record_id: Any, *, lock: bool = False) -> Record:
    """The caller's own record, or 404 exactly as for an invented id (grantees included)."""
    require_officer(actor)
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        raise NotFound() from None
    qs = records_for(actor, "change").select_related("file", "owner").filter(pk=pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    record = qs.first()
    if record is None:
        raise NotFound()
    return record


def own_record(*, actor: Officer, record_id: Any) -> Record:
    """The caller's own record for the markings section (404 for anyone else)."""
    return _own_record(actor, record_id)


def _text(value: Any, path: str, detail: str, *, max_len: int = TEXT_MAX) -> str:
    text = clean_text(value, path, RaiseAtOnce(), max_len=max_len) if value is not None else ""
    if not text:
        raise Invalid(detail, code="required", fields={path: [detail]})
    return text


def _partner(value: Any, path: str) -> Partner:
    code = _text(value, path, "Partner angeben.", max_len=40)
    partner = Partner.objects.filter(code=code).first()
    if partner is None:
        detail = "Unbekannter Partner."
        raise Invalid(detail, code="unknown_partner", fields={path: [detail]})
    return partner


def _log(
    *, actor: Officer, action: str, record: Record, object_id: str, details: dict[str, Any]
) -> None:
    """Log a marking or release. The marking's existence is as confidential as the data:
    for a covert record everything goes to the covert column (owner and supervisors only,
    as ``verbund.access.logging.log_record`` does) and the row names no object."""
    ref = log_ref(record)
    if record.storage == Storage.COVERT:
        log_event(
            actor=actor,
            action=action,
            object_type="originator_marking",
            file=record.file.code,
            covert=[{**ref, "originator_marking": object_id, "originator_details": details}],
        )
    else:
        log_event(
            actor=actor,
            action=action,
            object_type="originator_marking",
            object_id=object_id,
            file=record.file.code,
            references=[ref],
            details=details,
        )


def marking_create(*, actor: Officer, record_id: Any, data: Any) -> OriginatorMarking:
    """Record that items of the caller's own record came from a foreign body in confidence.

    400: ``required``/``unknown_partner``/``invalid_choice``/``unknown_items`` naming the
    field; 404 for a record that is not the caller's (as for an invented id).
    """
    record = _own_record(actor, record_id)
    if not isinstance(data, dict):
        raise Invalid("JSON-Objekt erwartet.", code="invalid")
    shapes.check(MARKING, data)
    partner = _partner(data.get("partner"), "partner")
    kind = data.get("kind")
    if kind in (None, ""):
        detail = "Art der Beschränkung angeben."
        raise Invalid(detail, code="required", fields={"kind": [detail]})
    if kind not in OriginatorKind.values:
        detail = "Zulässig: " + ", ".join(OriginatorKind.values) + "."
        raise Invalid(detail, code="invalid_choice", fields={"kind": [detail]})
    items = [i for i in dict.fromkeys(data.get("items") or []) if i is not None]
    if not items:
        detail = "Mindestens einen Bestandteil des Datensatzes angeben."
        raise Invalid(detail, code="required", fields={"items": [detail]})
    allowed = markable_items(record)
    unknown = [i for i in items if i not in allowed]
    if unknown:
        detail = "Unbekannte Bestandteile: " + ", ".join(str(i) for i in unknown) + "."
        raise Invalid(detail, code="unknown_items", fields={"items": [detail]})
    with transaction.atomic():
        record = _own_record(actor, record.pk, lock=True)
        marking = OriginatorMarking.objects.create(
            record=record, partner=partner, kind=kind, items=items, created_by=actor
        )
        _log(
            actor=actor,
            action="originator_marking.create",
            record=record,
            object_id=str(marking.pk),
            details={"partner": partner.code, "kind": kind, "items": items},
        )
    return marking


def release_create(
    *, actor: Officer, record_id: Any, marking_id: Any, data: Any
) -> OriginatorRelease:
    """Record the originator's release of a marking for one recipient, purpose and expiry.

    422 ``comprehensive_restriction``: under an express comprehensive use restriction no
    release is asked (000 Q9). 400 for a missing or unknown recipient, purpose or date, or
    an expiry in the past; 404 for a marking that is not on the caller's own record.
    """
    record = _own_record(actor, record_id)
    try:
        mpk = uuid.UUID(str(marking_id))
    except ValueError:
        raise NotFound() from None
    marking = OriginatorMarking.objects.filter(pk=mpk, record=record).first()
    if marking is None:
        raise NotFound()
    if marking.kind == OriginatorKind.COMPREHENSIVE_RESTRICTION:
        raise Refused(
            "Der Urheber hat eine ausdrückliche umfassende Verwendungsbeschränkung verfügt; "
            "eine Freigabe wird nicht erbeten.",
            code="comprehensive_restriction",
        )
    if not isinstance(data, dict):
        raise Invalid("JSON-Objekt erwartet.", code="invalid")
    shapes.check(RELEASE, data)
    recipient = data.get("recipient")
    if not isinstance(recipient, dict) or not recipient:
        detail = "Empfänger angeben: eine Behörde (agency) oder ein ausländischer Partner."
        raise Invalid(detail, code="required", fields={"recipient": [detail]})
    unknown = sorted(set(recipient) - {"agency", "partner"})
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(
            detail, code="unknown_field", fields={f"recipient.{k}": [detail] for k in unknown}
        )
    given = [k for k in ("agency", "partner") if recipient.get(k) not in (None, "")]
    if len(given) != 1:
        detail = "Genau einen Empfänger angeben: eine Behörde oder einen Partner."
        raise Invalid(detail, code="invalid", fields={"recipient": [detail]})
    agency: Agency | None = None
    partner: Partner | None = None
    if given == ["agency"]:
        code = _text(recipient["agency"], "recipient.agency", "Behörde angeben.", max_len=40)
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            detail = "Unbekannte Behörde."
            raise Invalid(detail, code="unknown_agency", fields={"recipient.agency": [detail]})
        if agency.pk == record.owner_id:
            detail = "Die eingebende Behörde sieht die Daten ohnehin."
            raise Invalid(detail, code="invalid", fields={"recipient.agency": [detail]})
    else:
        partner = _partner(recipient["partner"], "recipient.partner")
    purpose = _text(data.get("purpose"), "purpose", "Zweck der Freigabe angeben.")
    raw = data.get("expires_on")
    if raw in (None, ""):
        detail = "Ablaufdatum der Freigabe angeben."
        raise Invalid(detail, code="required", fields={"expires_on": [detail]})
    try:
        expires_on = parse_iso_date(str(raw))
    except ValueError:
        detail = "Datum im Format JJJJ-MM-TT angeben."
        raise Invalid(detail, code="invalid_date", fields={"expires_on": [detail]}) from None
    if expires_on < timezone.localdate():
        detail = "Das Ablaufdatum liegt in der Vergangenheit."
        raise Invalid(detail, code="invalid_date", fields={"expires_on": [detail]})
    with transaction.atomic():
        record = _own_record(actor, record.pk, lock=True)
        marking = OriginatorMarking.objects.select_for_update().get(pk=marking.pk)
        release = OriginatorRelease.objects.create(
            marking=marking,
            recipient_agency=agency,
            recipient_partner=partner,
            purpose=purpose,
            expires_on=expires_on,
            recorded_by=actor,
        )
        _log(
            actor=actor,
            action="originator_release.create",
            record=record,
            object_id=str(marking.pk),
            details={
                "originator_release": str(release.pk),
                "recipient": {"agency": agency.code}
                if agency
                else {"partner": partner.code}
                if partner
                else {},
                "purpose": purpose,
                "expires_on": expires_on.isoformat(),
            },
        )
    return release


def release_data(release: OriginatorRelease, *, today: datetime.date) -> dict[str, Any]:
    """Shape one release for its owner."""
    recipient = (
        {"agency": release.recipient_agency.code}
        if release.recipient_agency_id and release.recipient_agency
        else {"partner": release.recipient_partner.code if release.recipient_partner else ""}
    )
    return {
        "id": str(release.pk),
        "recipient": recipient,
        "purpose": release.purpose,
        "expires_on": release.expires_on,
        "expired": release.expires_on < today,
        "recorded_by": release.recorded_by.username,
        "created_at": release.created_at,
    }


def marking_data(
    marking: OriginatorMarking, *, today: datetime.date | None = None
) -> dict[str, Any]:
    """Shape one marking with its releases for the record's owner."""
    day = today or timezone.localdate()
    return {
        "id": str(marking.pk),
        "partner": marking.partner.code,
        "partner_name": marking.partner.name,
        "kind": marking.kind,
        "items": list(marking.items or []),
        "release_offered": marking.kind == OriginatorKind.THIRD_PARTY_RULE,
        "created_by": marking.created_by.username,
        "created_at": marking.created_at,
        "releases": [release_data(r, today=day) for r in marking.releases.all()],
    }


def markings_of(record: Record) -> list[OriginatorMarking]:
    """The record's markings with partner, author and releases (three queries)."""
    return list(
        OriginatorMarking.objects.filter(record=record)
        .select_related("partner", "created_by")
        .prefetch_related(
            models.Prefetch(
                "releases",
                queryset=OriginatorRelease.objects.select_related(
                    "recipient_agency", "recipient_partner", "recorded_by"
                ),
            )
        )
    )


def marking_list(*, actor: Officer, record_id: Any, log: bool = True) -> dict[str, Any]:
    """Return the markings of the caller's own record (404 for anyone else), logged."""
    record = _own_record(actor, record_id)
    markings = markings_of(record)
    if log:
        with transaction.atomic():
            _log(
                actor=actor,
                action="originator_marking.list",
                record=record,
                object_id="",
                details={"count": len(markings)},
            )
    return {
        "markings": [marking_data(m) for m in markings],
        "covert_storage_proposed": covert_storage_proposed(record, marked=bool(markings)),
    }
