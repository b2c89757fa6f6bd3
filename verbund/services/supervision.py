"""Supervisors' own acts: delegations (R-J2), control plans and mandatory controls (R-J4, R-J7).

Each service checks the role and the supervisor's competence, validates the whole input
first (400 naming the field; nothing stored on a refusal), writes in one transaction and
logs the act in the same transaction (``supervision.*``). A supervisor acts for no agency:
the log rows carry no acting agency, the supervised agency is named in ``details``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import STATE_CODES, Agency, Delegation, DelegationScope
from audit.models import CONTROL_CYCLE_MAX_MONTHS, AuditEvent, ControlPlan, MandatoryControl
from audit.selectors import (
    control_plans_for,
    delegations_for,
    due_plans,
    supervised_agencies,
)
from audit.services import log_event
from verbund.dates import parse_iso_date
from verbund.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.models import File
from verbund.services import shapes
from verbund.services.date_rules import Int, add_months
from verbund.services.record_rules import RaiseAtOnce, clean_text

JURISDICTIONS = ["federal", *STATE_CODES]

DELEGATION = shapes.Obj(
    {
        "agency": shapes.Text(max_len=16),
        "to_jurisdiction": shapes.Text(max_len=8),
        "scope": shapes.ListOf(shapes.Text(max_len=16), max_items=3, name_items=False),
        "valid_from": shapes.Text(max_len=40),
        "valid_until": shapes.Text(max_len=40),
        "reasons": shapes.Text(),
    }
)
CONTROL_PLAN = shapes.Obj(
    {
        "agency": shapes.Text(max_len=16),
        "file": shapes.Text(max_len=8),
        "cycle_months": Int(),
        "starts_on": shapes.Text(max_len=40),
    }
)
CONTROL = shapes.Obj(
    {
        "period_from": shapes.Text(max_len=40),
        "period_to": shapes.Text(max_len=40),
        "done_on": shapes.Text(max_len=40),
        "findings": shapes.Text(),
        "measures": shapes.Text(),
    }
)


def _required(field: str, detail: str) -> Invalid:
    return Invalid(detail, code="required", fields={field: [detail]})


def _text(value: Any, field: str, detail: str, *, required: bool = True) -> str:
    text = (clean_text(value, field, RaiseAtOnce(), max_len=4000) or "") if value else ""
    if required and not text:
        raise _required(field, detail)
    return text


def _day(value: Any, field: str, detail: str = "Datum angeben (JJJJ-MM-TT).") -> datetime.date:
    if value is None or value == "":
        raise _required(field, detail)
    try:
        return parse_iso_date(str(value))
    except ValueError:
        raise Invalid(
            "Kein gültiges Datum (JJJJ-MM-TT).",
            code="invalid_date",
            fields={field: ["Kein gültiges Datum (JJJJ-MM-TT)."]},
        ) from None


def _pk(value: Any) -> int:
    """Return a numeric id from a path; anything else (or too long for the column) is 404."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9):
        raise NotFound()
    return int(text)


def require_supervisor(actor: Any) -> None:
    """Raise 403 unless the actor is an active supervisor with a jurisdiction."""
    if (
        getattr(actor, "role", "") != "supervisor"
        or not getattr(actor, "is_active", False)
        or not getattr(actor, "jurisdiction", "")
    ):
        raise Forbidden("Nur für die Datenschutzaufsicht.", code="forbidden")


# A delegation runs at most this many years; a plan starts at most a year ahead.
MAX_DELEGATION_YEARS = 5


def _agency(value: Any) -> Agency:
    if value is None or value == "":
        raise _required("agency", "Behörde angeben.")
    # Codes are compared in Python: a NUL byte or any other odd value never reaches a query.
    codes = dict(Agency.objects.values_list("code", "pk"))
    agency = Agency.objects.get(pk=codes[value]) if value in codes else None
    if agency is None:
        detail = "Unbekannte Behörde."
        raise Invalid(detail, code="invalid_choice", fields={"agency": [detail]})
    return agency


def _own_jurisdiction(actor: Any, agency: Agency) -> bool:
    if actor.jurisdiction == "federal":
        return agency.level == "federal"
    return agency.level == "state" and agency.state == actor.jurisdiction


# ------------------------------------------------------------------ delegations (R-J2)


def delegation_create(*, actor: Any, data: Any) -> Delegation:
    """Delegate control powers over one agency to another supervisor (R-J2).

    Only the supervisor competent for the agency by its own jurisdiction (R-J1) delegates
    (a delegate cannot pass a delegation on): others 403 ``not_competent``. ``scope`` (a
    non-empty list of ``log``, ``records``, ``controls``), ``valid_until`` (a delegation
    always expires), ``to_jurisdiction`` (another supervisor) and ``reasons`` are required:
    400 naming the field. ``valid_from`` defaults to today. Logged
    (``supervision.delegation_create``).
    """
    require_supervisor(actor)
    shapes.check(DELEGATION, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    unknown = sorted(set(data) - set(DELEGATION.fields))
    if unknown:
        raise Invalid(
            "Unbekanntes Feld.",
            code="unknown_field",
            fields={k: ["Unbekanntes Feld."] for k in unknown},
        )
    agency = _agency(data.get("agency"))
    scope = data.get("scope")
    if not scope:
        detail = "Mindestens eine Befugnis angeben (Protokolle, Datensätze, Pflichtkontrollen)."
        raise _required("scope", detail)
    bad = [s for s in scope if s not in DelegationScope.values]
    if bad or len(set(scope)) != len(scope):
        detail = "Befugnisse: log, records oder controls, jede höchstens einmal."
        raise Invalid(detail, code="invalid_choice", fields={"scope": [detail]})
    target = data.get("to_jurisdiction")
    if not target:
        raise _required("to_jurisdiction", "Aufsicht angeben, an die delegiert wird.")
    if target not in JURISDICTIONS:
        detail = "Unbekannte Aufsicht: federal oder ein Länderkürzel."
        raise Invalid(detail, code="invalid_choice", fields={"to_jurisdiction": [detail]})
    if target == actor.jurisdiction:
        detail = "Nur an eine andere Aufsicht."
        raise Invalid(detail, code="same_jurisdiction", fields={"to_jurisdiction": [detail]})
    today = timezone.localdate()
    valid_from = _day(data.get("valid_from"), "valid_from") if data.get("valid_from") else today
    valid_until = _day(
        data.get("valid_until"), "valid_until", "Ablaufdatum angeben: eine Delegation endet."
    )
    if valid_until < valid_from or valid_until < today:
        detail = "Das Ablaufdatum liegt vor dem Beginn oder in der Vergangenheit."
        raise Invalid(detail, code="invalid_period", fields={"valid_until": [detail]})
    if valid_from < today or valid_from > add_months(today, 12):
        detail = "Beginn frühestens heute, spätestens in einem Jahr."
        raise Invalid(detail, code="invalid_period", fields={"valid_from": [detail]})
    if valid_until > add_months(valid_from, 12 * MAX_DELEGATION_YEARS):
        detail = f"Eine Delegation gilt höchstens {MAX_DELEGATION_YEARS} Jahre."
        raise Invalid(detail, code="too_long", fields={"valid_until": [detail]})
    reasons = _text(data.get("reasons"), "reasons", "Gründe der Delegation angeben.")
    if not _own_jurisdiction(actor, agency):
        raise Forbidden(
            "Delegieren kann nur die für diese Behörde zuständige Aufsicht.",
            code="not_competent",
        )
    with transaction.atomic():
        delegation = Delegation.objects.create(
            from_jurisdiction=actor.jurisdiction,
            to_jurisdiction=target,
            agency=agency,
            scope_log=DelegationScope.LOG in scope,
            scope_records=DelegationScope.RECORDS in scope,
            scope_controls=DelegationScope.CONTROLS in scope,
            valid_from=valid_from,
            valid_until=valid_until,
            reasons=reasons,
            created_by=actor,
        )
        log_event(
            actor=actor,
            action="supervision.delegation_create",
            # The agency concerned: its competent supervisors find the entry (R-J2, R-J4).
            agency=agency,
            object_type="delegation",
            object_id=str(delegation.pk),
            details={
                "agency": agency.code,
                "from": actor.jurisdiction,
                "to": target,
                "scope": delegation.scope,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "reasons": reasons,
            },
        )
    return delegation


def delegation_get(*, actor: Any, delegation_id: Any) -> Delegation:
    """Return a delegation the supervisor gave or received; any other is 404."""
    require_supervisor(actor)
    pk = _pk(delegation_id)
    delegation = delegations_for(actor).filter(pk=pk).first()
    if delegation is None:
        raise NotFound()
    return delegation


def delegation_revoke(*, actor: Any, delegation_id: Any) -> Delegation:
    """End a delegation at once (R-J2); only the delegating supervisor (the delegate: 403).

    A revoked delegation passes nothing on from now on. Logged
    (``supervision.delegation_revoke``); revoking twice is 409 ``already_revoked``.
    """
    delegation = delegation_get(actor=actor, delegation_id=delegation_id)
    if delegation.from_jurisdiction != actor.jurisdiction:
        raise Forbidden("Nur die delegierende Aufsicht kann widerrufen.", code="not_delegator")
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.revoked_at is not None:
            raise Conflict("Die Delegation ist bereits widerrufen.", code="already_revoked")
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        log_event(
            actor=actor,
            action="supervision.delegation_revoke",
            agency=delegation.agency,
            object_type="delegation",
            object_id=str(delegation.pk),
            details={
                "agency": delegation.agency.code,
                "from": delegation.from_jurisdiction,
                "to": delegation.to_jurisdiction,
                "scope": delegation.scope,
            },
        )
    return delegation


# ------------------------------------------------------------------ controls (R-J4, R-J7)


def _cycle(value: Any) -> int:
    if value is None or value == "":
        raise _required("cycle_months", "Turnus in Monaten angeben.")
    if value > CONTROL_CYCLE_MAX_MONTHS:
        detail = (
            f"Höchstens {CONTROL_CYCLE_MAX_MONTHS} Monate: jeder Protokollzeitraum wird vor "
            "seiner Löschung kontrolliert."
        )
        raise Invalid(detail, code="cycle_too_long", fields={"cycle_months": [detail]})
    if value < 1:
        detail = "Mindestens ein Monat."
        raise Invalid(detail, code="invalid", fields={"cycle_months": [detail]})
    return value


def _unknown(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise Invalid(
            "Unbekanntes Feld.",
            code="unknown_field",
            fields={k: ["Unbekanntes Feld."] for k in unknown},
        )


def control_plan_create(*, actor: Any, data: Any) -> ControlPlan:
    """Plan the mandatory controls of one agency for one file (R-J4, R-J7).

    The supervisor competent for the agency, or holding a ``controls`` delegation, plans
    (others 403 ``not_competent``). ``cycle_months`` from 1 to 18 (over 18: 400
    ``cycle_too_long``); ``starts_on`` defaults to today. One plan per agency and file (a
    second: 409 ``plan_exists``). Logged (``supervision.control_plan``).
    """
    require_supervisor(actor)
    shapes.check(CONTROL_PLAN, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    _unknown(data, set(CONTROL_PLAN.fields))
    agency = _agency(data.get("agency"))
    code = data.get("file")
    if not code:
        raise _required("file", "Datei angeben.")
    if code not in set(File.objects.values_list("code", flat=True)):
        detail = "Unbekannte Datei."
        raise Invalid(detail, code="invalid_choice", fields={"file": [detail]})
    cycle = _cycle(data.get("cycle_months"))
    today = timezone.localdate()
    starts_on = _day(data.get("starts_on"), "starts_on") if data.get("starts_on") else today
    if not add_months(today, -24) <= starts_on <= add_months(today, 12):
        detail = "Beginn höchstens zwei Jahre zurück und höchstens ein Jahr voraus."
        raise Invalid(detail, code="invalid_date", fields={"starts_on": [detail]})
    if not supervised_agencies(actor, "controls").filter(pk=agency.pk).exists():
        raise Forbidden(
            "Pflichtkontrollen plant die für diese Behörde zuständige Aufsicht.",
            code="not_competent",
        )
    try:
        with transaction.atomic():
            plan = ControlPlan.objects.create(
                agency=agency,
                file=code,
                cycle_months=cycle,
                starts_on=starts_on,
                created_by_username=actor.username,
            )
            log_event(
                actor=actor,
                action="supervision.control_plan",
                agency=agency,
                object_type="control_plan",
                object_id=str(plan.pk),
                file=code,
                details={
                    "agency": agency.code,
                    "cycle_months": cycle,
                    "starts_on": starts_on.isoformat(),
                },
            )
    except IntegrityError:
        raise Conflict(
            "Für diese Behörde und Datei besteht bereits ein Kontrollplan.", code="plan_exists"
        ) from None
    return plan


def control_plan_get(*, actor: Any, plan_id: Any) -> ControlPlan:
    """Return a plan of an agency the supervisor controls; any other is 404."""
    require_supervisor(actor)
    pk = _pk(plan_id)
    plan = control_plans_for(actor).filter(pk=pk).first()
    if plan is None:
        raise NotFound()
    return plan


def control_record(*, actor: Any, plan_id: Any, data: Any) -> MandatoryControl:
    """Record a completed mandatory control under a plan (R-J4, R-J7).

    ``period_from``/``period_to`` are the (inclusive) days of the log the control covered,
    ``done_on`` the day it was completed (not in the future, not before the period began),
    ``findings`` what it found (required), ``measures`` what was done about it. Logged
    (``supervision.control_record``).
    """
    plan = control_plan_get(actor=actor, plan_id=plan_id)
    shapes.check(CONTROL, data)
    if not isinstance(data, dict):
        raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
    _unknown(data, set(CONTROL.fields))
    start = _day(data.get("period_from"), "period_from")
    end = _day(data.get("period_to"), "period_to")
    if end < start:
        detail = "Das Ende liegt vor dem Beginn des Zeitraums."
        raise Invalid(detail, code="period_not_ordered", fields={"period_to": [detail]})
    done = _day(data.get("done_on"), "done_on")
    today = timezone.localdate()
    if done > today or done < end:
        detail = "Abschlussdatum nicht in der Zukunft und nicht vor dem Ende des Zeitraums."
        raise Invalid(detail, code="invalid_date", fields={"done_on": [detail]})
    findings = _text(data.get("findings"), "findings", "Ergebnis der Kontrolle angeben.")
    measures = _text(data.get("measures"), "measures", "", required=False)
    with transaction.atomic():
        control = MandatoryControl.objects.create(
            agency=plan.agency,
            plan=plan,
            file=plan.file,
            period_from=start,
            period_to=end,
            done_on=done,
            supervisor_username=actor.username,
            findings=findings,
            measures=measures,
        )
        log_event(
            actor=actor,
            action="supervision.control_record",
            agency=plan.agency,
            object_type="mandatory_control",
            object_id=str(control.pk),
            file=plan.file,
            details={
                "agency": plan.agency.code,
                "plan": plan.pk,
                "period_from": start.isoformat(),
                "period_to": end.isoformat(),
                "done_on": done.isoformat(),
            },
        )
    return control


def controls_flag_due(*, today: datetime.date | None = None) -> int:
    """Flag every control plan whose control is due or overdue, once per due date (R-J7).

    Writes one ``supervision.control_due`` log row per plan and due date (the beat runs
    this daily; a second run the same day writes nothing). Returns how many were flagged.
    """
    today = today or timezone.localdate()
    flagged = 0
    for state in due_plans(ControlPlan.objects.select_related("agency"), today):
        with transaction.atomic():
            seen = AuditEvent.objects.filter(
                object_type="control_plan",
                object_id=str(state["id"]),
                action="supervision.control_due",
                details__next_due=state["next_due"].isoformat(),
                details__state=state["state"],
            ).exists()
            if seen:
                continue
            log_event(
                actor=None,
                action="supervision.control_due",
                agency=Agency.objects.get(code=state["agency"]),
                object_type="control_plan",
                object_id=str(state["id"]),
                file=state["file"],
                details={
                    "agency": state["agency"],
                    "next_due": state["next_due"].isoformat(),
                    "state": state["state"],
                },
            )
            flagged += 1
    return flagged
