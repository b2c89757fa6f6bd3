"""Helpers of the Red Notice tests (intlrn branch)."""

from __future__ import annotations

import itertools
from typing import Any

from agencies.models import Agency, Officer, Role
from agencies.services import officer_ensure
from tests.conftest import PASSWORD

_numbers = itertools.count(1000)
FOREIGN = "us-dhs.gast"


def notice_body(**overrides: Any) -> dict[str, Any]:
    """A valid incoming Red Notice; a fresh Interpol reference each call."""
    body: dict[str, Any] = {
        "interpol_reference": f"A-{next(_numbers)}/5-2024",
        "version": 1,
        "country": "US",
        "issued_on": "2024-03-01",
        "subject": {"surname": "Doe", "given_names": "John", "date_of_birth": "1980-05"},
        "offence": "Betrug",
    }
    body.update(overrides)
    return body


def foreign_officer() -> Officer:
    """An account flagged foreign (R-N1): refused at every door."""
    officer = officer_ensure(
        username=FOREIGN,
        agency=Agency.objects.get(code="BKA"),
        role=Role.ANALYST,
        password=PASSWORD,
    )
    officer.foreign = True
    officer.save(update_fields=["foreign"])
    return officer


def decision(accept: bool, answer: str = "met", reasons: str = "Geprüft.") -> dict[str, Any]:
    return {"accept": accept, "reasons": reasons, "checklist": {"political_prosecution": answer}}
