"""The BKA's public report page ``/bericht/`` (R-J5): figures, charts, CSV; no login.

The figures come from ``verbund.selectors.statistics`` (the same as
``GET /api/v1/reports/statistics/``); the charts from ``verbund.views.report_charts``. The
page, the CSV and the charts carry no personal data and are not logged (as the API).
"""

from __future__ import annotations

import csv
from typing import Any

from csp.decorators import csp_replace
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from verbund.forms.reports import ReportPeriodForm
from verbund.selectors.statistics import (
    CSV_FIGURES,
    REPORTED_FILES,
    Period,
    figure,
    report_statistics,
)
from verbund.views.report_charts import CHART_NAMES, chart_rows, chart_svg, chart_title

# The chart responses only: pygal's SVG styles itself inline; nothing else is allowed.
CHART_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'none'"],
    "script-src": ["'none'"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


def _period(request: HttpRequest) -> tuple[ReportPeriodForm, Period | None]:
    form = ReportPeriodForm(request.GET)
    form.is_valid()
    return form, form.period


def _query(period: Period) -> str:
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def _bad_period(form: ReportPeriodForm) -> HttpResponse:
    messages = [f"{name}: {m}" for name, errors in form.errors.items() for m in errors]
    return HttpResponse(
        "\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


@require_safe
def report(request: HttpRequest) -> HttpResponse:
    """Show the figures of the period as tables and charts, with links to CSV and JSON."""
    form, period = _period(request)
    if period is None:
        return render(request, "verbund/report.html", {"form": form}, status=400)
    data = report_statistics(period)
    files = data["files"]
    query = _query(period)
    tables = [
        {"label": str(label), "values": [figure(files[code], path) for code in REPORTED_FILES]}
        for path, label in CSV_FIGURES
    ]
    charts = [
        {
            "name": name,
            "title": chart_title(name),
            "src": f"/bericht/diagramm/{name}.svg?{query}",
            "rows": chart_rows(name, files),
        }
        for name in CHART_NAMES
    ]
    context: dict[str, Any] = {
        "form": form,
        "period": period,
        "codes": REPORTED_FILES,
        "tables": tables,
        "charts": charts,
        "subject_requests": data["subject_requests"],
        "csv_url": f"/bericht/bericht.csv?{query}",
        "json_url": f"/api/v1/reports/statistics/?{query}",
    }
    return render(request, "verbund/report.html", context)


@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    """Download the figures of the period as CSV: one row per figure, a column per file."""
    form, period = _period(request)
    if period is None:
        return _bad_period(form)
    data = report_statistics(period)
    name = f"verbund-bericht-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(["figure", _("Figure"), *REPORTED_FILES])
    writer.writerow(["period.from", _("First day"), *[period.start.isoformat()] * 2])
    writer.writerow(["period.to", _("Last day"), *[period.end.isoformat()] * 2])
    for path, label in CSV_FIGURES:
        writer.writerow(
            [path, str(label), *[figure(data["files"][c], path) for c in REPORTED_FILES]]
        )
    return response


@require_safe
@csp_replace(CHART_CSP)  # type: ignore[arg-type]  # typed for views without arguments
def report_chart(request: HttpRequest, name: str) -> HttpResponse:
    """Return one chart of the period as SVG (shown by the page with ``<img>``)."""
    if name not in CHART_NAMES:
        raise Http404
    form, period = _period(request)
    if period is None:
        return _bad_period(form)
    files = report_statistics(period)["files"]
    return HttpResponse(chart_svg(name, files), content_type="image/svg+xml")
