"""Red Notices: receipt, review, and the gate every use passes (R-N2, 000 Q5).

Receipt (``notice_receive``; API ``POST /api/v1/red-notices/`` and ``manage.py
import_red_notices``): the BKA is Interpol's national central bureau in Germany (§ 3 BKAG),
so only BKA officers (analysts and heads, not the subject desk or IT operations) record an
incoming notice. Every notice starts ``in_review`` whatever its country; nothing is
accepted automatically (000 Q5). A notice is one row per Interpol reference and version:
delivered twice — even at the same moment — it stays one row (the unique constraint
decides, the loser reads the winner's row); a new version is a new row in review, which
reopens the review of that notice: an older version is no longer accepted for any use
(``require_accepted``).

Review (``notice_decide``): a BKA head (``head``: the authority's head or the specially
authorised senior officer) decides against the checklist catalogue (``NoticeCriterion``):
every active criterion answered ``met`` or ``not_met``, reasons always. A notice with a
criterion not met cannot be accepted (422 ``criterion_not_met``): the catalogue lists what
rules a notice out, such as politically motivated prosecution. Decided once: the row is
locked, a second decision is 409 ``already_decided``. The checklist is stored with each
criterion's text and source as they stood, so a later catalogue change does not rewrite a
past review.

Validation uses the project's own helpers, no new library: the partial birth dates of
``verbund.dates`` (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, as foreign lists give them, through
``record_rules.parse_birth_date``), ISO 3166-1 alpha-2 country codes as the record rules
check them (two capital letters, ``invalid_country``), ``clean_text`` for free text.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Officer, Role
from audit.services import log_event
from international.models import NoticeCriterion, NoticeStatus, RedNotice
from verbund.dates import parse_iso_date
from verbund.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Refused
from verbund.services.record_rules import _Collector, clean_text, parse_birth_date

# Interpol's national central bureau in Germany (§ 3 BKAG): the agency that receives and
# reviews incoming notices.
NCB_AGENCY = "BKA"
RECEIVING_ROLES = frozenset({Role.ANALYST, Role.HEAD})
DECIDING_ROLES = frozenset({Role.HEAD})
# An Interpol notice control number, e.g. ``A-1234/5-2024`` (A-number / sequence - year).
REFERENCE = re.compile(r"A-[0-9]{1,6}/[0-9]{1,3}-[0-9]{4}", re.ASCII)
COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
ANSWERS = ("met", "not_met")
NOTICE_FIELDS = frozenset(
    {"interpol_reference", "version", "country", "issued_on", "subject", "offence"}
)
SUBJECT_FIELDS = frozenset({"surname", "given_names", "date_of_birth"})
MAX_VERSION = 1000
REASONS_MAX = 4000

# The seeded checklist (000 Q5): the one concern the seeds name. Administrators add further
# criteria, each with its source (admin of ``NoticeCriterion``).
SEEDED_CRITERIA = [
    {
        "code": "political_prosecution",
        "text": "Politisch motivierte Strafverfolgung ist ausgeschlossen.",
        "source": "Antwort der Bundesregierung auf die Kleine Anfrage, Drucksache 21/4196, "
        "zu Frage 5: alle eingehenden Red Notices werden unabhängig vom Herkunftsland geprüft",
    }
]


def notice_criteria_ensure() -> None:
    """Seed the checklist catalogue idempotently (called by ``reference_data_ensure``)."""
    for item in SEEDED_CRITERIA:
        NoticeCriterion.objects.get_or_create(
            code=item["code"], defaults={"text": item["text"], "source": item["source"]}
        )


# ---------------------------------------------------------------------------- who may


def _is_officer(actor: Any) -> bool:
    return isinstance(actor, Officer) and actor.agency_id is not None and not actor.foreign


def may_read(actor: Any) -> bool:
    """Officers of every agency (analysts, heads) may read notices: they cite accepted ones."""
    return _is_officer(actor) and actor.role in RECEIVING_ROLES


def may_receive(actor: Any) -> bool:
    """The BKA, as national central bureau, records incoming notices."""
    return may_read(actor) and actor.agency.code == NCB_AGENCY


def may_decide(actor: Any) -> bool:
    """A BKA head decides the review."""
    return may_receive(actor) and actor.role in DECIDING_ROLES


def _require(allowed: bool, detail: str) -> None:
    if not allowed:
        raise Forbidden(detail, code="forbidden")


def require_receiver(actor: Any) -> None:
    """403 for anyone but the BKA's officers (the national central bureau)."""
    _require(may_receive(actor), "Red Notices nimmt das BKA als Nationales Zentralbüro an.")


def require_decider(actor: Any) -> None:
    """403 for anyone but a BKA head."""
    _require(may_decide(actor), "Über Red Notices entscheidet die Leitung des BKA.")


def require_reader(actor: Any) -> None:
    """403 for supervisors, IT operations, the subject desk and foreign accounts."""
    _require(may_read(actor), "Nur für Bedienstete teilnehmender Behörden.")


# ---------------------------------------------------------------------------- receipt


@dataclass(frozen=True)
class NoticeInput:
    interpol_reference: str
    version: int
    country: str
    issued_on: Any
    subject: dict[str, str]
    offence: str


def notice_validate(data: Any) -> NoticeInput:
    """Return a notice's checked values; 400 naming every bad field otherwise."""
    if not isinstance(data, dict):
        raise Invalid("JSON-Objekt erwartet.", code="invalid")
    errors = _Collector()
    for key in sorted(k for k in data if k not in NOTICE_FIELDS):
        errors.add(str(key), "unknown_field", "Unbekanntes Feld.")
    reference = data.get("interpol_reference")
    if reference in (None, ""):
        errors.add("interpol_reference", "required", "Interpol-Aktenzeichen angeben.")
    elif not isinstance(reference, str) or not REFERENCE.fullmatch(reference.strip()):
        errors.add(
            "interpol_reference",
            "invalid_reference",
            "Aktenzeichen der Form A-1234/5-2024 erwartet.",
        )
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        errors.add("version", "invalid_version", f"Ganze Zahl von 1 bis {MAX_VERSION} erwartet.")
    country = data.get("country")
    if country in (None, ""):
        errors.add("country", "required", "Ausschreibenden Staat angeben.")
    elif not isinstance(country, str) or not COUNTRY.fullmatch(country):
        errors.add("country", "invalid_country", "Ländercode nach ISO 3166 (zwei Buchstaben).")
    issued = data.get("issued_on")
    issued_on = None
    if issued not in (None, ""):
        try:
            issued_on = parse_iso_date(issued) if isinstance(issued, str) else None
        except ValueError:
            issued_on = None
        if issued_on is None or issued_on > timezone.localdate():
            errors.add("issued_on", "invalid_date", "Datum im Format JJJJ-MM-TT erwartet.")
    offence = data.get("offence") or ""
    offence = clean_text(offence, "offence", errors, max_len=4000) or ""
    subject = _subject(data.get("subject"), errors)
    errors.raise_if_any()
    return NoticeInput(
        interpol_reference=str(reference).strip(),
        version=int(version),
        country=str(country),
        issued_on=issued_on,
        subject=subject,
        offence=offence,
    )


def _subject(value: Any, errors: _Collector) -> dict[str, str]:
    if value is None:
        errors.add("subject", "required", "Gesuchte Person angeben.")
        return {}
    if not isinstance(value, dict):
        errors.add("subject", "invalid", "Objekt erwartet.")
        return {}
    out: dict[str, str] = {}
    for key in sorted(k for k in value if k not in SUBJECT_FIELDS):
        errors.add(f"subject.{key}", "unknown_field", "Unbekanntes Feld.")
    for key in ("surname", "given_names"):
        if value.get(key) not in (None, ""):
            text = clean_text(value[key], f"subject.{key}", errors, max_len=200)
            if text:
                out[key] = text
    if "surname" not in out and value.get("surname") in (None, ""):
        errors.add("subject.surname", "required", "Familienname angeben.")
    if value.get("date_of_birth") not in (None, ""):
        born = parse_birth_date(value["date_of_birth"], "subject.date_of_birth", errors)
        if born:
            out["date_of_birth"] = born
    return out


def notice_receive(*, actor: Officer | None, data: Any) -> tuple[RedNotice, bool]:
    """Record an incoming notice in review; return it and whether it was new.

    The same reference and version delivered again returns the stored row unchanged
    (``created`` False) and logs the repeated delivery; ``actor`` None is the import
    command run without an officer.
    """
    if actor is not None:
        require_receiver(actor)
    clean = notice_validate(data)
    try:
        with transaction.atomic():
            notice = RedNotice(
                interpol_reference=clean.interpol_reference,
                version=clean.version,
                country=clean.country,
                issued_on=clean.issued_on,
                subject=clean.subject,
                offence=clean.offence,
                received_by=actor,
                status=NoticeStatus.IN_REVIEW,
            )
            notice.save(force_insert=True)
            # A new version reopens the review: the older versions no longer pass the gate.
            older = RedNotice.objects.filter(
                interpol_reference=clean.interpol_reference, version__lt=clean.version
            ).values_list("version", flat=True)
            _log(actor, "red_notice.receive", notice, {"supersedes": sorted(older)})
            return notice, True
    except IntegrityError:
        # A concurrent or earlier delivery of the same reference and version won; the
        # unique constraint waited for its commit, so its row is visible now.
        pass
    with transaction.atomic():
        notice = RedNotice.objects.get(
            interpol_reference=clean.interpol_reference, version=clean.version
        )
        _log(actor, "red_notice.receive", notice, {"repeated": True}, outcome="duplicate")
    return notice, False


def _log(
    actor: Officer | None,
    action: str,
    notice: RedNotice,
    details: dict[str, Any],
    outcome: str = "ok",
) -> None:
    log_event(
        actor=actor,
        action=action,
        object_type="red_notice",
        object_id=str(notice.pk),
        details={
            "interpol_reference": notice.interpol_reference,
            "version": notice.version,
            "country": notice.country,
            "status": notice.status,
            **details,
        },
        outcome=outcome,
    )


# ---------------------------------------------------------------------------- reading


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def notices_for(actor: Any, *, status: str = "", country: str = "") -> Any:
    """The notices an officer may read, newest first, optionally filtered."""
    require_reader(actor)
    rows = RedNotice.objects.select_related("received_by", "decided_by")
    if status:
        rows = rows.filter(status=status)
    if country:
        rows = rows.filter(country=country)
    return rows.order_by("-received_at", "interpol_reference", "-version")


def notice_get(actor: Any, notice_id: Any) -> RedNotice:
    """One notice; 404 for an id that is none."""
    rows = notices_for(actor)
    pk = _uuid(notice_id)
    found = rows.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound("Unbekannte Red Notice.", code="not_found")
    return found


def notices_log_view(actor: Any, notices: list[RedNotice], action: str) -> None:
    """Log the notices shown to an officer (their subjects are personal data, R-I1)."""
    if not notices:
        return
    with transaction.atomic():
        log_event(
            actor=actor,
            action=action,
            object_type="red_notice",
            object_id=str(notices[0].pk) if len(notices) == 1 else "",
            details={"notices": [str(n.pk) for n in notices]},
        )


def newer_version(notice: RedNotice) -> int | None:
    """The newest version above this one, if a newer one arrived (it reopened the review)."""
    newest = (
        RedNotice.objects.filter(
            interpol_reference=notice.interpol_reference, version__gt=notice.version
        )
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return newest


def active_criteria() -> list[NoticeCriterion]:
    return list(NoticeCriterion.objects.filter(active=True).order_by("created_at", "code"))


# ---------------------------------------------------------------------------- decision


def notice_decide(
    *, actor: Officer, notice_id: Any, accept: Any, reasons: Any, checklist: Any
) -> RedNotice:
    """Accept or reject a notice in review after the checklist (R-N2)."""
    require_decider(actor)
    errors = _Collector()
    if not isinstance(accept, bool):
        errors.add("accept", "required", "Annehmen oder ablehnen (true/false) angeben.")
    text = None
    if reasons in (None, ""):
        errors.add("reasons", "required", "Gründe angeben.")
    else:
        text = clean_text(reasons, "reasons", errors, max_len=REASONS_MAX)
        if text == "":
            errors.add("reasons", "required", "Gründe angeben.")
    criteria = {c.code: c for c in active_criteria()}
    answers: dict[str, str] = {}
    if checklist is None:
        checklist = {}
    if not isinstance(checklist, dict):
        errors.add("checklist", "invalid", "Objekt erwartet.")
        checklist = {}
    for code in sorted(str(k) for k in checklist):
        if code not in criteria:
            errors.add(f"checklist.{code}", "unknown_criterion", "Kein Kriterium des Katalogs.")
        elif checklist[code] not in ANSWERS:
            errors.add(f"checklist.{code}", "invalid_choice", "Zulässig: met, not_met.")
        else:
            answers[code] = checklist[code]
    for code in criteria:
        if code not in checklist:
            errors.add(f"checklist.{code}", "checklist_incomplete", "Kriterium beantworten.")
    errors.raise_if_any()
    with transaction.atomic():
        pk = _uuid(notice_id)
        notice = (
            RedNotice.objects.select_for_update(of=("self",)).filter(pk=pk).first()
            if pk is not None
            else None
        )
        if notice is None:
            raise NotFound("Unbekannte Red Notice.", code="not_found")
        if notice.status != NoticeStatus.IN_REVIEW:
            raise Conflict("Über diese Red Notice ist bereits entschieden.", code="already_decided")
        newer = newer_version(notice)
        if newer is not None:
            # A newer version reopened the review (R-N2): it is the one to decide.
            raise Conflict(
                f"Eine neuere Fassung (Version {newer}) liegt vor; geprüft wird diese.",
                code="notice_superseded",
            )
        failed = sorted(code for code, answer in answers.items() if answer != "met")
        if accept and failed:
            detail = (
                "Ein Prüfkriterium ist nicht erfüllt: die Red Notice kann nicht angenommen werden."
            )
            raise Refused(
                detail,
                code="criterion_not_met",
                fields={f"checklist.{code}": [detail] for code in failed},
            )
        notice.status = NoticeStatus.ACCEPTED if accept else NoticeStatus.REJECTED
        notice.checklist = {
            code: {
                "answer": answer,
                "text": criteria[code].text,
                "source": criteria[code].source,
            }
            for code, answer in answers.items()
        }
        notice.reasons = text or ""
        notice.decided_by = actor
        notice.decided_at = timezone.now()
        notice.save(update_fields=["status", "checklist", "reasons", "decided_by", "decided_at"])
        _log(
            actor,
            "red_notice.decide",
            notice,
            {"checklist": answers, "reasons": notice.reasons},
            outcome=notice.status,
        )
    return notice


# ---------------------------------------------------------------------------- the gate


def require_accepted(*, notice_id: Any, field: str = "red_notice") -> RedNotice:
    """Return the notice if it was accepted after review, the gate of every use (R-N2).

    Only an accepted notice may be a search purpose, an entry's source or forwarded; a
    notice in review or rejected is 422 ``notice_not_accepted`` (it still serves statistics
    and audit). So is an accepted version a newer version has superseded: the new version
    reopened the review. An id that is not a notice is 400 ``unknown_notice`` naming
    ``field``. Notices are not covert data: every officer may cite one by id.
    """
    pk = _uuid(notice_id)
    notice = RedNotice.objects.filter(pk=pk).first() if pk is not None else None
    if notice is None:
        detail = "Unbekannte Red Notice."
        raise Invalid(detail, code="unknown_notice", fields={field: [detail]})
    if notice.status != NoticeStatus.ACCEPTED:
        detail = "Die Red Notice ist nicht nach Prüfung angenommen."
        raise Refused(detail, code="notice_not_accepted", fields={field: [detail]})
    if newer_version(notice) is not None:
        detail = "Eine neuere Fassung der Red Notice ist in Prüfung oder entschieden."
        raise Refused(detail, code="notice_not_accepted", fields={field: [detail]})
    return notice


# ---------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """Per row of an import: created, already there, or rejected with code and fields."""

    rows: list[dict[str, Any]]

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["result"] == "rejected"]


def notices_import(*, actor: Officer | None, rows: Any) -> ImportReport:
    """Receive every notice of a JSON list, each on its own (all or nothing per notice).

    A rejected row leaves nothing behind; the others are received all the same.
    """
    if not isinstance(rows, list):
        raise Invalid("Eine JSON-Liste von Red Notices erwartet.", code="invalid")
    if actor is not None:
        require_receiver(actor)
    report = ImportReport(rows=[])
    for number, row in enumerate(rows, start=1):
        try:
            notice, created = notice_receive(actor=actor, data=row)
        except DomainError as exc:
            report.rows.append(
                {
                    "row": number,
                    "result": "rejected",
                    "code": exc.code,
                    "detail": exc.detail,
                    "fields": exc.fields,
                }
            )
        else:
            report.rows.append(
                {
                    "row": number,
                    "result": "created" if created else "existing",
                    "id": str(notice.pk),
                    "reference": str(notice),
                }
            )
    return report
