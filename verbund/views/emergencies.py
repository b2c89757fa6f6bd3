"""Eilfall pages: from the hit to the data, the owner's consent, the duty after refusal.

Thin, like every page: they call the services the API calls (``verbund.services
.emergencies``) and register the hit-row step and the inbox partials through the hooks of
``verbund.views.search``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms import labels
from verbund.forms.emergencies import DANGER_CHOICES, ConsentForm, DutyForm, EilfallForm
from verbund.forms.records import apply_simple_error
from verbund.models import EmergencyAccess
from verbund.models.emergencies import Consent
from verbund.models.inbox import InboxKind
from verbund.models.requests import USE_EILFALL, USE_MARKING_LABELS
from verbund.selectors.emergencies import (
    deciding_heads,
    emergencies_for,
    emergencies_log_view,
)
from verbund.selectors.records import record_get
from verbund.services.emergencies import (
    emergency_access_create,
    emergency_consent_decide,
    emergency_duty_close,
    emergency_get,
    emergency_hit,
    third_parties,
)
from verbund.services.searches import require_officer
from verbund.views import search
from verbund.views.common import forbidden, present_record
from verbund.views.errors import method_not_allowed

DANGER_LABELS = dict(DANGER_CHOICES)
CONSENT_LABELS: dict[str, Any] = {
    Consent.PENDING.value: gettext_lazy("Consent of the owning agency pending"),
    Consent.GRANTED.value: gettext_lazy("Consent granted"),
    Consent.REFUSED.value: gettext_lazy("Consent refused: the access has ended"),
}
DUTY_LABELS = {"deleted": gettext_lazy("deleted"), "blocked": gettext_lazy("blocked")}


# ---------------------------------------------------------------------------- hooks


def _eilfall_step(hit: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any] | None:
    """The hit row's "Eilfall" step: on another agency's active ATD record only."""
    if opened.get("own") or not opened.get("eilfall"):
        return None
    return {"label": _("Eilfall"), "url": reverse("eilfall_new", args=[hit["hit"]])}


def _facts(rows: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    return [{"label": k, "value": v, "url": ""} for k, v in rows if v not in (None, "", [])]


def _consent_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """The owner's consent item: the Eilfall's facts and the consent form."""
    p = item.payload
    row["facts"] = _facts(
        [
            (gettext_lazy("Your record"), p.get("file_number")),
            (gettext_lazy("Accessing agency"), p.get("requester")),
            (gettext_lazy("Officer"), p.get("officer")),
            (gettext_lazy("Decided by"), p.get("decided_by")),
            (gettext_lazy("Danger"), labels.label(DANGER_LABELS, str(p.get("danger", "")))),
            (gettext_lazy("Facts of the present danger"), p.get("facts")),
            (gettext_lazy("Why a request would come too late"), p.get("why_no_request")),
            (
                gettext_lazy("Decision"),
                labels.label(CONSENT_LABELS, str(p.get("consent", ""))) if p.get("consent") else "",
            ),
            (gettext_lazy("Reasons"), p.get("consent_reasons")),
        ]
    )
    row["eilfall_url"] = reverse("eilfall_detail", args=[item.subject_id])
    row["consent_form"] = (
        _kept(request, "consent", item.subject_id) or ConsentForm(prefix=str(item.subject_id))
        if item.done_at is None
        else None
    )


def _refused_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """The requester's duty after a refusal: the refusal and the duty form."""
    p = item.payload
    row["facts"] = _facts(
        [
            (gettext_lazy("File number"), p.get("file_number")),
            (gettext_lazy("Owning agency"), p.get("owner")),
            (gettext_lazy("Refused by"), p.get("consent_by")),
            (gettext_lazy("Reasons"), p.get("reasons")),
            (
                gettext_lazy("The data obtained were"),
                labels.label(DUTY_LABELS, str(p.get("deleted_or_blocked", "")))
                if p.get("deleted_or_blocked")
                else "",
            ),
            (gettext_lazy("Closed by"), p.get("closed_by")),
        ]
    )
    row["third_parties"] = list(p.get("third_parties") or [])
    row["eilfall_url"] = reverse("eilfall_detail", args=[item.subject_id])
    row["duty_form"] = (
        _kept(request, "duty", item.subject_id) or DutyForm(prefix=str(item.subject_id))
        if item.done_at is None
        else None
    )


search.HIT_STEPS.append(_eilfall_step)
search.INBOX_PARTIALS[InboxKind.EMERGENCY_CONSENT.value] = "verbund/_inbox_emergency_consent.html"
search.INBOX_PARTIALS[InboxKind.EMERGENCY_REFUSED.value] = "verbund/_inbox_emergency_refused.html"
search.INBOX_ROW_BUILDERS[InboxKind.EMERGENCY_CONSENT.value] = _consent_row
search.INBOX_ROW_BUILDERS[InboxKind.EMERGENCY_REFUSED.value] = _refused_row


# ---------------------------------------------------------------------------- pages


def _present(ea: EmergencyAccess, *, own_agency: Any) -> dict[str, Any]:
    return {
        "id": ea.pk,
        "outgoing": ea.requester_id == own_agency,
        "file_number": ea.file_number,
        "requester": ea.requester.code,
        "owner": ea.owner.code,
        "officer": ea.officer.username,
        "decided_by": ea.decided_by.username,
        "danger": labels.label(DANGER_LABELS, ea.danger),
        "facts": ea.facts,
        "why_no_request": ea.why_no_request,
        "created_at": ea.created_at,
        "consent": ea.consent,
        "consent_label": labels.label(CONSENT_LABELS, ea.consent),
        "consent_reasons": ea.consent_reasons,
        "consent_by": ea.consent_by.username if ea.consent_by else "",
        "consent_at": ea.consent_at,
        "consent_due_at": ea.consent_due_at,
        "duty_due_at": ea.duty_due_at,
        "duty_done_at": ea.duty_done_at,
        "duty_done": labels.label(DUTY_LABELS, str(ea.duty_steps.get("deleted_or_blocked", "")))
        if ea.duty_steps
        else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def eilfall_new(request: HttpRequest, hit_id: str) -> HttpResponse:
    """Take the extended data of a hit in an Eilfall, decided by the own agency's head."""
    actor = as_officer(request.user)
    try:
        require_officer(actor)
        hit = emergency_hit(actor=actor, hit_id=hit_id)
    except Forbidden as exc:
        return forbidden(request, exc)
    except DomainError:
        raise Http404 from None
    form = EilfallForm(
        request.POST if request.method == "POST" else None, heads=deciding_heads(actor=actor)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                ea, _shown = emergency_access_create(
                    actor=actor,
                    hit=hit_id,
                    danger=form.cleaned_data["danger"],
                    facts=form.cleaned_data["facts"],
                    why_no_request=form.cleaned_data["why_no_request"],
                    decided_by=form.cleaned_data["decided_by"],
                )
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                placed = False
                for name in exc.fields or {}:
                    if name in form.fields:
                        form.add_error(name, exc.detail)
                        placed = True
                if not placed:
                    form.add_error(None, exc.detail)
                status = exc.status if exc.status in (400, 403, 409) else 400
            else:
                messages.success(
                    request,
                    _(
                        "Eilfall recorded. The owning agency has been asked for its consent "
                        "without delay."
                    ),
                )
                return redirect("eilfall_detail", emergency_id=ea.pk)
    context = {
        "form": form,
        "reference": {
            "agency": hit.record.owner.code,
            "file_number": hit.record.file_number,
        },
    }
    return render(request, "verbund/eilfall_form.html", context, status=status)


@login_required
def eilfall_detail(request: HttpRequest, emergency_id: str) -> HttpResponse:
    """One Eilfall; for the requester the record's data while consent is not refused."""
    actor = as_officer(request.user)
    try:
        ea = emergency_get(actor=actor, emergency_id=emergency_id)
    except Forbidden as exc:
        return forbidden(request, exc)
    except DomainError:
        raise Http404 from None
    shown = _present(ea, own_agency=actor.agency_id)
    record = None
    if shown["outgoing"] and ea.record_id and ea.consent != Consent.REFUSED:
        try:
            record = present_record(record_get(actor=actor, record_id=ea.record_id))
        except DomainError:
            record = None
    context = {
        "eilfall": shown,
        "record": record,
        "use_marking": USE_MARKING_LABELS[USE_EILFALL],
        "consent_form": _kept(request, "consent", ea.pk) or ConsentForm(prefix=str(ea.pk))
        if not shown["outgoing"] and ea.consent == Consent.PENDING
        else None,
        "duty_form": _kept(request, "duty", ea.pk) or DutyForm(prefix=str(ea.pk))
        if shown["outgoing"] and ea.consent == Consent.REFUSED and ea.duty_done_at is None
        else None,
        "third_parties": third_parties(ea) if shown["outgoing"] else [],
    }
    return render(request, "verbund/eilfall_detail.html", context)


@login_required
def eilfall_list(request: HttpRequest) -> HttpResponse:
    """The agency's Eilfälle: taken by it (outgoing) and on its records (incoming)."""
    actor = as_officer(request.user)
    try:
        require_officer(actor)
    except Forbidden as exc:
        return forbidden(request, exc)
    direction = request.GET.get("richtung", "")
    chosen = {"ausgehend": "outgoing", "eingehend": "incoming"}.get(direction, "")
    page = Paginator(emergencies_for(actor=actor, direction=chosen), 50).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    emergencies_log_view(actor=actor, items=items)
    rows = [_present(ea, own_agency=actor.agency_id) for ea in items]
    return render(
        request,
        "verbund/eilfall_list.html",
        {"rows": rows, "page": page, "direction": direction},
    )


def _kept(request: HttpRequest, name: str, subject_id: Any) -> Any:
    """The form the officer just sent for this Eilfall, if it is shown again with errors."""
    return getattr(request, "eilfall_forms", {}).get((name, str(subject_id)))


def _shown_again(
    request: HttpRequest, emergency_id: str, name: str, form: Any, *, back: str, status: int
) -> HttpResponse:
    """Show the page the form was on again, with each field's error and the input kept."""
    request.eilfall_forms = {(name, str(emergency_id)): form}  # type: ignore[attr-defined]
    if back == "detail":
        response = eilfall_detail(request, emergency_id)
    else:
        kind = InboxKind.EMERGENCY_CONSENT if name == "consent" else InboxKind.EMERGENCY_REFUSED
        request.GET = QueryDict(f"kind={kind.value}")
        response = search.inbox_page(request)
    if response.status_code == 200:
        response.status_code = status
    return response


def _decided(
    request: HttpRequest,
    emergency_id: str,
    name: str,
    form: Any,
    run: Any,
    *,
    done: str,
    back: str,
    back_url: str,
) -> HttpResponse:
    if not form.is_valid():
        return _shown_again(request, emergency_id, name, form, back=back, status=400)
    try:
        run()
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    except DomainError as exc:
        apply_simple_error(form, exc)
        status = exc.status if exc.status in (400, 409) else 400
        return _shown_again(request, emergency_id, name, form, back=back, status=status)
    messages.success(request, done)
    return redirect(back_url)


def _back(request: HttpRequest) -> str:
    return "detail" if request.POST.get("back") == "detail" else "inbox"


@login_required
@require_http_methods(["GET", "POST"])
def eilfall_consent(request: HttpRequest, emergency_id: str) -> HttpResponse:
    """The owner consents or refuses; back to where the form was (there again on errors)."""
    back = _back(request)
    back_url = (
        reverse("eilfall_detail", args=[emergency_id])
        if back == "detail"
        else f"{reverse('inbox')}?kind={InboxKind.EMERGENCY_CONSENT.value}"
    )
    if request.method != "POST":
        return method_not_allowed(
            request, ["POST"], back_url=back_url, back_label=_("To the inbox")
        )
    form = ConsentForm(request.POST, prefix=emergency_id)
    granted = request.POST.get(f"{emergency_id}-grant") == "1"
    return _decided(
        request,
        emergency_id,
        "consent",
        form,
        lambda: emergency_consent_decide(
            actor=as_officer(request.user),
            emergency_id=emergency_id,
            grant=form.cleaned_data["grant"],
            reasons=form.cleaned_data["reasons"],
        ),
        done=_("Consent recorded.")
        if granted
        else _(
            "Refusal recorded. The requesting agency can no longer see the record and must "
            "delete or block the data."
        ),
        back=back,
        back_url=back_url,
    )


@login_required
@require_http_methods(["GET", "POST"])
def eilfall_duty(request: HttpRequest, emergency_id: str) -> HttpResponse:
    """The requester confirms deletion or blocking and that third parties were informed."""
    back = _back(request)
    back_url = (
        reverse("eilfall_detail", args=[emergency_id])
        if back == "detail"
        else f"{reverse('inbox')}?kind={InboxKind.EMERGENCY_REFUSED.value}"
    )
    if request.method != "POST":
        return method_not_allowed(
            request, ["POST"], back_url=back_url, back_label=_("To the inbox")
        )
    form = DutyForm(request.POST, prefix=emergency_id)
    return _decided(
        request,
        emergency_id,
        "duty",
        form,
        lambda: emergency_duty_close(
            actor=as_officer(request.user),
            emergency_id=emergency_id,
            deleted_or_blocked=form.cleaned_data["deleted_or_blocked"],
            third_parties_informed=form.cleaned_data["third_parties_informed"],
            note=form.cleaned_data.get("note") or "",
        ),
        done=_("The duty is recorded as done."),
        back=back,
        back_url=back_url,
    )
