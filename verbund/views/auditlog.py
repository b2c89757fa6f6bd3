"""The log in the browser for BKA operators and for the owner agency's head (R-I2, R-I5).

Thin: the same selectors and the same read logs as ``GET /audit/operations/`` and
``GET /records/{id}/history/`` (``audit.readers``). Actions are shown in plain words where
the page knows them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.readers import history_view, operation_view, operations_events, record_history_events
from audit.services import log_event
from verbund.access.history import history_record
from verbund.access.logging import log_record
from verbund.errors import Forbidden, NotFound
from verbund.views import records as record_views
from verbund.views.common import forbidden

PAGE_SIZE = 50


def action_label(code: str) -> str:
    """Return the plain words for an action (one list for every log page: the console's)."""
    from verbund.console.labels import action_label as label

    return label(code)


class OperationsFilterForm(forms.Form):
    """Filters of the operations log page (dates are local days, inclusive)."""

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.CharField(label=_("Action"), required=False, max_length=40)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def operations_log_page(request: HttpRequest) -> HttpResponse:
    """The BKA operators' log: operation and security, nothing about covert records."""
    if getattr(request.user, "role", "") != "operator":
        return forbidden(request, Forbidden(str(_("For the BKA's IT operations only."))))
    form = OperationsFilterForm(request.GET or None)
    items = operations_events()
    status = 200
    if form.is_bound and not form.is_valid():
        items = items.none()
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
        if data["since"]:
            items = items.filter(time__gte=_local_midnight(data["since"]))
        if data["until"]:
            until = data["until"] + datetime.timedelta(days=1)
            items = items.filter(time__lt=_local_midnight(until))
        if data["action"]:
            items = items.filter(action=data["action"])
    page = _page(request, items)
    rows = [operation_view(event) for event in page.object_list]
    with transaction.atomic():
        log_event(
            actor=request.user,
            action="audit.operations_read",
            details={"events": [row["id"] for row in rows], "query": dict(request.GET.lists())},
        )
    for row in rows:
        row["action_label"] = action_label(row["action"])
        row["time"] = datetime.datetime.fromisoformat(row["time"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "verbund/operations_log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
        status=status,
    )


@login_required
def record_history_page(request: HttpRequest, record_id: str) -> HttpResponse:
    """Every log entry about one record, for the head of its owning agency."""
    try:
        record = history_record(request.user, record_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return forbidden(request, exc)
    page = _page(request, record_history_events(record.pk))
    rows = [history_view(event, record.pk) for event in page.object_list]
    with transaction.atomic():
        log_record(
            actor=request.user,
            action="record.history_read",
            record=record,
            details={"events": [row["id"] for row in rows]},
        )
    for row in rows:
        row["action_label"] = action_label(row["action"])
        row["time"] = datetime.datetime.fromisoformat(row["time"])
    return render(
        request,
        "verbund/record_history.html",
        {"record": record, "page": page, "rows": rows},
    )


def _history_link(request: HttpRequest, data: dict[str, Any], owner: bool) -> dict[str, Any]:
    """The record page links to the log history for the owner agency's head."""
    if owner and getattr(request.user, "role", "") == "head":
        return {"history_url": reverse("record_history", args=[data["id"]])}
    return {}


record_views.DETAIL_EXTRAS.append(_history_link)
