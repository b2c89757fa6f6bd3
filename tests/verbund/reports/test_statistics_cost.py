"""R-J5: the published figures cost a fixed number of aggregate queries, through indexes.

No figure loops over the file in Python: the number of queries does not grow with records,
searches or hits, and the period's queries can use the indexes made for them
(``verbund/migrations/0010_reports_statistics_indexes.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from tests.verbund.reports.conftest import covert, person
from verbund.access.statistics import records_entered_by
from verbund.models import AccessRequest, File, Search
from verbund.selectors.statistics import report_period, report_statistics

pytestmark = pytest.mark.django_db


def queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        report_statistics(report_period(None, None))
    return len(captured.captured_queries)


def test_r_j5_figures_cost_a_fixed_number_of_queries(
    make_record: Any, search: Callable[..., dict[str, Any]]
) -> None:
    empty = queries()
    for n in range(4):
        make_record("bka.analyst", basic=person(f"Zahlmann{n}"))
        search("lka-bw.analyst", f"Zahlmann{n}")
    make_record("bfv.analyst", basic=person("Zahlgeheim"), **covert("BFV"))
    assert queries() == empty <= 10


INDEXES = {
    "record_file_created": "(file_id, created_at) INCLUDE (storage, kind)",
    "search_file_time": "(file_id, created_at)",
    "accessreq_file_decided": "(file_id, decided_at)",
    "eilfall_file_time": "(file_id, created_at)",
    "eilfall_file_consent": "(file_id, consent_at)",
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_r_j5_period_queries_can_use_their_indexes(reference: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(INDEXES)],
        )
        found = dict(cursor.fetchall())
    for name, columns in INDEXES.items():
        assert found.get(name, "").endswith(f"USING btree {columns}"), (name, found.get(name))
    period = report_period(None, None)
    atd = File.objects.get(code="ATD")
    since, until = period.since, period.until
    # The queries whose index is unambiguous: the planner serves the period from the index
    # (the two Eilfall indexes tie on empty tables, so their definitions are checked above).
    plans = {
        "record_file_created": records_entered_by([atd.pk], until),
        "search_file_time": Search.objects.filter(
            file=atd, created_at__gte=since, created_at__lt=until
        ),
        "accessreq_file_decided": AccessRequest.objects.filter(
            file=atd, decided_at__gte=since, decided_at__lt=until
        ),
    }
    with connection.cursor() as cursor:
        # Tiny test tables would be read whole; ask whether the index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            for index, queryset in plans.items():
                # On empty tables every index that starts with file_id costs the same, and the
                # planner picks any of them (seen in CI: record_dates_order). Inside this
                # test's transaction (rolled back at its end) the others are dropped, so the
                # plan shows whether this index serves the period.
                table = queryset.model._meta.db_table
                cursor.execute(
                    "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s "
                    "AND i.relname <> %s AND pg_get_indexdef(x.indexrelid) LIKE %s "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                    [table, index, "%USING btree (file_id%"],
                )
                for (other,) in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{other}"')
                # As the selector asks: aggregated, without the models' default ordering.
                plan = queryset.order_by().values("file_id").annotate(n=Count("pk")).explain()
                assert f"using {index} " in plan, (index, plan)
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
