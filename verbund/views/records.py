"""Record pages: own list, entry form, detail, change, block, delete, correction notice.

Thin: parse the form, call one selector or service, render. Every rule lives in the
services (verbund.services.records) and the access layer; a refusal comes back as a
``DomainError`` whose field paths the form maps to its inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.access.records import authorised_files
from verbund.access.requests import hit_showing_record
from verbund.errors import DomainError, Forbidden, NotFound, VersionConflict
from verbund.forms.records import (
    INCIDENT_LABELS,
    MEASURE_KIND_LABELS,
    PROCEEDINGS_LABELS,
    PROCEEDINGS_STATUS_LABELS,
    BlockForm,
    CorrectionNoticeForm,
    DeleteForm,
    RecordForm,
    apply_simple_error,
)
from verbund.models.records import RecordStatus
from verbund.selectors.records import own_records, record_get
from verbund.services.records import (
    correction_notice_create,
    record_block,
    record_create,
    record_delete,
    record_update,
)
from verbund.views import search as search_views
from verbund.views.common import (
    catalogue_labels,
    forbidden,
    log_records_shown,
    present_record,
    present_row,
    show_date,
)

PAGE_SIZE = 50
# Statuses a refused form is answered with (the service's own where it says more).
FORM_ERROR_STATUSES = frozenset({400, 403, 409, 422})


def _conflict_message() -> str:
    """Return the message shown when the record changed since the form was loaded."""
    return _(
        "The record was changed by someone else in the meantime; your changes were not "
        "saved. Your input is kept below: reload the record, check the current data and "
        "make your change again."
    )


def _error_status(exc: DomainError) -> int:
    return exc.status if exc.status in FORM_ERROR_STATUSES else 400


def _viewable(request: HttpRequest, record_id: Any) -> dict[str, Any]:
    """Return the record as the officer may see it (access logged), or raise 404."""
    try:
        return record_get(actor=as_officer(request.user), record_id=record_id)
    except NotFound:
        raise Http404 from None


def _is_owner(request: HttpRequest, data: dict[str, Any]) -> bool:
    agency = getattr(request.user, "agency", None)
    return agency is not None and data.get("reference", {}).get("agency") == agency.code


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    """List the own agency's records, newest first, 50 a page; the page shown is logged."""
    file_code = request.GET.get("file") or None
    paginator = Paginator(
        own_records(actor=as_officer(request.user), file_code=file_code), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    records = list(page.object_list)
    log_records_shown(as_officer(request.user), records)
    cat = catalogue_labels()
    return render(
        request,
        "verbund/record_list.html",
        {
            "page": page,
            "rows": [present_row(r, cat) for r in records],
            "file_code": file_code,
            "file_codes": list(
                authorised_files(request.user).order_by("code").values_list("code", flat=True)
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    """Enter a record through the form; the service checks every entry rule."""
    form = RecordForm(
        request.POST if request.method == "POST" else None,
        actor=as_officer(request.user),
        # ``?file=GWS`` opens the form for that file (its sections, R-M2).
        file_code=str(request.GET.get("file") or "")[:20],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                record = record_create(actor=as_officer(request.user), data=form.to_payload())
            except DomainError as exc:
                form.apply_domain_error(exc)
                status = _error_status(exc)
            else:
                messages.success(
                    request,
                    _("Record %(number)s entered.") % {"number": record.file_number},
                )
                return redirect("record_detail", record_id=record.pk)
    return render(request, "verbund/record_form.html", {"form": form}, status=status)


# Further parts of the detail page, each ``make(request, data, owner) -> context``
# (the lifecycle's review and blocked-use forms, verbund.views.lifecycle).
DETAIL_EXTRAS: list[Callable[[HttpRequest, dict[str, Any], bool], dict[str, Any]]] = []


def _detail_context(
    request: HttpRequest, data: dict[str, Any], correction: CorrectionNoticeForm | None = None
) -> dict[str, Any]:
    owner = _is_owner(request, data)
    context = {
        "record": present_record(data),
        "gws": present_gws(data),
        "is_owner": owner,
        # R-H2: an agency that lawfully sees another's record may report inaccuracies.
        "correction_form": None if owner else (correction or CorrectionNoticeForm()),
    }
    for extra in DETAIL_EXTRAS:
        context.update(extra(request, data, owner))
    return context


def present_gws(data: dict[str, Any]) -> dict[str, Any] | None:
    """Shape a GWS record's incident report, proceedings, measures (R-M2, R-M3) and, for
    the owner, its source and legal-basis flag (R-M1, R-M5) for the detail page."""
    if data.get("file") == "ATD" or ("incident" not in data and "source" not in data):
        return None
    incident = data.get("incident") or {}
    rows = []
    if incident.get("date"):
        rows.append({"label": INCIDENT_LABELS["date"], "value": show_date(incident["date"])})
    for name in ("event", "venue", "match"):
        if incident.get(name):
            rows.append({"label": INCIDENT_LABELS[name], "value": incident[name]})
    if incident.get("clubs"):
        rows.append({"label": INCIDENT_LABELS["clubs"], "value": ", ".join(incident["clubs"])})
    for name in ("report_reference", "suspected_offence", "fan_group", "description"):
        if incident.get(name):
            rows.append({"label": INCIDENT_LABELS[name], "value": incident[name]})
    proceedings = incident.get("proceedings") or {}
    proceedings_rows = [
        {
            "label": PROCEEDINGS_LABELS[name],
            "value": (
                PROCEEDINGS_STATUS_LABELS.get(proceedings[name], proceedings[name])
                if name == "status"
                else proceedings[name]
            ),
        }
        for name in PROCEEDINGS_LABELS
        if proceedings.get(name)
    ]
    measures = [
        {
            "kind": m.get("kind", ""),
            "kind_label": MEASURE_KIND_LABELS.get(m.get("kind", ""), m.get("kind", "")),
            "from": show_date(m.get("from", "")),
            "until": show_date(m.get("until", "")),
            "authority": m.get("authority", ""),
            "country": m.get("country", ""),
            "reference": m.get("reference", ""),
            "note": m.get("note", ""),
        }
        for m in incident.get("measures", [])
    ]
    source = data.get("source") or {}
    return {
        "has_incident": "incident" in data,
        "incident": rows,
        "proceedings": proceedings_rows,
        "measures": measures,
        "source_system": source.get("system", ""),
        "source_reference": source.get("reference", ""),
        "legacy": bool(source.get("legacy")),
        "stored_without_legal_basis": bool(data.get("stored_without_legal_basis")),
    }


def detail_context(request: HttpRequest, data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Return the detail page's context with some parts replaced (a bound form)."""
    return {**_detail_context(request, data), **overrides}


def viewable(request: HttpRequest, record_id: Any) -> dict[str, Any]:
    """Return the record as the officer may see it (access logged), or raise 404."""
    return _viewable(request, record_id)


@login_required
def record_detail(request: HttpRequest, record_id: str) -> HttpResponse:
    """Show a record the officer may view; everything else is the same 404 (R-D3)."""
    data = _viewable(request, record_id)
    return render(request, "verbund/record_detail.html", _detail_context(request, data))


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, record_id: str) -> HttpResponse:
    """Change a record (owner only, R-H1), validated like an entry."""
    data = _viewable(request, record_id)
    if not _is_owner(request, data):
        return forbidden(request)
    if data.get("status") == RecordStatus.BLOCKED:
        # R-L3: blocked data are frozen; only the owner's delete still acts on them.
        messages.error(request, _("The record is blocked; its data cannot be changed."))
        return redirect("record_detail", record_id=data["id"])
    form = RecordForm(
        request.POST if request.method == "POST" else None,
        actor=as_officer(request.user),
        existing=data,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                record = record_update(
                    actor=as_officer(request.user),
                    record_id=data["id"],
                    data=form.to_payload(),
                    if_match=form.if_match(),
                )
            except NotFound:
                raise Http404 from None
            except VersionConflict:
                # Never overwrite another officer's change; the bound form keeps the input.
                form.add_error(None, _conflict_message())
                status = 409
            except DomainError as exc:
                form.apply_domain_error(exc)
                status = _error_status(exc)
            else:
                messages.success(
                    request, _("Record %(number)s changed.") % {"number": record.file_number}
                )
                return redirect("record_detail", record_id=record.pk)
    context = {"form": form, "record": present_record(data)}
    return render(request, "verbund/record_form.html", context, status=status)


def _owner_action(
    request: HttpRequest,
    record_id: str,
    *,
    form_class: Any,
    action: str,
    run: Callable[[Any, Any, str, list[int] | None], Any],
    success: Callable[[dict[str, Any]], tuple[str, HttpResponse]],
) -> HttpResponse:
    """Show the confirmation form of an owner-only action and run it (block, delete)."""
    data = _viewable(request, record_id)
    if not _is_owner(request, data):
        return forbidden(request)
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial={"version": data.get("version")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                run(
                    as_officer(request.user),
                    data["id"],
                    form.cleaned_data["reason"],
                    form.if_match(),
                )
            except NotFound:
                raise Http404 from None
            except Forbidden as exc:
                return forbidden(request, exc)
            except VersionConflict:
                form.add_error(None, _conflict_message())
                status = 409
            except DomainError as exc:
                apply_simple_error(form, exc)
                status = _error_status(exc)
            else:
                message, response = success(data)
                messages.success(request, message)
                return response
    context = {"form": form, "record": present_record(data), "action": action}
    return render(request, "verbund/record_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_block_view(request: HttpRequest, record_id: str) -> HttpResponse:
    """Block a record instead of deleting it (R-L3); owner only."""
    return _owner_action(
        request,
        record_id,
        form_class=BlockForm,
        action="block",
        run=lambda actor, rid, reason, if_match: record_block(
            actor=actor, record_id=rid, reason=reason, if_match=if_match
        ),
        success=lambda data: (
            _("The record is blocked."),
            redirect("record_detail", record_id=data["id"]),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_delete_view(request: HttpRequest, record_id: str) -> HttpResponse:
    """Delete a record with its keys and pending items (R-L2, R-L5); owner only."""
    return _owner_action(
        request,
        record_id,
        form_class=DeleteForm,
        action="delete",
        run=lambda actor, rid, reason, if_match: record_delete(
            actor=actor, record_id=rid, reason=reason, if_match=if_match
        ),
        success=lambda data: (
            _("Record %(number)s deleted.") % {"number": data["reference"]["file_number"]},
            redirect("record_list"),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_correction(request: HttpRequest, record_id: str) -> HttpResponse:
    """Send the owner a notice of indications of inaccuracy (R-H2).

    GET (the address opened directly) shows the record with the notice form.
    """
    data = _viewable(request, record_id)
    if request.method == "GET":
        return render(request, "verbund/record_detail.html", _detail_context(request, data))
    form = CorrectionNoticeForm(request.POST)
    if form.is_valid():
        try:
            correction_notice_create(
                actor=as_officer(request.user), record_id=data["id"], text=form.cleaned_data["text"]
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            apply_simple_error(form, exc)
        else:
            messages.success(request, _("The owning agency has been notified."))
            return redirect("record_detail", record_id=data["id"])
    return render(
        request, "verbund/record_detail.html", _detail_context(request, data, form), status=400
    )


# ---------------------------------------------------------------- notice from a hit (R-H2)


def _hit_correction_step(hit: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any] | None:
    """Offer the notice of inaccuracy on a hit that showed another agency's record.

    A record the officer may open already has the step (``correction_url``); a
    reference-only hit shows no data to find inaccurate, so it offers none.
    """
    if opened.get("record") or not hit.get("record"):
        return None
    return {
        "label": _("Notice of inaccuracy"),
        "url": reverse("hit_correction", args=[hit["hit"]]),
    }


search_views.HIT_STEPS.append(_hit_correction_step)


@login_required
@require_http_methods(["GET", "POST"])
def hit_correction(request: HttpRequest, hit_id: str) -> HttpResponse:
    """Tell the owner of a record a hit showed about indications of inaccuracy (R-H2).

    Only from a hit of the officer's agency that showed the record (a basic-data name hit
    or an object hit); anything else is 404, like an invented hit.
    """
    actor = as_officer(request.user)
    try:
        _hit, record = hit_showing_record(actor, hit_id)
    except NotFound:
        raise Http404 from None
    shown = {
        "agency": record.owner.name,
        "file_number": record.file_number,
        "surname": (record.basic or {}).get("surname", ""),
        "given_names": (record.basic or {}).get("given_names", ""),
        "object": (record.object_data or {}).get("identifier", ""),
    }
    form = CorrectionNoticeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                correction_notice_create(
                    actor=actor, record_id=record.pk, text=form.cleaned_data["text"]
                )
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                apply_simple_error(form, exc)
            else:
                messages.success(request, _("The owning agency has been notified."))
                return redirect("search")
        status = 400
    return render(
        request,
        "verbund/hit_correction.html",
        {"hit": shown, "form": form},
        status=status,
    )
