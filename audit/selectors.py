"""Read the log for supervisors, within their jurisdiction or delegation (R-J1-J3, R-I5)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, Delegation, DelegationScope
from audit.jsonq import list_holds
from audit.models import AuditEvent, ControlPlan, MandatoryControl, PurgedPeriod


def supervised_agencies(actor: Any, power: str = "log") -> QuerySet[Agency]:
    """Return the agencies a supervisor controls: own jurisdiction plus delegations (R-J2).

    ``power`` is a ``DelegationScope`` code (``log``, ``records``, ``controls``): a delegation
    counts only if it passes that power on, from ``valid_from`` to ``valid_until`` (inclusive,
    local dates) and not revoked. Anyone but a supervisor controls nothing.
    """
    if getattr(actor, "role", "") != "supervisor" or not actor.jurisdiction:
        return Agency.objects.none()
    today = timezone.localdate()
    if actor.jurisdiction == "federal":
        own = Q(level="federal")
    else:
        own = Q(level="state", state=actor.jurisdiction)
    delegated = Delegation.objects.filter(
        to_jurisdiction=actor.jurisdiction,
        valid_from__lte=today,
        valid_until__gte=today,
        revoked_at__isnull=True,
        **{f"scope_{DelegationScope(power).value}": True},
    )
    return Agency.objects.filter(own | Q(pk__in=delegated.values("agency_id")))


def acting_agency_id(code: str) -> Any:
    """Return the id of the agency with ``code``, or None (then a filter on it matches nothing)."""
    return Agency.objects.filter(code=code).values_list("pk", flat=True).first()


def audit_events_for(
    *,
    actor: Any,
    agency_code: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    about: tuple[str, str] | None = None,
) -> QuerySet[AuditEvent]:
    """Return log events of the supervised agencies, newest first.

    With ``about`` (``("record", id)`` or ``("file_number", number)``, the drill-down from a
    reference) the events of any agency about an Art. 10 record entered by a supervised
    agency are included too (R-J3: visible to the supervisor of the entering agency as well
    as of the querying one); the caller narrows to the reference (``reference_filter``).
    """
    # The few agency ids are read first and go into the query as literals: PostgreSQL then
    # plans with the ``(agency_id, time)`` index of each partition and the right estimates
    # (a join or subquery made it hash-join every index entry over millions of rows;
    # ``make bench-audit``, docs/benchmarks.md).
    agencies = dict(supervised_agencies(actor).values_list("pk", "code"))
    scope = Q(agency_id__in=list(agencies))
    if about is not None:
        key, value = about
        for code in sorted(agencies.values()):
            ref = {key: value, "agency": code, "art10": True}
            scope |= list_holds("covert", ref) | list_holds("references", ref)
    qs = AuditEvent.objects.filter(scope).select_related("agency")
    if agency_code:
        pk = acting_agency_id(agency_code)
        qs = qs.filter(agency_id=pk) if pk is not None else qs.none()
    if since:
        qs = qs.filter(time__gte=since)
    if until:
        qs = qs.filter(time__lt=until)
    return qs.order_by("-seq")


def event_view(event: AuditEvent, *, supervised_codes: set[str]) -> dict[str, Any]:
    """Shape one event; covert references only for the competent supervisor (R-I5, R-J3).

    A covert reference is shown when the supervisor controls its owner, or, for records
    from Art. 10 measures, when it controls either the owner or the querying agency.
    """
    covert = [
        ref for ref in event.covert if ref.get("agency") in supervised_codes or ref.get("art10")
    ]
    return {
        "id": str(event.id),
        "seq": event.seq,
        "time": event.time.isoformat(),
        "agency": event.agency.code if event.agency else None,
        "officer": event.officer_username,
        "action": event.action,
        "object": event.object_id or None,
        "file": event.file,
        "purpose": event.purpose,
        "urgency": event.urgency,
        "references": event.references,
        "covert": covert,
        "details": event.details,
        "outcome": event.outcome,
        "request_id": event.request_id,
    }


def supervised_codes(actor: Any, power: str = "log") -> set[str]:
    """Return the codes of the agencies a supervisor controls for ``power``."""
    return set(supervised_agencies(actor, power).values_list("code", flat=True))


def reference_filter(reference: str, codes: set[str], key: str | None = None) -> Q:
    """Return the events about one record (its id) or one file number (R-I4 drill-down).

    Open references and the object id match as stored (GIN containment on ``references``);
    a covert reference matches only where the supervisor is competent (its owner is among
    ``codes``, or it comes from an Art. 10 measure, R-J3): a drill-down never reveals that
    an event touched a covert record the supervisor may not see (R-I5).
    """
    value = reference.strip()
    if key is None:
        try:
            value, key = str(uuid.UUID(value)), "record"
        except ValueError:
            key = "file_number"
    found = list_holds("references", {key: value})
    if key == "record":
        found |= Q(object_id=value)
    found |= list_holds("covert", {key: value, "art10": True})
    for code in sorted(codes):
        found |= list_holds("covert", {key: value, "agency": code})
    return found


def events_filtered(
    qs: QuerySet[AuditEvent],
    *,
    codes: set[str],
    officer: str | None = None,
    file: str | None = None,
    action: str | None = None,
    purpose: str | None = None,
    reference: str | None = None,
) -> QuerySet[AuditEvent]:
    """Narrow the supervisor's events by officer, file, action, purpose and reference."""
    if officer:
        qs = qs.filter(officer_username=officer.strip().lower())
    if file:
        qs = qs.filter(file=file)
    if action:
        qs = qs.filter(action=action.strip())
    if purpose:
        qs = qs.filter(purpose=purpose.strip())
    if reference:
        qs = qs.filter(reference_filter(reference, codes))
    return qs


def delegations_for(actor: Any) -> QuerySet[Delegation]:
    """Return the delegations a supervisor gave or received, newest first (R-J2)."""
    if getattr(actor, "role", "") != "supervisor" or not actor.jurisdiction:
        return Delegation.objects.none()
    return (
        Delegation.objects.filter(
            Q(from_jurisdiction=actor.jurisdiction) | Q(to_jurisdiction=actor.jurisdiction)
        )
        .select_related("agency", "created_by")
        .order_by("-created_at", "-pk")
    )


def delegation_active(delegation: Delegation, today: datetime.date | None = None) -> bool:
    """Return whether a delegation passes its powers on today (not revoked, in its period)."""
    today = today or timezone.localdate()
    return (
        delegation.revoked_at is None
        and delegation.valid_from <= today
        and today <= delegation.valid_until
    )


def control_plans_for(actor: Any) -> QuerySet[ControlPlan]:
    """Return the control plans of the agencies a supervisor controls (R-J4, R-J7)."""
    return (
        ControlPlan.objects.filter(agency__in=supervised_agencies(actor, "controls"))
        .select_related("agency")
        .order_by("agency__code", "file", "pk")
    )


def controls_for(actor: Any) -> QuerySet[MandatoryControl]:
    """Return the recorded mandatory controls of the supervised agencies, newest first."""
    return (
        MandatoryControl.objects.filter(agency__in=supervised_agencies(actor, "controls"))
        .select_related("agency", "plan")
        .order_by("-period_to", "-pk")
    )


# A control within this many days of its due date is shown (and flagged) as due.
CONTROL_DUE_LEAD_DAYS = 30


def plan_next_due(plan: ControlPlan) -> datetime.date:
    """Return when the plan's next control is due (R-J7).

    ``cycle_months`` after the end of the period the last completed control of the plan
    covered, or after ``starts_on`` when none has been completed.
    """
    from verbund.services.date_rules import add_months

    last = (
        MandatoryControl.objects.filter(plan=plan, done_on__isnull=False)
        .order_by("-period_to")
        .values_list("period_to", flat=True)
        .first()
    )
    return add_months(last or plan.starts_on, plan.cycle_months)


def plan_state(plan: ControlPlan, today: datetime.date | None = None) -> dict[str, Any]:
    """Return a plan with its next due date and whether it is due or overdue."""
    today = today or timezone.localdate()
    due = plan_next_due(plan)
    if due < today:
        state = "overdue"
    elif due <= today + datetime.timedelta(days=CONTROL_DUE_LEAD_DAYS):
        state = "due"
    else:
        state = "planned"
    return {
        "id": plan.pk,
        "agency": plan.agency.code,
        "file": plan.file,
        "cycle_months": plan.cycle_months,
        "starts_on": plan.starts_on,
        "next_due": due,
        "state": state,
        "created_by": plan.created_by_username,
    }


def due_plans(plans: Any, today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Return the states of the plans that are due or overdue (R-J7)."""
    return [s for s in (plan_state(p, today) for p in plans) if s["state"] != "planned"]


def unchecked_purged_periods(
    actor: Any, today: datetime.date | None = None
) -> list[dict[str, str]]:
    """Return the purged log periods no completed control covered, per supervised agency.

    R-J7: the same rule the retention purge records in ``audit.purge`` (``uncontrolled``),
    computed from the append-only ``PurgedPeriod`` rows, limited to the agencies the
    supervisor controls.
    """
    from audit.services import _uncontrolled

    codes = supervised_codes(actor, "controls")
    if not codes:
        return []
    periods = list(PurgedPeriod.objects.order_by("first_seq"))
    found = _uncontrolled(periods, today=today or timezone.localdate())
    return [row for row in found if row["agency"] in codes]
