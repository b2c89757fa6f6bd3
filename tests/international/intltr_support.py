"""Fixtures and helpers of the tests of transfers abroad (issue 20, branch intltr).

The partners and legal bases are made here (``objects.create``), not seeded: the registry's
seed data belong to another part of the issue.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Officer
from audit.models import AuditEvent
from international.models import LegalBasis, Partner
from verbund.models import InboxItem, Transfer

URL = "/api/v1/transfers/"


@pytest.fixture(name="partners")
def partners_fixture(reference: Any) -> dict[str, Partner]:
    """Interpol, Europol, a BKA liaison officer, a foreign authority and a service."""
    rows = [
        ("t-interpol", "Interpol (IKPO)", "interpol", ""),
        ("t-europol", "Europol", "europol", ""),
        ("t-vb-bka", "BKA-Verbindungsbeamter Washington", "liaison_officer", "US"),
        ("t-dhs", "US Department of Homeland Security", "foreign_agency", "US"),
        ("t-svc", "Ausländischer Partnerdienst", "foreign_service", "US"),
    ]
    return {
        code: Partner.objects.create(code=code, name=name, kind=kind, country=country)
        for code, name, kind, country in rows
    }


@pytest.fixture(name="bases")
def bases_fixture(reference: Any) -> dict[str, LegalBasis]:
    """§ 3 BKAG (BKA, LKA-BW), a basis flagged for Art. 10 / 13 data, an inactive one."""
    return {
        "t-bkag3": LegalBasis.objects.create(
            code="t-bkag3",
            citation="§ 3 BKAG",
            title="Internationale Zusammenarbeit",
            source="000 Q4",
            agencies=["BKA", "LKA-BW", "BFV"],
        ),
        "t-art10": LegalBasis.objects.create(
            code="t-art10",
            citation="§ 4 G 10 (Test)",
            title="Übermittlung von G-10-Daten",
            source="002 Rn. 225",
            agencies=["BKA", "BFV"],
            covers_art10_art13=True,
        ),
        "t-old": LegalBasis.objects.create(
            code="t-old",
            citation="§ 14 BKAG a. F.",
            title="Aufgehoben",
            source="Test",
            agencies=["BKA"],
            active=False,
        ),
        "t-bpol": LegalBasis.objects.create(
            code="t-bpol",
            citation="§ 32 BPolG",
            title="Nur Bundespolizei",
            source="Test",
            agencies=["BPOL"],
        ),
    }


def abroad(record: Any = None, **overrides: Any) -> dict[str, Any]:
    """A valid body of a transfer abroad of ``record`` to the DHS through Interpol."""
    data: dict[str, Any] = {
        "record": str(record.pk) if record is not None else None,
        "recipient": {"partner": "t-dhs"},
        "channel": "interpol",
        "legal_basis": "t-bkag3",
        "purpose": "Gefahrenabwehr: Abgleich mit einem US-Ermittlungsverfahren.",
        "items": ["reference", "basic"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class Nothing:
    """Counts of transfers, inbox items and audit rows: a refusal stores none of them."""

    def __init__(self) -> None:
        self.counts = self._counts()

    @staticmethod
    def _counts() -> tuple[int, int, int]:
        return Transfer.objects.count(), InboxItem.objects.count(), AuditEvent.objects.count()

    def assert_unchanged(self) -> None:
        assert self._counts() == self.counts, "a refused transfer stored something"


def further_use_grant(record: Any, requester: str) -> Any:
    """A granted further-use request of ``requester`` for the record (R-F2)."""
    from tests.verbund.transfers.support import grant
    from verbund.models.requests import RequestKind

    return grant(record, requester, kind=RequestKind.FURTHER_USE)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def officer(username: str) -> Officer:
    return Officer.objects.get(username=username)


def today() -> Any:
    return timezone.localdate()
