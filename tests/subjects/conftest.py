"""Subject access tests: module-wide reference data, the desks and refusal grounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from subjects.catalogue import subject_desks_ensure
from tests.conftest import PASSWORD

COVERT_BFV = {"decided_by": "bfv.head", "reasons": "Quellenschutz (R-D4)."}


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: module reference data plus the desks and catalogues."""
    subject_desks_ensure(PASSWORD)
    return module_reference


def applicant(**overrides: Any) -> dict[str, Any]:
    """The applicant of the person_payload records (Al-Masri, Mohammed, 1985-03-14)."""
    return {
        "surname": "Al-Masri",
        "given_names": "Mohammed",
        "date_of_birth": "1985-03-14",
        **overrides,
    }


def request_body(**overrides: Any) -> dict[str, Any]:
    """A valid body of POST /subject-requests/."""
    body: dict[str, Any] = {
        "applicant": applicant(),
        "asks": ["access"],
        "concrete_matter": "Zurückweisung bei der Einreise am 2. März",
        "special_interest": "Berufliche Reisen in die USA",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def subject_request(api: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Record a request at a desk (default the BKA's) and return its JSON."""

    def make(desk: str = "bka.auskunft", **overrides: Any) -> dict[str, Any]:
        response = api(desk).post(
            "/api/v1/subject-requests/", request_body(**overrides), format="json"
        )
        assert response.status_code == 201, response.json()
        data: dict[str, Any] = response.json()
        return data

    return make
