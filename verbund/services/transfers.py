"""Record transfers of findings: who sent what to whom, under which law (R-F3, R-C7, R-C8).

The system does not carry the findings themselves: the sender records the transfer it made
under its own transfer law (ATDG § 7) — a record, not a document. Who may record one:

- the owner of the record, on its own initiative (basis ``own_initiative``) or because the
  recipient holds a granted request for that record (basis ``grant``, the request linked);
- an agency that holds the data lawfully: through a granted further-use request (``grant``;
  a release of the extended data alone is only for checking the match and preparing a
  request, R-F2: 403 ``use_limited``) or an Eilfall whose consent was granted (``eilfall``);
  while the consent is still pending the further transfer waits (409 ``consent_pending``,
  R-G3); a GWS participant that retrieved the record directly (R-M7) transfers under its
  own law (``own_initiative``).

Everything else cannot see the record and gets 404, exactly as for an invented id.

Markings (R-C7): the transfer carries the record's markings and the sender's use markings;
none can be dropped, known markings may be added. Data from Art. 10 / Art. 13 GG measures or
IT-system intrusion (R-C8) are covert, so only the owner sees and transfers them, and only
for a task that would itself justify such a collection (Rn. 225): the task is required and
logged. Lock order as in ``verbund.services.searches``: the basis row first (a grant or an
Eilfall, so a concurrent refusal of consent waits), then the rows written here, the audit
chain lock last.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agencies.models import Agency, Officer
from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.access.records import access_record, current_order, use_markings_for
from verbund.access.requests import record_for_further_use
from verbund.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from verbund.models import AccessRequest, EmergencyAccess, InboxItem, Participation, Record
from verbund.models.emergencies import Consent
from verbund.models.inbox import InboxKind
from verbund.models.records import COVERT_ONLY_MARKINGS, RecordStatus, Storage
from verbund.models.requests import USE_FURTHER_USE, USE_MARKINGS, RequestStatus
from verbund.models.transfers import Transfer, TransferBasis
from verbund.services import shapes
from verbund.services.record_rules import RaiseAtOnce, clean_text
from verbund.services.searches import require_officer

# Legal markings in the order the record shows them, then the use markings (R-C7).
LEGAL_MARKINGS = ("art10", "art13", "it_system", "other_law")
KNOWN_MARKINGS = (*LEGAL_MARKINGS, *USE_MARKINGS)
PROVISION_MAX = 200
TEXT_MAX = 4000

TRANSFER = shapes.Obj(
    {
        "record": shapes.Text(max_len=40),
        "recipient": shapes.Obj(
            {"agency": shapes.Text(max_len=40), "partner": shapes.Text(max_len=40)}
        ),
        "provision": shapes.Text(max_len=PROVISION_MAX),
        "purpose": shapes.Text(max_len=TEXT_MAX),
        "items": shapes.ListOf(shapes.Text(max_len=60), name_items=False),
        "markings": shapes.ListOf(shapes.Text(max_len=40), name_items=False),
        "task": shapes.Text(max_len=TEXT_MAX),
    }
)


def transferable_items(record: Record) -> list[str]:
    """Return the items of a record a sender that sees it can name (R-D2: withheld fields
    were never entered, so they do not exist)."""
    items = ["reference"]
    if record.is_person:
        items.append("basic")
        if record.file.is_atd:
            items += [key for key, value in record.extended.items() if value not in (None, "", [])]
    else:
        items.append("object")
    return items


def required_markings(actor: Officer, record: Record) -> list[str]:
    """Return the markings a transfer of the record by this sender must carry (R-C7)."""
    found = set(record.markings or []) | set(use_markings_for(actor, record))
    return [m for m in KNOWN_MARKINGS if m in found]


def is_covert_measure(record: Record) -> bool:
    """True for data from Art. 10 / Art. 13 GG measures or IT-system intrusion (R-C8)."""
    return bool(COVERT_ONLY_MARKINGS & set(record.markings or []))


def _required_text(value: Any, path: str, max_len: int, detail: str) -> str:
    text = clean_text(value, path, RaiseAtOnce(), max_len=max_len) if value is not None else ""
    if not text:
        raise Invalid(detail, code="required", fields={path: [detail]})
    return text


def _recipient(actor: Officer, record: Record, recipient: Any) -> Agency:
    """Return the recipient agency, or raise 400 naming the recipient's field."""
    if not isinstance(recipient, dict) or not recipient:
        detail = "Empfänger angeben: eine Behörde (agency) oder ein ausländischer Partner."
        raise Invalid(detail, code="required", fields={"recipient": [detail]})
    unknown = sorted(set(recipient) - {"agency", "partner"})
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(
            detail,
            code="unknown_field",
            fields={f"recipient.{key}": [detail] for key in unknown},
        )
    given = [key for key in ("agency", "partner") if recipient.get(key) not in (None, "")]
    if len(given) != 1:
        detail = "Genau einen Empfänger angeben: eine Behörde oder einen Partner."
        raise Invalid(detail, code="invalid", fields={"recipient": [detail]})
    if given == ["partner"]:
        # Transfers abroad (R-N1, issue 20) go through international.services.transfers
        # (``transfer_submit``); this domestic path knows no partner.
        detail = "Unbekannter Partner."
        raise Invalid(detail, code="unknown_partner", fields={"recipient.partner": [detail]})
    code = clean_text(recipient["agency"], "recipient.agency", RaiseAtOnce(), max_len=40)
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        detail = "Unbekannte Behörde."
        raise Invalid(detail, code="unknown_agency", fields={"recipient.agency": [detail]})
    if agency.pk == actor.agency_id:
        detail = "Eine Übermittlung an die eigene Behörde ist keine Übermittlung."
        raise Invalid(detail, code="invalid", fields={"recipient.agency": [detail]})
    if not Participation.objects.filter(file_id=record.file_id, agency=agency).exists():
        # The recipient sees what it received in the file's inbox: it must take part.
        detail = "Die Behörde nimmt an dieser Datei nicht teil."
        raise Invalid(detail, code="not_participant", fields={"recipient.agency": [detail]})
    if not record.file.is_atd:
        # R-A1 (004 Rn. 31): the GWS order says to whom its data may be transferred.
        order = current_order(record.file)
        permitted = order.transfer_recipients if order is not None else []
        if permitted and agency.code not in permitted:
            detail = "Die Errichtungsanordnung lässt eine Übermittlung an diese Behörde nicht zu."
            raise Refused(
                detail, code="recipient_not_permitted", fields={"recipient.agency": [detail]}
            )
    return agency


def _items(record: Record, items: Any, *, hit_data_only: bool = False) -> list[str]:
    if not isinstance(items, list) or not items:
        detail = "Übermittelte Angaben nennen."
        raise Invalid(detail, code="required", fields={"items": [detail]})
    known = transferable_items(record)
    if hit_data_only:
        # What a hit shows: the reference and the basic or object data (R-E2, R-E7).
        known = [item for item in known if item in ("reference", "basic", "object")]
    unknown = [item for item in items if item not in known]
    if unknown:
        detail = "Diese Angaben enthält der Datensatz nicht: " + ", ".join(map(str, unknown))
        raise Invalid(detail, code="unknown_item", fields={"items": [detail]})
    return [item for item in known if item in items]


def _markings(required: list[str], markings: Any) -> list[str]:
    if markings is None:
        return required
    unknown = [m for m in markings if m not in KNOWN_MARKINGS]
    if unknown:
        detail = "Unbekannte Kennzeichnung."
        raise Invalid(detail, code="invalid_choice", fields={"markings": [detail]})
    # R-C8: Art. 10 / Art. 13 / IT-system data are stored covert from the start; such a
    # marking cannot be added to data that were not stored as such.
    added = [m for m in markings if m in COVERT_ONLY_MARKINGS and m not in required]
    if added:
        detail = (
            "Daten aus Maßnahmen nach Art. 10, Art. 13 GG oder aus informationstechnischen "
            "Systemen sind als solche gespeichert; diese Kennzeichnung kann nicht hinzugefügt "
            "werden."
        )
        raise Invalid(detail, code="covert_required", fields={"markings": [detail]})
    dropped = [m for m in required if m not in markings]
    if dropped:
        detail = "Kennzeichnungen bleiben bei jeder Übermittlung erhalten; es fehlt: " + ", ".join(
            dropped
        )
        raise Invalid(detail, code="marking_dropped", fields={"markings": [detail]})
    return [m for m in KNOWN_MARKINGS if m in markings]


def _basis(
    actor: Officer, record: Record, recipient: Agency | None
) -> tuple[str, AccessRequest | None, EmergencyAccess | None]:
    """Return what the transfer follows, locking the grant or Eilfall it rests on.

    ``recipient`` None: a foreign partner (issue 20); the owner sends on its own initiative.
    """
    if record.owner_id == actor.agency_id:
        if recipient is None:
            return TransferBasis.OWN_INITIATIVE, None, None
        grant = (
            AccessRequest.objects.select_for_update(of=("self",))
            .filter(record=record, requester=recipient, status=RequestStatus.GRANTED)
            .order_by("-decided_at", "-created_at")
            .first()
        )
        if grant is not None:
            return TransferBasis.GRANT, grant, None
        return TransferBasis.OWN_INITIATIVE, None, None
    grants = list(
        AccessRequest.objects.select_for_update(of=("self",))
        .filter(record=record, requester_id=actor.agency_id, status=RequestStatus.GRANTED)
        .order_by("-decided_at", "-created_at")
    )
    # R-F2: only a consented further use (§ 6(1) S. 2, marked § 6(3)) lets the holder pass
    # released data on; a release of the extended data alone is for checking the match and
    # preparing a transfer request.
    further = [g for g in grants if USE_FURTHER_USE in (g.use_markings or [])]
    if further:
        return TransferBasis.GRANT, further[0], None
    emergencies = list(
        EmergencyAccess.objects.select_for_update(of=("self",))
        .filter(record=record, requester_id=actor.agency_id)
        .exclude(consent=Consent.REFUSED)
        .order_by("-created_at")
    )
    granted = [e for e in emergencies if e.consent == Consent.GRANTED]
    if granted:
        return TransferBasis.EILFALL, None, granted[0]
    if emergencies:
        # R-G3: the owner decides about further use; until then nothing is passed on.
        raise Conflict(
            "Die Zustimmung der eingebenden Behörde zum Eilfall steht noch aus; eine "
            "Weitergabe ist erst nach ihrer Zustimmung zulässig.",
            code="consent_pending",
        )
    if grants:
        detail = (
            "Freigegebene Daten dürfen nur zur Prüfung des Treffers und zur Vorbereitung eines "
            "Übermittlungsersuchens verwendet werden; eine Weitergabe setzt die Zustimmung "
            "der eingebenden Behörde zur Weiterverwendung voraus."
        )
        raise Forbidden(detail, code="use_limited", fields={"record": [detail]})
    if record.file.is_atd:
        # The access checked above ended meanwhile (a consent refused, a grant gone): the
        # record is no longer the sender's to pass on, exactly as if it had never been.
        raise NotFound()
    # GWS: a participant that retrieves directly (R-M7) transfers under its own law.
    return TransferBasis.OWN_INITIATIVE, None, None


def transfer_create(
    *,
    actor: Officer,
    record_id: Any,
    recipient: Any,
    provision: Any,
    items: Any,
    purpose: Any,
    markings: Any = None,
    task: Any = "",
    idempotency_key: str = "",
) -> Transfer:
    """Record a transfer of findings of a record the sender sees, in one transaction.

    ``idempotency_key``: the caller's ``Idempotency-Key`` (unique per sender; the replay is
    ``international.services.transfers.transfer_submit``'s).
    """
    require_officer(actor)
    shapes.check(
        TRANSFER,
        {
            "recipient": recipient,
            "provision": provision,
            "purpose": purpose,
            "items": items,
            "markings": markings,
            "task": task,
        },
    )
    with transaction.atomic():
        try:
            record = access_record(actor, record_id, "view")
            hit_data_only = False
        except NotFound:
            # R-F2: a consented further use lets the agency pass on what its hit showed.
            record = record_for_further_use(actor, record_id)
            hit_data_only = True
        if record.status == RecordStatus.BLOCKED:
            # R-L3: blocked data are frozen, not passed on.
            raise Conflict(
                "Der Datensatz ist gesperrt; seine Daten werden nicht übermittelt.",
                code="record_blocked",
            )
        agency = _recipient(actor, record, recipient)
        provision_text = _required_text(
            provision,
            "provision",
            PROVISION_MAX,
            "Die Übermittlungsvorschrift angeben, auf die sich die Übermittlung stützt.",
        )
        purpose_text = _required_text(
            purpose, "purpose", TEXT_MAX, "Den Zweck der Übermittlung angeben."
        )
        chosen = _items(record, items, hit_data_only=hit_data_only)
        carried = _markings(required_markings(actor, record), markings)
        task_text = (
            (clean_text(task, "task", RaiseAtOnce(), max_len=TEXT_MAX) or "") if task else ""
        )
        covert_measure = is_covert_measure(record)
        if covert_measure and not task_text:
            detail = (
                "Die Aufgabe angeben, für die eine solche Erhebung selbst zulässig wäre "
                "(Daten aus Maßnahmen nach Art. 10 oder 13 GG oder aus Eingriffen in "
                "informationstechnische Systeme)."
            )
            raise Invalid(detail, code="task_required", fields={"task": [detail]})
        basis, grant, emergency = _basis(actor, record, agency)
        sender = actor.agency
        if sender is None:  # require_officer let no account without an agency through
            raise NotFound()
        transfer = Transfer.objects.create(
            record=record,
            file=record.file,
            file_number=record.file_number,
            sender=sender,
            officer=actor,
            recipient_agency=agency,
            basis=basis,
            access_request=grant,
            emergency_access=emergency,
            provision=provision_text,
            purpose=purpose_text,
            items=chosen,
            markings=carried,
            task=task_text or "",
            idempotency_key=idempotency_key,
        )
        # The recipient learns what it received and the markings that stay with it; never
        # the record's data (the sender's own transfer carried those).
        InboxItem.objects.create(
            agency=agency,
            file=record.file,
            kind=InboxKind.TRANSFER_RECEIVED,
            # Not tied to the record: what was received and its markings stay after the
            # record's deletion (R-L5, R-C7); nor is a covert record named in the inbox log
            # (R-I5). The recipient holds the findings transferred, never the record.
            record=None,
            subject_id=transfer.pk,
            payload=received_payload(transfer),
        )
        ref, covert = transfer_ref(transfer, record)
        facts: dict[str, Any] = {
            "recipient": agency.code,
            "basis": basis,
            **({"access_request": str(grant.pk)} if grant else {}),
            **({"emergency_access": str(emergency.pk)} if emergency else {}),
            "provision": provision_text,
            "purpose": purpose_text,
            "items": chosen,
            "markings": carried,
            "task": task_text or "",
        }
        if covert:
            # R-I5: a covert record's transfer, its task included, is written only to the
            # owner/supervisor-only column; the public columns name nothing of it.
            log_event(
                actor=actor,
                action="transfer.create",
                object_type="transfer",
                file=record.file.code,
                covert=[{**ref, "transfer_details": facts}],
            )
        else:
            log_event(
                actor=actor,
                action="transfer.create",
                object_type="transfer",
                object_id=str(transfer.pk),
                file=record.file.code,
                references=[ref],
                details=facts,
            )
    return transfer


def transfer_ref(transfer: Transfer, record: Record | None) -> tuple[dict[str, Any], bool]:
    """Return the log reference of a transfer and whether it belongs in the covert column.

    A transfer of a covert record is logged like every covert-record event (R-I5); after
    the record's deletion its Art. 10 / 13 / IT-system markings still say so.
    """
    if record is not None:
        ref = {**log_ref(record), "transfer": str(transfer.pk)}
        return ref, record.storage == Storage.COVERT
    ref = {
        "agency": transfer.sender.code,
        "file_number": transfer.file_number,
        "transfer": str(transfer.pk),
    }
    if "art10" in transfer.markings:
        ref["art10"] = True
    return ref, bool(COVERT_ONLY_MARKINGS & set(transfer.markings))


def received_payload(transfer: Transfer) -> dict[str, Any]:
    """Return the inbox payload of a received transfer: no record data (R-C7 markings)."""
    return {
        "transfer": str(transfer.pk),
        "sender": transfer.sender.code,
        "file_number": transfer.file_number,
        "items": list(transfer.items),
        "markings": list(transfer.markings),
        "provision": transfer.provision,
        "purpose": transfer.purpose,
    }


def transfers_log_view(*, actor: Officer, transfers: list[Transfer], action: str) -> None:
    """Log the transfers an answer or page showed (R-I1); covert ones in the covert column."""
    refs = [transfer_ref(t, t.record) for t in transfers]
    with transaction.atomic():
        log_event(
            actor=actor,
            action=action,
            object_type="transfer",
            object_id=str(transfers[0].pk) if len(transfers) == 1 and not refs[0][1] else "",
            references=[ref for ref, covert in refs if not covert],
            covert=[ref for ref, covert in refs if covert],
        )


def transfer_options(*, actor: Officer, record_id: Any) -> dict[str, Any]:
    """Return what the transfer form offers for a record the officer sees (404 otherwise).

    The items the sender can name, the markings that must travel, whether the task of an
    Art. 10 / 13 / IT-system collection is asked for (R-C8), and the agencies that take
    part in the record's file (the recipient reads the transfer in that file's inbox).
    """
    require_officer(actor)
    record = access_record(actor, record_id, "view")
    recipients = [
        agency
        for agency in Agency.objects.filter(participations__file_id=record.file_id)
        .order_by("name")
        .distinct()
        if agency.pk != actor.agency_id
    ]
    return {
        "record": record,
        "items": transferable_items(record),
        "markings": required_markings(actor, record),
        "task_required": is_covert_measure(record),
        "blocked": record.status == RecordStatus.BLOCKED,
        "recipients": [(a.code, a.name) for a in recipients],
    }
