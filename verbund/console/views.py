"""Pages of the supervision console (thin: selectors and services decide, pages show).

Every page that shows log entries or record data logs what it showed (``audit.read``,
``supervision.record_read``, ``overdue.read``); covert records only in the covert column.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.models import Agency
from audit.selectors import (
    control_plans_for,
    controls_for,
    delegation_active,
    delegations_for,
    plan_state,
    supervised_agencies,
    unchecked_purged_periods,
)
from audit.services import log_event
from verbund.access.supervision import complaints_of, supervision_record_read
from verbund.console.forms import ComplaintForm, ControlForm, ControlPlanForm, DelegationForm
from verbund.console.labels import (
    OUTCOME_LABELS,
    PLAN_STATE_LABELS,
    REQUEST_STATUS_LABELS,
    SCOPE_LABELS,
    jurisdiction_label,
    label,
)
from verbund.errors import DomainError, NotFound
from verbund.forms.records import apply_simple_error
from verbund.models import File
from verbund.selectors.duties import overdue_for_supervisor, overdue_view
from verbund.services import supervision
from verbund.services.duties import overdue_log_view
from verbund.services.reviews import complaint_lodge
from verbund.views.common import present_record, show_date
from verbund.views.duties import KIND_LABELS as DUTY_LABELS
from verbund.views.lifecycle import cause_label

DUTY_ROWS_PER_AGENCY = 20


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> Any:
    from verbund.console.site import console_site

    return TemplateResponse(
        request, template, {**console_site.each_context(request), **context}, status=status
    )


# ------------------------------------------------------------------ overview


def index_page(request: HttpRequest, site: Any) -> Any:
    """What needs the supervisor's attention: overdue duties, due controls, complaints."""
    actor: Any = request.user
    agencies = list(supervised_agencies(actor, "records").order_by("code"))
    overdue = []
    for agency in agencies:
        count = overdue_for_supervisor(
            actor=actor, agencies=Agency.objects.filter(pk=agency.pk)
        ).count()
        if count:
            overdue.append({"code": agency.code, "name": agency.name, "count": count})
    due = [
        {**s, "state_label": label(PLAN_STATE_LABELS, s["state"])}
        for s in (plan_state(p) for p in control_plans_for(actor))
        if s["state"] != "planned"
    ]
    complaints = complaints_of(actor)
    received = [d for d in delegations_for(actor) if d.to_jurisdiction == actor.jurisdiction]
    return _render(
        request,
        "console/index.html",
        {
            "title": _("Overview"),
            "jurisdiction": jurisdiction_label(actor.jurisdiction),
            "own_agencies": [a for a in supervised_agencies(actor, "log").order_by("code")],
            "overdue": overdue,
            "due_controls": due,
            "unchecked": unchecked_purged_periods(actor),
            "open_complaints": sum(1 for c in complaints if not c["outcome"]),
            "decided_complaints": sum(1 for c in complaints if c["outcome"]),
            "delegations_received": [d for d in received if delegation_active(d)],
        },
    )


# ------------------------------------------------------------------ records (R-J6)


def record_find(request: HttpRequest) -> Any:
    """Open a record by its id; a file number leads to the log's drill-down."""
    query = (request.GET.get("q") or "").strip()
    if query:
        try:
            record_id = uuid.UUID(query)
        except ValueError:
            return redirect(
                reverse("console:audit_auditevent_changelist") + "?" + _query("ref", query)
            )
        return redirect("console:record", record_id=str(record_id))
    return _render(request, "console/record_find.html", {"title": _("Records")})


def _query(name: str, value: str) -> str:
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    q[name] = value
    return q.urlencode()


def _decisions(decisions: dict[str, Any]) -> dict[str, Any]:
    """The recorded decisions in words."""
    from verbund.models.emergencies import Danger

    return {
        "requests": [
            {
                **r,
                "status_label": label(REQUEST_STATUS_LABELS, r["status"]),
                "decided_at": show_date(r["decided_at"]),
                "created_at": show_date(r["created_at"]),
            }
            for r in decisions["access_requests"]
        ],
        "emergencies": [
            {
                **e,
                "danger_label": str(dict(Danger.choices).get(e["danger"], "–")),
                "consent_label": label(REQUEST_STATUS_LABELS, e["consent"]),
                "created_at": show_date(e["created_at"]),
                "consent_at": show_date(e["consent_at"]),
            }
            for e in decisions["emergencies"]
        ],
        "reviews": [
            {
                **r,
                "causes": [
                    {**c, "label": cause_label(c["cause"]), "at": show_date(c["at"])}
                    for c in r["causes"]
                ],
                "due_at": show_date(r["due_at"]),
                "done_at": show_date(r["done_at"]),
                "outcome_label": label(OUTCOME_LABELS, r["outcome"]) if r["outcome"] else "",
            }
            for r in decisions["reviews"]
        ],
    }


def record_page(request: HttpRequest, record_id: str) -> Any:
    """A record with its decisions and the complaint form (R-J6); each read logged."""
    form = ComplaintForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                complaint_lodge(
                    actor=request.user, record_id=record_id, text=form.cleaned_data["text"]
                )
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                apply_simple_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("The complaint is in the owner's inbox; its outcome appears here.")
                )
                return redirect("console:record", record_id=record_id)
        else:
            status = 400
    try:
        data = supervision_record_read(actor=request.user, record_id=record_id)
    except NotFound:
        raise Http404 from None
    decisions = data["decisions"]
    record = present_record({**data, "storage_decision": decisions["storage"]})
    log_url = reverse("console:audit_auditevent_changelist") + "?" + _query("ref", data["id"])
    return _render(
        request,
        "console/record.html",
        {
            "title": _("Record %(number)s") % {"number": data["reference"]["file_number"]},
            "record": record,
            "decisions": _decisions(decisions),
            "form": form,
            "log_url": log_url,
            "art10": "art10" in data["markings"],
        },
        status=status,
    )


def complaints_page(request: HttpRequest) -> Any:
    """The complaints this supervisor lodged and the owners' decisions (R-J6)."""
    rows = complaints_of(request.user)
    refs = [
        {"record": c["record"], "agency": c["agency"], "file_number": c["file_number"]}
        for c in rows
        if not c["covert"]
    ]
    covert = [
        {"record": c["record"], "agency": c["agency"], "file_number": c["file_number"]}
        for c in rows
        if c["covert"]
    ]
    with transaction.atomic():
        log_event(
            actor=request.user,
            action="audit.read",
            references=refs,
            covert=covert,
            details={"via": "console", "page": "complaints"},
        )
    shown = [
        {
            **c,
            "lodged_at": show_date(c["lodged_at"]),
            "decided_at": show_date(c["decided_at"]),
            "outcome_label": label(OUTCOME_LABELS, c["outcome"]) if c["outcome"] else "",
        }
        for c in rows
    ]
    return _render(request, "console/complaints.html", {"title": _("Complaints"), "rows": shown})


# ------------------------------------------------------------------ duties (R-L6)


def duties_page(request: HttpRequest) -> Any:
    """Overdue "without delay" duties per agency (R-L6), each list logged."""
    actor: Any = request.user
    groups = []
    shown_all: list[dict[str, Any]] = []
    for agency in supervised_agencies(actor, "records").order_by("code"):
        items = overdue_for_supervisor(actor=actor, agencies=Agency.objects.filter(pk=agency.pk))
        rows = [overdue_view(row) for row in items[:DUTY_ROWS_PER_AGENCY]]
        if not rows:
            continue
        shown_all += rows
        groups.append(
            {
                "code": agency.code,
                "name": agency.name,
                "count": items.count(),
                "rows": [
                    {
                        **r,
                        "kind_label": str(DUTY_LABELS.get(r["kind"], "–")),
                        "due_at": show_date(r["due_at"]),
                        "reminded_at": show_date(r["reminded_at"]),
                    }
                    for r in rows
                ],
            }
        )
    overdue_log_view(actor=actor, items=shown_all, query=dict(request.GET.lists()))
    return _render(request, "console/duties.html", {"title": _("Overdue duties"), "groups": groups})


# ------------------------------------------------------------------ delegations (R-J2)


def delegations_page(request: HttpRequest) -> Any:
    """Delegations given and received; the form to delegate (R-J2)."""
    actor: Any = request.user
    own = [
        a
        for a in Agency.objects.order_by("code")
        if (a.level == "federal" and actor.jurisdiction == "federal")
        or (a.level == "state" and a.state == actor.jurisdiction)
    ]
    form = DelegationForm(request.POST or None, agencies=own, own=actor.jurisdiction)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", [], None)}
        try:
            supervision.delegation_create(actor=actor, data=data)
        except DomainError as exc:
            apply_simple_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The delegation is in force."))
            return redirect("console:delegations")
    rows = [
        {
            "id": d.pk,
            "agency": d.agency.code,
            "agency_name": d.agency.name,
            "given": d.from_jurisdiction == actor.jurisdiction,
            "from_label": jurisdiction_label(d.from_jurisdiction),
            "to_label": jurisdiction_label(d.to_jurisdiction),
            "scope": [label(SCOPE_LABELS, s) for s in d.scope],
            "valid_from": show_date(d.valid_from),
            "valid_until": show_date(d.valid_until),
            "reasons": d.reasons,
            "active": delegation_active(d),
            "revoked_at": show_date(d.revoked_at),
        }
        for d in delegations_for(actor)
    ]
    return _render(
        request,
        "console/delegations.html",
        {"title": _("Delegations"), "rows": rows, "form": form},
        status=status,
    )


def delegation_revoke_view(request: HttpRequest, delegation_id: str) -> Any:
    """Revoke a delegation (POST; the delegating supervisor)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        supervision.delegation_revoke(actor=request.user, delegation_id=delegation_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The delegation is revoked."))
    return redirect("console:delegations")


# ------------------------------------------------------------------ controls (R-J4, R-J7)


def controls_page(request: HttpRequest) -> Any:
    """Control plans with their next due dates, recent controls, periods purged unchecked."""
    actor: Any = request.user
    agencies = list(supervised_agencies(actor, "controls").order_by("code"))
    files = list(File.objects.order_by("code").values_list("code", flat=True))
    form = ControlPlanForm(request.POST or None, agencies=agencies, files=files)
    status = 200
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        cycle = str(data.get("cycle_months", "")).strip()
        if cycle.isdigit():
            data["cycle_months"] = int(cycle)
        try:
            supervision.control_plan_create(actor=actor, data=data)
        except DomainError as exc:
            apply_simple_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The control plan is set."))
            return redirect("console:controls")
    plans = [
        {
            **s,
            "state_label": label(PLAN_STATE_LABELS, s["state"]),
            "next_due": show_date(s["next_due"]),
            "starts_on": show_date(s["starts_on"]),
        }
        for s in (plan_state(p) for p in control_plans_for(actor))
    ]
    controls = [
        {
            "agency": c.agency.code,
            "file": c.file or "–",
            "period_from": show_date(c.period_from),
            "period_to": show_date(c.period_to),
            "done_on": show_date(c.done_on),
            "supervisor": c.supervisor_username,
            "findings": c.findings,
            "measures": c.measures,
        }
        for c in controls_for(actor)[:50]
    ]
    unchecked = [
        {**row, "from": show_date(row["from"]), "to": show_date(row["to"])}
        for row in unchecked_purged_periods(actor)
    ]
    return _render(
        request,
        "console/controls.html",
        {
            "title": _("Mandatory controls"),
            "plans": plans,
            "controls": controls,
            "unchecked": unchecked,
            "form": form,
        },
        status=status,
    )


def control_record_view(request: HttpRequest, plan_id: str) -> Any:
    """Record a completed control under a plan."""
    try:
        plan = supervision.control_plan_get(actor=request.user, plan_id=plan_id)
    except NotFound:
        raise Http404 from None
    form = ControlForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        try:
            supervision.control_record(actor=request.user, plan_id=plan.pk, data=data)
        except DomainError as exc:
            apply_simple_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The control is recorded."))
            return redirect("console:controls")
    state = plan_state(plan)
    return _render(
        request,
        "console/control_form.html",
        {
            "title": _("Record a mandatory control"),
            "plan": {**state, "next_due": show_date(state["next_due"])},
            "form": form,
        },
        status=status,
    )
