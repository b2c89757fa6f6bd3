"""Eilfall: direct access to a hit's extended data in an emergency (R-G1-G4, R-B2, R-L6).

An officer takes the extended data of another agency's ATD record directly, from a hit of
its own agency (name, inverse/feature and object hits alike, R-G4), when a present danger
to life, limb, health, freedom or things of substantial value cannot otherwise be averted
in time and a transfer on request would come too late (R-G1). The head or a specially
authorised senior officer of the own agency decides (R-G2); decision and reasons are stored
and logged with the access. In the same transaction the owner is asked for consent without
delay (R-G3, due time R-L6). On refusal the access ends at once (``verbund.access.records
._emergency``) and the requester must delete or block the data and inform every third
party that received them; closing that duty confirms each step.

Lock order (as ``verbund.services.searches``): the Eilfall row alone, then the rows written
here, the audit chain lock last (``log_event``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Officer, Role
from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.access.records import authorised_files, in_use
from verbund.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.models import EmergencyAccess, Hit, InboxItem, Record
from verbund.models.emergencies import Consent, Danger
from verbund.models.inbox import InboxKind
from verbund.models.records import RecordStatus, Storage
from verbund.models.transfers import Transfer, TransferStatus
from verbund.selectors.records import record_data
from verbund.services import shapes
from verbund.services.due import eilfall_consent_due, eilfall_duty_due
from verbund.services.record_rules import RaiseAtOnce, clean_text
from verbund.services.searches import require_officer

MAX_TEXT = 4000

# Request bodies (their serializers in verbund/api/emergencies.py declare the same fields).
EMERGENCY_CREATE = shapes.Obj(
    {
        "hit": shapes.Text(max_len=40),
        "danger": shapes.Text(max_len=40),
        "facts": shapes.Text(max_len=MAX_TEXT),
        "why_no_request": shapes.Text(max_len=MAX_TEXT),
        "decided_by": shapes.Text(max_len=150),
    }
)
EMERGENCY_CONSENT = shapes.Obj({"grant": shapes.Bool(), "reasons": shapes.Text(max_len=MAX_TEXT)})
DUTY_STEPS = ("deleted", "blocked")
EMERGENCY_DUTY = shapes.Obj(
    {
        "deleted_or_blocked": shapes.Text(max_len=40),
        "third_parties_informed": shapes.Bool(),
        "note": shapes.Text(max_len=MAX_TEXT),
    }
)


def _required_text(value: Any, field: str, detail: str) -> str:
    """Return cleaned text (at most 4,000 characters) or raise 400 naming the field."""
    text = clean_text(value, field, RaiseAtOnce(), max_len=MAX_TEXT) if value is not None else ""
    if not text:
        raise Invalid(detail, code="required", fields={field: [detail]})
    return text


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def _decider(actor: Officer, username: Any) -> Officer:
    """R-G2: the head or a specially authorised senior officer of the own agency, active."""
    name = (
        clean_text(username, "decided_by", RaiseAtOnce(), max_len=150)
        if username is not None
        else ""
    )
    if not name:
        detail = "Entscheidende Behördenleitung angeben."
        raise Invalid(detail, code="required", fields={"decided_by": [detail]})
    decider = Officer.objects.filter(username=name, is_active=True).first()
    if decider is None or decider.agency_id != actor.agency_id or decider.role != Role.HEAD:
        detail = (
            "Über den Eilfall entscheidet nur die Behördenleitung oder ein besonders "
            "beauftragter Beamter des höheren Dienstes der eigenen Behörde."
        )
        raise Forbidden(detail, code="decision_not_authorised", fields={"decided_by": [detail]})
    return decider


def _agency_id(actor: Officer) -> uuid.UUID:
    """The caller's agency (``require_officer`` has made sure there is one)."""
    if actor.agency_id is None:
        raise NotFound()
    return actor.agency_id


def _hit_for(actor: Officer, hit_id: Any) -> Hit:
    """Return a hit of the caller's own agency on another agency's active ATD record.

    Unknown, another agency's, on a deleted (cascade) or blocked record, or on one whose
    deletion date has come (R-L2, ``in_use``): 404 as if invented.
    """
    if hit_id is None or hit_id == "":
        detail = "Treffer angeben."
        raise Invalid(detail, code="required", fields={"hit": [detail]})
    try:
        pk = uuid.UUID(str(hit_id))
    except ValueError:
        raise NotFound() from None
    hit = (
        Hit.objects.select_related("search", "record__file", "record__owner")
        .filter(
            pk=pk,
            search__agency_id=_agency_id(actor),
            record__file__in=authorised_files(actor),
        )
        .filter(in_use(via="record"))
        .first()
    )
    record = hit.record if hit is not None else None
    if (
        hit is None
        or record is None
        or (record.storage == Storage.COVERT and record.owner_id != actor.agency_id)
    ):
        raise NotFound()
    if record.owner_id == actor.agency_id:
        detail = "Ein Eilfall betrifft nur Datensätze anderer Behörden."
        raise Invalid(detail, code="own_record", fields={"hit": [detail]})
    if not record.file.is_atd:
        # R-M7: the GWS has no extended data; participants retrieve directly.
        detail = "Ein Eilfall ist nur in der Antiterrordatei vorgesehen."
        raise Invalid(detail, code="not_in_gws", fields={"hit": [detail]})
    return hit


def _refuse_gws_hit(actor: Officer, hit_id: Any) -> None:
    """R-M7: an Eilfall on one of the caller's GWS hits is 400 ``not_in_gws`` before any
    other field is looked at (GWS has no Eilfall; the rest of the body does not matter)."""
    try:
        pk = uuid.UUID(str(hit_id))
    except ValueError:
        return
    if Hit.objects.filter(
        pk=pk, search__agency_id=_agency_id(actor), record__file__is_atd=False
    ).exists():
        detail = "Ein Eilfall ist nur in der Antiterrordatei vorgesehen."
        raise Invalid(detail, code="not_in_gws", fields={"hit": [detail]})


def emergency_hit(*, actor: Officer, hit_id: Any) -> Hit:
    """Return the hit an Eilfall may be taken from (the form page shows its reference)."""
    require_officer(actor)
    return _hit_for(actor, hit_id)


def third_parties(ea: EmergencyAccess) -> list[str]:
    """The third parties to inform after a refusal (the duty form lists them)."""
    return _third_parties(ea)


def _third_parties(ea: EmergencyAccess) -> list[str]:
    """The third parties the requester sent data of this record to (from its transfers)."""
    if ea.record_id is None:
        return []
    out: list[str] = []
    rows = (
        Transfer.objects.filter(record_id=ea.record_id, sender_id=ea.requester_id)
        # Issue 20: a transfer abroad reached its partner only once sent.
        .filter(Q(partner__isnull=True) | Q(status=TransferStatus.SENT))
        .select_related("recipient_agency", "partner")
        .order_by("created_at")
    )
    for transfer in rows:
        name = (
            transfer.recipient_agency.code
            if transfer.recipient_agency
            else transfer.partner.name
            if transfer.partner
            else transfer.recipient_body
        )
        if name and name not in out:
            out.append(name)
    return out


def _purpose(ea: EmergencyAccess) -> tuple[str, str]:
    """The purpose and urgency of the search the Eilfall's hit came from, if still known."""
    if ea.hit_id is None:
        return "", ""
    search = Hit.objects.filter(pk=ea.hit_id).values("search__purpose", "search__urgency").first()
    if search is None:
        return "", ""
    return search["search__purpose"], search["search__urgency"]


def _references(ea: EmergencyAccess, record: Record | None) -> list[dict[str, Any]]:
    return [log_ref(record)] if record is not None else []


def _already_taken() -> Conflict:
    detail = "Zu diesem Datensatz besteht bereits ein Eilfall Ihrer Behörde."
    return Conflict(detail, code="already_taken", fields={"hit": [detail]})


def _no_eilfall_yet(actor: Officer, record: Record) -> None:
    """409 while the agency's Eilfall on the record awaits or holds consent, or after the
    owner refused it (R-G3): a refusal ends the emergency use for good."""
    consents = set(
        EmergencyAccess.objects.filter(record=record, requester_id=actor.agency_id).values_list(
            "consent", flat=True
        )
    )
    if consents & {Consent.PENDING, Consent.GRANTED}:
        raise _already_taken()
    if Consent.REFUSED in consents:
        detail = (
            "Die eingebende Behörde hat die Zustimmung zu einem Eilfall auf diesen Datensatz "
            "verweigert; ein neuer Eilfall ist ausgeschlossen. Die Daten können nur noch mit "
            "einem Übermittlungsersuchen erbeten werden."
        )
        raise Conflict(detail, code="consent_refused", fields={"hit": [detail]})


def emergency_access_create(
    *,
    actor: Officer,
    hit: Any,
    danger: Any,
    facts: Any,
    why_no_request: Any,
    decided_by: Any,
) -> tuple[EmergencyAccess, dict[str, Any]]:
    """Take a hit's extended data directly in an Eilfall; ask the owner's consent (R-G1-G4).

    Returns the Eilfall and the record's data as the requester now sees them: basic,
    extended (contact persons included, R-B2) and reference, marked ``use_eilfall``.
    Everything is validated before anything is stored.
    """
    require_officer(actor)
    body = {
        "hit": hit,
        "danger": danger,
        "facts": facts,
        "why_no_request": why_no_request,
        "decided_by": decided_by,
    }
    shapes.check(EMERGENCY_CREATE, body)
    _refuse_gws_hit(actor, hit)
    if danger is None or danger == "":
        detail = "Gefahr angeben."
        raise Invalid(detail, code="required", fields={"danger": [detail]})
    if danger not in Danger.values:
        detail = "Unbekannte Art der Gefahr."
        raise Invalid(detail, code="invalid_choice", fields={"danger": [detail]})
    facts_text = _required_text(
        facts, "facts", "Die bestimmten Tatsachen der gegenwärtigen Gefahr angeben."
    )
    why_text = _required_text(
        why_no_request,
        "why_no_request",
        "Angeben, warum ein Übermittlungsersuchen zu spät käme.",
    )
    decider = _decider(actor, decided_by)
    found = _hit_for(actor, hit)
    record = found.record
    with transaction.atomic():
        # No row lock: the partial unique constraint keeps one Eilfall per record and
        # agency while consent is pending or granted, also against a concurrent post.
        _no_eilfall_yet(actor, record)
        now = timezone.now()
        ea = EmergencyAccess(
            hit=found,
            record=record,
            file=record.file,
            file_number=record.file_number,
            requester_id=_agency_id(actor),
            officer=actor,
            owner_id=record.owner_id,
            danger=danger,
            facts=facts_text,
            why_no_request=why_text,
            decided_by=decider,
            consent_due_at=eilfall_consent_due(now),
        )
        try:
            with transaction.atomic():
                ea.save(force_insert=True)
        except IntegrityError:
            # A concurrent Eilfall of the same agency on the same record won the race.
            raise _already_taken() from None
        InboxItem.objects.create(
            agency_id=record.owner_id,
            file=record.file,
            kind=InboxKind.EMERGENCY_CONSENT,
            record=record,
            subject_id=ea.pk,
            payload={
                "eilfall": str(ea.pk),
                "requester": actor.agency.code if actor.agency else "",
                "officer": actor.username,
                "decided_by": decider.username,
                "danger": danger,
                "facts": facts_text,
                "why_no_request": why_text,
                "file_number": record.file_number,
                "record": str(record.pk),
            },
            due_at=ea.consent_due_at,
        )
        # R-G2: the access is logged with the decision's reference; R-I1: what was shown.
        log_event(
            actor=actor,
            action="emergency.create",
            object_type="emergency_access",
            object_id=str(ea.pk),
            file=record.file.code,
            purpose=found.search.purpose,
            urgency=found.search.urgency,
            references=[
                log_ref(record),
                {"hit": str(found.pk), "kind": found.kind, "search": str(found.search_id)},
            ],
            details={
                "eilfall": str(ea.pk),
                "decided_by": decider.username,
                "danger": danger,
                "facts": facts_text,
                "why_no_request": why_text,
                "owner": record.owner.code,
                "consent_due_at": ea.consent_due_at.isoformat() if ea.consent_due_at else "",
            },
        )
        data = record_data(record, actor=actor)
    return ea, data


def _eilfall_for(actor: Officer, emergency_id: Any) -> EmergencyAccess:
    """Lock an Eilfall of the caller's agency (requester or owner), or 404."""
    pk = _uuid(emergency_id)
    ea = (
        EmergencyAccess.objects.select_for_update(of=("self",))
        .filter(pk=pk, file__in=authorised_files(actor))
        .select_related("file", "requester", "owner", "record__owner", "record__file")
        .first()
    )
    if ea is None or actor.agency_id not in (ea.requester_id, ea.owner_id):
        raise NotFound()
    return ea


def emergency_consent_decide(
    *, actor: Officer, emergency_id: Any, grant: Any, reasons: Any
) -> EmergencyAccess:
    """Record the owner's consent or refusal under its own law (R-G3).

    A refusal ends the requester's access at once and, in the same transaction, puts the
    duty to delete or block the data and inform every third party into its inbox.
    """
    require_officer(actor)
    shapes.check(EMERGENCY_CONSENT, {"grant": grant, "reasons": reasons})
    if grant is None:
        detail = "Entscheidung angeben: Zustimmung ja oder nein (true/false)."
        raise Invalid(detail, code="required", fields={"grant": [detail]})
    text = _required_text(reasons, "reasons", "Gründe der Entscheidung angeben.")
    with transaction.atomic():
        ea = _eilfall_for(actor, emergency_id)
        if ea.owner_id != actor.agency_id:
            raise Forbidden(
                "Über die Zustimmung entscheidet die Behörde, die die Daten eingegeben hat.",
                code="not_owner",
            )
        if ea.consent != Consent.PENDING:
            raise Conflict("Über die Zustimmung ist bereits entschieden.", code="already_decided")
        record = ea.record
        if grant and record is None:
            # Deleted since the Eilfall (R-L5): nothing left to consent to; a refusal still
            # starts the requester's duty to delete or block the data it took.
            raise Conflict(
                "Der Datensatz ist gelöscht; es bleibt nur die Ablehnung.", code="record_deleted"
            )
        if grant and record is not None and record.status == RecordStatus.BLOCKED:
            raise Conflict(
                "Der Datensatz ist gesperrt; er wird nicht freigegeben. "
                "Lehnen Sie die Zustimmung ab.",
                code="record_blocked",
            )
        if grant and record is not None and record.storage == Storage.COVERT:
            # Stored covert since the Eilfall (R-D3, R-C8): a consent would keep the data open
            # and tell the requester nothing true; only a refusal remains. The owner alone gets
            # here, so naming the storage mode reveals nothing.
            raise Conflict(
                "Der Datensatz ist verdeckt gespeichert; er wird nicht freigegeben. "
                "Lehnen Sie die Zustimmung ab.",
                code="record_covert",
            )
        now = timezone.now()
        ea.consent = Consent.GRANTED if grant else Consent.REFUSED
        ea.consent_reasons = text
        ea.consent_by = actor
        ea.consent_at = now
        fields = ["consent", "consent_reasons", "consent_by", "consent_at"]
        third_parties: list[str] = []
        if not grant:
            ea.duty_due_at = eilfall_duty_due(now)
            fields.append("duty_due_at")
            third_parties = _third_parties(ea)
        ea.save(update_fields=fields)
        decision = {
            "consent": ea.consent,
            "consent_reasons": text,
            "consent_by": actor.username,
            "consent_at": now.isoformat(),
        }
        item = (
            InboxItem.objects.select_for_update()
            .filter(kind=InboxKind.EMERGENCY_CONSENT, subject_id=ea.pk)
            .first()
        )
        if item is not None:
            item.payload = {**item.payload, **decision}
            item.done_at = now
            item.save(update_fields=["payload", "done_at"])
        if not grant:
            InboxItem.objects.create(
                agency_id=ea.requester_id,
                file=ea.file,
                kind=InboxKind.EMERGENCY_REFUSED,
                # The duty stays after the owner deletes the record (R-L5): not tied to it.
                record=None,
                subject_id=ea.pk,
                payload={
                    "eilfall": str(ea.pk),
                    "owner": ea.owner.code,
                    "file_number": ea.file_number,
                    "record": str(ea.record_id) if ea.record_id else "",
                    "consent_by": actor.username,
                    "reasons": text,
                    "duties": ["delete_or_block", "inform_third_parties"],
                    "third_parties": third_parties,
                },
                due_at=ea.duty_due_at,
            )
        purpose, urgency = _purpose(ea)
        log_event(
            actor=actor,
            action="emergency.consent",
            object_type="emergency_access",
            object_id=str(ea.pk),
            file=ea.file.code,
            purpose=purpose,
            urgency=urgency,
            references=_references(ea, ea.record),
            details={
                "eilfall": str(ea.pk),
                "requester": ea.requester.code,
                "consent": ea.consent,
                "reasons": text,
                "duty_due_at": ea.duty_due_at.isoformat() if ea.duty_due_at else "",
                "third_parties": third_parties,
            },
        )
    return ea


def emergency_duty_close(
    *,
    actor: Officer,
    emergency_id: Any,
    deleted_or_blocked: Any,
    third_parties_informed: Any,
    note: Any = "",
) -> EmergencyAccess:
    """Confirm each step of the duty after a refused consent (R-G3): deleted or blocked,
    every third party informed."""
    require_officer(actor)
    shapes.check(
        EMERGENCY_DUTY,
        {
            "deleted_or_blocked": deleted_or_blocked,
            "third_parties_informed": third_parties_informed,
            "note": note,
        },
    )
    if deleted_or_blocked is None or deleted_or_blocked == "":
        detail = "Angeben, ob die Daten gelöscht oder gesperrt wurden."
        raise Invalid(detail, code="required", fields={"deleted_or_blocked": [detail]})
    if deleted_or_blocked not in DUTY_STEPS:
        detail = "Gelöscht („deleted“) oder gesperrt („blocked“)."
        raise Invalid(detail, code="invalid_choice", fields={"deleted_or_blocked": [detail]})
    if third_parties_informed is not True:
        detail = "Bestätigen, dass jeder Dritte, der die Daten erhalten hat, unterrichtet ist."
        raise Invalid(detail, code="required", fields={"third_parties_informed": [detail]})
    note_text = clean_text(note, "note", RaiseAtOnce(), max_len=MAX_TEXT) if note else ""
    with transaction.atomic():
        ea = _eilfall_for(actor, emergency_id)
        if ea.requester_id != actor.agency_id:
            raise Forbidden(
                "Diese Pflicht trifft die Behörde, die im Eilfall zugegriffen hat.",
                code="not_requester",
            )
        if ea.consent != Consent.REFUSED:
            raise Conflict("Die Zustimmung ist nicht verweigert.", code="not_refused")
        if ea.duty_done_at is not None:
            raise Conflict("Diese Pflicht ist bereits erledigt.", code="already_done")
        now = timezone.now()
        item = (
            InboxItem.objects.select_for_update()
            .filter(kind=InboxKind.EMERGENCY_REFUSED, subject_id=ea.pk)
            .first()
        )
        told = dict(item.payload) if item is not None else {}
        # After the record's deletion its transfers no longer name it: the third parties
        # known at the refusal stay in the duty's item.
        third_parties = _third_parties(ea) if ea.record_id else list(told.get("third_parties", []))
        record_id = str(ea.record_id) if ea.record_id else str(told.get("record", ""))
        ea.duty_steps = {
            "deleted_or_blocked": deleted_or_blocked,
            "third_parties_informed": True,
            "third_parties": third_parties,
            "note": note_text or "",
            "closed_by": actor.username,
            "closed_at": now.isoformat(),
        }
        ea.duty_done_at = now
        ea.save(update_fields=["duty_steps", "duty_done_at"])
        if item is not None:
            item.payload = {
                **item.payload,
                "deleted_or_blocked": deleted_or_blocked,
                "third_parties_informed": True,
                "closed_by": actor.username,
                "closed_at": now.isoformat(),
            }
            item.done_at = now
            item.save(update_fields=["payload", "done_at"])
        purpose, urgency = _purpose(ea)
        log_event(
            actor=actor,
            action="emergency.duty",
            object_type="emergency_access",
            object_id=str(ea.pk),
            file=ea.file.code,
            purpose=purpose,
            urgency=urgency,
            references=_references(ea, ea.record),
            details={
                "eilfall": str(ea.pk),
                "owner": ea.owner.code,
                # Which data were deleted or blocked, also after the record's deletion.
                "file_number": ea.file_number,
                "record": record_id,
                **{k: v for k, v in ea.duty_steps.items() if k not in ("closed_at",)},
            },
        )
    return ea


def emergency_get(*, actor: Officer, emergency_id: Any) -> EmergencyAccess:
    """Return one Eilfall of the caller's agency (requester or owner), or 404."""
    require_officer(actor)
    pk = _uuid(emergency_id)
    ea = (
        EmergencyAccess.objects.filter(pk=pk, file__in=authorised_files(actor))
        .select_related("file", "requester", "owner", "officer", "decided_by", "consent_by")
        .first()
    )
    if ea is None or actor.agency_id not in (ea.requester_id, ea.owner_id):
        raise NotFound()
    log_event(
        actor=actor,
        action="emergency.view",
        object_type="emergency_access",
        object_id=str(ea.pk),
        file=ea.file.code,
        references=[{"agency": ea.owner.code, "file_number": ea.file_number}],
        details={"eilfall": str(ea.pk)},
    )
    return ea
