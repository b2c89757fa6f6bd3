"""Measure whether a search that matches only a covert record costs what a no-hit search costs.

Architecture "Timing is an oracle too": a covert match must not be visible in the response
time. This script alternates, in random order, searches for a surname stored only in another
agency's covert record and for a surname stored nowhere, through the API (in-process test
client, token auth, access log, Celery enqueue to the real Redis broker), and reports the
distributions and the difference of means with a 95 % confidence interval.

Run: ``make bench-timing`` (``PAIRS=2000`` by default) against the test PostgreSQL/Redis;
it uses its own database (suffix ``_timing``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_bench import bench_url, ensure_database, machine, setup_django  # noqa: E402


def _prepare() -> tuple[Any, str, str]:
    """Create reference data, one covert record of the BfV; return client and two surnames."""
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from agencies.models import Officer
    from agencies.services import demo_officers
    from verbund.services.records import record_create
    from verbund.services.reference import reference_data_ensure

    reference_data_ensure()
    demo_officers(os.environ.get("VERBUND_DEMO_PASSWORD", "demo-only-password"))
    tag = uuid.uuid4().hex[:8]
    covert_name, absent_name = f"Verdeckt{tag}", f"Nirgends{tag}"
    record_create(
        actor=Officer.objects.get(username="bfv.analyst"),
        data={
            "file": "ATD",
            "kind": "person",
            "case_group": "1a",
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz"},
            "findings_basis": "Benchmark",
            "basic": {"surname": covert_name, "given_names": "Ali"},
            "reference": {"file_number": f"BENCH-{tag}"},
        },
    )
    _, token = AuthToken.objects.create(user=Officer.objects.get(username="lka-bw.analyst"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, covert_name, absent_name


def _search(client: Any, surname: str) -> float:
    body = {
        "file": "ATD",
        "mode": "name",
        "purpose": "ct_task",
        "urgency": "routine",
        "criteria": {"surname": surname},
    }
    start = time.perf_counter()
    response = client.post("/api/v1/searches/", body, format="json")
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 201 or response.json()["hit_count"] != 0:
        raise SystemExit(f"unexpected answer {response.status_code}: {response.content[:200]!r}")
    return elapsed


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    n = len(ordered)
    trim = ordered[n // 20 : n - n // 20]
    return {
        "n": n,
        "mean": statistics.fmean(values),
        "trimmed_mean_5pct": statistics.fmean(trim),
        "p50": ordered[n // 2],
        "p95": ordered[int(n * 0.95) - 1],
        "stdev": statistics.stdev(values),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=int(os.environ.get("PAIRS", "2000")))
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    url = bench_url(os.environ["DATABASE_URL"], "_timing")
    ensure_database(url)
    setup_django(url)
    client, covert_name, absent_name = _prepare()
    rng = random.Random(args.seed)
    for _ in range(args.warmup):
        _search(client, rng.choice([covert_name, absent_name]))
    covert: list[float] = []
    absent: list[float] = []
    for _ in range(args.pairs):
        order = [(covert_name, covert), (absent_name, absent)]
        rng.shuffle(order)
        for name, bucket in order:
            bucket.append(_search(client, name))
    a, b = _summary(covert), _summary(absent)
    diff = a["trimmed_mean_5pct"] - b["trimmed_mean_5pct"]
    # Welch standard error of the difference of (untrimmed) means.
    se = (a["stdev"] ** 2 / a["n"] + b["stdev"] ** 2 / b["n"]) ** 0.5
    mean_diff = a["mean"] - b["mean"]
    report = {
        "machine": machine(),
        "pairs": args.pairs,
        "covert_only_match_ms": a,
        "no_hit_ms": b,
        "trimmed_mean_difference_ms": diff,
        "mean_difference_ms": mean_diff,
        "mean_difference_95ci_ms": [mean_diff - 1.96 * se, mean_diff + 1.96 * se],
    }
    print(json.dumps(report, indent=2, default=str))
    out = ROOT / "var" / "bench" / "timing_oracle.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
