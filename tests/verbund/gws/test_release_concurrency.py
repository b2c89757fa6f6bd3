"""Two releases of the same source reference at once on PostgreSQL: one record (R-M1).

Real threads with their own database connections and committed data (``transaction=True``),
as in tests/verbund/test_record_concurrency.py: both releases may pass the check for an
earlier release before either has committed; the constraint ``record_one_release_per_source``
decides, and the loser reports the row ``already_released`` naming the stored record.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from agencies.models import Officer
from verbund.models import Record, Release
from verbund.services.releases import release_run

ROUNDS = 3


def _row(reference: str) -> dict[str, Any]:
    return {
        "source_reference": reference,
        "basic": {"surname": "Gleichzeitig", "given_names": "Gerd", "date_of_birth": "1980-01-01"},
        "reference": {"file_number": f"AZ-{reference}"},
        "incident": {"date": "2025-10-04", "match": "Karlsruher SC – VfB Stuttgart"},
    }


def _release_concurrently(username: str, reference: str, count: int = 2) -> list[Any]:
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def worker(index: int) -> None:
        try:
            actor = Officer.objects.get(username=username)
            start.wait(timeout=10)
            results[index] = release_run(
                system_code="POLAS-BW",
                payload=[_row(reference)],
                fmt="json",
                actor=actor,
                channel="api",
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_r_m1_concurrent_releases_of_one_source_reference_store_one_record(
    reference: Any, audit_truncate_allowed: Any
) -> None:
    for round_ in range(ROUNDS):
        ref = f"BW-RACE-{round_}"
        results = _release_concurrently("lka-bw.analyst", ref)
        assert all(isinstance(r, Release) for r in results), results
        assert sorted(r.imported for r in results) == [0, 1]
        stored = Record.objects.get(source_system="POLAS-BW", source_reference=ref)
        loser = next(r for r in results if r.imported == 0)
        assert loser.report["rejected"][0]["code"] == "already_released"
        assert loser.report["rejected"][0]["record"] == str(stored.pk)
    assert Record.objects.filter(source_system="POLAS-BW").count() == ROUNDS
