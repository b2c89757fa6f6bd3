"""Overdue "without delay" duties in the browser: the agency head's list and the supervisor's.

Thin: the same selectors and the same read log as ``GET /overdue/`` and
``GET /supervision/overdue/`` (R-L6, R-I1). Officers read the kind of duty in plain German,
never its code.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from verbund.errors import Forbidden
from verbund.selectors.duties import overdue_for_head, overdue_for_supervisor, overdue_view
from verbund.services.duties import overdue_log_view
from verbund.views.common import forbidden

PAGE_SIZE = 50
KIND_LABELS = {
    "covert_hit": _("Decision on contact after a covert hit"),
    "access_request": _("Decision on a request for extended data"),
    "emergency_consent": _("Consent to an emergency access"),
    "emergency_refused": _("Deletion or blocking after refused consent"),
    "correction_notice": _("Review of a notice of inaccuracy"),
    "review_due": _("Review of a record"),
    "subject_request": _("Decision on a subject request"),
}


def _rows(request: HttpRequest, items: Any, *, links: bool) -> tuple[Any, list[dict[str, Any]]]:
    """Page the list, log the page shown and shape its rows."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [overdue_view(row) for row in page.object_list]
    overdue_log_view(actor=request.user, items=shown, query=dict(request.GET.lists()))
    names = dict(
        Agency.objects.filter(code__in={i["agency"] for i in shown}).values_list("code", "name")
    )
    inbox = reverse("inbox")
    rows = [
        {
            **item,
            "kind_label": KIND_LABELS.get(item["kind"], ""),
            "agency_name": names.get(item["agency"], item["agency"]),
            "inbox_url": f"{inbox}?kind={item['kind']}" if links else "",
        }
        for item in shown
    ]
    return page, rows


@login_required
def overdue_page(request: HttpRequest) -> HttpResponse:
    """The head's list of its agency's overdue duties, each linking to the inbox."""
    try:
        items = overdue_for_head(actor=request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    page, rows = _rows(request, items, links=True)
    return render(
        request, "verbund/overdue.html", {"page": page, "rows": rows, "supervision": False}
    )


@login_required
def supervision_overdue_page(request: HttpRequest) -> HttpResponse:
    """The supervisor's list: overdue duties of the agencies it controls."""
    try:
        items = overdue_for_supervisor(actor=request.user)
    except Forbidden as exc:
        return forbidden(request, exc)
    page, rows = _rows(request, items, links=False)
    return render(
        request, "verbund/overdue.html", {"page": page, "rows": rows, "supervision": True}
    )
