"""Deadline-sweep benchmark: the sweep's time follows the due records, not the file size.

Loads person records of the ATD straight into PostgreSQL (``INSERT … SELECT`` over
``generate_series``, one name key per record), then for each scenario marks a share of them
due — half past their deletion date, half with their review date tomorrow (inside the review
lead time) — and times one ``verbund.services.deadlines.deadlines_enforce`` run: the reviews
opened through ``review_open``, the records erased through ``record_erase`` (the one deletion
path: cascade over keys, hits, inbox items, requests, one hash-chained ``record.delete`` log
row with its tombstone per record), the reminders, the escalations, the ``deadlines.sweep``
row. Each record in its own transaction under ``select_for_update(skip_locked=True)``, as in
production.

Scenarios (default): the same number of due records in a file of N/5 and of N records, then
N records with 0.5 %, 1 % and 2 % due, and N records with none due (the fixed cost).

    python benchmarks/lifecycle_bench.py --n 1000000
    make bench-lifecycle N=1000000

The database is ``verbund_bench_lifecycle`` on the server of DATABASE_URL (created and
migrated here; records, keys and inbox items emptied first). Needs DATABASE_URL (PostgreSQL)
and REDIS_URL; ``make bench-lifecycle`` provides both from ``var/test-services.env``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pgsupport import bench_url, ensure_database, machine, setup_django  # noqa: E402
from benchmarks.pgsupport import scalar as _scalar  # noqa: E402

FAR_REVIEW = datetime.date(2030, 1, 1)
FAR_DELETION = datetime.date(2035, 1, 1)
OWNERS = ("BND", "BFV", "BKA", "LKA-BW", "LKA-BY", "LKA-NW", "BPOL")


def _sql(statement: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def empty() -> None:
    """Empty the tables the benchmark fills (the append-only log is kept: it only grows)."""
    _sql(
        "TRUNCATE verbund_record, verbund_namekey, verbund_featurevalue, verbund_inboxitem CASCADE"
    )


def load(total: int, chunk: int = 200_000) -> float:
    """Top the file up to ``total`` records (not due); return the seconds it took."""
    from agencies.models import Agency, Officer
    from verbund.models import File

    file_id = File.objects.get(code="ATD").pk
    owners = [Agency.objects.get(code=c).pk for c in OWNERS]
    creators = [Officer.objects.get(username=f"{c.lower()}.analyst").pk for c in OWNERS]
    have = _scalar("SELECT count(*) FROM verbund_record")
    started = time.perf_counter()
    while have < total:
        n = min(chunk, total - have)
        _sql(
            """
            WITH r AS (
                INSERT INTO verbund_record (
                    id, file_id, owner_id, created_by_id, kind, case_group, storage,
                    storage_reasons, markings, findings_basis, basic, extended, withheld,
                    object_data, file_number, classification, review_date, deletion_date,
                    status, blocked_reason, version, created_at, updated_at)
                SELECT gen_random_uuid(), %(file)s, (%(owners)s)[1 + g %% %(k)s],
                       (%(creators)s)[1 + g %% %(k)s], 'person', '1a', 'open', '', '[]',
                       'Benchmark',
                       jsonb_build_object('surname', 'Bench' || (%(start)s + g),
                                          'given_names', 'Karl'),
                       '{}', '[]', '{}', 'LC-' || (%(start)s + g), 'none',
                       %(review)s, %(deletion)s, 'active', '', 1, now(), now()
                FROM generate_series(1, %(n)s) AS g
                RETURNING id, file_id, basic
            )
            INSERT INTO verbund_namekey (record_id, file_id, source, surname_key, given_key,
                                         born_precision, nationalities)
            SELECT id, file_id, 'basic', lower(basic->>'surname'), 'karl', 'd', '||' FROM r
            """,
            {
                "file": file_id,
                "owners": owners,
                "creators": creators,
                "k": len(OWNERS),
                "start": have + int(time.time()) * 10,
                "review": FAR_REVIEW,
                "deletion": FAR_DELETION,
                "n": n,
            },
        )
        have += n
        print(f"  loaded {have:,} records", flush=True)
    _sql("VACUUM ANALYZE verbund_record")
    _sql("VACUUM ANALYZE verbund_namekey")
    return time.perf_counter() - started


def reset_and_mark(due: int) -> tuple[int, int]:
    """Undo the last scenario, then make ``due`` records due (half deletions, half reviews)."""
    from django.utils import timezone

    today = timezone.localdate()
    _sql("DELETE FROM verbund_inboxitem")
    _sql(
        "UPDATE verbund_record SET review_date = %s, deletion_date = %s "
        "WHERE review_date < %s OR deletion_date < %s",
        [FAR_REVIEW, FAR_DELETION, FAR_REVIEW, FAR_DELETION],
    )
    deletions = due // 2
    reviews = due - deletions
    # Spread over the table: the first ids in uuid order are random rows.
    _sql(
        "UPDATE verbund_record SET review_date = %s, deletion_date = %s WHERE id IN "
        "(SELECT id FROM verbund_record ORDER BY id LIMIT %s)",
        [today - datetime.timedelta(days=30), today - datetime.timedelta(days=1), deletions],
    )
    _sql(
        "UPDATE verbund_record SET review_date = %s WHERE id IN "
        "(SELECT id FROM verbund_record WHERE deletion_date = %s ORDER BY id DESC LIMIT %s)",
        [today + datetime.timedelta(days=1), FAR_DELETION, reviews],
    )
    _sql("VACUUM ANALYZE verbund_record")
    _sql("VACUUM ANALYZE verbund_inboxitem")
    return deletions, reviews


def plans() -> dict[str, str]:
    """EXPLAIN of the three queries that find what is due."""
    from django.utils import timezone

    from verbund.services.deadlines import deletions_due, escalations_due, reviews_due

    today = timezone.localdate()
    return {
        "reviews": reviews_due(today).explain(),
        "deletions": deletions_due(today).explain(),
        "escalations": escalations_due(timezone.now()).explain(),
    }


def scenario(n: int, due: int, batch: int) -> dict[str, Any]:
    """Load/trim to ``n`` records, mark ``due`` of them, time one sweep."""
    from verbund.services.deadlines import deadlines_enforce, planned

    deletions, reviews = reset_and_mark(due)
    records = _scalar("SELECT count(*) FROM verbund_record")
    started = time.perf_counter()
    counts = planned()
    find = time.perf_counter() - started
    spent: dict[str, float] = {}
    started = time.perf_counter()
    last = [started]

    def progress(step: str, handled: int) -> None:
        now = time.perf_counter()
        spent[step] = spent.get(step, 0.0) + now - last[0]
        last[0] = now

    summary = deadlines_enforce(batch=batch, progress=progress)
    seconds = time.perf_counter() - started
    handled = summary.due + summary.deleted
    row = {
        "records": records,
        "due_share": round(due / records * 100, 2) if records else 0,
        "due": due,
        "planned": counts,
        "opened": summary.due,
        "deleted": summary.deleted,
        "errors": summary.errors,
        "find_ms": round(find * 1000, 1),
        "sweep_s": round(seconds, 2),
        "ms_per_due": round(seconds * 1000 / handled, 2) if handled else None,
        "reviews_s": round(spent.get("reviews", 0.0), 2),
        "deletions_s": round(spent.get("deletions", 0.0), 2),
        "batch": batch,
    }
    assert summary.errors == 0, row
    assert (summary.due, summary.deleted) == (reviews, deletions), row
    # Top up what the sweep deleted so the next scenario has the same file size.
    load(n)
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", "1000000")))
    parser.add_argument(
        "--shares",
        default="0.5,1,2",
        help="percent of the N records due, one scenario each (default 0.5,1,2)",
    )
    parser.add_argument(
        "--small", type=int, default=None, help="records of the smaller file (default N/5)"
    )
    parser.add_argument(
        "--same-due",
        type=int,
        default=None,
        help="due records in both the smaller and the N file (default 1 %% of N)",
    )
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database", default="verbund_bench_lifecycle")
    parser.add_argument("--json", type=Path, help="write the rows to this file too")
    args = parser.parse_args()

    url = bench_url(os.environ["DATABASE_URL"], args.database)
    ensure_database(url)
    setup_django(url)
    import logging

    logging.getLogger("verbund.services.deadlines").setLevel(logging.ERROR)
    print(json.dumps({"machine": machine("fsync", "synchronous_commit")}), flush=True)
    empty()
    rows = []
    small = args.small or max(args.n // 5, 1)
    same_due = args.same_due if args.same_due is not None else args.n // 100
    print(f"loading {small:,} records", flush=True)
    print(f"  {load(small):.0f} s", flush=True)
    rows.append(scenario(small, same_due, args.batch))
    print(f"loading up to {args.n:,} records", flush=True)
    print(f"  {load(args.n):.0f} s", flush=True)
    rows.append(scenario(args.n, same_due, args.batch))
    for share in (float(s) for s in args.shares.split(",") if s):
        due = int(args.n * share / 100)
        if due == same_due:
            continue
        rows.append(scenario(args.n, due, args.batch))
    rows.append(scenario(args.n, 0, args.batch))
    for name, plan in plans().items():
        print(f"EXPLAIN {name} at {args.n:,} records:\n{plan}\n", flush=True)
    print(
        "| records | due | due share | find (ms) | sweep (s) | ms per due record "
        "| reviews (s) | deletions (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        per = "–" if row["ms_per_due"] is None else f"{row['ms_per_due']:.2f}"
        print(
            f"| {row['records']:,} | {row['due']:,} | {row['due_share']} % | "
            f"{row['find_ms']} | {row['sweep_s']} | {per} | {row['reviews_s']} "
            f"| {row['deletions_s']} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine("fsync", "synchronous_commit"), "rows": rows}, indent=1)
        )


if __name__ == "__main__":
    main()
