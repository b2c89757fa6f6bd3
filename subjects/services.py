"""Subject access workflows: record a request, the owners' decisions, the answer (R-K).

Lock order as in ``verbund.services.searches``: the rows meant (a consultation, its inbox
item, the request), each locked alone (``of=("self",)``), then the record's row in the record
services, the audit chain's lock last (``log_event``).

R-D5: a request recorded by the BKA's desk finds records through the name keys of every file
(``verbund.search.engine.run``: equality on folded keys, btree ``namekey_lookup``) with the
condition "not stored covertly" inside the SQL; a covert record is never read, so nothing —
no consultation, no inbox item, no log row, no extra query — depends on it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, Officer, Role
from audit.services import log_event
from international.services.originator import hidden_items, strip_hidden
from subjects.catalogue import applies_s15
from subjects.letters import compose_letter
from subjects.models import (
    CHALLENGE_OUTCOMES,
    OUTCOMES_FOR,
    Ask,
    Challenge,
    ChallengeKind,
    ChallengeOutcome,
    Consultation,
    Decision,
    InvokedGround,
    Outcome,
    RefusalGround,
    RequestStatus,
    Scope,
    SubjectRequest,
)
from verbund.access.court_orders import record_ordered_deleted
from verbund.access.records import access_record, authorised_files
from verbund.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Refused
from verbund.models import File, InboxItem, NameKey
from verbund.models.inbox import InboxKind
from verbund.models.lifecycle import DeletionGround
from verbund.models.records import Storage
from verbund.search import engine
from verbund.services import shapes
from verbund.services.legal_bases import stored_without_legal_basis
from verbund.services.record_rules import RECORD_SHAPE, RaiseAtOnce, clean_text
from verbund.services.records import record_delete, record_erase, record_update

MAX_TEXT = 4000
SUBJECT_REQUEST = shapes.Obj(
    {
        "applicant": shapes.Obj(
            {
                "surname": shapes.Text(max_len=500),
                "given_names": shapes.Text(max_len=500),
                "date_of_birth": shapes.Text(max_len=40),
            }
        ),
        "asks": shapes.ListOf(shapes.Text(max_len=40), name_items=False),
        "concrete_matter": shapes.Text(max_len=MAX_TEXT),
        "special_interest": shapes.Text(max_len=MAX_TEXT),
        "deletion_ground": shapes.Text(max_len=40),
    }
)
SUBJECT_DECISION = shapes.Obj(
    {
        "ask": shapes.Text(max_len=40),
        "outcome": shapes.Text(max_len=40),
        "ground": shapes.Text(max_len=40),
        "reasons": shapes.Text(max_len=MAX_TEXT),
        "withhold_reasons": shapes.Bool(),
        "deletion_ground": shapes.Text(max_len=40),
        "changes": RECORD_SHAPE,
    }
)
CHALLENGE = shapes.Obj(
    {
        "text": shapes.Text(max_len=MAX_TEXT),
        "consultation": shapes.Text(max_len=40),
        "kind": shapes.Text(max_len=40),
    }
)
CHALLENGE_DECISION = shapes.Obj(
    {
        "outcome": shapes.Text(max_len=40),
        "reasons": shapes.Text(max_len=MAX_TEXT),
        "deletion_ground": shapes.Text(max_len=40),
    }
)
COURT_RULING = shapes.Obj(
    {
        "court": shapes.Text(max_len=300),
        "file_number": shapes.Text(max_len=80),
        "date": shapes.Text(max_len=40),
        "outcome": shapes.Text(max_len=40),
        "reasons": shapes.Text(max_len=MAX_TEXT),
        "deletion_ground": shapes.Text(max_len=40),
    }
)
# The grounds a court's deletion order states (R-K4, R-M5): the storage lacked its legal
# basis, or it was unlawful for another reason.
RULING_GROUNDS = (DeletionGround.NO_LEGAL_BASIS, DeletionGround.UNLAWFUL)
APPLICANT_FIELDS = ("surname", "given_names", "date_of_birth")


def _required(field: str, detail: str) -> Invalid:
    return Invalid(detail, code="required", fields={field: [detail]})


def _text(value: Any, field: str) -> str:
    """Return cleaned text (NUL bytes, lone surrogates and length refused), or ""."""
    if value is None or value == "":
        return ""
    return clean_text(value, field, RaiseAtOnce(), max_len=MAX_TEXT) or ""


def require_desk(actor: Any) -> None:
    """Refuse anybody but an agency's subject desk (403 ``not_subject_desk``)."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or getattr(actor, "role", "") != Role.SUBJECT_DESK
        or not getattr(actor, "agency_id", None)
        or not getattr(actor, "is_active", False)
    ):
        raise Forbidden(
            "Nur die Auskunftsstelle einer Behörde nimmt Auskunftsersuchen auf.",
            code="not_subject_desk",
        )


def _applicant(value: Any) -> engine.ParsedCriteria:
    """Validate the applicant's name and date of birth like a name search (R-E5, dates)."""
    if value is None:
        raise _required("applicant", "Angaben zur antragstellenden Person fehlen.")
    if not isinstance(value, dict):
        raise Invalid(
            "Objekt erwartet.", code="invalid", fields={"applicant": ["Objekt erwartet."]}
        )
    unknown = sorted(k for k in value if k not in APPLICANT_FIELDS)
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(
            detail, code="unknown_field", fields={f"applicant.{k}": [detail] for k in unknown}
        )
    for key in APPLICANT_FIELDS:
        if value.get(key) in (None, ""):
            raise _required(f"applicant.{key}", "Angabe fehlt.")
    try:
        parsed = engine.parse_name(dict(value))
    except DomainError as exc:
        fields = {k.replace("criteria.", "applicant.", 1): v for k, v in exc.fields.items()}
        raise type(exc)(exc.detail, code=exc.code, fields=fields) from None
    born = datetime.date.fromisoformat(parsed.shown["date_of_birth"])
    if born > timezone.localdate():
        detail = "Ein Geburtsdatum liegt nicht in der Zukunft."
        raise Invalid(detail, code="invalid_date", fields={"applicant.date_of_birth": [detail]})
    return parsed


def _asks(value: Any) -> list[str]:
    """Return what was asked, in catalogue order; missing, empty or unknown → 400 ``asks``."""
    if value is None or value == []:
        raise _required("asks", "Angeben, was beantragt ist: Auskunft, Berichtigung, Löschung.")
    unknown = [v for v in value if v not in Ask.values]
    if unknown:
        detail = "Bekannt sind „access“, „correction“ und „deletion“."
        raise Invalid(detail, code="invalid_choice", fields={"asks": [detail]})
    return [a for a in Ask.values if a in value]


def _found(parsed: engine.ParsedCriteria, scope_q: Q) -> list[dict[str, Any]]:
    """Return the records about the applicant in every file, as one index lookup per file.

    ``scope_q`` is the condition on the key rows' record (``record__...``), applied in SQL
    before the limit: for the BKA "not stored covertly", for an agency's desk "own records".
    """
    query = parsed.query
    limit = settings.VERBUND_SUBJECT_REQUEST_MATCH_LIMIT
    out: list[dict[str, Any]] = []
    for file in File.objects.order_by("code"):
        outcome = engine.run(
            file_id=file.pk, query=query, visible=scope_q, covert=Q(pk__in=[]), limit=limit
        )
        matches = {m.record_id: m.matched_in for m in outcome.visible[:limit]}
        if not matches:
            continue
        rows = (
            NameKey.objects.filter(file=file, record_id__in=list(matches))
            .values_list(
                "record_id",
                "record__owner_id",
                "record__file_number",
                "record__storage",
                "record__markings",
            )
            .distinct()
            .order_by("record_id")
        )
        seen: set[uuid.UUID] = set()
        for rid, owner_id, number, storage, markings in rows:
            if rid in seen:
                continue
            seen.add(rid)
            out.append(
                {
                    "record_id": rid,
                    "owner_id": owner_id,
                    "file": file,
                    "file_number": number,
                    "storage": storage,
                    "art10": "art10" in (markings or []),
                    "matched_in": matches[rid],
                }
            )
    return out


def consultation_ref(consultation: Consultation) -> dict[str, Any]:
    """Return what identifies a consultation's record in a log row (``log_ref`` keys)."""
    ref: dict[str, Any] = {
        "agency": consultation.owner.code,
        "file_number": consultation.file_number,
        "consultation": str(consultation.pk),
    }
    if consultation.record_id:  # gone once the record was deleted (R-L5)
        ref["record"] = str(consultation.record_id)
    if consultation.art10:
        ref["art10"] = True
    return ref


def _log(
    *,
    actor: Officer,
    action: str,
    request_id: Any,
    consultations: Sequence[Consultation] = (),
    details: dict[str, Any] | None = None,
    file: str = "",
    record_id: Any = None,
) -> None:
    """Log one action on a subject request with its consultations' references.

    The references of covert records go to the log's covert column only (R-I5).
    ``record_id`` names a record the consultation no longer points to (deleted by this
    action, R-L5) in the reference.
    """
    refs: list[dict[str, Any]] = []
    covert: list[dict[str, Any]] = []
    for c in consultations:
        ref = consultation_ref(c)
        if record_id is not None:
            ref["record"] = str(record_id)
        (covert if c.storage == Storage.COVERT else refs).append(ref)
    log_event(
        actor=actor,
        action=action,
        object_type="subject_request",
        object_id=str(request_id),
        file=file,
        references=refs,
        covert=covert,
        details=details,
    )


def item_payload(consultation: Consultation) -> dict[str, Any]:
    """Return the payload of the owner's ``subject_request`` inbox item."""
    request = consultation.request
    payload: dict[str, Any] = {
        "subject_request": str(request.pk),
        "consultation": str(consultation.pk),
        "record": str(consultation.record_id or ""),
        "file_number": consultation.file_number,
        "desk": request.agency.code,
        "scope": request.scope,
        "applicant": {
            "surname": request.surname,
            "given_names": request.given_names,
            "date_of_birth": request.date_of_birth.isoformat(),
        },
        "asks": list(request.asks),
        "matched_in": consultation.matched_in,
        "concrete_matter": request.concrete_matter,
        "special_interest": request.special_interest,
        "deletion_ground": request.deletion_ground,
        "decisions": [decision_payload(d) for d in consultation.decisions.all()],
    }
    return payload


def decision_payload(decision: Decision) -> dict[str, Any]:
    """Return one decision as stored in the inbox payload (the owner's own view)."""
    out: dict[str, Any] = {
        "ask": decision.ask,
        "outcome": decision.outcome,
        "reasons": decision.reasons,
        "reasons_withheld": decision.reasons_withheld,
        "decided_by": decision.decided_by.username,
        "decided_at": decision.decided_at.isoformat(),
    }
    if decision.ground_id:
        assert decision.ground is not None
        out["ground"] = decision.ground.code
    return out


def subject_request_create(*, actor: Officer, data: Any) -> SubjectRequest:
    """Record a subject request at a desk and put each record found to its owner.

    The BKA's desk (R-K1): records not stored covertly, of every agency; an agency's desk
    (R-K2): the agency's own records, covert ones included. § 15 BVerfSchG agencies (R-K3a)
    need the concrete matter and the special interest. Each record found becomes a
    consultation with a ``subject_request`` item in its owner's inbox, due after
    ``VERBUND_SUBJECT_REQUEST_DUE_HOURS``. Atomic: a refused request stores nothing.
    """
    require_desk(actor)
    shapes.check(SUBJECT_REQUEST, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    unknown = sorted(k for k in data if k not in SUBJECT_REQUEST.fields)
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
    parsed = _applicant(data.get("applicant"))
    asks = _asks(data.get("asks"))
    matter = _text(data.get("concrete_matter"), "concrete_matter")
    interest = _text(data.get("special_interest"), "special_interest")
    invoked = data.get("deletion_ground") or ""
    if invoked and invoked not in InvokedGround.values:
        detail = "Bekannt sind „no_legal_basis“, „unlawful“ und „not_necessary“."
        raise Invalid(detail, code="invalid_choice", fields={"deletion_ground": [detail]})
    if invoked and Ask.DELETION not in asks:
        detail = "Ein Löschgrund gehört nur zu einem Antrag auf Löschung."
        raise Invalid(detail, code="not_allowed", fields={"deletion_ground": [detail]})
    agency = actor.agency
    assert agency is not None
    scope = Scope.NOT_COVERT if agency.code == "BKA" else Scope.OWN
    if scope == Scope.OWN and applies_s15(agency) and Ask.ACCESS in asks:
        # R-K3a, § 15(1) BVerfSchG: access on a concrete matter and a special interest.
        if not matter:
            raise _required("concrete_matter", "Konkreten Sachverhalt angeben (§ 15 Abs. 1).")
        if not interest:
            raise _required(
                "special_interest", "Besonderes Interesse an der Auskunft angeben (§ 15 Abs. 1)."
            )
    shown = parsed.shown
    now = timezone.now()
    due = now + datetime.timedelta(hours=settings.VERBUND_SUBJECT_REQUEST_DUE_HOURS)
    if scope == Scope.NOT_COVERT:
        # R-K1, R-D5: the BKA answers only for data not stored covertly.
        scope_q = Q(record__storage__in=[Storage.OPEN, Storage.RESTRICTED])
    else:
        scope_q = Q(record__owner_id=agency.pk)
    with transaction.atomic():
        request = SubjectRequest.objects.create(
            agency=agency,
            scope=scope,
            surname=shown["surname"],
            given_names=shown["given_names"],
            date_of_birth=datetime.date.fromisoformat(shown["date_of_birth"]),
            asks=asks,
            concrete_matter=matter,
            special_interest=interest,
            deletion_ground=invoked,
            created_by=actor,
        )
        consultations = []
        owners = {a.pk: a for a in Agency.objects.all()}
        for found in _found(parsed, scope_q):
            consultation = Consultation.objects.create(
                request=request,
                owner=owners[found["owner_id"]],
                file=found["file"],
                record_id=found["record_id"],
                file_number=found["file_number"],
                storage=found["storage"],
                art10=found["art10"],
                matched_in=found["matched_in"],
                due_at=due,
            )
            InboxItem.objects.create(
                agency=consultation.owner,
                file=consultation.file,
                kind=InboxKind.SUBJECT_REQUEST,
                subject_id=consultation.pk,
                payload=item_payload(consultation),
                due_at=due,
            )
            consultations.append(consultation)
        details: dict[str, Any] = {
            "asks": asks,
            "scope": scope,
            "consultations": sum(1 for c in consultations if c.storage != Storage.COVERT),
        }
        if invoked:
            details["deletion_ground"] = invoked
        _log(
            actor=actor,
            action="subject_request.create",
            request_id=request.pk,
            consultations=consultations,
            details=details,
        )
    return request


def _ground(consultation: Consultation, code: Any) -> RefusalGround:
    """Return the owner's refusal ground by code (R-K3: only from its own catalogue)."""
    if code in (None, ""):
        raise _required("ground", "Verweigerungsgrund aus dem Katalog der Behörde angeben.")
    ground = RefusalGround.objects.filter(agency_id=consultation.owner_id, code=code).first()
    if ground is None:
        detail = "Kein Verweigerungsgrund im Katalog der Behörde."
        raise Invalid(detail, code="invalid_choice", fields={"ground": [detail]})
    return ground


def _disclosure(actor: Officer, consultation: Consultation) -> dict[str, Any]:
    """Return what the owner releases: the record's basic and extended data as it sees them
    and, in GWS, the incident report (with proceedings and measures).

    Left out: contact persons (third parties' data), fields withheld by restricted storage
    (R-D2), the findings basis and anything about sources or recipients (§ 15(3)).
    """
    if consultation.record_id is None:
        return {}
    record = access_record(actor, consultation.record_id, "view")
    extended = {
        k: v
        for k, v in (record.extended or {}).items()
        if k != "contact_persons" and k not in (record.withheld or [])
    }
    disclosed = {
        "file": record.file.code,
        "file_name": record.file.name,
        "agency": record.owner.name,
        "kind": record.kind,
        "basic": dict(record.basic or {}),
        "extended": extended,
        # GWS: the incident report with proceedings and measures is what is stored (R-M2).
        **({"incident": dict(record.incident)} if record.incident else {}),
    }
    # R-N3: what a foreign body passed on in confidence does not exist for the applicant
    # (no release is ever for an applicant); the letter reads as if it were never stored.
    return strip_hidden(disclosed, hidden_items(record))


def _challenge_close(
    challenge: Challenge,
    *,
    actor: Officer,
    outcome: str,
    reasons: str,
    at: datetime.datetime,
    more: tuple[str, ...] = (),
) -> None:
    """Write a challenge's outcome: who decided, when, why, whether it deleted (and ``more``
    fields the caller set, e.g. the court's ruling)."""
    challenge.outcome = outcome
    challenge.reasons = reasons
    challenge.decided_by = actor
    challenge.decided_at = at
    challenge.save(
        update_fields=[
            "outcome",
            "reasons",
            "decided_by",
            "decided_at",
            *more,
            "deletion_ground",
            "record_deleted",
        ]
    )


def owner_pk(actor: Officer, value: Any) -> uuid.UUID:
    """Return ``value`` as an id an owner's officer may act on, else 404 (as unknown):
    not a UUID, no agency, or a supervisor's or desk's account."""
    try:
        pk = uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None
    if not getattr(actor, "agency_id", None) or getattr(actor, "role", "") in (
        Role.SUPERVISOR,
        Role.SUBJECT_DESK,
    ):
        raise NotFound()
    return pk


def _lock_consultation(actor: Officer, consultation_id: Any) -> Consultation:
    """Lock a consultation the caller's agency owns in a file the caller is authorised for."""
    pk = owner_pk(actor, consultation_id)
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .filter(pk=pk, owner_id=actor.agency_id, file__in=authorised_files(actor))
        .select_related("request__agency", "owner", "file")
        .first()
    )
    if consultation is None:
        raise NotFound()
    return consultation


def consultation_decide(*, actor: Officer, consultation_id: Any, data: Any) -> Consultation:
    """Record the owner's decision on one ask of a consultation (R-K1, R-K3, R-K3a, R-K4).

    access: ``agree`` (the owner's data as released go into the answer) or ``refuse`` with a
    ground from the owner's catalogue and reasons, weighed in the case — § 15 agencies only
    by the head or a specially authorised employee (403 ``not_head``), and may withhold the
    reasons from the letter (``withhold_reasons``; they stay on file). correction: ``correct``
    with ``changes`` (applied through ``record_update``, owner only) or ``refuse``; deletion:
    ``delete`` (through ``record_delete`` → ``record_erase``) or ``refuse``; both with
    reasons. Anybody but the owner's authorised officers: 404. Atomic.
    """
    shapes.check(SUBJECT_DECISION, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    unknown = sorted(k for k in data if k not in SUBJECT_DECISION.fields)
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
    with transaction.atomic():
        consultation = _lock_consultation(actor, consultation_id)
        item = (
            InboxItem.objects.select_for_update(of=("self",))
            .filter(kind=InboxKind.SUBJECT_REQUEST, subject_id=consultation.pk)
            .first()
        )
        request = consultation.request
        ask: str = data.get("ask") or ""
        if not ask:
            raise _required("ask", "Angeben, worüber entschieden wird.")
        if ask not in request.asks:
            detail = "Dies wurde nicht beantragt."
            raise Invalid(detail, code="not_asked", fields={"ask": [detail]})
        outcome = data.get("outcome")
        if outcome in (None, ""):
            raise _required("outcome", "Entscheidung angeben.")
        if outcome not in OUTCOMES_FOR[ask]:
            detail = "Für diesen Antrag nicht möglich: " + ", ".join(OUTCOMES_FOR[ask]) + "."
            raise Invalid(detail, code="invalid_choice", fields={"outcome": [detail]})
        reasons = _text(data.get("reasons"), "reasons")
        refusal = outcome == Outcome.REFUSE
        ground = None
        if ask == Ask.ACCESS and refusal:
            # R-K3: only a ground of the owner's own law, weighed in the case.
            ground = _ground(consultation, data.get("ground"))
        elif data.get("ground") not in (None, ""):
            detail = "Ein Verweigerungsgrund gehört nur zur Ablehnung einer Auskunft."
            raise Invalid(detail, code="not_allowed", fields={"ground": [detail]})
        if not reasons and outcome != Outcome.AGREE:
            raise _required("reasons", "Gründe angeben (sie bleiben in jedem Fall in der Akte).")
        withhold = data.get("withhold_reasons") is True
        s15 = applies_s15(consultation.owner)
        if withhold and not (s15 and ask == Ask.ACCESS and refusal):
            detail = (
                "Gründe zurückhalten darf nur eine Behörde nach § 15 BVerfSchG bei der "
                "Ablehnung einer Auskunft."
            )
            raise Invalid(detail, code="not_allowed", fields={"withhold_reasons": [detail]})
        if s15 and ask == Ask.ACCESS and refusal and not actor.is_head:
            # R-K3a, § 15(2) S. 2: the head or a specially authorised employee decides.
            raise Forbidden(
                "Die Ablehnung entscheidet die Behördenleitung oder ein von ihr besonders "
                "beauftragter Mitarbeiter.",
                code="not_head",
            )
        changes = data.get("changes")
        if changes and outcome != Outcome.CORRECT:
            detail = "Änderungen gehören nur zur Berichtigung."
            raise Invalid(detail, code="not_allowed", fields={"changes": [detail]})
        if data.get("deletion_ground") not in (None, "") and outcome != Outcome.DELETE:
            detail = "Ein Löschgrund gehört nur zur Löschung."
            raise Invalid(detail, code="not_allowed", fields={"deletion_ground": [detail]})
        deletion_ground = data.get("deletion_ground") or _default_ground(request)
        if deletion_ground not in DeletionGround.values:
            detail = "Unbekannter Löschgrund."
            raise Invalid(detail, code="invalid_choice", fields={"deletion_ground": [detail]})
        if consultation.decisions.filter(ask=ask).exists():
            raise Conflict("Darüber ist bereits entschieden.", code="already_decided")
        if outcome in (Outcome.CORRECT, Outcome.DELETE) and consultation.record_id is None:
            raise Conflict("Der Datensatz ist nicht mehr gespeichert.", code="record_gone")
        if ask == Ask.DELETION:
            _check_legal_basis(
                actor, consultation, refusal=refusal, ground=deletion_ground, field="outcome"
            )
        now = timezone.now()
        disclosed = _disclosure(actor, consultation) if outcome == Outcome.AGREE else {}
        record_id = consultation.record_id
        if outcome == Outcome.CORRECT and changes:
            # Without ``changes`` the owner corrected through PATCH before; reasons say what.
            try:
                record_update(actor=actor, record_id=record_id, data=dict(changes or {}))
            except DomainError as exc:
                raise Invalid(
                    exc.detail,
                    code=exc.code,
                    fields={f"changes.{k}": v for k, v in exc.fields.items()},
                ) from None
        elif outcome == Outcome.DELETE:
            # R-L5: the record goes the one way every deletion goes (record_erase).
            record_delete(actor=actor, record_id=record_id, reason=reasons, ground=deletion_ground)
            consultation.record = None
        decision = Decision.objects.create(
            consultation=consultation,
            ask=ask,
            outcome=outcome,
            ground=ground,
            reasons=reasons,
            reasons_withheld=withhold,
            disclosed=disclosed,
            decided_by=actor,
            decided_at=now,
        )
        done = set(consultation.decisions.values_list("ask", flat=True)) >= set(request.asks)
        if done:
            consultation.done_at = now
        consultation.save(update_fields=["done_at", "record"])
        if item is not None:
            item.payload = {
                **item.payload,
                "decisions": [decision_payload(d) for d in consultation.decisions.all()],
            }
            if done:
                item.done_at = now
            item.save(update_fields=["payload", "done_at"])
        _log(
            actor=actor,
            action="subject_request.decide",
            request_id=request.pk,
            consultations=[consultation],
            file=consultation.file.code,
            record_id=record_id,
            details={
                "ask": ask,
                "outcome": outcome,
                "ground": ground.code if ground else "",
                "reasons": reasons,
                "reasons_withheld": withhold,
                "decision": decision.pk,
            },
        )
    return consultation


def _desk_request(actor: Officer, request_id: Any, *, lock: bool = False) -> SubjectRequest:
    """Return a request of the desk's own agency, or 404."""
    require_desk(actor)
    try:
        pk = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFound() from None
    qs = SubjectRequest.objects.filter(pk=pk, agency_id=str(actor.agency_id))
    if lock:
        qs = qs.select_for_update(of=("self",))
    request = qs.select_related("agency").first()
    if request is None:
        raise NotFound()
    return request


def subject_request_answer(*, actor: Officer, request_id: Any) -> SubjectRequest:
    """Compose and issue the answer letter once every owner has decided (R-K1, R-K2).

    409 ``consultations_pending`` while an owner has not decided every ask; 409
    ``already_answered`` the second time. The letter of the BKA covers only data not stored
    covertly and says so, word for word the same whether covert data exist or not.
    """
    with transaction.atomic():
        request = _desk_request(actor, request_id, lock=True)
        if request.status == RequestStatus.ANSWERED:
            raise Conflict("Das Ersuchen ist bereits beantwortet.", code="already_answered")
        consultations = list(
            request.consultations.select_related("owner", "file").prefetch_related(
                "decisions__ground"
            )
        )
        if any(c.done_at is None for c in consultations):
            raise Conflict(
                "Noch haben nicht alle beteiligten Behörden entschieden.",
                code="consultations_pending",
            )
        now = timezone.now()
        request.answer_text = compose_letter(request, consultations, issued_at=now)
        request.answered_at = now
        request.answered_by = actor
        request.status = RequestStatus.ANSWERED
        request.save(update_fields=["answer_text", "answered_at", "answered_by", "status"])
        _log(
            actor=actor,
            action="subject_request.answer",
            request_id=request.pk,
            consultations=consultations,
            details={"scope": request.scope},
        )
    return request


def subject_request_challenge(*, actor: Officer, request_id: Any, data: Any) -> Challenge:
    """Record the applicant's challenge of a decision on an answered request (R-K4).

    ``kind``: ``objection`` (Widerspruch, default), decided by the owner of the consultation
    named (``challenge_decide``; the owner's ``subject_request`` item is opened again), or
    ``court_action`` (Klage), whose ruling the desk records (``challenge_ruling_record``); a
    court action names the consultation (400 ``required``).
    """
    shapes.check(CHALLENGE, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    unknown = sorted(k for k in data if k not in CHALLENGE.fields)
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
    with transaction.atomic():
        request = _desk_request(actor, request_id, lock=True)
        text = _text(data.get("text"), "text")
        if not text:
            raise _required("text", "Den Widerspruch wiedergeben.")
        kind = data.get("kind") or ChallengeKind.OBJECTION
        if kind not in ChallengeKind.values:
            detail = "Bekannt sind „objection“ (Widerspruch) und „court_action“ (Klage)."
            raise Invalid(detail, code="invalid_choice", fields={"kind": [detail]})
        consultation = None
        if data.get("consultation"):
            try:
                cid = uuid.UUID(str(data["consultation"]))
            except ValueError:
                cid = None
            consultation = (
                request.consultations.select_related("owner", "file").filter(pk=cid).first()
                if cid
                else None
            )
            if consultation is None:
                detail = "Keine Beteiligung dieses Ersuchens."
                raise Invalid(detail, code="invalid_choice", fields={"consultation": [detail]})
        elif kind == ChallengeKind.COURT_ACTION:
            raise _required(
                "consultation", "Die Beteiligung angeben, deren Entscheidung beklagt ist."
            )
        if request.status != RequestStatus.ANSWERED:
            raise Conflict("Erst nach der Antwort.", code="not_answered")
        challenge = Challenge.objects.create(
            request=request, consultation=consultation, kind=kind, text=text, recorded_by=actor
        )
        if consultation is not None and kind == ChallengeKind.OBJECTION:
            _item_reopen(consultation, challenge)
        _log(
            actor=actor,
            action="subject_request.challenge",
            request_id=request.pk,
            consultations=[consultation] if consultation else [],
            details={"challenge": str(challenge.pk), "kind": kind, "text": text},
        )
    return challenge


def challenge_payload(challenge: Challenge) -> dict[str, Any]:
    """Return a challenge and how it ended, as the desk and the owner see it."""
    ruling = None
    if challenge.kind == ChallengeKind.COURT_ACTION and challenge.decided_at is not None:
        ruling = {
            "court": challenge.court,
            "file_number": challenge.court_file_number,
            "date": challenge.ruling_date.isoformat() if challenge.ruling_date else None,
        }
    return {
        "id": str(challenge.pk),
        "kind": challenge.kind,
        "consultation": str(challenge.consultation_id) if challenge.consultation_id else None,
        "text": challenge.text,
        "recorded_by": challenge.recorded_by.username,
        "recorded_at": challenge.recorded_at,
        "outcome": challenge.outcome or None,
        "reasons": challenge.reasons,
        "decided_by": challenge.decided_by.username if challenge.decided_by else None,
        "decided_at": challenge.decided_at,
        "ruling": ruling,
        "deletion_ground": challenge.deletion_ground or None,
        "record_deleted": challenge.record_deleted,
    }


def _item_reopen(consultation: Consultation, challenge: Challenge) -> None:
    """Put an objection into the owner's ``subject_request`` item again, due anew (R-K4)."""
    item = (
        InboxItem.objects.select_for_update(of=("self",))
        .filter(kind=InboxKind.SUBJECT_REQUEST, subject_id=consultation.pk)
        .first()
    )
    if item is None:
        return
    now = timezone.now()
    item.payload = {
        **item.payload,
        "objection": {"challenge": str(challenge.pk), "text": challenge.text},
    }
    item.payload.pop("overdue", None)
    item.done_at = None
    item.due_at = now + datetime.timedelta(hours=settings.VERBUND_SUBJECT_REQUEST_DUE_HOURS)
    item.save(update_fields=["payload", "done_at", "due_at"])


def _default_ground(request: SubjectRequest) -> str:
    """The tombstone ground of a deletion: the ground the applicant invoked, else
    ``not_necessary``."""
    invoked = request.deletion_ground
    return invoked if invoked in DeletionGround.values else DeletionGround.NOT_NECESSARY


def _check_legal_basis(
    actor: Officer, consultation: Consultation, *, refusal: bool, ground: str, field: str
) -> None:
    """Apply the legal-basis gate to a decision on a deletion (R-M5).

    While the record is stored without a legal basis, a deletion asked on that ground must be
    granted (a refusal → 422 ``deletion_required``). Once the basis carries entries (the
    ordinance in force), that ground no longer applies: a deletion on it → 422
    ``legal_basis_in_force`` (the owner may delete on another ground or refuse with reasons).
    """
    if consultation.record_id is None:
        return
    invoked = consultation.request.deletion_ground == InvokedGround.NO_LEGAL_BASIS
    if not (ground == DeletionGround.NO_LEGAL_BASIS and not refusal) and not (refusal and invoked):
        return
    record = access_record(actor, consultation.record_id, "view")
    without = stored_without_legal_basis(record)
    if refusal and invoked and without:
        detail = (
            "Der Datensatz ist ohne Rechtsgrundlage gespeichert (die erforderliche "
            "Rechtsverordnung ist nicht in Kraft). Die auf diesen Grund gestützte Löschung "
            "ist zu gewähren; eine Ablehnung ist nicht möglich."
        )
        raise Refused(detail, code="deletion_required", fields={field: [detail]})
    if not refusal and ground == DeletionGround.NO_LEGAL_BASIS and not without:
        detail = (
            "Die Speicherung hat eine Rechtsgrundlage (die Rechtsverordnung ist in Kraft); "
            "der Löschgrund „fehlende Rechtsgrundlage“ trifft nicht mehr zu. Einen anderen "
            "Löschgrund angeben oder mit Gründen ablehnen."
        )
        raise Refused(detail, code="legal_basis_in_force", fields={"deletion_ground": [detail]})


def _lock_challenge_for_owner(actor: Officer, challenge_id: Any) -> Challenge:
    """Lock a challenge of a consultation the caller's agency owns (as ``_lock_consultation``)."""
    pk = owner_pk(actor, challenge_id)
    challenge = (
        Challenge.objects.select_for_update(of=("self",))
        .filter(
            pk=pk,
            consultation__owner_id=actor.agency_id,
            consultation__file__in=authorised_files(actor),
        )
        .select_related("request", "consultation__owner", "consultation__file", "recorded_by")
        .first()
    )
    if challenge is None:
        raise NotFound()
    return challenge


def _check_body(shape: shapes.Obj, data: Any) -> dict[str, Any]:
    shapes.check(shape, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    unknown = sorted(k for k in data if k not in shape.fields)
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
    return data


def _outcome(kind: str, value: Any) -> str:
    if value in (None, ""):
        raise _required("outcome", "Ergebnis angeben.")
    allowed = CHALLENGE_OUTCOMES[kind]
    if value not in allowed:
        detail = "Möglich sind: " + ", ".join(allowed) + "."
        raise Invalid(detail, code="invalid_choice", fields={"outcome": [detail]})
    return str(value)


def challenge_decide(*, actor: Officer, challenge_id: Any, data: Any) -> Challenge:
    """The owner decides an objection (Widerspruch) against its decision (R-K4).

    ``outcome``: ``rejected`` or ``upheld``, always with ``reasons`` (400 naming
    ``reasons``). Authorised as the owner's decisions (``consultation_decide``): the owner's
    officers of the file; a § 15 BVerfSchG agency's rejection by the head (403 ``not_head``).
    Upholding an objection against a refused deletion deletes the record through
    ``record_delete`` (``deletion_ground``, default the ground the applicant invoked, else
    ``not_necessary``; the legal-basis gate applies). Rejecting an objection against a
    deletion asked for lack of a legal basis while the record has none → 422
    ``deletion_required``. Not an objection → 409 ``not_an_objection``; decided →
    409 ``already_decided``; anybody but the owner's officers → 404. Atomic, logged
    (``subject_request.challenge_decide``).
    """
    _check_body(CHALLENGE_DECISION, data)
    with transaction.atomic():
        challenge = _lock_challenge_for_owner(actor, challenge_id)
        consultation = challenge.consultation
        assert consultation is not None
        if challenge.kind != ChallengeKind.OBJECTION:
            raise Conflict(
                "Über eine Klage entscheidet das Gericht; die Auskunftsstelle erfasst das Urteil.",
                code="not_an_objection",
            )
        outcome = _outcome(ChallengeKind.OBJECTION, data.get("outcome"))
        reasons = _text(data.get("reasons"), "reasons")
        if not reasons:
            raise _required("reasons", "Gründe angeben.")
        refused_deletion = consultation.decisions.filter(
            ask=Ask.DELETION, outcome=Outcome.REFUSE
        ).exists()
        deletes = (
            outcome == ChallengeOutcome.UPHELD
            and refused_deletion
            and consultation.record_id is not None
        )
        if data.get("deletion_ground") not in (None, "") and not deletes:
            detail = (
                "Ein Löschgrund gehört nur zu einem stattgegebenen Widerspruch gegen eine "
                "abgelehnte Löschung eines noch gespeicherten Datensatzes."
            )
            raise Invalid(detail, code="not_allowed", fields={"deletion_ground": [detail]})
        ground = data.get("deletion_ground") or _default_ground(challenge.request)
        if ground not in DeletionGround.values or ground == DeletionGround.DELETION_DATE:
            detail = "Unbekannter Löschgrund."
            raise Invalid(detail, code="invalid_choice", fields={"deletion_ground": [detail]})
        if challenge.decided_at is not None:
            raise Conflict("Über den Widerspruch ist bereits entschieden.", code="already_decided")
        if outcome == ChallengeOutcome.REJECTED and applies_s15(consultation.owner):
            if not actor.is_head:
                raise Forbidden(
                    "Über den Widerspruch entscheidet die Behördenleitung oder ein von ihr "
                    "besonders beauftragter Mitarbeiter.",
                    code="not_head",
                )
        if refused_deletion:
            _check_legal_basis(
                actor,
                consultation,
                refusal=outcome == ChallengeOutcome.REJECTED,
                ground=ground if deletes else "",
                field="outcome",
            )
        record_id = consultation.record_id
        if deletes:
            # R-L5: the one way every deletion goes; decisions and log rows stay.
            record_delete(actor=actor, record_id=record_id, reason=reasons, ground=ground)
            consultation.record = None
            challenge.deletion_ground = ground
            challenge.record_deleted = True
        now = timezone.now()
        _challenge_close(challenge, actor=actor, outcome=outcome, reasons=reasons, at=now)
        item = (
            InboxItem.objects.select_for_update(of=("self",))
            .filter(kind=InboxKind.SUBJECT_REQUEST, subject_id=consultation.pk)
            .first()
        )
        if item is not None and (item.payload.get("objection") or {}).get("challenge") == str(
            challenge.pk
        ):
            item.payload = {
                **item.payload,
                "objection": {**item.payload["objection"], "outcome": outcome},
            }
            item.done_at = now
            item.save(update_fields=["payload", "done_at"])
        _log(
            actor=actor,
            action="subject_request.challenge_decide",
            request_id=challenge.request_id,
            consultations=[consultation],
            file=consultation.file.code,
            record_id=record_id if deletes else None,
            details={
                "challenge": str(challenge.pk),
                "kind": challenge.kind,
                "outcome": outcome,
                "reasons": reasons,
                "record_deleted": deletes,
                "deletion_ground": ground if deletes else "",
            },
        )
    return challenge


def challenge_ruling_record(*, actor: Officer, challenge_id: Any, data: Any) -> Challenge:
    """The desk records the court's ruling on a court action (Klage) (R-K4, R-M5, R-L5).

    ``court``, ``file_number``, ``date`` (ISO, not in the future), ``outcome``
    (``deletion_ordered`` or ``dismissed``) and ``reasons`` are required; a deletion order
    states its ``deletion_ground`` (``no_legal_basis`` or ``unlawful``). A deletion order
    forces the deletion of the record, whatever the owner decided and even if the record is
    blocked (the court's order replaces the owner's decision): it is erased through
    ``record_erase`` (data, keys, hits, covert-hit data, pending requests), the log rows and
    the recorded decisions stay, the consultation keeps the file number. A record deleted
    before: the ruling is recorded, nothing else is deleted. Not a court action → 409
    ``not_a_court_action``; recorded before → 409 ``already_decided``; another agency's
    challenge → 404; anybody but a desk → 403. Atomic, logged (``subject_request.court_ruling``
    with the owner's refusal, if any, and ``record.delete`` with the tombstone).
    """
    require_desk(actor)
    _check_body(COURT_RULING, data)
    try:
        pk = uuid.UUID(str(challenge_id))
    except ValueError:
        raise NotFound() from None
    with transaction.atomic():
        challenge = (
            Challenge.objects.select_for_update(of=("self",))
            .filter(pk=pk, request__agency_id=str(actor.agency_id))
            .select_related("request", "consultation__owner", "consultation__file")
            .first()
        )
        if challenge is None:
            raise NotFound()
        if challenge.kind != ChallengeKind.COURT_ACTION:
            raise Conflict(
                "Über einen Widerspruch entscheidet die speichernde Behörde.",
                code="not_a_court_action",
            )
        court = _text(data.get("court"), "court")
        if not court:
            raise _required("court", "Gericht angeben.")
        number = _text(data.get("file_number"), "file_number")
        if not number:
            raise _required("file_number", "Aktenzeichen des Gerichts angeben.")
        raw_date = data.get("date")
        if raw_date in (None, ""):
            raise _required("date", "Datum der Entscheidung angeben.")
        try:
            day = datetime.date.fromisoformat(str(raw_date))
        except ValueError:
            detail = "Datum als JJJJ-MM-TT angeben."
            raise Invalid(detail, code="invalid_date", fields={"date": [detail]}) from None
        if day > timezone.localdate():
            detail = "Das Datum der Entscheidung liegt nicht in der Zukunft."
            raise Invalid(detail, code="invalid_date", fields={"date": [detail]})
        outcome = _outcome(ChallengeKind.COURT_ACTION, data.get("outcome"))
        reasons = _text(data.get("reasons"), "reasons")
        if not reasons:
            raise _required("reasons", "Die wesentlichen Gründe des Gerichts angeben.")
        ground = data.get("deletion_ground") or ""
        if outcome == ChallengeOutcome.DELETION_ORDERED:
            if not ground:
                raise _required("deletion_ground", "Den Löschgrund des Urteils angeben.")
            if ground not in RULING_GROUNDS:
                detail = "Bekannt sind „no_legal_basis“ und „unlawful“."
                raise Invalid(detail, code="invalid_choice", fields={"deletion_ground": [detail]})
        elif ground:
            detail = "Ein Löschgrund gehört nur zu einer angeordneten Löschung."
            raise Invalid(detail, code="not_allowed", fields={"deletion_ground": [detail]})
        if challenge.decided_at is not None:
            raise Conflict("Das Urteil ist bereits erfasst.", code="already_decided")
        consultation = challenge.consultation
        assert consultation is not None
        record_id = consultation.record_id
        refused = list(
            consultation.decisions.filter(outcome=Outcome.REFUSE).values_list("ask", flat=True)
        )
        deleted = False
        if outcome == ChallengeOutcome.DELETION_ORDERED and record_id is not None:
            # The court's order binds the owner (R-K4): no owner check, no blocking check.
            # The row lock as in ``record_delete``; the chain lock last (``record_erase``).
            record = record_ordered_deleted(record_id)
            if record is not None:
                reason = f"Gerichtliche Anordnung: {court}, Az. {number}, {day.isoformat()}"
                record_erase(record=record, actor=actor, reason=reason, ground=ground)
                consultation.record = None
                deleted = True
        challenge.court = court
        challenge.court_file_number = number
        challenge.ruling_date = day
        challenge.deletion_ground = ground
        challenge.record_deleted = deleted
        _challenge_close(
            challenge,
            actor=actor,
            outcome=outcome,
            reasons=reasons,
            at=timezone.now(),
            more=("court", "court_file_number", "ruling_date"),
        )
        _log(
            actor=actor,
            action="subject_request.court_ruling",
            request_id=challenge.request_id,
            consultations=[consultation],
            file=consultation.file.code,
            record_id=record_id,
            details={
                "challenge": str(challenge.pk),
                "court": court,
                "file_number": number,
                "date": day.isoformat(),
                "outcome": outcome,
                "reasons": reasons,
                "deletion_ground": ground,
                "record_deleted": deleted,
                "owner_refused": refused,
            },
        )
    return challenge


def subject_request_log_read(*, actor: Officer, request: SubjectRequest) -> None:
    """Log a request shown to its desk (R-I1): the applicant's data are personal data."""
    consultations = list(request.consultations.select_related("owner"))
    _log(
        actor=actor,
        action="subject_request.read",
        request_id=request.pk,
        consultations=consultations,
    )


def subject_requests_remind(*, now: datetime.datetime | None = None) -> int:
    """Mark and log every overdue, undecided consultation once (R-L6); return how many.

    The open ``subject_request`` item gets ``"overdue": true`` and ``"reminded_at"``; a
    ``duty.reminder`` row is logged for the owner (a covert record in the covert column
    only). Idempotent, safe beside decisions (``skip_locked``).
    """
    moment = now or timezone.now()
    with transaction.atomic():
        items = list(
            InboxItem.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(kind=InboxKind.SUBJECT_REQUEST, done_at__isnull=True, due_at__lt=moment)
            .exclude(payload__has_key="overdue")
            .select_related("agency", "file")
            .order_by("due_at", "pk")
        )
        if not items:
            return 0
        for item in items:
            item.payload = {**item.payload, "overdue": True, "reminded_at": moment.isoformat()}
        InboxItem.objects.bulk_update(items, ["payload"])
        consultations = {
            c.pk: c
            for c in Consultation.objects.filter(
                pk__in=[i.subject_id for i in items]
            ).select_related("owner")
        }
        for item in items:
            consultation = consultations.get(item.subject_id) if item.subject_id else None
            if consultation is None:
                continue
            ref = {
                **consultation_ref(consultation),
                "inbox_item": str(item.pk),
                "kind": InboxKind.SUBJECT_REQUEST.value,
            }
            covert = consultation.storage == Storage.COVERT
            log_event(
                actor=None,
                agency=item.agency,
                action="duty.reminder",
                object_type="inbox_item",
                object_id="" if covert else str(item.pk),
                file=item.file.code,
                references=[] if covert else [ref],
                covert=[ref] if covert else [],
                details={"duty": "subject_request", "reminded_at": moment.isoformat()},
            )
    return len(items)
