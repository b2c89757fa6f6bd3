"""Start page and the public catalogue page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.models import as_officer
from verbund.access.records import authorised_files
from verbund.forms import labels
from verbund.models.catalogue import BKA_FIELDS, CATALOGUE_FIELDS, LEARNING_FIELDS
from verbund.selectors.catalogue import catalogue_history
from verbund.selectors.records import own_records
from verbund.views.common import language


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the officer's files (R-A4) and how many records the own agency holds in each."""
    if getattr(request.user, "role", "") == "supervisor":
        # Issue 17: the supervisor's workplace is the console; the start page says so.
        return render(request, "console/home.html")
    actor = as_officer(request.user)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        own_records(actor=actor)
        .order_by()
        .values("file__code", "storage", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        per_file = counts[row["file__code"]]
        per_file["total"] += row["n"]
        per_file[row["storage"]] += row["n"]
        if row["status"] == "blocked":
            per_file["blocked"] += row["n"]
    files = [
        {
            "code": f.code,
            "name": f.name,
            "label": labels.label(labels.FILE_LABELS, f.code),
            "is_atd": f.is_atd,
            "total": counts[f.code]["total"],
            "open": counts[f.code]["open"],
            "restricted": counts[f.code]["restricted"],
            "covert": counts[f.code]["covert"],
            "blocked": counts[f.code]["blocked"],
        }
        for f in authorised_files(actor).order_by("code")
    ]
    return render(request, "verbund/home.html", {"files": files})


def catalogue(request: HttpRequest) -> HttpResponse:
    """Publish every catalogue: values in force and all versions with their dates (R-C4).

    Public: no login. Only the BKA sets the criteria of fields gg, hh, ii, kk and nn, as an
    administrative regulation published here in its current version.
    """
    lang = language()
    today = timezone.localdate()
    by_field: dict[str, list[Any]] = defaultdict(list)
    for version in catalogue_history():
        by_field[version.field].append(version)
    fields = []
    for name in CATALOGUE_FIELDS:
        versions = sorted(by_field.get(name, []), key=lambda v: v.number, reverse=True)
        current = next((v for v in versions if v.valid_from <= today), None)
        shown = []
        for v in versions:
            if v.valid_from > today:
                state = "future"
            elif current is not None and v.pk == current.pk:
                state = "current"
            else:
                state = "superseded"
            shown.append(
                {
                    "number": v.number,
                    "valid_from": v.valid_from,
                    "published_at": v.published_at,
                    "note": v.note,
                    "state": state,
                    "values": [
                        {"code": x.code, "label": x.label_de if lang == "de" else x.label_en}
                        for x in v.values.all()
                    ],
                }
            )
        fields.append(
            {
                "name": name,
                "label": labels.label(labels.CATALOGUE_FIELD_LABELS, name),
                "bka_only": name in BKA_FIELDS,
                "learning": name in LEARNING_FIELDS,
                "current": next((s for s in shown if s["state"] == "current"), None),
                "versions": shown,
            }
        )
    return render(request, "verbund/catalogue.html", {"fields": fields, "today": today})
