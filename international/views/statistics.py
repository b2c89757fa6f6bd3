"""The page „Internationaler Austausch in Zahlen“ (``/international/statistik/``).

Public like the BKA's report page (``verbund.views.reports``): figures only, no login, not
logged. The figures come from ``international.selectors.statistics`` (the same as
``GET /api/v1/reports/international/``); the CSV download is the API's.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from international.forms.statistics import InternationalPeriodForm
from international.selectors.statistics import international_statistics


@require_safe
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Show the figures of the period as tables, with links to CSV and JSON."""
    form = InternationalPeriodForm(request.GET)
    form.is_valid()
    if form.period is None:
        return render(request, "international/statistics.html", {"form": form}, status=400)
    period = form.period
    data = international_statistics(period, form.grouping)
    query = urlencode(
        {"from": period.start.isoformat(), "to": period.end.isoformat(), "group_by": form.grouping}
    )
    context = {
        "form": form,
        "period": period,
        "data": data,
        "csv_url": f"/api/v1/reports/international/?{query}&format=csv",
        "json_url": f"/api/v1/reports/international/?{query}",
    }
    return render(request, "international/statistics.html", context)
