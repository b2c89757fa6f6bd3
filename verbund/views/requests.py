"""Pages of requests for extended data and further use (R-F1, R-F2, R-H3): thin, they call
the same services as the API.

The hit row of a search result offers the request (``HIT_STEPS``), the inbox shows requests
and decisions with their own partials (``INBOX_PARTIALS``, ``INBOX_ROW_BUILDERS``), and the
pages here list the agency's requests, make one and record the owner's decision.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.access.records import visible_record_ids
from verbund.errors import Conflict, DomainError, Forbidden, NotFound
from verbund.forms import labels
from verbund.forms.requests import AccessDecisionForm, AccessRequestForm
from verbund.models.inbox import InboxKind
from verbund.models.requests import (
    USE_CHECK_ONLY,
    USE_MARKING_LABELS,
    RequestKind,
    RequestStatus,
    UseGround,
)
from verbund.selectors.requests import (
    access_request_data,
    access_request_get,
    access_request_list,
    access_requests_data,
    hit_reference,
    log_requests_shown,
)
from verbund.services.requests import access_request_create, access_request_decide
from verbund.services.searches import require_officer
from verbund.views import search as search_views
from verbund.views.common import forbidden, show_date
from verbund.views.errors import method_not_allowed

PAGE_SIZE = 50
DIRECTIONS = {
    "incoming": gettext_lazy("Received"),
    "outgoing": gettext_lazy("Submitted"),
}
KIND_LABELS = dict(RequestKind.choices)
STATUS_LABELS = dict(RequestStatus.choices)
GROUND_LABELS = dict(UseGround.choices)


def use_marking_labels(codes: list[str]) -> list[str]:
    """Return the German labels of use markings (R-C7), never their codes."""
    return [str(USE_MARKING_LABELS.get(code, code)) for code in codes]


def _request_step(hit: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any] | None:
    """The hit row's step "transfer request": another agency's active ATD record only."""
    if opened.get("own") or not opened.get("requestable"):
        return None
    return {"label": _("Transfer request"), "url": reverse("request_new", args=[hit["hit"]])}


def _facts(
    payload: dict[str, Any], *, incoming: bool, may_open: bool = True
) -> list[dict[str, Any]]:
    """Return an inbox payload of a request or decision as labelled facts, no codes.

    The file number links to the record only where the officer may still open it.
    """
    facts: list[dict[str, Any]] = []

    def add(label: Any, value: Any, url: str = "") -> None:
        if value not in (None, "", []):
            facts.append({"label": label, "value": value, "url": url})

    record_url = (
        reverse("record_detail", args=[payload["record"]])
        if payload.get("record") and may_open
        else ""
    )
    add(_("File number"), payload.get("file_number"), record_url)
    if incoming:
        add(_("Requesting agency"), payload.get("requester"))
        add(_("Officer"), payload.get("officer"))
    else:
        add(_("Owning agency"), payload.get("owner"))
        add(_("Decision"), STATUS_LABELS.get(payload.get("status", ""), ""))
    add(_("What is requested"), KIND_LABELS.get(payload.get("kind", ""), ""))
    add(_("Justification"), payload.get("justification"))
    add(_("Ground of the other use"), GROUND_LABELS.get(payload.get("use_ground", ""), ""))
    add(_("What the data are to be used for"), payload.get("use_purpose"))
    add(_("Transfer provision relied on"), payload.get("provision"))
    add(_("Reasons"), payload.get("reasons"))
    add(_("Decided by"), payload.get("decided_by"))
    if payload.get("decided_at"):
        add(_("Decided at"), show_date(str(payload["decided_at"])))
    add(_("Use markings"), "; ".join(use_marking_labels(payload.get("use_markings") or [])))
    return facts


def _inbox_request_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """Add the labelled facts, the crossing warning and the link to the decision page."""
    payload = item.payload
    row["facts"] = _facts(payload, incoming=True)
    row["request_url"] = (
        reverse("request_detail", args=[payload["access_request"]])
        if payload.get("access_request")
        else ""
    )
    row["crosses_separation"] = bool(payload.get("crosses_separation"))


def _may_open(request: HttpRequest, payload: dict[str, Any]) -> bool:
    """Whether the payload's record is still there and open to the officer (a grant can
    end, the owner can delete the record while the decision stays in the inbox)."""
    record_id = payload.get("record")
    if not record_id:
        return False
    visible = visible_record_ids(as_officer(request.user), [record_id])
    return any(str(pk) == str(record_id) for pk in visible)


def _inbox_decision_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """Add the labelled facts of the owner's decision and the links it opens."""
    payload = item.payload
    row["facts"] = _facts(payload, incoming=False, may_open=_may_open(request, payload))
    row["request_url"] = (
        reverse("request_detail", args=[payload["access_request"]])
        if payload.get("access_request")
        else ""
    )


search_views.HIT_STEPS.append(_request_step)
search_views.INBOX_PARTIALS[InboxKind.ACCESS_REQUEST] = "verbund/requests/_inbox_request.html"
search_views.INBOX_PARTIALS[InboxKind.ACCESS_DECISION] = "verbund/requests/_inbox_decision.html"
search_views.INBOX_ROW_BUILDERS[InboxKind.ACCESS_REQUEST] = _inbox_request_row
search_views.INBOX_ROW_BUILDERS[InboxKind.ACCESS_DECISION] = _inbox_decision_row


def _status_of(exc: DomainError) -> int:
    return exc.status if exc.status in (400, 403, 404, 409) else 400


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, hit_id: str) -> HttpResponse:
    """Make a request from a hit of the officer's agency: form and result."""
    try:
        require_officer(request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    actor = as_officer(request.user)
    try:
        hit = hit_reference(actor=actor, hit_id=hit_id)
    except NotFound:
        raise Http404 from None
    is_post = request.method == "POST"
    form = AccessRequestForm(request.POST if is_post else None)
    status = 200
    if is_post:
        status = 400
        if form.is_valid():
            try:
                made = access_request_create(actor=actor, hit=hit_id, **form.service_arguments())
            except NotFound:
                raise Http404 from None
            except Forbidden as exc:
                return forbidden(request, exc)
            except DomainError as exc:
                form.apply_error(exc)
                status = _status_of(exc)
            else:
                messages.success(request, _("The request has been sent to the owning agency."))
                return redirect("request_detail", request_id=made.pk)
    context = {
        "form": form,
        "hit": hit,
        "classification": labels.label(
            labels.CLASSIFICATION_LABELS, hit["reference"]["classification"]
        ),
        "use_marking": USE_MARKING_LABELS[USE_CHECK_ONLY],
        "further_use_value": RequestKind.FURTHER_USE.value,
    }
    return render(request, "verbund/requests/form.html", context, status=status)


def _row(data: dict[str, Any], *, agency_code: str) -> dict[str, Any]:
    incoming = data["owner"] == agency_code
    return {
        "id": data["id"],
        "url": reverse("request_detail", args=[data["id"]]),
        "direction": DIRECTIONS["incoming" if incoming else "outgoing"],
        "incoming": incoming,
        "counterpart": data["requester"] if incoming else data["owner"],
        "file_number": data["file_number"],
        "kind": KIND_LABELS.get(data["kind"], ""),
        "status": data["status"],
        "status_label": STATUS_LABELS.get(data["status"], ""),
        "created_at": data["created_at"],
        "due_at": data["due_at"] if data["status"] == RequestStatus.PENDING else None,
        "crosses_separation": data["crosses_separation"],
    }


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """List the requests the agency received and sent, with their status; logged (R-I1)."""
    try:
        require_officer(request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    actor = as_officer(request.user)
    direction = request.GET.get("direction", "")
    status = request.GET.get("status", "")
    items = access_request_list(actor=actor)
    if direction == "incoming":
        items = items.filter(owner_id=actor.agency_id)
    elif direction == "outgoing":
        items = items.filter(requester_id=actor.agency_id)
    else:
        direction = ""
    if status in RequestStatus.values:
        items = items.filter(status=status)
    else:
        status = ""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    log_requests_shown(actor=actor, requests=shown)
    code = actor.agency.code if actor.agency else ""
    rows = [_row(data, agency_code=code) for data in access_requests_data(shown, actor=actor)]
    return render(
        request,
        "verbund/requests/list.html",
        {
            "page": page,
            "rows": rows,
            "direction": direction,
            "status": status,
            "directions": list(DIRECTIONS.items()),
            "statuses": RequestStatus.choices,
        },
    )


def _detail_context(
    request: HttpRequest, request_id: str, form: AccessDecisionForm | None = None
) -> dict[str, Any]:
    actor = as_officer(request.user)
    try:
        found = access_request_get(actor=actor, request_id=request_id)
    except NotFound:
        raise Http404 from None
    data = access_request_data(found, actor=actor)
    owner = found.owner_id == actor.agency_id
    pending = data["status"] == RequestStatus.PENDING
    return {
        "req": data,
        "is_owner": owner,
        "kind_label": KIND_LABELS.get(data["kind"], ""),
        "status_label": STATUS_LABELS.get(data["status"], ""),
        "ground_label": GROUND_LABELS.get(data["use_ground"], ""),
        "use_markings": use_marking_labels(data["use_markings"]),
        "record_url": reverse("record_detail", args=[data["record"]]) if data["record"] else "",
        "decision_form": (form or AccessDecisionForm()) if owner and pending else None,
    }


@login_required
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    """Show a request to the requesting or the owning agency; the owner decides here."""
    try:
        require_officer(request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    return render(request, "verbund/requests/detail.html", _detail_context(request, request_id))


@login_required
@require_http_methods(["GET", "POST"])
def request_decision(request: HttpRequest, request_id: str) -> HttpResponse:
    """Record the owner's decision, then show the request again (R-F1)."""
    try:
        require_officer(request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    if request.method != "POST":
        return method_not_allowed(
            request,
            ["POST"],
            back_url=reverse("request_detail", args=[request_id]),
            back_label=_("To the request"),
        )
    form = AccessDecisionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            access_request_decide(
                actor=as_officer(request.user),
                request_id=request_id,
                grant=form.cleaned_data["grant"],
                reasons=form.cleaned_data["reasons"],
                provision=form.cleaned_data["provision"],
            )
        except NotFound:
            raise Http404 from None
        except Forbidden as exc:
            return forbidden(request, exc)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return redirect("request_detail", request_id=request_id)
        except DomainError as exc:
            form.apply_error(exc)
            status = _status_of(exc)
        else:
            messages.success(request, _("The decision is recorded; the requesting agency is told."))
            return redirect("request_detail", request_id=request_id)
    context = _detail_context(request, request_id, form)
    return render(request, "verbund/requests/detail.html", context, status=status)
