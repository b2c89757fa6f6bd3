"""Fixtures of the supervision console tests (issue 17): records, a covert one, a delegation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency, Delegation, Officer


def covert_payload(**extra: Any) -> dict[str, Any]:
    """A covert record's payload with the head's storage decision (R-D4)."""
    return {
        "storage": "covert",
        "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz"},
        **extra,
    }


@pytest.fixture
def delegate() -> Any:
    """Return a factory: a delegation of ``agency`` from ``source`` to ``target``."""

    def make(
        agency: str = "LKA-BY",
        source: str = "BY",
        target: str = "BW",
        days: int = 10,
        scope: tuple[str, ...] = ("log", "records", "controls"),
    ) -> Delegation:
        today = timezone.localdate()
        return Delegation.objects.create(
            from_jurisdiction=source,
            to_jurisdiction=target,
            agency=Agency.objects.get(code=agency),
            scope_log="log" in scope,
            scope_records="records" in scope,
            scope_controls="controls" in scope,
            valid_from=today,
            valid_until=today + datetime.timedelta(days=days),
            reasons="Gemeinsame Kontrolle",
            created_by=Officer.objects.get(username=f"lfd-{source.lower()}.supervisor"),
        )

    return make
