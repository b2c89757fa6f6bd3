"""Review and deletion dates of records, and the rules that supply them (R-L4a, R-A1, R-H1).

ATD (R-L4a, R-A1): a record stores the review and deletion dates of its source data under
the owner's law; the ATD order sets no periods. Dates the owner does not give come from
the rule its agency configured for the file (``DateRule``, citing its provision), by age
group at the last event and counted from the last event (``extended.last_event_date``,
else the entry date). Without a rule the record is listed for review at once: review date
today, deletion date at the cap, and a ``review_due`` item opened in the same transaction.

GWS: dates come from the review periods and storage durations of the order version in
force (``current_order``), by age group at the last event (a GWS record holds no event
date: the entry date), and are worked out anew when the order version or the birth date
changes (``record_update``; ``gws_dates_recompute`` for a new order version, run by the
daily sweep). A date the owner gives may not pass the order's storage duration.

Project decision, from outside the seeds and to be verified before relying on it
(``MAX_STORAGE_MONTHS``): no configured period — rule or order — exceeds 10 years for
adults, 5 for juveniles, 2 for children, counted from the last event; no stored deletion
date lies beyond that cap either.

Only the owner sets dates (R-H1): the record services reach this module after the owner
check.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Officer, Role
from audit.services import log_event
from verbund.access.logging import log_record
from verbund.errors import Forbidden, Invalid
from verbund.models import EstablishmentOrder, File, Record
from verbund.models.lifecycle import AGE_GROUPS, MAX_STORAGE_MONTHS, DateRule, DatesSource
from verbund.models.records import RecordStatus
from verbund.services import shapes

DATE_FIELDS = ("review_date", "deletion_date")
PROVISION_MAX = 300


class ErrorSink(Protocol):
    """Where field errors go (``record_rules._Collector``, ``RaiseAtOnce``)."""

    def add(self, path: str, code: str, detail: str, kind: Any = ...) -> None: ...


@dataclass(frozen=True)
class Int(shapes.Shape):
    """A JSON integer (not a float, not a text, not true/false)."""

    code: str = "invalid"

    def check(self, value: Any, path: str, errors: shapes.Errors) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            errors.add(path, "Ganze Zahl erwartet.", self.code)


MONTHS = shapes.Obj({group: Int() for group in AGE_GROUPS})
DATE_RULE = shapes.Obj(
    {
        "file": shapes.Text(max_len=40),
        "provision": shapes.Text(max_len=PROVISION_MAX),
        "review_months": MONTHS,
        "storage_months": MONTHS,
        "valid_from": shapes.Text(max_len=40, code="invalid_date"),
    }
)


# ---------------------------------------------------------------------------- arithmetic


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``day`` plus ``months`` calendar months (negative: back).

    The same day of the month, or the month's last day where it has fewer days (31 January
    plus one month is 28 or 29 February): never past the period, never short of it.
    """
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_event(extended: Mapping[str, Any] | None, entered: datetime.date) -> datetime.date:
    """Return the last event justifying storage: the stored event date, else the entry date."""
    value = (extended or {}).get("last_event_date")
    return datetime.date.fromisoformat(value) if value else entered


def age_group(basic: Mapping[str, Any] | None, on: datetime.date) -> str:
    """Return ``adult``, ``juvenile`` (14-17) or ``child`` (under 14) at ``on``.

    A partial birth date counts from its last possible day (the youngest age: the shorter
    storage period).
    """
    from verbund.services.record_rules import birth_range

    dob = (basic or {}).get("date_of_birth")
    if not dob:
        return "adult"
    _first, born, _precision = birth_range(dob)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < 14:
        return "child"
    if age < 18:
        return "juvenile"
    return "adult"


def cap_date(start: datetime.date, group: str) -> datetime.date:
    """Return the latest deletion date the project cap allows (``MAX_STORAGE_MONTHS``)."""
    return add_months(start, MAX_STORAGE_MONTHS[group])


def _months(periods: Mapping[str, Any], group: str) -> int:
    value = periods.get(group, periods.get("adult"))
    return int(value) if value else MAX_STORAGE_MONTHS[group]


def period_dates(
    review_months: Mapping[str, Any],
    storage_months: Mapping[str, Any],
    start: datetime.date,
    group: str,
) -> tuple[datetime.date, datetime.date]:
    """Return review and deletion date of a rule or order's periods, capped by the project cap."""
    storage = min(_months(storage_months, group), MAX_STORAGE_MONTHS[group])
    review = min(_months(review_months, group), storage)
    return add_months(start, review), add_months(start, storage)


def rule_in_force(owner_id: Any, file: File, on: datetime.date | None = None) -> DateRule | None:
    """Return the owner's rule for the file in force ``on`` (today): latest ``valid_from``."""
    day = on or timezone.localdate()
    return (
        DateRule.objects.filter(agency_id=owner_id, file=file, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


def _order_periods(order: EstablishmentOrder | None) -> bool:
    return bool(order is not None and order.storage_months)


# ---------------------------------------------------------------------------- working out


@dataclass(frozen=True)
class WorkedDates:
    """A record's dates and where they come from (R-L4a)."""

    review_date: datetime.date
    deletion_date: datetime.date
    source: str
    rule: DateRule | None
    order: EstablishmentOrder | None
    # No rule supplied a missing date: the record is listed for review at once.
    review_at_once: bool = False


def _stored_computed(
    record: Record, start: datetime.date, group: str
) -> tuple[datetime.date, datetime.date] | None:
    """Return what the record's rule or order gives for its stored inputs (None: no source)."""
    if record.dates_source == DatesSource.RULE and record.dates_rule is not None:
        rule = record.dates_rule
        return period_dates(rule.review_months, rule.storage_months, start, group)
    if record.dates_source == DatesSource.ORDER and _order_periods(record.dates_order):
        order = record.dates_order
        assert order is not None
        return period_dates(order.review_months, order.storage_months, start, group)
    return None


def _kept(
    record: Record,
    *,
    start: datetime.date,
    group: str,
    order: EstablishmentOrder | None,
) -> dict[str, datetime.date]:
    """Return the stored dates a change leaves as they are (R-L4a).

    The owner's dates stay. Dates its rule or the order supplied stay while what they were
    worked out from stays; when the last event, the age group or (GWS) the order version
    changes, a date equal to what the old source gave for the old inputs is worked out anew.
    A record without a rule keeps its dates: its open review asks the owner for them.
    """
    stored = {"review_date": record.review_date, "deletion_date": record.deletion_date}
    if record.dates_source in (DatesSource.OWNER, DatesSource.NONE):
        return stored
    entered = timezone.localdate(record.created_at)
    old_start = last_event(record.extended, entered) if record.file.is_atd else entered
    old_group = age_group(record.basic, old_start)
    order_changed = not record.file.is_atd and (
        order is not None and record.dates_order_id != order.pk
    )
    if (old_start, old_group) == (start, group) and not order_changed:
        return stored
    computed = _stored_computed(record, old_start, old_group)
    if computed is None:
        return {}
    old = dict(zip(DATE_FIELDS, computed, strict=True))
    return {name: day for name, day in stored.items() if day != old[name]}


def _count(errors: ErrorSink) -> int:
    fields = getattr(errors, "fields", None) or {}
    return sum(len(v) for v in fields.values())


def work_out_dates(
    *,
    file: File,
    owner_id: Any,
    basic: Mapping[str, Any],
    extended: Mapping[str, Any],
    given: Mapping[str, datetime.date],
    errors: ErrorSink,
    record: Record | None = None,
    nulled: frozenset[str] = frozenset(),
) -> WorkedDates | None:
    """Return a record's review and deletion dates, or add field errors (R-L4a).

    ``given`` are the dates the owner states in this request; on a change (``record``) the
    stored dates not given and not removed (``nulled``, a merge-patch ``null``) stay unless
    what they were worked out from changed (``_kept``). Missing dates come from the rule
    (ATD) or the order (GWS). Refused, naming the field: a deletion date before the review
    date (``review_after_deletion``), a new deletion date in the past
    (``deletion_date_past``), a new review date the owner gives in the past
    (``review_date_past``), a deletion date beyond the order's storage duration (GWS) or the
    project cap (``deletion_date_too_late``). A stored date a change leaves untouched is not
    refused for having passed meanwhile (the sweep acts on it).
    """
    from verbund.access.records import current_order

    today = timezone.localdate()
    entered = timezone.localdate(record.created_at) if record is not None else today
    start = last_event(extended, entered) if file.is_atd else entered
    group = age_group(basic, start)
    order = None if file.is_atd else current_order(file)
    kept: dict[str, datetime.date] = {}
    if record is not None:
        kept = {
            name: day
            for name, day in _kept(record, start=start, group=group, order=order).items()
            if name not in given and name not in nulled
        }
    missing = [name for name in DATE_FIELDS if name not in given and name not in kept]

    limit = cap_date(start, group)
    rule = None
    review_at_once = False
    derived: dict[str, datetime.date] = {}
    if file.is_atd:
        rule = rule_in_force(owner_id, file) if missing else None
        if rule is not None:
            review, deletion = period_dates(rule.review_months, rule.storage_months, start, group)
            derived = {"review_date": review, "deletion_date": deletion}
        elif missing:
            # No rule: listed for review at once; stored at the latest until the cap.
            review_at_once = True
            derived = {"review_date": today, "deletion_date": limit}
    else:
        if _order_periods(order):
            assert order is not None
            review, deletion = period_dates(order.review_months, order.storage_months, start, group)
            limit = min(limit, deletion)
            derived = {"review_date": review, "deletion_date": deletion}
        elif missing:
            review_at_once = True
            derived = {"review_date": today, "deletion_date": limit}
        # Stored dates beyond a new order's storage duration come down to it.
        if "deletion_date" in kept and kept["deletion_date"] > limit:
            kept["deletion_date"] = limit
        if "review_date" in kept and kept["review_date"] > limit:
            kept["review_date"] = limit

    dates = {**derived, **kept, **given}
    review, deletion = dates["review_date"], dates["deletion_date"]
    if "review_date" in missing and review > deletion:
        # A supplied review date never comes after the owner's deletion date.
        review = deletion
    previous = (
        {"review_date": record.review_date, "deletion_date": record.deletion_date}
        if record is not None
        else {}
    )
    before = _count(errors)
    # Every deletion date, also one a change keeps, stays within the cap for the record's
    # inputs now: a later last event or birth date never lets a stored date outlive it.
    if deletion > limit:
        errors.add(
            "deletion_date",
            "deletion_date_too_late",
            "Die Löschfrist liegt nach der längsten zulässigen Speicherdauer "
            f"(spätestens {limit.strftime('%d.%m.%Y')}).",
        )
    if deletion < today and deletion != previous.get("deletion_date"):
        errors.add(
            "deletion_date",
            "deletion_date_past",
            "Die Löschfrist ist bereits abgelaufen; Daten wären sofort zu löschen.",
        )
    elif review > deletion:
        # A past deletion date is the error to name; the review date is not at fault.
        errors.add("review_date", "review_after_deletion", "Prüffrist liegt nach der Löschfrist.")
    if "review_date" in given and review < today and review != previous.get("review_date"):
        errors.add("review_date", "review_date_past", "Die Prüffrist liegt in der Vergangenheit.")
    if _count(errors) != before:
        return None

    if missing:
        if review_at_once:
            return WorkedDates(review, deletion, DatesSource.NONE, None, order, True)
        if file.is_atd:
            return WorkedDates(review, deletion, DatesSource.RULE, rule, None)
        return WorkedDates(review, deletion, DatesSource.ORDER, None, order)
    if record is None or not kept:
        return WorkedDates(review, deletion, DatesSource.OWNER, None, order)
    # Stored dates stay with the source they came from.
    kept_rule = record.dates_rule if record.dates_source == DatesSource.RULE else None
    return WorkedDates(review, deletion, record.dates_source, kept_rule, order)


def dates_settled(*, record: Record, worked: WorkedDates | None, actor: Any) -> None:
    """Open the review a record without a rule needs at once (R-L4a), in the caller's
    transaction, after the record's row is written and before its change is logged."""
    from verbund.models.lifecycle import ReviewCause
    from verbund.services.reviews import review_open

    if worked is not None and worked.review_at_once:
        review_open(record=record, cause=ReviewCause.NO_DATES, actor=actor)


# ---------------------------------------------------------------------------- GWS sweep


def gws_dates_recompute(file: File, order: EstablishmentOrder, *, batch: int | None = None) -> int:
    """Work out anew the dates of ``file``'s records not yet computed under ``order``.

    For a new order version in force (R-L4a): the records whose ``dates_order`` is not
    ``order`` (index ``record_dates_order``), active ones only (a blocked record is frozen,
    R-L3), in batches of ``batch`` (``VERBUND_DEADLINES_BATCH``) under
    ``select_for_update(skip_locked=True)``: each batch is one short transaction, a record
    another transaction holds is left for the next run. Dates the order supplied follow its
    periods; the owner's stay, brought down to the order's storage duration where they pass
    it. Each changed record is logged (``record.dates_recompute``, the sweep acting for the
    owner) and its version bumped; a record whose dates stay only gets ``dates_order`` set.
    Returns how many records' dates changed. Idempotent: a rerun finds nothing left.
    """
    size = batch or settings.VERBUND_DEADLINES_BATCH
    changed = 0
    while True:
        with transaction.atomic():
            rows = list(
                Record.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(file=file, status=RecordStatus.ACTIVE)
                # "not this order" as ranges the index (file, dates_order) can serve.
                .filter(
                    Q(dates_order__isnull=True)
                    | Q(dates_order_id__lt=order.pk)
                    | Q(dates_order_id__gt=order.pk)
                )
                .select_related("file", "owner", "dates_rule", "dates_order")
                .order_by("pk")[:size]
            )
            if not rows:
                return changed
            logged = []
            for record in rows:
                before = (record.review_date, record.deletion_date, record.dates_source)
                worked = _recompute_one(record, order)
                record.review_date = worked.review_date
                record.deletion_date = worked.deletion_date
                record.dates_source = worked.source
                record.dates_order = order
                fields = ["review_date", "deletion_date", "dates_source", "dates_order"]
                if (record.review_date, record.deletion_date) != before[:2]:
                    record.version += 1
                    fields += ["version", "updated_at"]
                    logged.append((record, before))
                record.save(update_fields=fields)
            # Lock order (verbund.services.searches): the chain lock after the last row write.
            for record, before in logged:
                log_record(
                    actor=None,
                    action="record.dates_recompute",
                    record=record,
                    details={
                        "order": order.version,
                        "before": {
                            "review_date": before[0].isoformat(),
                            "deletion_date": before[1].isoformat(),
                            "dates_source": before[2],
                        },
                        "after": {
                            "review_date": record.review_date.isoformat(),
                            "deletion_date": record.deletion_date.isoformat(),
                            "dates_source": record.dates_source,
                        },
                    },
                    agency=record.owner,
                )
            changed += len(logged)


def _recompute_one(record: Record, order: EstablishmentOrder) -> WorkedDates:
    entered = timezone.localdate(record.created_at)
    group = age_group(record.basic, entered)
    review, deletion = period_dates(order.review_months, order.storage_months, entered, group)
    if record.dates_source == DatesSource.OWNER:
        # The owner's dates stay within the new storage duration.
        kept_deletion = min(record.deletion_date, deletion)
        kept_review = min(record.review_date, kept_deletion)
        return WorkedDates(kept_review, kept_deletion, DatesSource.OWNER, None, order)
    if record.dates_source == DatesSource.ORDER and record.dates_order is not None:
        old = period_dates(
            record.dates_order.review_months, record.dates_order.storage_months, entered, group
        )
        # A date the owner set beside the order's stays (capped); the order's follow it.
        kept_review = record.review_date if record.review_date != old[0] else review
        kept_deletion = record.deletion_date if record.deletion_date != old[1] else deletion
        kept_deletion = min(kept_deletion, deletion)
        return WorkedDates(
            min(kept_review, kept_deletion), kept_deletion, DatesSource.ORDER, None, order
        )
    return WorkedDates(review, deletion, DatesSource.ORDER, None, order)


# ---------------------------------------------------------------------------- rules


def check_periods(
    review_months: Any, storage_months: Any, errors: ErrorSink
) -> tuple[dict[str, int], dict[str, int]]:
    """Check a rule or order's periods; return them as ``{group: months}`` (R-L4a).

    Each age group needs a whole number of months, at least one; no storage period above
    the project cap (``period_too_long``, ``storage_months.adult``), no review period longer
    than its storage period (``review_longer_than_storage``, ``review_months.adult``).
    """
    out: list[dict[str, int]] = []
    for name, periods in (("review_months", review_months), ("storage_months", storage_months)):
        clean: dict[str, int] = {}
        if not isinstance(periods, Mapping):
            errors.add(name, "required", "Fristen je Altersgruppe angeben.")
            out.append(clean)
            continue
        for key in periods:
            if key not in AGE_GROUPS:
                errors.add(f"{name}.{key}", "unknown_field", "Unbekannte Altersgruppe.")
        for group in AGE_GROUPS:
            value = periods.get(group)
            path = f"{name}.{group}"
            if value is None or value == "":
                errors.add(path, "required", "Monate angeben.")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                errors.add(path, "invalid", "Ganze Zahl von Monaten, mindestens 1.")
            else:
                clean[group] = value
        out.append(clean)
    review, storage = out
    for group in AGE_GROUPS:
        cap = MAX_STORAGE_MONTHS[group]
        if group in storage and storage[group] > cap:
            errors.add(
                f"storage_months.{group}",
                "period_too_long",
                f"Höchstens {cap} Monate ({cap // 12} Jahre) ab dem letzten Ereignis "
                "(Projektentscheidung).",
            )
        if group in review and review[group] > cap:
            errors.add(
                f"review_months.{group}",
                "period_too_long",
                f"Höchstens {cap} Monate ({cap // 12} Jahre) ab dem letzten Ereignis "
                "(Projektentscheidung).",
            )
        elif group in review and group in storage and review[group] > storage[group]:
            errors.add(
                f"review_months.{group}",
                "review_longer_than_storage",
                "Die Prüffrist ist länger als die Speicherdauer.",
            )
    return review, storage


def date_rule_create(
    *,
    actor: Officer,
    file: Any,
    provision: Any,
    review_months: Any,
    storage_months: Any,
    valid_from: Any,
) -> DateRule:
    """Configure the agency's rule for the review and deletion dates of a file (R-L4a, R-A1).

    Only the agency head (``Role.HEAD``; anyone else 403 ``decision_not_authorised``).
    Only for files whose order sets no periods (the ATD; GWS periods are the order's,
    ``rule_not_allowed``) and in which the agency takes part. ``provision`` cites the
    source data's law; periods per age group in months, capped by the project decision
    (``check_periods``); ``valid_from`` a date (``YYYY-MM-DD``), one rule per day. The rule
    applies to records entered or changed from that day on. Logged ``date_rule.create``.
    """
    from verbund.services.record_rules import RaiseAtOnce, _Collector, clean_text, parse_date

    if not isinstance(actor, Officer) or actor.agency_id is None or actor.role != Role.HEAD:
        raise Forbidden(
            "Fristenregeln legt nur die Behördenleitung fest.", code="decision_not_authorised"
        )
    shapes.check(
        DATE_RULE,
        {
            "file": file if not isinstance(file, File) else file.code,
            "provision": provision,
            "review_months": review_months,
            "storage_months": storage_months,
            "valid_from": valid_from
            if not isinstance(valid_from, datetime.date)
            else valid_from.isoformat(),
        },
    )
    errors = _Collector()
    the_file: File | None = file if isinstance(file, File) else None
    if the_file is None:
        code = clean_text(file, "file", RaiseAtOnce(), max_len=40) if file else ""
        if not code:
            errors.add("file", "required", "Datei angeben.")
        else:
            the_file = File.objects.filter(code=code).first()
            if the_file is None:
                errors.add("file", "invalid_choice", "Unbekannte Datei.")
    if the_file is not None:
        if not the_file.is_atd:
            errors.add(
                "file",
                "rule_not_allowed",
                "Die Fristen dieser Datei regelt ihre Errichtungsanordnung.",
            )
        elif not the_file.participations.filter(agency_id=actor.agency_id).exists():
            errors.add("file", "not_participant", "Die Behörde nimmt an dieser Datei nicht teil.")
    text = clean_text(provision, "provision", errors, max_len=PROVISION_MAX) if provision else ""
    if not text:
        errors.add("provision", "required", "Rechtsgrundlage (Vorschrift) angeben.")
    review, storage = check_periods(review_months, storage_months, errors)
    day: datetime.date | None = valid_from if isinstance(valid_from, datetime.date) else None
    if day is None:
        if not valid_from:
            errors.add("valid_from", "required", "Gültig ab angeben.")
        else:
            day = parse_date(valid_from, "valid_from", errors)
    errors.raise_if_any()
    assert the_file is not None and day is not None
    with transaction.atomic():
        try:
            with transaction.atomic():
                rule = DateRule.objects.create(
                    agency_id=actor.agency_id,
                    file=the_file,
                    provision=text or "",
                    review_months=review,
                    storage_months=storage,
                    valid_from=day,
                    created_by=actor,
                )
        except IntegrityError:
            detail = "Für diesen Tag gibt es schon eine Regel."
            raise Invalid(detail, code="duplicate", fields={"valid_from": [detail]}) from None
        log_event(
            actor=actor,
            action="date_rule.create",
            object_type="date_rule",
            object_id=str(rule.pk),
            file=the_file.code,
            details={
                "provision": rule.provision,
                "review_months": review,
                "storage_months": storage,
                "valid_from": day.isoformat(),
            },
        )
    return rule


def date_rules_for(actor: Officer) -> Any:
    """Return the rules of the officer's agency, newest first (none for others' agencies)."""
    if actor.agency_id is None:
        return DateRule.objects.none()
    return (
        DateRule.objects.filter(agency_id=actor.agency_id)
        .select_related("file", "agency")
        .order_by("file__code", "-valid_from")
    )


def rules_in_force(rules: Any) -> set[Any]:
    """Return the ids of the rules in force today among the agency's rules (one per file)."""
    today = timezone.localdate()
    seen: dict[Any, DateRule] = {}
    for rule in rules:
        if rule.valid_from <= today:
            best = seen.get(rule.file_id)
            if best is None or rule.valid_from > best.valid_from:
                seen[rule.file_id] = rule
    return {r.pk for r in seen.values()}
