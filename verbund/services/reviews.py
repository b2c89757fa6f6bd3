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
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.jsonq import list_holds
from verbund.access.logging import log_record
from verbund.access.records import access_record
from verbund.access.supervision import supervised_record
from verbund.dates import parse_iso_date
from verbund.errors import Conflict, DomainError, Forbidden, Invalid, VersionConflict
from verbund.models import File, InboxItem, Participation, Record
from verbund.models.inbox import InboxKind
from verbund.models.lifecycle import BlockedUseGround, DeletionGround, ReviewCause, ReviewOutcome
from verbund.models.records import RecordStatus
from verbund.selectors.records import record_data
from verbund.services import shapes
from verbund.services.record_rules import RECORD_SHAPE, RaiseAtOnce, clean_text
from verbund.services.records import record_block, record_erase, record_update
from verbund.services.searches import require_officer


def review_due_at(
    record: Record, cause: str, now: datetime.datetime | None = None
) -> datetime.datetime:
    """Return when a review opened for ``cause`` is due (R-L4, R-L6).

    On the review date itself (end of that day, local time) for the date; otherwise
    ``VERBUND_REVIEW_DUE_HOURS`` after opening ("at once"). A correction notice carries its
    own "without delay" due time (``VERBUND_CORRECTION_DUE_HOURS``, the notice's inbox item,
    listed and escalated as that duty): the review it opens adds no second deadline for the
    same duty, so it keeps the record's review date.
    """
    moment = now or timezone.now()
    if cause in (ReviewCause.DATE, ReviewCause.CORRECTION_NOTICE):
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


# ------------------------------------------------------------------ decisions (reviews branch)

REVIEW_DECISION = shapes.Obj(
    {
        "outcome": shapes.Text(max_len=40),
        "reasons": shapes.Text(),
        "review_date": shapes.Text(max_len=40),
        "block_reason": shapes.Text(),
        "ground": shapes.Text(max_len=40),
        "changes": RECORD_SHAPE,
    }
)
BLOCKED_USE = shapes.Obj({"ground": shapes.Text(max_len=40), "reasons": shapes.Text()})
JUSTICE_DECISION = shapes.Obj(
    {
        "kind": shapes.Text(max_len=40),
        "final": shapes.Bool(),
        "reasons": shapes.Text(),
        "decided_on": shapes.Text(max_len=40),
        "provision": shapes.Text(max_len=200),
    }
)
COMPLAINT = shapes.Obj({"text": shapes.Text()})


class JusticeDecisionKind(models.TextChoices):
    """The decisions of the justice that set off a review (R-M4, BKAG 2018 §32(2))."""

    ACQUITTAL = "acquittal", _("rechtskräftiger Freispruch")
    REFUSAL_TO_OPEN_TRIAL = (
        "refusal_to_open_trial",
        _("unanfechtbare Ablehnung der Eröffnung des Hauptverfahrens"),
    )
    DISCONTINUATION = "discontinuation", _("nicht nur vorläufige Einstellung des Verfahrens")


def _required(field: str, detail: str) -> Invalid:
    return Invalid(detail, code="required", fields={field: [detail]})


def _text(value: Any, field: str, detail: str) -> str:
    """Return a cleaned, required text or raise 400 naming ``field``."""
    text = clean_text(value, field, RaiseAtOnce(), max_len=4000) if value else ""
    if not text:
        raise _required(field, detail)
    return text


def _choice(value: Any, field: str, choices: Any, detail: str) -> str:
    """Return a required choice or raise 400 (``required``/``invalid_choice``) naming it."""
    if value is None or value == "":
        raise _required(field, detail)
    if value not in choices:
        raise Invalid(detail, code="invalid_choice", fields={field: [detail]})
    return str(value)


def _day(value: Any, field: str) -> datetime.date:
    """Return a required calendar date (``YYYY-MM-DD``) or raise 400 naming ``field``."""
    if value is None or value == "":
        raise _required(field, "Datum angeben.")
    try:
        return parse_iso_date(str(value))
    except ValueError:
        detail = "Datum im Format JJJJ-MM-TT erwartet."
        raise Invalid(detail, code="invalid_date", fields={field: [detail]}) from None


def _new_review_date(value: Any, record: Record) -> datetime.date:
    """Check the next review date of a kept or corrected record (R-L4, R-L4a)."""
    day = _day(value, "review_date")
    if day < timezone.localdate():
        detail = "Die neue Prüffrist liegt in der Vergangenheit."
        raise Invalid(detail, code="review_date_past", fields={"review_date": [detail]})
    if day > record.deletion_date:
        detail = "Die neue Prüffrist liegt nach der Löschfrist."
        raise Invalid(detail, code="review_after_deletion", fields={"review_date": [detail]})
    return day


def _lock_record(record: Record) -> Record:
    return (
        Record.objects.select_for_update(of=("self",))
        .select_related("file", "owner", "storage_decided_by")
        .get(pk=record.pk)
    )


def _lists_cause(cause: str) -> Q:
    """Filter: a review's ``payload.causes`` lists ``cause`` (PostgreSQL jsonb containment;
    SQLite's JSON1 functions, where Django has no JSON ``contains``)."""
    return list_holds("payload", {"cause": cause}, table=InboxItem._meta.db_table, key="causes")


def _has_cause(record: Record, cause: str) -> bool:
    """Whether the record's open review lists ``cause``."""
    return (
        InboxItem.objects.filter(
            record=record,
            kind=InboxKind.REVIEW_DUE,
            done_at__isnull=True,
        )
        .filter(_lists_cause(cause))
        .exists()
    )


def open_review_of(actor: Any, record_id: Any) -> InboxItem | None:
    """Return the open review of a record in the officer's agency's inbox, if any."""
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        return None
    if not getattr(actor, "agency_id", None):
        return None
    return (
        InboxItem.objects.filter(
            record_id=pk,
            kind=InboxKind.REVIEW_DUE,
            done_at__isnull=True,
            agency_id=actor.agency_id,
        )
        .order_by("created_at")
        .first()
    )


@dataclass(frozen=True)
class ReviewDecision:
    """A decided review: the closed item and the record's version (``None``: deleted)."""

    item: InboxItem
    version: int | None


# The fields each outcome takes besides its reasons (``changes`` only with ``corrected``).
OUTCOME_FIELDS = {
    ReviewOutcome.KEEP: {"review_date"},
    ReviewOutcome.CORRECTED: {"review_date"},
    ReviewOutcome.BLOCKED: {"block_reason"},
    ReviewOutcome.DELETED: {"ground"},
}


def review_decide(
    *,
    actor: Any,
    record_id: Any,
    outcome: Any,
    reasons: Any,
    review_date: Any = None,
    block_reason: Any = None,
    ground: Any = None,
    changes: Any = None,
    if_match: Collection[int] | None = None,
) -> ReviewDecision:
    """Record the owner's decision on a review and close it (R-L1-L4, R-H1).

    Only officers of the owner agency authorised for the file decide (others 403
    ``not_owner`` where they may see the record, else 404). ``keep`` and ``corrected`` need
    reasons and the next review date (not in the past, not after the deletion date);
    ``corrected`` says what the owner corrected: the change itself is the owner's PATCH,
    made before, or ``changes``, a JSON Merge Patch applied here through ``record_update``
    in the same transaction (validated like a PATCH; its errors name ``changes.<path>``).
    ``blocked`` needs ``block_reason`` (R-L3) and blocks the record;
    ``deleted`` needs a ``DeletionGround`` and erases the record (R-L2, R-L5). Deleting a
    blocked record is possible only here: the reasons say why the interest that withheld
    deletion has lapsed. Without an open review one is opened for the handling of the case
    and decided at once (R-L4 "whenever they handle the case"). The decision goes into the
    item's payload (``outcome``, ``reasons``, ``decided_by``, ``decided_at``) and the log
    (``record.review_decide``); a deleted record's review goes with it (R-L5), the log row
    keeps the decision. Atomic: a refused decision changes nothing.
    """
    require_officer(actor)
    shapes.check(
        REVIEW_DECISION,
        {
            "outcome": outcome,
            "reasons": reasons,
            "review_date": review_date,
            "block_reason": block_reason,
            "ground": ground,
            "changes": changes,
        },
    )
    outcome = _choice(
        outcome,
        "outcome",
        ReviewOutcome.values,
        "Ergebnis angeben: weiter speichern, berichtigt, gesperrt oder gelöscht.",
    )
    text = _text(reasons, "reasons", "Gründe der Entscheidung angeben.")
    if changes is not None and outcome != ReviewOutcome.CORRECTED:
        detail = "Änderungen nur mit dem Ergebnis „berichtigt“."
        raise Invalid(detail, code="changes_not_allowed", fields={"changes": [detail]})
    # A field of another outcome is refused, not silently dropped (the caller meant it).
    given = {"review_date": review_date, "block_reason": block_reason, "ground": ground}
    stray = {
        name: ["Gehört nicht zu diesem Ergebnis."]
        for name, value in given.items()
        if value not in (None, "") and name not in OUTCOME_FIELDS[outcome]
    }
    if stray:
        raise Invalid("Angaben gehören nicht zu diesem Ergebnis.", code="not_allowed", fields=stray)
    with transaction.atomic():
        record = _lock_record(access_record(actor, record_id, "change"))
        if if_match is not None and record.version not in if_match:
            raise VersionConflict(record.version)
        blocked = record.status == RecordStatus.BLOCKED
        details: dict[str, Any] = {"outcome": outcome, "reasons": text}
        new_date: datetime.date | None = None
        block_text = ""
        if outcome in (ReviewOutcome.KEEP, ReviewOutcome.CORRECTED):
            if outcome == ReviewOutcome.CORRECTED and blocked:
                raise Conflict(
                    "Der Datensatz ist gesperrt und kann nicht berichtigt werden.",
                    code="record_blocked",
                )
            new_date = _new_review_date(review_date, record)
            details["review_date"] = new_date.isoformat()
        elif outcome == ReviewOutcome.BLOCKED:
            block_text = _text(block_reason, "block_reason", "Grund der Sperrung angeben.")
            if blocked:
                raise Conflict("Der Datensatz ist bereits gesperrt.", code="already_blocked")
            details["block_reason"] = block_text
        else:
            if ground in (None, "") and _has_cause(record, ReviewCause.NO_LEGAL_BASIS):
                # R-L2, R-M5: a review opened for storage without a legal basis deletes on
                # that ground unless the owner names another.
                ground = DeletionGround.NO_LEGAL_BASIS.value
            ground = _choice(ground, "ground", DeletionGround.values, "Löschgrund angeben.")
            details["ground"] = ground
            if blocked:
                details["was_blocked"] = True
        now = timezone.now()
        item = (
            InboxItem.objects.select_for_update(of=("self",))
            .filter(record=record, kind=InboxKind.REVIEW_DUE, done_at__isnull=True)
            .first()
        )
        if item is None:
            # R-L4: the owner handles the case without a review due: open one and decide it.
            item, _created = review_open(
                record=record, cause=ReviewCause.HANDLING, actor=actor, now=now
            )
        details["item"] = str(item.pk)
        details["causes"] = [c.get("cause") for c in item.payload.get("causes", [])]
        decision = {
            "outcome": outcome,
            "reasons": text,
            "decided_by": actor.username,
            "decided_at": now.isoformat(),
        }
        item.payload = {**item.payload, **decision}
        item.done_at = now
        if outcome == ReviewOutcome.DELETED:
            # R-L5: the review goes with the record; the decision stays in the log.
            record_erase(record=record, actor=actor, reason=text, ground=str(ground))
            log_record(actor=actor, action="record.review_decide", record=record, details=details)
            return ReviewDecision(item=item, version=None)
        item.save(update_fields=["payload", "done_at"])
        if changes:
            # R-L1: the correction itself, validated like the owner's PATCH.
            before_date = record.review_date
            try:
                record = record_update(
                    actor=actor,
                    record_id=record.pk,
                    data={**changes, "review_date": new_date.isoformat() if new_date else None},
                )
            except DomainError as exc:
                raise type(exc)(
                    exc.detail,
                    code=exc.code,
                    fields={f"changes.{k}": v for k, v in exc.fields.items()},
                ) from None
            if new_date is not None and new_date > record.deletion_date:
                detail = "Die neue Prüffrist liegt nach der Löschfrist."
                raise Invalid(
                    detail, code="review_after_deletion", fields={"review_date": [detail]}
                )
            details["changes"] = sorted(changes)
            details["before"] = {"review_date": before_date.isoformat()}
            item.payload = {**item.payload, "review_date": record.review_date.isoformat()}
            item.save(update_fields=["payload"])
        elif new_date is not None:
            details["before"] = {"review_date": record.review_date.isoformat()}
            record.review_date = new_date
            record.version += 1
            record.save(update_fields=["review_date", "version", "updated_at"])
            item.payload = {**item.payload, "review_date": new_date.isoformat()}
            item.save(update_fields=["payload"])
        elif outcome == ReviewOutcome.BLOCKED:
            record_block(actor=actor, record_id=record.pk, reason=block_text)
            record.refresh_from_db()
        details["version"] = record.version
        log_record(actor=actor, action="record.review_decide", record=record, details=details)
    return ReviewDecision(item=item, version=record.version)


def blocked_use(*, actor: Any, record_id: Any, ground: Any, reasons: Any) -> dict[str, Any]:
    """Return a blocked record's data for one use on a ground of ATDG §11(3) (R-L3).

    Owner only (others see no blocked record: 404; 403 ``not_owner`` cannot arise for
    another agency, since blocked records leave every answer to it). ``ground`` is one of
    the three ``BlockedUseGround`` values, ``reasons`` what the use is for. Logged
    (``record.blocked_use`` with ground and reasons). A record that is not blocked is 409
    ``not_blocked`` (its data are read with a plain GET).
    """
    require_officer(actor)
    shapes.check(BLOCKED_USE, {"ground": ground, "reasons": reasons})
    ground = _choice(
        ground,
        "ground",
        BlockedUseGround.values,
        "Grund der Verwendung angeben: Zweck der unterbliebenen Löschung, hochrangige "
        "Rechtsgüter oder Einwilligung.",
    )
    text = _text(reasons, "reasons", "Angeben, wofür die gesperrten Daten verwendet werden.")
    with transaction.atomic():
        record = access_record(actor, record_id, "change")
        if record.status != RecordStatus.BLOCKED:
            raise Conflict(
                "Der Datensatz ist nicht gesperrt; er wird normal gelesen.", code="not_blocked"
            )
        log_record(
            actor=actor,
            action="record.blocked_use",
            record=record,
            details={"ground": ground, "reasons": text},
        )
        return record_data(record, actor=actor, blocked_use=True)


def justice_decision_report(
    *,
    actor: Any,
    record_id: Any,
    kind: Any,
    final: Any,
    reasons: Any,
    decided_on: Any,
    provision: Any = None,
) -> InboxItem:
    """Report a justice decision about the record's subject to the owner (R-M4).

    A final acquittal, a final refusal to open the trial or a non-provisional
    discontinuation, with its main reasons, opens a review in the owner's inbox at once
    (cause ``justice_decision``); it never deletes by itself. Project decision: reported by
    an officer of the owner agency (the LKA that receives the justice's notice); others get
    403 ``not_owner`` where they may see the record, else 404. ``final`` must be true: a
    decision that is not final sets nothing off (400 ``not_final``). ``provision``
    (optional) names the norm the decision rests on, e.g. "§ 170 Abs. 2 StPO".
    """
    require_officer(actor)
    shapes.check(
        JUSTICE_DECISION,
        {
            "kind": kind,
            "final": final,
            "reasons": reasons,
            "decided_on": decided_on,
            "provision": provision,
        },
    )
    kind = _choice(
        kind,
        "kind",
        JusticeDecisionKind.values,
        "Art der Entscheidung: Freispruch, Ablehnung der Eröffnung oder Einstellung.",
    )
    if final is None:
        raise _required("final", "Angeben, ob die Entscheidung rechtskräftig ist.")
    if final is not True:
        detail = "Nur rechtskräftige oder nicht nur vorläufige Entscheidungen werden mitgeteilt."
        raise Invalid(detail, code="not_final", fields={"final": [detail]})
    text = _text(reasons, "reasons", "Die wesentlichen Gründe angeben.")
    day = _day(decided_on, "decided_on")
    if day > timezone.localdate():
        detail = "Das Datum der Entscheidung liegt in der Zukunft."
        raise Invalid(detail, code="invalid_date", fields={"decided_on": [detail]})
    norm = clean_text(provision, "provision", RaiseAtOnce(), max_len=200) if provision else ""
    with transaction.atomic():
        record = _lock_record(access_record(actor, record_id, "change"))
        item, _created = review_open(
            record=record,
            cause=ReviewCause.JUSTICE_DECISION,
            details={
                "kind": kind,
                "final": True,
                "reasons": text,
                "decided_on": day.isoformat(),
                **({"provision": norm} if norm else {}),
                "reported_by": actor.username,
            },
            actor=actor,
        )
    return item


def complaint_lodge(*, actor: Any, record_id: Any, text: Any) -> InboxItem:
    """Lodge a supervisor's complaint about a record in its owner's inbox (R-J6, Rn. 40).

    Supervisors only (others 403), within their jurisdiction or delegation (the record's
    owner, or an agency that queried it, is supervised by them; ``verbund.access.
    supervision``); any other record is 404 as if unknown. Opens a review (cause
    ``complaint``): the owner corrects, deletes or answers with reasons.
    """
    if getattr(actor, "role", "") != "supervisor" or not getattr(actor, "is_active", False):
        raise Forbidden("Nur für die Datenschutzaufsicht.", code="forbidden")
    shapes.check(COMPLAINT, {"text": text})
    body = _text(text, "text", "Beanstandung angeben.")
    with transaction.atomic():
        record = _lock_record(supervised_record(actor, record_id))
        item, _created = review_open(
            record=record,
            cause=ReviewCause.COMPLAINT,
            details={
                "text": body,
                "supervisor": actor.username,
                "jurisdiction": actor.jurisdiction,
            },
            actor=actor,
        )
    return item


def legal_basis_reviews_open(file: File, *, now: datetime.datetime | None = None) -> int:
    """Open a review for every record of ``file`` stored without a legal basis (R-M5, R-A3).

    A record lacks one when the file's legal basis, or its owner's participation's, does
    not carry entries today (``LegalBasis.carries_entries``: an establishment order alone,
    or an ordinance not yet in force). Idempotent (an open review listing the cause is left
    as it is), so the daily sweep calls it freely. Returns how many reviews were opened or joined.
    Records past their deletion date are left to the sweep's deletion.
    """
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    records = Record.objects.filter(file=file, status=RecordStatus.ACTIVE).select_related(
        "file", "owner"
    )
    if file.legal_basis.carries_entries(today):
        lacking = [
            p.agency_id
            for p in Participation.objects.filter(file=file).select_related("legal_basis")
            if not p.legal_basis.carries_entries(today)
        ]
        if not lacking:
            return 0
        records = records.filter(owner_id__in=lacking)
        basis_of = {
            p.agency_id: p.legal_basis
            for p in Participation.objects.filter(file=file, agency_id__in=lacking)
        }
    else:
        basis_of = {}
    # A record whose open review already lists the cause is not joined again when only the
    # citation changed (an ordinance registered but not yet in force): one duty, one cause.
    listed = set(
        InboxItem.objects.filter(
            file=file,
            kind=InboxKind.REVIEW_DUE,
            done_at__isnull=True,
        )
        .filter(_lists_cause(ReviewCause.NO_LEGAL_BASIS.value))
        .values_list("record_id", flat=True)
    )
    count = 0
    for record in records.order_by("pk").iterator(chunk_size=500):
        if record.pk in listed:
            count += 1
            continue
        basis = basis_of.get(record.owner_id, file.legal_basis)
        details = {"legal_basis": str(basis)}
        if record.owner_id not in basis_of and not file.is_atd:
            # The file itself lacks its ordinance (GWS: § 7(6) BKAG; 004).
            details["reason"] = NO_ORDINANCE_TEXT
        with transaction.atomic():
            _item, _created = review_open(
                record=record,
                cause=ReviewCause.NO_LEGAL_BASIS,
                details=details,
                now=moment,
            )
        count += 1
    return count


# What a review opened because a non-ATD file lacks its ordinance says (shown in the API; the
# pages translate their own msgid).
NO_ORDINANCE_TEXT = "Gespeichert ohne Rechtsgrundlage (Verordnung nach § 7 Abs. 6 BKAG fehlt)"
# The ground on which a ``no_legal_basis`` cause lapses (R-L2, R-M5).
BASIS_IN_FORCE = "basis_in_force"


def legal_basis_reviews_lapse(file: File, *, now: datetime.datetime | None = None) -> int:
    """Settle the ``no_legal_basis`` causes of ``file``'s open reviews once a basis is in force.

    R-L2, R-M5 (004; not retroactive): from the day the ordinance (or the participation's
    basis) carries entries, a record no longer counts as stored without a legal basis, so
    the deletion duty on that ground lapses. Each open review listing the cause for a
    record no longer lacking a basis loses it: the cause moves to the payload's ``lapsed``
    list (ground ``basis_in_force`` with the citation and its entry into force) and the
    lapse is logged (``record.review_cause_lapsed``, for the owner). A review left without
    any cause is closed (``closed`` = ``causes_lapsed``); one with other causes stays open
    for them. One transaction per review, its row locked and checked again; idempotent.
    Returns how many causes lapsed.
    """
    from verbund.services.legal_bases import basis_of_record, stored_without_legal_basis

    moment = now or timezone.now()
    today = timezone.localdate(moment)
    ids = list(
        InboxItem.objects.filter(
            file=file,
            kind=InboxKind.REVIEW_DUE,
            done_at__isnull=True,
        )
        .filter(_lists_cause(ReviewCause.NO_LEGAL_BASIS.value))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            item = (
                InboxItem.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk=pk, done_at__isnull=True)
                .select_related("record", "record__file", "record__owner")
                .first()
            )
            if item is None or item.record is None:
                continue
            record = item.record
            if stored_without_legal_basis(record, on=today):
                continue
            causes = list(item.payload.get("causes", []))
            gone = [c for c in causes if c.get("cause") == ReviewCause.NO_LEGAL_BASIS]
            if not gone:
                continue
            kept = [c for c in causes if c.get("cause") != ReviewCause.NO_LEGAL_BASIS]
            basis = basis_of_record(record, on=today)
            settled = {
                "ground": BASIS_IN_FORCE,
                "legal_basis": basis.citation,
                "in_force_from": basis.in_force_from.isoformat(),
                "lapsed_at": moment.isoformat(),
            }
            payload = {
                **item.payload,
                "causes": kept,
                "lapsed": [*item.payload.get("lapsed", []), *({**c, **settled} for c in gone)],
            }
            fields = ["payload"]
            if not kept:
                payload["closed"] = "causes_lapsed"
                payload["decided_at"] = moment.isoformat()
                item.done_at = moment
                fields.append("done_at")
            item.payload = payload
            item.save(update_fields=fields)
            log_record(
                actor=None,
                action="record.review_cause_lapsed",
                record=record,
                details={
                    "cause": ReviewCause.NO_LEGAL_BASIS.value,
                    "item": str(item.pk),
                    "closed": not kept,
                    **settled,
                },
                agency=record.owner,
            )
            count += len(gone)
    return count


def reviews_of(*, actor: Any, record_id: Any) -> list[InboxItem]:
    """Return the reviews of the owner's record, open and decided, newest first (R-L4).

    Owner only (403 ``not_owner`` where the caller may see the record, else 404); the
    reading is logged (R-I1). A deleted record's reviews went with it; its decisions stay
    in the log.
    """
    require_officer(actor)
    with transaction.atomic():
        record = access_record(actor, record_id, "change")
        items = list(
            InboxItem.objects.filter(record=record, kind=InboxKind.REVIEW_DUE)
            .select_related("file")
            .order_by("-created_at")
        )
        log_record(
            actor=actor,
            action="record.reviews_view",
            record=record,
            details={"items": [str(i.pk) for i in items]},
        )
    return items


def review_settle_notice(
    *, actor: Any, record: Record, notice_id: str, outcome: str, reasons: str
) -> bool:
    """Close the review a correction notice opened once the owner answered it (R-H2, R-L4).

    The owner's answer to the notice (``corrected`` or ``rejected``) is its review of that
    cause. If every cause of the record's open review is a correction notice and each of
    them is now decided, the review is closed with the answer (``corrected``, or ``keep``
    for a rejection) — the record keeps its review date — and logged
    (``record.review_decide``). A review with any other cause stays open. Runs in the
    caller's transaction; returns whether a review was closed.
    """
    item = (
        InboxItem.objects.select_for_update(of=("self",))
        .filter(record=record, kind=InboxKind.REVIEW_DUE, done_at__isnull=True)
        .first()
    )
    if item is None:
        return False
    causes = item.payload.get("causes", [])
    if not causes or any(c.get("cause") != ReviewCause.CORRECTION_NOTICE for c in causes):
        return False
    notices = {str((c.get("details") or {}).get("notice", "")) for c in causes}
    undecided = (
        InboxItem.objects.filter(pk__in=[n for n in notices if n and n != notice_id])
        .filter(kind=InboxKind.CORRECTION_NOTICE, done_at__isnull=True)
        .exists()
    )
    if undecided:
        return False
    now = timezone.now()
    decided = ReviewOutcome.CORRECTED if outcome == "corrected" else ReviewOutcome.KEEP
    item.payload = {
        **item.payload,
        "outcome": decided,
        "reasons": reasons,
        "decided_by": actor.username,
        "decided_at": now.isoformat(),
    }
    item.done_at = now
    item.save(update_fields=["payload", "done_at"])
    log_record(
        actor=actor,
        action="record.review_decide",
        record=record,
        details={"outcome": decided, "reasons": reasons, "item": str(item.pk), "notice": notice_id},
    )
    return True
