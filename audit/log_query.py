"""The supervisors' log query with the agency ids resolved first (R-I4; ``make bench-audit``).

``audit.selectors.audit_events_for`` filters ``agency__in=<subquery>`` and
``AuditEventFilter`` filters ``agency__code=<code>`` through a join: PostgreSQL plans both
without knowing which agency ids they mean, so over millions of rows it hash-joins every
index entry of the log (COUNT of a federal supervisor's 1.6 M of 10 M rows: ~1 s) or walks
the ``seq`` index backwards filtering the agency (a state agency's week: ~100 ms and up).
Resolving the few agency ids first (one tiny query on ``agencies_agency``) and filtering
``agency_id = ANY(<ids>)`` lets it use the ``(agency_id, time)`` index per partition with
the right estimates: the same COUNT takes ~120 ms, the first page a few ms
(``docs/benchmarks.md``). Same rows, same order as the selector it replaces.

The console branch owns ``audit/selectors.py`` and ``verbund/api/filters.py``; these two
functions are the drop-in replacements the lead applies there when merging
(``audit_events_for`` → ``events_for_supervisor``; the FilterSet's ``agency`` filter →
``method=filter_acting_agency``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from agencies.models import Agency
from audit.models import AuditEvent
from audit.selectors import supervised_agencies


def events_for_supervisor(
    *,
    actor: Any,
    agency_code: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Return log events of the supervised agencies, newest first (ids resolved first)."""
    agencies = supervised_agencies(actor)
    if agency_code:
        agencies = agencies.filter(code=agency_code)
    ids = list(agencies.values_list("pk", flat=True))
    qs = AuditEvent.objects.filter(agency_id__in=ids).select_related("agency")
    if since:
        qs = qs.filter(time__gte=since)
    if until:
        qs = qs.filter(time__lt=until)
    return qs.order_by("-seq")


def filter_acting_agency(queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
    """FilterSet method for ``?agency=<code>``: the acting agency by its id, not by a join."""
    pk = Agency.objects.filter(code=value).values_list("pk", flat=True).first()
    return queryset.filter(agency_id=pk) if pk else queryset.none()
