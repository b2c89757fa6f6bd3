"""Report tests: module-wide reference data and helpers that build figures from the data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data (tests/conftest.py)."""
    return module_reference


def covert(agency_code: str) -> dict[str, Any]:
    """Return the overrides that store a record covertly, decided by the agency's head."""
    return {
        "storage": "covert",
        "storage_decision": {
            "decided_by": f"{agency_code.lower()}.head",
            "reasons": "Quellenschutz: besondere Geheimhaltungsinteressen (R-D4).",
        },
    }


def restricted(agency_code: str) -> dict[str, Any]:
    """Return the overrides that store a record with its extended data withheld (R-D2)."""
    return {
        "storage": "restricted",
        "storage_decision": {
            "decided_by": f"{agency_code.lower()}.head",
            "reasons": "Schutz einer laufenden Operation (R-D2).",
        },
    }


def person(surname: str, given: str = "Karim") -> dict[str, Any]:
    """Return basic data of a person with the given names."""
    return {"surname": surname, "given_names": given, "date_of_birth": "1980-01-02"}


@pytest.fixture
def search(api: Callable[[str | None], APIClient]) -> Callable[..., dict[str, Any]]:
    """Run one ATD name search as ``username``; return the answer."""

    def run(username: str, surname: str, file: str = "ATD") -> dict[str, Any]:
        body = {
            "file": file,
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": surname},
        }
        response = api(username).post("/api/v1/searches/", body, format="json")
        assert response.status_code == 201, response.content
        answer: dict[str, Any] = response.json()
        return answer

    return run


@pytest.fixture
def statistics(api: Callable[[str | None], APIClient]) -> Callable[..., dict[str, Any]]:
    """GET the published figures without login; return the answer."""

    def get(**params: str) -> dict[str, Any]:
        response = api(None).get("/api/v1/reports/statistics/", params)
        assert response.status_code == 200, response.content
        answer: dict[str, Any] = response.json()
        return answer

    return get
