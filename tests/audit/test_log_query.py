"""The supervisors' log query resolves agency ids first and returns the join form's rows (R-I4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
import pytest
from django.core.exceptions import EmptyResultSet
from django.test import RequestFactory

from agencies.models import Officer
from audit.models import AuditEvent
from audit.selectors import audit_events_for, supervised_agencies
from verbund.api.filters import AuditEventFilter


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "query"),
    [
        ("bfdi.supervisor", {}),
        ("bfdi.supervisor", {"agency": "BKA"}),
        ("bfdi.supervisor", {"agency": "LKA-BW"}),
        ("lfd-bw.supervisor", {"agency": "LKA-BW", "since": "2000-01-01T00:00:00Z"}),
        ("lfd-bw.supervisor", {"until": "2000-01-01T00:00:00Z"}),
    ],
)
def test_r_i4_resolved_agency_ids_give_the_same_rows_as_the_supervisor_selector(
    make_record: Callable[..., Any], username: str, query: dict[str, str]
) -> None:
    for owner in ("bka.analyst", "lka-bw.analyst", "bfv.analyst", "lka-by.analyst"):
        make_record(owner)
    actor = Officer.objects.get(username=username)
    request = RequestFactory().get("/", query)

    class Joined(AuditEventFilter):
        agency = django_filters.CharFilter(field_name="agency__code")

    joined = AuditEvent.objects.filter(agency__in=supervised_agencies(actor)).order_by("-seq")
    expected = Joined(request.GET, queryset=joined).qs
    found = AuditEventFilter(request.GET, queryset=audit_events_for(actor=actor)).qs
    assert [e.pk for e in found] == [e.pk for e in expected]
    direct = audit_events_for(actor=actor, agency_code=query.get("agency"))
    assert set(direct.values_list("pk", flat=True)) >= {e.pk for e in found}
    # The agency ids are literals: no subquery, no filter through the agency table.
    try:
        sql = str(direct.query)
    except EmptyResultSet:  # outside the jurisdiction: no ids, Django runs no query at all
        assert query.get("agency") == "LKA-BW" and not found
        return
    assert sql.count("SELECT") == 1 and "agencies_agency" not in sql.split(" WHERE ")[1]


@pytest.mark.django_db
def test_r_i4_an_unknown_agency_code_matches_nothing_not_the_system_rows(
    make_record: Callable[..., Any],
) -> None:
    make_record("bka.analyst")
    actor = Officer.objects.get(username="bfdi.supervisor")
    assert not audit_events_for(actor=actor, agency_code="NOPE").exists()
