"""Audit-log benchmark: a supervisor's filtered log query over millions of rows (R-I4).

Fills the log table of a benchmark database with N rows (default 10 000 000) spread evenly
over the 18 monthly partitions up to the current month and over every agency, then times
``GET /api/v1/audit/events/`` as a supervisor calls it — ``audit.selectors.audit_events_for``
plus the ``agency``/``since``/``until`` filters, the first page of 50 and the paginator's
COUNT — through Django's test client (so the ``audit.read`` row the read writes, the
serialisation and the middleware are in the time), and separately the COUNT and the first
page as SQL with ``EXPLAIN (ANALYZE, BUFFERS)``.

The fill is server-side: one ``INSERT ... SELECT generate_series`` per month and chunk.
**The rows do not form a hash chain** (``prev_hash``/``hash`` are md5 texts, not the
SHA-256 chain of ``audit.services.log_event``): the benchmark measures the query, not the
chain; ``verify_audit`` on this database would (rightly) fail. The secondary indexes and the
two key constraints are dropped before the fill and rebuilt after it (from their own
definitions, read from the catalogue), as a bulk load does; the append-only triggers stay on
(an INSERT does not fire them). All of this happens only in the benchmark database
(``verbund_bench_audit`` on the server of ``DATABASE_URL``, created and migrated here).

    python benchmarks/audit_bench.py --n 10000000
    make bench-audit            # N=10000000
    make bench-audit N=1000000

Benchmarks never run in the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pgsupport import bench_url, ensure_database, machine  # noqa: E402
from benchmarks.pgsupport import setup_django as _setup_django  # noqa: E402

MONTHS = 18
CHUNK = 1_000_000
LIMIT_MS = 500.0
ACTIONS = ["search", "record.read", "record.list", "inbox.read", "record.create", "auth.login"]


def _sql(statement: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def _rows(statement: str, params: Any = None) -> list[Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def _scalar(statement: str, params: Any = None) -> Any:
    rows = _rows(statement, params)
    return rows[0][0] if rows else None


def months() -> list[datetime.date]:
    """The 18 months up to and including the current one (UTC), oldest first."""
    from django.utils import timezone

    from audit import partitions

    now = partitions.month_start(timezone.now())
    return [partitions.add_months(now, n - MONTHS + 1) for n in range(MONTHS)]


def _drop_indexes() -> list[str]:
    """Drop the parent's key constraints and secondary indexes; return how to rebuild them."""
    keys = _rows(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'audit_auditevent'::regclass AND contype IN ('p', 'u')"
    )
    indexes = _rows(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'audit_auditevent'::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    )
    rebuild = [
        f"ALTER TABLE audit_auditevent ADD CONSTRAINT {name} {definition}"
        for name, definition in keys
    ] + [
        # pg_get_indexdef says "ON ONLY" for a partitioned index: that would build the
        # parent's index alone (invalid, no partition indexed). Rebuild it on every partition.
        definition.replace(" ON ONLY ", " ON ", 1)
        for _, definition in indexes
    ]
    for name, _ in keys:
        _sql(f"ALTER TABLE audit_auditevent DROP CONSTRAINT {name}")
    for name, _ in indexes:
        _sql(f"DROP INDEX {name}")
    return rebuild


def fill(n: int) -> dict[str, float]:
    """Replace the log with ``n`` rows over 18 monthly partitions; return the timings (s)."""
    from django.db import connection, transaction

    from agencies.models import Agency
    from audit import partitions

    agencies = list(Agency.objects.order_by("code").values_list("pk", flat=True))
    spread = months()
    with transaction.atomic(), connection.cursor() as cursor:
        for month in spread:
            partitions.partition_create(cursor, month)
        for n_ahead in range(1, 4):
            partitions.partition_create(cursor, partitions.add_months(spread[-1], n_ahead))
    # The append-only guard refuses TRUNCATE unless the parent's trigger is off: the
    # benchmark database's owner switches it off for this one statement.
    with transaction.atomic():
        _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_truncate")
        _sql("TRUNCATE audit_auditevent")
        _sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_no_truncate")
    started = time.perf_counter()
    rebuild = _drop_indexes()
    per_month = -(-n // MONTHS)
    seq = 0
    for month in spread:
        lower, upper = partitions.bounds(month)
        rows = min(per_month, n - seq)
        done = 0
        while done < rows:
            size = min(CHUNK, rows - done)
            _sql(
                """
                INSERT INTO audit_auditevent (
                    id, seq, time, agency_id, officer_id, officer_username, action,
                    object_type, object_id, file, purpose, urgency, "references", covert,
                    details, request_id, outcome, prev_hash, hash)
                SELECT gen_random_uuid(), %(seq)s + g,
                       %(lower)s::timestamptz
                         + (%(upper)s::timestamptz - %(lower)s::timestamptz)
                           * ((%(done)s + g - 1)::float8 / %(rows)s),
                       (%(agencies)s::uuid[])[1 + (g %% %(k)s)], NULL, 'bench.analyst',
                       (%(actions)s::text[])[1 + (g %% %(a)s)], 'record', '', 'ATD', '', '',
                       '[]'::jsonb, '[]'::jsonb, '{}'::jsonb, '', 'ok',
                       md5((%(seq)s + g - 1)::text) || md5((%(seq)s + g - 1)::text || 'x'),
                       md5((%(seq)s + g)::text) || md5((%(seq)s + g)::text || 'x')
                FROM generate_series(1, %(size)s) AS g
                """,
                {
                    "seq": seq,
                    "lower": lower,
                    "upper": upper,
                    "done": done,
                    "rows": rows,
                    "agencies": [str(a) for a in agencies],
                    "k": len(agencies),
                    "actions": ACTIONS,
                    "a": len(ACTIONS),
                    "size": size,
                },
            )
            done += size
            seq += size
        print(f"  {partitions.partition_name(month)}: {rows:,} rows (total {seq:,})", flush=True)
    loaded = time.perf_counter() - started
    _sql("SET maintenance_work_mem = '1GB'")
    for statement in rebuild:
        _sql(statement)
    indexed = time.perf_counter() - started - loaded
    _sql("VACUUM ANALYZE audit_auditevent")
    total = time.perf_counter() - started
    return {"insert_s": round(loaded, 1), "index_s": round(indexed, 1), "total_s": round(total, 1)}


def _client(username: str) -> Any:
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from agencies.models import Officer

    client = APIClient()
    _, token = AuthToken.objects.create(user=Officer.objects.get(username=username), expiry=None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def scenarios() -> list[dict[str, Any]]:
    """A supervisor's typical filters: one agency and a month, a week, all 18 months."""
    spread = months()
    from audit import partitions

    last_full = spread[-2]
    lower, upper = partitions.bounds(last_full)
    week = (lower + datetime.timedelta(days=7), lower + datetime.timedelta(days=14))
    return [
        {"user": "bfdi.supervisor", "agency": "BKA", "since": lower, "until": upper},
        {"user": "lfd-bw.supervisor", "agency": "LKA-BW", "since": week[0], "until": week[1]},
        {"user": "bfdi.supervisor", "agency": "BFV", "since": None, "until": None},
        {"user": "bfdi.supervisor", "agency": None, "since": lower, "until": upper},
        {"user": "bfdi.supervisor", "agency": None, "since": None, "until": None},
    ]


def _query(scenario: dict[str, Any]) -> dict[str, str]:
    params = {"agency": scenario["agency"]}
    for key in ("since", "until"):
        if scenario[key] is not None:
            params[key] = scenario[key].isoformat()
    return {k: v for k, v in params.items() if v}


def use_variant(variant: str) -> None:
    """``main``: the API as it is (agency ids resolved first, ``audit.selectors``);
    ``join``: the earlier form for comparison — the supervised agencies as a subquery
    (``agency__in=<queryset>``) and the ``agency`` filter through a join on the code."""
    if variant != "join":
        return
    import django_filters

    from audit import api
    from audit.selectors import supervised_agencies
    from verbund.api.filters import AuditEventFilter

    def joined(*, actor: Any, **_: Any) -> Any:
        from audit.models import AuditEvent

        agencies = supervised_agencies(actor)
        qs = AuditEvent.objects.filter(agency__in=agencies).select_related("agency")
        return qs.order_by("-seq")

    api.audit_events_for = joined
    AuditEventFilter.base_filters["agency"] = django_filters.CharFilter(field_name="agency__code")


def _queryset(scenario: dict[str, Any]) -> Any:
    """The queryset exactly as the API builds it (selector + FilterSet)."""
    from django.test import RequestFactory
    from rest_framework.request import Request

    from agencies.models import Officer
    from audit import api
    from verbund.api.filters import AuditEventFilter

    actor = Officer.objects.get(username=scenario["user"])
    request = Request(RequestFactory().get("/", _query(scenario)))
    qs = api.audit_events_for(actor=actor)
    return AuditEventFilter(request.query_params, queryset=qs, request=request).qs


def measure(scenario: dict[str, Any], runs: int) -> dict[str, Any]:
    """Time the API call and its two queries; return the row."""
    client = _client(scenario["user"])
    query = _query(scenario)
    http: list[float] = []
    count = 0
    for _ in range(runs + 1):  # the first run warms the cache and is not counted
        started = time.perf_counter()
        answer = client.get("/api/v1/audit/events/", query)
        spent = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, answer.content[:300]
        count = answer.json()["count"]
        http.append(spent)
    http = http[1:]
    qs = _queryset(scenario)
    timings: dict[str, list[float]] = {"count": [], "page": []}
    for _ in range(runs):
        started = time.perf_counter()
        qs.count()
        timings["count"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        list(qs[:50])
        timings["page"].append((time.perf_counter() - started) * 1000)
    plans = {
        "count": _explain_count(qs),
        "page": qs[:50].explain(analyze=True, buffers=True),
    }
    return {
        "user": scenario["user"],
        "query": {k: v for k, v in query.items()},
        "count": count,
        "api_ms_median": round(statistics.median(http), 1),
        "api_ms_max": round(max(http), 1),
        "count_ms_median": round(statistics.median(timings["count"]), 1),
        "page_ms_median": round(statistics.median(timings["page"]), 1),
        "plans": plans,
    }


def _explain_count(qs: Any) -> str:
    """EXPLAIN ANALYZE of the COUNT the paginator runs."""
    from django.db import connection

    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) AS q", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", "10000000")))
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario")
    parser.add_argument("--database", default="verbund_bench_audit")
    parser.add_argument("--no-fill", action="store_true", help="keep the rows already there")
    parser.add_argument("--json", type=Path, help="write the rows to this file too")
    parser.add_argument(
        "--variant",
        choices=["main", "join", "both"],
        default="both",
        help="the API as on main (agency ids resolved first), the earlier join form, or both",
    )
    args = parser.parse_args()

    url = bench_url(os.environ["DATABASE_URL"], args.database)
    ensure_database(url)
    _setup_django(url, test_client=True)
    facts = machine("shared_buffers")
    print(json.dumps({"machine": facts}), flush=True)
    filled: dict[str, float] = {}
    if not args.no_fill:
        print(f"filling {args.n:,} log rows", flush=True)
        filled = fill(args.n)
        print(json.dumps({"fill": filled}), flush=True)
    rows = _scalar("SELECT count(*) FROM audit_auditevent")
    # "join" patches the view for the rest of the run, so it comes last.
    variants = ["main", "join"] if args.variant == "both" else [args.variant]
    results = []
    for variant in variants:
        use_variant(variant)
        results += [{"variant": variant, **measure(s, args.runs)} for s in scenarios()]
    for row in results:
        print(f"\n== [{row['variant']}] {row['user']} {row['query']}: {row['count']:,} rows")
        print(
            f"EXPLAIN count:\n{row['plans']['count']}\nEXPLAIN first page:\n{row['plans']['page']}"
        )
    print(f"\nlog rows: {rows:,}")
    print(
        "| query | supervisor | filter | matching rows | API (ms, median / max) | COUNT (ms) "
        "| page (ms) |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row['variant']} | {row['user']} | {row['query'] or '(none)'} | "
            f"{row['count']:,} | "
            f"{row['api_ms_median']} / {row['api_ms_max']} | {row['count_ms_median']} | "
            f"{row['page_ms_median']} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine("shared_buffers"),
                    "rows": rows,
                    "fill": filled,
                    "results": results,
                },
                indent=1,
                default=str,
            )
        )
    slow = [r for r in results if r["api_ms_median"] > LIMIT_MS and r["variant"] == "main"]
    if slow:
        print(f"\nover {LIMIT_MS:.0f} ms: {[r['query'] for r in slow]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
