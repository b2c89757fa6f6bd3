"""Transfers abroad: one record or hit to a foreign partner, consent, approval, sent (R-N1).

No library: the rules are the project's own (R-F2, R-F3, R-C7, R-C8, R-N1, R-N3) and reuse
``verbund.services.transfers`` — the items a sender can name, the markings that travel, the
holder's basis (a grant with further use, a consented Eilfall, a GWS retrieval) — so the
domestic and the foreign path cannot drift apart.

The flow of a foreign transfer (``verbund.Transfer`` with ``partner`` set):

- the owner of the record sends under its own law (R-F3): ``approval_pending`` when the
  file asks for head approval (``File.foreign_transfer_approval``, on by default), else
  ``approved``;
- another agency that holds the data lawfully needs the owner's consent first (R-F2):
  ``consent_pending`` and a ``transfer_consent`` item in the owner's inbox; the owner
  consents (then approval as above) or refuses (``refused``);
- the head of the sending agency approves or refuses (``approved`` / ``refused``);
- an officer of the sending agency records that it was sent, with channel and reference
  (``sent``). Partners are registry rows, never users: nothing is delivered to them here.

Markings travel and bind the recipient (R-C7; ATDG § 6(3)); Art. 10 / Art. 13 GG and
IT-system data only under a legal basis flagged for them (002 Rn. 225). Items under an
originator marking (R-N3) are absent for every other agency — naming one answers exactly
like an item the record does not hold (400 ``unknown_items``) — and the owner sends them
only with a recorded, unexpired release for that partner. The establishment order's
``transfer_recipients`` lists permitted recipients (004 Rn. 31): a partner is permitted
when the list is empty or names its code or its kind.

Every step runs in one transaction: the transfer row locked first (``select_for_update`` of
the row alone), the audit chain lock (``log_event``) last. Bad input stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Officer
from audit.services import log_event
from international.models import (
    LegalBasis,
    OriginatorKind,
    OriginatorMarking,
    Partner,
    PartnerKind,
    TransferFacts,
)
from international.services.notices import require_accepted
from international.services.originator import hidden_items
from verbund.access.records import access_record, authorised_files, current_order
from verbund.access.requests import record_for_further_use
from verbund.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from verbund.models import Hit, InboxItem, Record
from verbund.models.inbox import InboxKind
from verbund.models.records import COVERT_ONLY_MARKINGS, RecordStatus
from verbund.models.transfers import Transfer, TransferStatus
from verbund.services import shapes
from verbund.services.record_rules import RaiseAtOnce, clean_text
from verbund.services.searches import require_officer
from verbund.services.transfers import (
    _basis,
    _markings,
    is_covert_measure,
    required_markings,
    transfer_create,
    transfer_ref,
    transferable_items,
)

TEXT_MAX = 4000
REFERENCE_MAX = 80
KEY_MAX = 80


class Channel(TextChoices):
    """How a transfer abroad travels (000 Q4, Q6)."""

    INTERPOL = "interpol", _("Interpol")
    EUROPOL = "europol", _("Europol")
    LIAISON_OFFICER = "liaison_officer", _("Verbindungsbeamte/r")
    DIRECT = "direct", _("Unmittelbar an die ausländische Stelle")


# The channels that reach a partner of each kind: Interpol and Europol through themselves,
# a liaison officer directly as a liaison officer; a foreign authority through Interpol,
# Europol, a liaison officer or directly; a foreign service through a liaison officer or
# directly (services do not use the police channels).
CHANNELS_BY_KIND: dict[str, tuple[str, ...]] = {
    PartnerKind.INTERPOL: (Channel.INTERPOL,),
    PartnerKind.EUROPOL: (Channel.EUROPOL,),
    PartnerKind.LIAISON_OFFICER: (Channel.LIAISON_OFFICER,),
    PartnerKind.FOREIGN_AGENCY: (
        Channel.INTERPOL,
        Channel.EUROPOL,
        Channel.LIAISON_OFFICER,
        Channel.DIRECT,
    ),
    PartnerKind.FOREIGN_SERVICE: (Channel.LIAISON_OFFICER, Channel.DIRECT),
}

# The body of POST /transfers/ (both paths). ``record`` and ``hit`` take one id; a list is
# refused as ``single_case_only`` (exchange runs case by case, 000 Q4).


@dataclass(frozen=True)
class OneId(shapes.Text):
    """One id as text; a list (several cases) is 400 ``single_case_only``."""

    def check(self, value: Any, path: str, errors: shapes.Errors) -> None:
        if isinstance(value, list):
            detail = "Nur ein Einzelfall: ein Datensatz oder ein Treffer."
            errors.add(path, detail, "single_case_only")
        else:
            super().check(value, path, errors)


TRANSFER = shapes.Obj(
    {
        "record": OneId(max_len=40),
        "hit": OneId(max_len=40),
        "recipient": shapes.Obj(
            {"agency": shapes.Text(max_len=40), "partner": shapes.Text(max_len=40)}
        ),
        "provision": shapes.Text(max_len=200),
        "channel": shapes.Text(max_len=24),
        "legal_basis": shapes.Text(max_len=40),
        "red_notice": shapes.Text(max_len=40),
        "purpose": shapes.Text(max_len=TEXT_MAX),
        "items": shapes.ListOf(shapes.Text(max_len=60), name_items=False),
        "markings": shapes.ListOf(shapes.Text(max_len=40), name_items=False),
        "task": shapes.Text(max_len=TEXT_MAX),
    }
)
FOREIGN_ONLY = ("hit", "channel", "legal_basis", "red_notice")
DECISION = shapes.Obj({"granted": shapes.Bool(), "reasons": shapes.Text(max_len=TEXT_MAX)})
APPROVAL = shapes.Obj({"approved": shapes.Bool(), "reasons": shapes.Text(max_len=TEXT_MAX)})
SENT = shapes.Obj(
    {"channel": shapes.Text(max_len=24), "reference": shapes.Text(max_len=REFERENCE_MAX)}
)


def _officer(actor: Any) -> Officer:
    """The officers' gate, and R-N1: an account flagged foreign is refused at every door."""
    if getattr(actor, "foreign", False) and getattr(actor, "is_authenticated", False):
        raise Forbidden(
            "Ausländische Stellen haben keinen Zugang; Austausch nur im Einzelfall.",
            code="foreign_access_refused",
        )
    require_officer(actor)
    return actor


def is_foreign(body: dict[str, Any]) -> bool:
    """True when the body names a foreign partner (and no agency) as recipient, or names
    no recipient but fields only a transfer abroad has (then the partner is missing)."""
    recipient = body.get("recipient")
    if isinstance(recipient, dict) and recipient.get("agency") not in (None, ""):
        return False
    if isinstance(recipient, dict) and recipient.get("partner") not in (None, ""):
        return True
    return (recipient is None or recipient == {} or recipient == {"partner": ""}) and any(
        body.get(name) not in (None, "") for name in FOREIGN_ONLY
    )


def _text(value: Any, path: str, max_len: int) -> str:
    if value is None:
        return ""
    return clean_text(value, path, RaiseAtOnce(), max_len=max_len) or ""


# ------------------------------------------------------------------------ submission


def body_digest(body: dict[str, Any]) -> str:
    """SHA-256 of a request body in a canonical form (sorted keys, no spaces)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(actor: Officer, key: str, digest: str) -> Transfer | None:
    """The transfer an earlier request with this key made, or None; 422 for another body."""
    transfer = (
        Transfer.objects.select_related("facts")
        .filter(sender_id=actor.agency_id, idempotency_key=key)
        .first()
    )
    if transfer is None:
        return None
    facts = TransferFacts.objects.filter(transfer=transfer).first()
    authorised = authorised_files(actor).filter(pk=transfer.file_id).exists()
    if facts is None or facts.body_digest != digest or not authorised:
        # Another body — or an officer of the agency who could not have made this request
        # (not authorised for its file): the key is taken, nothing of the transfer shown.
        detail = "Dieser Idempotency-Key wurde bereits für eine andere Übermittlung verwendet."
        raise Refused(detail, code="idempotency_key_reused", fields={"Idempotency-Key": [detail]})
    return transfer


def transfer_submit(
    *, actor: Any, body: dict[str, Any], idempotency_key: str = ""
) -> tuple[Transfer, bool]:
    """Record a transfer (domestic or abroad) once per ``Idempotency-Key``.

    Returns the transfer and whether it was created now. The same key with the same body
    answers the transfer the first request made (also when two arrive at once: the unique
    key per sender lets one insert win, the other reads it); another body 422
    ``idempotency_key_reused``. Without a key every request records a new transfer.
    """
    officer = _officer(actor)
    shapes.check(TRANSFER, body)
    key = idempotency_key or ""
    if len(key) > KEY_MAX or (key and not key.isprintable()):
        detail = f"Höchstens {KEY_MAX} druckbare Zeichen."
        raise Invalid(detail, code="invalid", fields={"Idempotency-Key": [detail]})
    digest = body_digest(body) if key else ""
    if key:
        earlier = _replay(officer, key, digest)
        if earlier is not None:
            return earlier, False
    try:
        with transaction.atomic():
            if is_foreign(body):
                transfer = foreign_transfer_create(
                    actor=officer, body=body, idempotency_key=key, digest=digest
                )
            else:
                given = [name for name in FOREIGN_ONLY if body.get(name) not in (None, "")]
                if given:
                    detail = "Nur bei einer Übermittlung an einen ausländischen Partner."
                    raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in given})
                if body.get("record") in (None, ""):
                    detail = "Datensatz angeben."
                    raise Invalid(detail, code="required", fields={"record": [detail]})
                transfer = transfer_create(
                    actor=officer,
                    record_id=body["record"],
                    recipient=body.get("recipient"),
                    provision=body.get("provision"),
                    items=body.get("items"),
                    purpose=body.get("purpose"),
                    markings=body.get("markings"),
                    task=body.get("task") or "",
                    idempotency_key=key,
                )
                if key:
                    TransferFacts.objects.create(transfer=transfer, body_digest=digest)
    except IntegrityError:
        # A concurrent request with the same key committed first: answer its transfer.
        if not key:
            raise
        earlier = _replay(officer, key, digest)
        if earlier is None:
            raise
        return earlier, False
    return transfer, True


# ------------------------------------------------------------------------ creation


def _case(actor: Officer, body: dict[str, Any]) -> tuple[Record, Hit | None, bool]:
    """Return the one record (or the hit's record) and whether only hit data may go."""
    record_id, hit_id = body.get("record"), body.get("hit")
    if record_id not in (None, "") and hit_id not in (None, ""):
        detail = "Nur ein Einzelfall: einen Datensatz oder einen Treffer angeben, nicht beides."
        raise Invalid(detail, code="single_case_only", fields={"record": [detail], "hit": [detail]})
    hit = None
    if hit_id not in (None, ""):
        try:
            pk = uuid.UUID(str(hit_id))
        except ValueError:
            raise NotFound() from None
        hit = (
            Hit.objects.filter(
                pk=pk,
                search__agency_id=str(actor.agency_id),
                record__file__in=authorised_files(actor),
            )
            .select_related("record")
            .first()
        )
        if hit is None:
            raise NotFound()
        record_id = hit.record_id
    try:
        record = access_record(actor, record_id, "view")
        hit_data_only = hit is not None and record.owner_id != actor.agency_id
    except NotFound:
        # R-F2: a consented further use lets the agency pass on what its hit showed.
        record = record_for_further_use(actor, record_id)
        hit_data_only = True
    return record, hit, hit_data_only


def _missing(body: dict[str, Any]) -> None:
    """400 naming every required field that is absent (one answer for all of them)."""
    detail = {
        "record": "Einen Datensatz oder einen Treffer angeben.",
        "channel": "Den Übermittlungsweg angeben.",
        "legal_basis": "Die Rechtsgrundlage angeben.",
        "items": "Übermittelte Angaben nennen.",
        "purpose": "Den Zweck der Übermittlung angeben.",
    }
    fields: dict[str, list[str]] = {}
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or recipient.get("partner") in (None, ""):
        fields["recipient.partner"] = ["Den ausländischen Partner angeben."]
    if body.get("record") in (None, "") and body.get("hit") in (None, ""):
        fields["record"] = [detail["record"]]
    for name in ("channel", "legal_basis", "purpose"):
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            fields[name] = [detail[name]]
    if not body.get("items"):
        fields["items"] = [detail["items"]]
    if fields:
        first = next(iter(fields.values()))[0]
        raise Invalid(first, code="required", fields=fields)


def _partner(body: dict[str, Any]) -> Partner:
    recipient = body.get("recipient") or {}
    unknown = sorted(set(recipient) - {"agency", "partner"})
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(
            detail, code="unknown_field", fields={f"recipient.{k}": [detail] for k in unknown}
        )
    code = _text(recipient.get("partner"), "recipient.partner", 40)
    partner = Partner.objects.filter(code=code, active=True).first()
    if partner is None:
        detail = "Unbekannter Partner."
        raise Invalid(detail, code="unknown_partner", fields={"recipient.partner": [detail]})
    return partner


def channel_check(partner: Partner, channel: Any, path: str = "channel") -> str:
    """Return the channel if it reaches the partner's kind; 400 ``invalid_choice`` if not."""
    allowed = CHANNELS_BY_KIND.get(partner.kind, ())
    if channel not in allowed:
        detail = "Dieser Übermittlungsweg erreicht den Partner nicht; möglich: " + ", ".join(
            str(Channel(c).label) for c in allowed
        )
        raise Invalid(detail, code="invalid_choice", fields={path: [detail]})
    return str(channel)


def _legal_basis(actor: Officer, code: Any) -> LegalBasis:
    basis = LegalBasis.objects.filter(code=_text(code, "legal_basis", 40)).first()
    if basis is None:
        detail = "Unbekannte Rechtsgrundlage."
        raise Invalid(detail, code="unknown_legal_basis", fields={"legal_basis": [detail]})
    sender = actor.agency.code if actor.agency else ""
    if not basis.active or sender not in (basis.agencies or []):
        detail = "Diese Rechtsgrundlage steht der übermittelnden Behörde nicht zur Verfügung."
        raise Refused(detail, code="legal_basis_not_applicable", fields={"legal_basis": [detail]})
    return basis


def visible_items(actor: Officer, record: Record, *, hit_data_only: bool) -> list[str]:
    """The items the sender may name: what it sees, less what the third-party rule hides."""
    known = transferable_items(record)
    if hit_data_only:
        known = [item for item in known if item in ("reference", "basic", "object")]
    hidden = hidden_items(record, agency_id=actor.agency_id)
    return [item for item in known if item not in hidden]


def _items(actor: Officer, record: Record, items: Any, *, hit_data_only: bool) -> list[str]:
    known = visible_items(actor, record, hit_data_only=hit_data_only)
    unknown = [item for item in items if item not in known]
    if unknown:
        # Hidden and nonexistent items answer alike (R-N3: not even their existence).
        detail = "Diese Angaben enthält der Datensatz nicht: " + ", ".join(map(str, unknown))
        raise Invalid(detail, code="unknown_items", fields={"items": [detail]})
    return [item for item in known if item in items]


def _recipient_permitted(record: Record, partner: Partner) -> None:
    """R-A1 (004 Rn. 31): a listed order permits only the partners it names."""
    order = current_order(record.file)
    permitted = list(order.transfer_recipients or []) if order is not None else []
    if permitted and partner.code not in permitted and partner.kind not in permitted:
        detail = "Die Errichtungsanordnung lässt eine Übermittlung an diesen Partner nicht zu."
        raise Refused(
            detail, code="recipient_not_permitted", fields={"recipient.partner": [detail]}
        )


def _originator(record: Record, partner: Partner, chosen: list[str]) -> None:
    """R-N3: marked items go to a partner only with a recorded, unexpired release."""
    barred = set(chosen) & hidden_items(record, partner_id=partner.pk)
    if not barred:
        return
    comprehensive = OriginatorMarking.objects.filter(
        record=record, kind=OriginatorKind.COMPREHENSIVE_RESTRICTION
    )
    if any(set(m.items or []) & barred for m in comprehensive):
        detail = (
            "Angaben unter einer ausdrücklichen umfassenden Verwendungsbeschränkung des "
            "Urhebers werden nicht übermittelt; eine Freigabe kann nicht erbeten werden."
        )
    else:
        detail = (
            "Für diese Angaben fehlt eine erfasste, gültige Freigabe des Urhebers für diesen "
            "Partner: " + ", ".join(sorted(barred))
        )
    raise Refused(detail, code="originator_release_required", fields={"items": [detail]})


def _covered(record: Record, basis: LegalBasis, carried: list[str]) -> None:
    """R-C7/R-C8: Art. 10 / 13 / IT-system data only under a basis flagged for them."""
    if set(carried) & COVERT_ONLY_MARKINGS and not basis.covers_art10_art13:
        detail = (
            "Daten aus Maßnahmen nach Art. 10, Art. 13 GG oder aus informationstechnischen "
            "Systemen dürfen nur auf einer dafür vorgesehenen Rechtsgrundlage übermittelt "
            "werden."
        )
        raise Refused(detail, code="marked_data_not_covered", fields={"legal_basis": [detail]})


def foreign_transfer_create(
    *, actor: Officer, body: dict[str, Any], idempotency_key: str = "", digest: str = ""
) -> Transfer:
    """Record a transfer abroad of one record or hit (the caller's transaction).

    Order of the checks: the required fields, the case (404 for what the caller cannot
    see), the partner, channel and basis, the items (400 ``unknown_items``), then the
    legal refusals (422). Nothing is stored before every check passed.
    """
    shapes.check(TRANSFER, body)
    recipient = body.get("recipient")
    partner = (
        _partner(body)
        if isinstance(recipient, dict) and recipient.get("partner") not in (None, "")
        else None
    )
    _missing(body)
    assert partner is not None  # _missing names an absent partner
    record, hit, hit_data_only = _case(actor, body)
    if record.status == RecordStatus.BLOCKED:
        raise Conflict(
            "Der Datensatz ist gesperrt; seine Daten werden nicht übermittelt.",
            code="record_blocked",
        )
    channel = channel_check(partner, body.get("channel"))
    basis = _legal_basis(actor, body.get("legal_basis"))
    provision = _text(body.get("provision"), "provision", 200) or basis.citation[:200]
    purpose = _text(body.get("purpose"), "purpose", TEXT_MAX)
    if not purpose:
        detail = "Den Zweck der Übermittlung angeben."
        raise Invalid(detail, code="required", fields={"purpose": [detail]})
    chosen = _items(actor, record, body.get("items"), hit_data_only=hit_data_only)
    carried = _markings(required_markings(actor, record), body.get("markings"))
    task = _text(body.get("task"), "task", TEXT_MAX)
    if is_covert_measure(record) and not task:
        detail = (
            "Die Aufgabe angeben, für die eine solche Erhebung selbst zulässig wäre "
            "(Daten aus Maßnahmen nach Art. 10 oder 13 GG oder aus Eingriffen in "
            "informationstechnische Systeme)."
        )
        raise Invalid(detail, code="task_required", fields={"task": [detail]})
    notice = None
    if body.get("red_notice") not in (None, ""):
        notice = require_accepted(notice_id=body["red_notice"], field="red_notice")
    _recipient_permitted(record, partner)
    _covered(record, basis, carried)
    _originator(record, partner, chosen)
    owner = record.owner_id == actor.agency_id
    transfer_basis, grant, emergency = _basis(actor, record, None)
    if owner:
        status = (
            TransferStatus.APPROVAL_PENDING
            if record.file.foreign_transfer_approval
            else TransferStatus.APPROVED
        )
    else:
        status = TransferStatus.CONSENT_PENDING
    sender = actor.agency
    if sender is None:
        raise NotFound()
    transfer = Transfer.objects.create(
        record=record,
        file=record.file,
        file_number=record.file_number,
        sender=sender,
        officer=actor,
        partner=partner,
        recipient_body=partner.name[:80],
        channel=channel,
        legal_basis=basis,
        hit=hit,
        basis=transfer_basis,
        access_request=grant,
        emergency_access=emergency,
        provision=provision,
        purpose=purpose,
        items=chosen,
        markings=carried,
        task=task,
        status=status,
        idempotency_key=idempotency_key,
    )
    if notice is not None or digest:
        TransferFacts.objects.create(transfer=transfer, red_notice=notice, body_digest=digest)
    if not owner:
        InboxItem.objects.create(
            agency=record.owner,
            file=record.file,
            kind=InboxKind.TRANSFER_CONSENT,
            record=record,
            subject_id=transfer.pk,
            payload=consent_payload(transfer),
        )
    _log(
        actor,
        transfer,
        "transfer.create",
        {
            "partner": partner.code,
            "channel": channel,
            "legal_basis": basis.code,
            "basis": transfer_basis,
            **({"access_request": str(grant.pk)} if grant else {}),
            **({"emergency_access": str(emergency.pk)} if emergency else {}),
            **({"hit": str(hit.pk)} if hit else {}),
            **({"red_notice": str(notice.pk)} if notice else {}),
            "purpose": purpose,
            "items": chosen,
            "markings": carried,
            "task": task,
            "status": status,
        },
    )
    return transfer


def consent_payload(transfer: Transfer) -> dict[str, Any]:
    """The owner's inbox item: who asks to send what abroad, under which basis (R-F2)."""
    return {
        "transfer": str(transfer.pk),
        "record": str(transfer.record_id) if transfer.record_id else "",
        "sender": transfer.sender.code,
        "file_number": transfer.file_number,
        "partner": transfer.partner.name if transfer.partner else "",
        "partner_code": transfer.partner.code if transfer.partner else "",
        "channel": transfer.channel,
        "legal_basis": transfer.legal_basis.citation if transfer.legal_basis else "",
        "items": list(transfer.items),
        "markings": list(transfer.markings),
        "purpose": transfer.purpose,
    }


def _log(actor: Officer, transfer: Transfer, action: str, facts: dict[str, Any]) -> None:
    """Log a step; a covert record's transfer only in the covert column (R-I5)."""
    ref, covert = transfer_ref(transfer, transfer.record)
    if covert:
        log_event(
            actor=actor,
            action=action,
            object_type="transfer",
            file=transfer.file.code,
            covert=[{**ref, "transfer_details": facts}],
        )
    else:
        log_event(
            actor=actor,
            action=action,
            object_type="transfer",
            object_id=str(transfer.pk),
            file=transfer.file.code,
            references=[ref],
            details=facts,
        )


# ------------------------------------------------------------------------ steps


def _locked(transfer_id: Any) -> Transfer:
    """The foreign transfer row, locked (the row alone, not the joined ones); 404 if none."""
    try:
        pk = uuid.UUID(str(transfer_id))
    except ValueError:
        raise NotFound() from None
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("partner", "legal_basis", "file", "sender", "record")
        .filter(pk=pk, partner__isnull=False)
        .first()
    )
    if transfer is None:
        raise NotFound()
    return transfer


def _consent_item(actor: Officer, transfer: Transfer) -> InboxItem | None:
    return (
        InboxItem.objects.select_for_update()
        .filter(
            kind=InboxKind.TRANSFER_CONSENT,
            subject_id=transfer.pk,
            agency_id=str(actor.agency_id),
        )
        .first()
    )


def may_see(actor: Any, transfer: Transfer) -> bool:
    """Sender agency, or the owner asked for consent, each authorised for the file."""
    if not authorised_files(actor).filter(pk=transfer.file_id).exists():
        return False
    if transfer.sender_id == actor.agency_id:
        return True
    return InboxItem.objects.filter(
        kind=InboxKind.TRANSFER_CONSENT, subject_id=transfer.pk, agency_id=actor.agency_id
    ).exists()


def _reasons(value: Any, detail: str) -> str:
    text = _text(value, "reasons", TEXT_MAX)
    if not text:
        raise Invalid(detail, code="required", fields={"reasons": [detail]})
    return text


def _decision(value: Any, name: str) -> bool:
    if value is None:
        detail = "Entscheidung angeben: ja oder nein (true/false)."
        raise Invalid(detail, code="required", fields={name: [detail]})
    return bool(value)


def transfer_consent_decide(
    *, actor: Any, transfer_id: Any, granted: Any, reasons: Any
) -> Transfer:
    """The owner consents to another agency's transfer abroad, or refuses (R-F2, R-F3)."""
    officer = _officer(actor)
    shapes.check(DECISION, {"granted": granted, "reasons": reasons})
    yes = _decision(granted, "granted")
    text = _reasons(reasons, "Gründe der Entscheidung angeben.")
    with transaction.atomic():
        transfer = _locked(transfer_id)
        item = _consent_item(officer, transfer)
        if item is None or not authorised_files(officer).filter(pk=transfer.file_id).exists():
            if transfer.sender_id == officer.agency_id and may_see(officer, transfer):
                raise Forbidden(
                    "Über die Zustimmung entscheidet die Behörde, die die Daten eingegeben hat.",
                    code="not_owner",
                )
            raise NotFound()
        if transfer.status != TransferStatus.CONSENT_PENDING:
            raise Conflict("Über die Zustimmung ist bereits entschieden.", code="already_decided")
        if yes:
            _still_transferable(transfer, "Lehnen Sie die Zustimmung ab.")
        now = timezone.now()
        if yes:
            transfer.status = (
                TransferStatus.APPROVAL_PENDING
                if transfer.file.foreign_transfer_approval
                else TransferStatus.APPROVED
            )
        else:
            transfer.status = TransferStatus.REFUSED
        transfer.consent_by = officer
        transfer.consent_at = now
        transfer.consent_reasons = text
        transfer.save(update_fields=["status", "consent_by", "consent_at", "consent_reasons"])
        item.done_at = now
        item.payload = {**item.payload, "granted": yes, "reasons": text}
        item.save(update_fields=["done_at", "payload"])
        _log(
            officer,
            transfer,
            "transfer.consent",
            {"granted": yes, "reasons": text, "status": transfer.status},
        )
    return transfer


def _still_transferable(transfer: Transfer, hint: str) -> None:
    """A record blocked (R-L3) or deleted (R-L5) since the transfer was asked for is not
    passed on: 409 ``record_blocked`` / ``record_deleted``. A partner or basis withdrawn
    since, an originator marking added since, or a forwarded notice no longer accepted: 422
    as on creation (``recipient_not_permitted``, ``legal_basis_not_applicable``,
    ``originator_release_required``, ``notice_not_accepted``)."""
    record = transfer.record
    if record is None:
        raise Conflict(
            ("Der Datensatz ist gelöscht; seine Daten werden nicht übermittelt. " + hint).strip(),
            code="record_deleted",
        )
    if record.status == RecordStatus.BLOCKED:
        raise Conflict(
            ("Der Datensatz ist gesperrt; seine Daten werden nicht übermittelt. " + hint).strip(),
            code="record_blocked",
        )
    # What the request was checked against may have changed since (outside test): each
    # step that lets it go on checks again that the partner and the basis still serve, that
    # no originator marking added since bars an item (R-N3) and that a forwarded notice is
    # still the accepted version (R-N2). The same refusals as on creation.
    partner, basis = transfer.partner, transfer.legal_basis
    if partner is None or not partner.active:
        detail = ("Der Partner ist nicht mehr als Empfänger geführt. " + hint).strip()
        raise Refused(detail, code="recipient_not_permitted", fields={"recipient": [detail]})
    if basis is None or not basis.active or transfer.sender.code not in (basis.agencies or []):
        detail = ("Die Rechtsgrundlage steht nicht mehr zur Verfügung. " + hint).strip()
        raise Refused(detail, code="legal_basis_not_applicable", fields={"legal_basis": [detail]})
    _originator(record, partner, list(transfer.items or []))
    facts = TransferFacts.objects.filter(transfer=transfer).first()
    if facts is not None and facts.red_notice_id is not None:
        require_accepted(notice_id=facts.red_notice_id)


def _sender_transfer(actor: Officer, transfer_id: Any) -> Transfer:
    """The locked transfer for an officer of the sending agency; 404 for everybody else."""
    transfer = _locked(transfer_id)
    if transfer.sender_id != actor.agency_id or not may_see(actor, transfer):
        if may_see(actor, transfer):
            raise Forbidden(
                "Diesen Schritt nimmt die übermittelnde Behörde vor.", code="not_sender"
            )
        raise NotFound()
    return transfer


def transfer_approve(*, actor: Any, transfer_id: Any, approved: Any, reasons: Any) -> Transfer:
    """The head of the sending agency approves a transfer abroad, or refuses it."""
    officer = _officer(actor)
    shapes.check(APPROVAL, {"approved": approved, "reasons": reasons})
    yes = _decision(approved, "approved")
    text = _reasons(reasons, "Gründe der Entscheidung angeben.")
    with transaction.atomic():
        transfer = _sender_transfer(officer, transfer_id)
        if not officer.is_head:
            raise Forbidden(
                "Über die Übermittlung ins Ausland entscheidet die Behördenleitung.",
                code="not_head",
            )
        if transfer.status == TransferStatus.CONSENT_PENDING:
            detail = "Die Zustimmung der eingebenden Behörde steht noch aus."
            raise Refused(detail, code="owner_consent_required")
        if transfer.status != TransferStatus.APPROVAL_PENDING:
            raise Conflict("Über die Übermittlung ist bereits entschieden.", code="already_decided")
        if yes:
            _still_transferable(transfer, "Lehnen Sie die Genehmigung ab.")
        transfer.status = TransferStatus.APPROVED if yes else TransferStatus.REFUSED
        transfer.approved_by = officer
        transfer.approved_at = timezone.now()
        transfer.approval_reasons = text
        transfer.save(update_fields=["status", "approved_by", "approved_at", "approval_reasons"])
        _log(
            officer,
            transfer,
            "transfer.approval",
            {"approved": yes, "reasons": text, "status": transfer.status},
        )
    return transfer


def transfer_mark_sent(*, actor: Any, transfer_id: Any, channel: Any, reference: Any) -> Transfer:
    """An officer of the sending agency records that the transfer went out, and how."""
    officer = _officer(actor)
    shapes.check(SENT, {"channel": channel, "reference": reference})
    fields: dict[str, list[str]] = {}
    if channel in (None, ""):
        fields["channel"] = ["Den Übermittlungsweg angeben."]
    ref = _text(reference, "reference", REFERENCE_MAX)
    if not ref:
        fields["reference"] = ["Das Geschäftszeichen der Übermittlung angeben."]
    if fields:
        raise Invalid(next(iter(fields.values()))[0], code="required", fields=fields)
    with transaction.atomic():
        transfer = _sender_transfer(officer, transfer_id)
        if transfer.status == TransferStatus.SENT:
            raise Conflict("Die Übermittlung ist bereits erfasst.", code="already_sent")
        if transfer.status == TransferStatus.REFUSED:
            raise Conflict("Die Übermittlung ist abgelehnt.", code="transfer_refused")
        if transfer.status == TransferStatus.CONSENT_PENDING:
            detail = "Die Zustimmung der eingebenden Behörde steht noch aus."
            raise Refused(detail, code="owner_consent_required")
        if transfer.status == TransferStatus.APPROVAL_PENDING:
            detail = "Die Genehmigung der Behördenleitung steht noch aus."
            raise Refused(detail, code="approval_required")
        _still_transferable(transfer, "")
        assert transfer.partner is not None
        used = channel_check(transfer.partner, channel)
        transfer.status = TransferStatus.SENT
        transfer.sent_by = officer
        transfer.sent_at = timezone.now()
        transfer.sent_channel = used
        transfer.sent_reference = ref
        transfer.save(
            update_fields=["status", "sent_by", "sent_at", "sent_channel", "sent_reference"]
        )
        _log(
            officer,
            transfer,
            "transfer.sent",
            {"channel": used, "reference": ref, "markings": list(transfer.markings)},
        )
    return transfer


def foreign_transfer_options(
    *, actor: Any, record_id: Any = None, hit_id: Any = None
) -> dict[str, Any]:
    """What the form „Übermittlung ins Ausland“ offers for one record or hit (404 otherwise)."""
    officer = _officer(actor)
    record, hit, hit_data_only = _case(officer, {"record": record_id, "hit": hit_id})
    sender = officer.agency.code if officer.agency else ""
    bases = [
        b
        for b in LegalBasis.objects.filter(active=True).order_by("citation")
        if sender in (b.agencies or [])
    ]
    return {
        "record": record,
        "hit": hit,
        "items": visible_items(officer, record, hit_data_only=hit_data_only),
        "markings": required_markings(officer, record),
        "task_required": is_covert_measure(record),
        "blocked": record.status == RecordStatus.BLOCKED,
        "partners": list(Partner.objects.filter(active=True).order_by("name")),
        "bases": bases,
    }
