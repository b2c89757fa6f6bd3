"""Request tests: module-wide reference data and helpers for hits and requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data (tests/conftest.py)."""
    return module_reference


@pytest.fixture
def hit_of(api: Callable[[str | None], APIClient]) -> Callable[..., dict[str, Any]]:
    """Search as ``username`` and return the single hit of the answer."""

    def find(
        username: str,
        criteria: dict[str, Any],
        *,
        mode: str = "name",
        file: str = "ATD",
        purpose: str = "ct_task",
    ) -> dict[str, Any]:
        response = api(username).post(
            "/api/v1/searches/",
            {
                "file": file,
                "mode": mode,
                "purpose": purpose,
                "urgency": "routine",
                "criteria": criteria,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        hits = response.json()["hits"]
        assert len(hits) == 1, hits
        hit: dict[str, Any] = hits[0]
        return hit

    return find


@pytest.fixture
def ask(api: Callable[[str | None], APIClient]) -> Callable[..., Any]:
    """POST an access request as ``username``; return the response."""

    def post(
        username: str, hit: Any, justification: Any = "Prüfung für Verfahren 1 Js 1/26", **more: Any
    ) -> Any:
        body: dict[str, Any] = {"hit": hit, "justification": justification, **more}
        return api(username).post("/api/v1/access-requests/", body, format="json")

    return post


@pytest.fixture
def decide(api: Callable[[str | None], APIClient]) -> Callable[..., Any]:
    """POST a decision on a request as ``username``; return the response."""

    def post(username: str, request_id: Any, **body: Any) -> Any:
        data = {
            "grant": True,
            "reasons": "Voraussetzungen liegen vor.",
            "provision": "§ 19 BVerfSchG",
        }
        data.update(body)
        data = {k: v for k, v in data.items() if v is not ...}
        return api(username).post(
            f"/api/v1/access-requests/{request_id}/decision/", data, format="json"
        )

    return post
