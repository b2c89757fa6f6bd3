"""End to end on PostgreSQL: a real Celery worker and beat beside a stream of searches (R-D3).

The worker and beat run as their own processes (``celery -A verbund worker`` / ``beat``) on
the test database and the real Redis broker, the searches go over HTTP to the live server,
several at a time. Half of the searches match other agencies' covert records. Proven: no
search fails, PostgreSQL detects no deadlock (``pg_stat_database.deadlocks``), the worker log
holds no error, and every covert owner receives every query.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.conftest import PASSWORD
from tests.verbund.search.conftest import covert_payload
from verbund.models import CovertHit, InboxItem, Search

ROOT = Path(__file__).resolve().parents[3]
COVERT = {"Arbeiter": "LFV-BE", "Schaffner": "BFV", "Weber": "BND"}
SEARCHERS = ("lka-th.analyst", "lka-bw.analyst", "bpol.analyst")


@pytest.fixture
def reference(audit_truncate_allowed: None) -> dict[str, Any]:
    """Committed reference data: the worker process reads through its own connection."""
    from agencies.services import demo_officers
    from verbund.services.reference import reference_data_ensure

    agencies = reference_data_ensure()
    demo_officers(PASSWORD)
    return agencies


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture
def celery_processes(tmp_path: Path) -> Iterator[Path]:
    """Start one worker and one beat (delivery every 0.5 s) on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.test",
        "DATABASE_URL": _database_url(),
        "VERBUND_COVERT_DELIVERY_SECONDS": "0.5",
        "PYTHONPATH": str(ROOT),
    }
    celery = [sys.executable, "-m", "celery", "-A", "verbund"]
    log = tmp_path / "celery.log"
    # Tasks left on the broker by an earlier run must not run against this database.
    subprocess.run([*celery, "purge", "-f"], env=env, cwd=ROOT, check=True, capture_output=True)
    with log.open("ab") as out:
        procs = [
            subprocess.Popen(
                [*celery, "worker", "--pool=solo", "--loglevel=INFO", "--without-heartbeat"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            ),
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--loglevel=INFO",
                    "--scheduler=celery.beat:PersistentScheduler",
                    f"--schedule={tmp_path / 'beat-schedule'}",
                ],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            ),
        ]
    try:
        yield log
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _post(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300]


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_r_d3_real_worker_beside_search_stream_no_deadlock_every_owner_notified(
    make_record: Any, live_server: Any, celery_processes: Path, settings: Any
) -> None:
    settings.VERBUND_RATE_LIMIT_FACTOR = 1000.0  # 240 searches in a minute by 3 officers
    records = {
        surname: make_record(
            f"{owner.lower()}.analyst",
            basic={"surname": surname, "given_names": "Willi"},
            **covert_payload(owner),
        )
        for surname, owner in COVERT.items()
    }
    tokens = {
        user: _post(
            f"{live_server.url}/api/v1/auth/token/", {"username": user, "password": PASSWORD}
        )[1]["token"]
        for user in SEARCHERS
    }
    deadlocks_before = _deadlocks()
    covert_names = list(COVERT)
    jobs = []
    for i in range(240):
        # Every other search matches a covert record; the rest match nothing.
        surname = covert_names[i % 3] if i % 2 == 0 else f"Niemand{i}"
        jobs.append((SEARCHERS[i % len(SEARCHERS)], surname))

    def search(job: tuple[str, str]) -> tuple[int, Any, str]:
        user, surname = job
        status, body = _post(
            f"{live_server.url}/api/v1/searches/",
            {
                "file": "ATD",
                "mode": "name",
                "purpose": "ct_task",
                "urgency": "immediate",
                "criteria": {"surname": surname},
            },
            tokens[user],
        )
        return status, body, surname

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(search, jobs))
    assert [(s, b) for s, b, _ in answers if s != 201] == []
    assert all(body["hits"] == [] for _, body, _ in answers)

    deadline = time.monotonic() + 120
    while Search.objects.filter(covert_delivered_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the worker did not deliver every search"
        time.sleep(0.5)

    # Every owner received every query that matched its record, once.
    for _status, body, surname in answers:
        if surname in COVERT:
            hit = CovertHit.objects.get(search_id=body["id"])
            assert hit.record_id == records[surname].pk
            assert hit.owner.code == COVERT[surname]
            item = InboxItem.objects.get(kind="covert_hit", subject_id=hit.pk)
            assert item.payload["search"] == body["id"]
        else:
            assert not CovertHit.objects.filter(search_id=body["id"]).exists()
    assert CovertHit.objects.count() == 120

    time.sleep(1.5)  # PostgreSQL's statistics reach other sessions within a second
    assert _deadlocks() == deadlocks_before
    log = celery_processes.read_text(errors="replace")
    assert "succeeded" in log
    for bad in ("deadlock", "Traceback", "ERROR/"):
        assert bad not in log, log[-3000:]


@pytest.mark.django_db
def test_audit_truncate_trigger_is_on_again_after_the_worker_test() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", ["audit_no_truncate"])
        assert cursor.fetchone() == ("O",)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_r_d3_r_d5_timing_covert_only_vs_absent_over_http_per_answer_and_lagged(
    make_record: Any, live_server: Any, celery_processes: Path, settings: Any
) -> None:
    """The small version of ``make bench-timing``: 300 interleaved pairs over HTTP.

    The benchmark (1,000+ pairs, both stacks, p >= 0.001) is the proof; this keeps the
    suite honest with a looser bound (p >= 1e-4) so shared CI cores cannot make it flaky.
    """
    from benchmarks.timing_http import Client, analyse, search_body

    settings.VERBUND_RATE_LIMIT_FACTOR = 1000.0
    make_record(
        "bfv.analyst",
        basic={"surname": "Zeitverdeckt", "given_names": "Vera"},
        **covert_payload("BFV"),
    )
    client = Client(live_server.url).login("lka-bw.analyst", PASSWORD)
    rng = random.Random(2013)
    sequence: list[tuple[str, float]] = []
    pairs: list[tuple[float, float]] = []
    failures = []
    for i in range(330):
        order = ["covert", "absent"]
        rng.shuffle(order)
        got = {}
        for label in order:
            surname = "Zeitverdeckt" if label == "covert" else f"Nirgends{i}{label}"
            status, body, ms = client.call("POST", "/api/v1/searches/", search_body(surname))
            if status != 201 or body["hit_count"] != 0:
                failures.append((label, status, body))
            got[label] = ms
            if i >= 30:  # the first 30 pairs warm the server up
                sequence.append((label, ms))
        if i >= 30:
            pairs.append((got["covert"], got["absent"]))
    assert failures == []
    report = analyse(sequence, pairs)
    assert report["own_label"]["mann_whitney_p"] >= 1e-4, report
    assert report["sign_test"]["p"] >= 1e-4, report
    assert report["lagged_by_previous_label"]["mann_whitney_p"] >= 1e-4, report
