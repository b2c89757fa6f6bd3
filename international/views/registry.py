"""Browser pages of the partner registry and of foreign requests (R-N1, R-E5).

Thin: reads from ``international.services.registry`` / ``.partners``; recording a request
through ``partner_request_create`` (a refusal is shown at its field).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, as_officer
from international.api.registry import _officer_with_file
from international.forms.registry import PartnerRequestForm
from international.models import PartnerKind
from international.services.partners import partner_request_create, partner_requests_for
from international.services.registry import legal_bases, partners
from verbund.errors import DomainError, Forbidden
from verbund.views.common import forbidden


@login_required
@require_http_methods(["GET"])
def partner_page(request: HttpRequest) -> HttpResponse:
    """The partner registry grouped by kind, and the legal bases with who may use them."""
    user: Any = request.user
    if not (getattr(user, "role", "") == "supervisor" or _officer_with_file(user)):
        return forbidden(
            request, Forbidden(_("Only officers authorised for a file."), code="forbidden")
        )
    labels = dict(PartnerKind.choices)
    rows = list(partners().order_by("kind", "sender", "code"))
    groups = [
        {"kind": str(labels.get(kind, kind)), "partners": list(items)}
        for kind, items in groupby(rows, key=lambda p: p.kind)
    ]
    names = dict(Agency.objects.values_list("code", "name"))
    bases = [
        {
            "citation": b.citation,
            "title": b.title,
            "source": b.source,
            "agencies": [names.get(code, code) for code in b.agencies],
            "covers_art10_art13": b.covers_art10_art13,
        }
        for b in legal_bases().order_by("citation")
    ]
    context = {"groups": groups, "bases": bases}
    return render(request, "international/partners.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def partner_requests_page(request: HttpRequest) -> HttpResponse:
    """Record a foreign request; list the agency's requests."""
    if not _officer_with_file(request.user):
        return forbidden(
            request,
            Forbidden(_("Only officers authorised for a file record foreign requests.")),
        )
    actor = as_officer(request.user)
    form = PartnerRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                partner_request_create(actor=actor, data=form.to_service())
            except DomainError as exc:
                placed = False
                for path, details in (exc.fields or {}).items():
                    if path in form.fields:
                        for detail in details:
                            form.add_error(path, str(detail))
                            placed = True
                if not placed:
                    form.add_error(None, exc.detail)
            else:
                messages.success(request, _("The foreign request is recorded."))
                return redirect("international_requests")
    rows = list(partner_requests_for(actor).select_related("officer")[:200])
    if rows:
        from audit.services import log_event

        log_event(
            actor=actor,
            action="partner_request.list",
            object_type="international.partnerrequest",
            details={"ids": [str(r.pk) for r in rows]},
        )
    context = {"form": form, "rows": rows}
    return render(request, "international/partner_requests.html", context, status=status)
