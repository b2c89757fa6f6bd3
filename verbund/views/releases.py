"""The state police's page "Freigabe aus Landessystem": upload a delivery, read the report.

Thin: ``verbund.services.releases.release_run`` checks the delivery, the officer and the
gate and enters each row (channel ``browser``; never legacy stock). Officers of an agency
that owns a state system see the page in the navigation (``state_system_nav``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.models import Release
from verbund.models.states import ReleaseChannel
from verbund.services.releases import (
    MAX_BYTES,
    release_find,
    release_run,
    releases_for,
    state_system_for_agency,
)
from verbund.views.common import forbidden

# What a refusal code means, for the officer (the codes stay in the API).
CODE_LABELS = {
    "already_released": gettext_lazy("already released"),
    "required": gettext_lazy("required information missing"),
    "invalid_date": gettext_lazy("invalid date"),
    "invalid": gettext_lazy("invalid information"),
    "invalid_choice": gettext_lazy("value not allowed"),
    "invalid_country": gettext_lazy("unknown country code"),
    "invalid_row": gettext_lazy("row cannot be read"),
    "unknown_field": gettext_lazy("unknown field"),
    "too_long": gettext_lazy("too long"),
    "too_many": gettext_lazy("too many entries"),
    "invalid_characters": gettext_lazy("characters not allowed"),
    "deletion_date_too_late": gettext_lazy("deletion date too late"),
    "deletion_date_past": gettext_lazy("deletion date already passed"),
    "review_date_past": gettext_lazy("review date already passed"),
    "review_after_deletion": gettext_lazy("review date after deletion date"),
    "storage_not_allowed": gettext_lazy("storage mode not allowed"),
    "extended_not_allowed": gettext_lazy("extended data not allowed"),
}


def code_label(code: str) -> str:
    """Return the officer's label of a refusal code."""
    return str(CODE_LABELS.get(code, _("rejected")))


class ReleaseForm(forms.Form):
    """Upload of one delivery (JSON or CSV)."""

    delivery = forms.FileField(
        label=gettext_lazy("Delivery file"),
        help_text=gettext_lazy("JSON or CSV of the state system, at most 5 MB."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("", gettext_lazy("from the file name")),
            ("json", "JSON"),
            ("csv", "CSV"),
        ],
        required=False,
    )


def field_path_label(path: str) -> str:
    """A rejected row's field path in words (``incident.measures[0].country`` →
    "Vorkommnisbericht › Maßnahme 1 › Staat"): officers see labels, not paths."""
    import re

    from verbund.forms import labels
    from verbund.forms import records as record_labels

    top: dict[str, tuple[str, dict[str, Any]]] = {
        "basic": (_("Basic data"), labels.BASIC_LABELS),
        "incident": (_("Incident report"), record_labels.INCIDENT_LABELS),
        "reference": (_("File reference"), {"file_number": gettext_lazy("File number")}),
    }
    words: list[str] = []
    parts = path.split(".")
    mapping: dict[str, Any] = {
        "source_reference": gettext_lazy("Reference in the state system"),
        "row": gettext_lazy("Row"),
    }
    for n, part in enumerate(parts):
        match = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?", part)
        name, index = (match.group(1), match.group(2)) if match else (part, None)
        if n == 0 and name in top:
            title, mapping = top[name]
            words.append(str(title))
            continue
        if name == "proceedings":
            words.append(str(_("Proceedings")))
            mapping = record_labels.PROCEEDINGS_LABELS
            continue
        if name == "measures":
            words.append(str(_("Measure")) + (f" {int(index) + 1}" if index is not None else ""))
            mapping = record_labels.MEASURE_LABELS
            continue
        shown = labels.label(mapping, name)
        words.append(shown + (f" {int(index) + 1}" if index is not None else ""))
    return " › ".join(words)


def _report(release: Release) -> dict[str, Any]:
    return {
        "release": release,
        "imported": release.report.get("imported", []),
        "rejected": [
            {
                **item,
                "label": code_label(item.get("code", "")),
                "messages": [
                    (
                        field_path_label(name),
                        "; ".join(str(m) for m in msgs) if isinstance(msgs, list) else msgs,
                    )
                    for name, msgs in (item.get("fields") or {}).items()
                ],
            }
            for item in release.report.get("rejected", [])
        ],
    }


@login_required
@require_http_methods(["GET", "POST"])
def release_page(request: HttpRequest) -> HttpResponse:
    """Upload a delivery of the agency's state system; list past releases."""
    actor = as_officer(request.user)
    system = state_system_for_agency(actor.agency_id)
    if system is None:
        return forbidden(
            request,
            Forbidden(_("Your agency has no state system."), code="forbidden"),
        )
    form = ReleaseForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["delivery"]
            fmt = form.cleaned_data["format"] or (
                "csv" if upload.name.lower().endswith(".csv") else "json"
            )
            payload = upload.read(MAX_BYTES + 1)
            try:
                release = release_run(
                    system_code=system.code,
                    payload=payload,
                    fmt=fmt,
                    actor=actor,
                    channel=ReleaseChannel.BROWSER,
                )
            except Forbidden as exc:
                return forbidden(request, exc)
            except DomainError as exc:
                status = exc.status
                form.add_error(None, exc.detail)
                for name, details in (exc.fields or {}).items():
                    for detail in details if isinstance(details, list) else [details]:
                        form.add_error(None, f"{field_path_label(name)}: {detail}")
            else:
                return redirect("release_detail", release_id=release.pk)
    context = {
        "system": system,
        "form": form,
        "releases": list(releases_for(actor, system)[:50]),
    }
    return render(request, "verbund/release.html", context, status=status)


@login_required
def release_detail(request: HttpRequest, release_id: str) -> HttpResponse:
    """Show one release of the agency with its report."""
    actor = as_officer(request.user)
    try:
        release = release_find(actor, release_id)
    except NotFound:
        return render(request, "verbund/404.html", status=404)
    return render(request, "verbund/release_detail.html", _report(release))


def state_system_nav(request: HttpRequest) -> dict[str, Any]:
    """Template context: whether the officer's agency owns a state system (navigation)."""
    user = getattr(request, "user", None)
    agency_id = getattr(user, "agency_id", None) if user is not None else None
    if not agency_id or getattr(user, "role", "") in ("supervisor", "operator"):
        return {"state_system_nav": False}
    # Evaluated only where the navigation asks (a callable in the template context).
    return {"state_system_nav": lambda: state_system_for_agency(agency_id) is not None}
