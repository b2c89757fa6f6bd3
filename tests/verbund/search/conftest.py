"""Search tests: module-wide reference data, a search client and bulk record helpers."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Agency, Officer
from verbund.models import File, NameKey, Record
from verbund.search.normalise import fold

_bulk_numbers = itertools.count(1)


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data (tests/conftest.py)."""
    return module_reference


def covert_payload(agency_code: str) -> dict[str, Any]:
    """Return the overrides that store a record covertly, decided by the agency's head."""
    return {
        "storage": "covert",
        "storage_decision": {
            "decided_by": f"{agency_code.lower()}.head",
            "reasons": "Quellenschutz: besondere Geheimhaltungsinteressen (R-D4).",
        },
    }


@pytest.fixture
def run_search(api: Callable[[str | None], APIClient]) -> Callable[..., Any]:
    """POST one search as ``username`` and return the response."""

    def run(
        username: str,
        criteria: Any,
        *,
        mode: str = "name",
        purpose: str | None = "ct_task",
        urgency: str | None = "routine",
        file: str = "ATD",
    ) -> Any:
        body: dict[str, Any] = {"file": file, "mode": mode, "criteria": criteria}
        if purpose is not None:
            body["purpose"] = purpose
        if urgency is not None:
            body["urgency"] = urgency
        return api(username).post("/api/v1/searches/", body, format="json")

    return run


@pytest.fixture
def bulk_people(reference: dict[str, Any]) -> Callable[..., list[Record]]:
    """Insert ``n`` person records with one surname directly (fast; keys as the service writes).

    For limit tests only: the record service is exercised by the other tests.
    """

    def make(
        n: int,
        surname: str,
        *,
        agency: str = "BKA",
        storage: str = "open",
        file: str = "ATD",
    ) -> list[Record]:
        owner = Agency.objects.get(code=agency)
        creator = Officer.objects.get(username=f"{agency.lower()}.analyst")
        head = Officer.objects.get(username=f"{agency.lower()}.head")
        file_obj = File.objects.get(code=file)
        today = datetime.date.today()
        records = [
            Record(
                file=file_obj,
                owner=owner,
                created_by=creator,
                kind="person",
                case_group="1a",
                storage=storage,
                storage_decided_by=None if storage == "open" else head,
                storage_reasons="" if storage == "open" else "Quellenschutz",
                basic={"surname": surname, "given_names": "Test"},
                file_number=f"BULK-{next(_bulk_numbers):06d}",
                review_date=today + datetime.timedelta(days=365),
                deletion_date=today + datetime.timedelta(days=3650),
            )
            for _ in range(n)
        ]
        Record.objects.bulk_create(records)
        NameKey.objects.bulk_create(
            NameKey(
                record=r,
                file=file_obj,
                source="basic",
                surname_key=fold(surname),
                given_key=fold("Test"),
                nationalities="||",
            )
            for r in records
        )
        return records

    return make


def strip_volatile(answer: dict[str, Any]) -> dict[str, Any]:
    """Return an answer without the values that differ between any two searches."""
    out = dict(answer)
    for key in ("id", "created_at", "criteria"):
        out.pop(key, None)
    return out
