"""Helpers of the gws-basis tests: GWS entries, the file back on its order alone, noon."""

from __future__ import annotations

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from verbund.models import File, LegalBasis
from verbund.models.files import LegalBasisKind

_numbers = itertools.count(1)
GWS_EO = "Errichtungsanordnung Gewalttäter Sport (INPOL-Verbunddatei)"
BKADV = "BKA-Daten-Verordnung (BKADV) vom 4.6.2010 nach § 7 Abs. 6 BKAG"


def gws_payload(**overrides: Any) -> dict[str, Any]:
    """A valid GWS person entry of a state police (no case group, no extended data)."""
    n = next(_numbers)
    data: dict[str, Any] = {
        "file": "GWS",
        "kind": "person",
        "basic": {"surname": "Krüger", "given_names": "Dennis", "date_of_birth": "1990-05-01"},
        "reference": {"file_number": f"VB-BASIS-{n:04d}"},
    }
    data.update(overrides)
    return data


def gws_record(make_record: Any, username: str = "lka-bw.analyst", **overrides: Any) -> Any:
    """Create a GWS record through the service (the ordinance is in force today)."""
    return make_record(
        username,
        **{
            "file": "GWS",
            "case_group": "",
            "findings_basis": "",
            **overrides,
        },
    )


def order_only() -> File:
    """Put GWS back on its establishment order alone (before any ordinance)."""
    gws = File.objects.get(code="GWS")
    gws.legal_basis = LegalBasis.objects.get(
        citation=GWS_EO, kind=LegalBasisKind.ESTABLISHMENT_ORDER
    )
    gws.save(update_fields=["legal_basis"])
    return gws


def noon(day: datetime.date) -> datetime.datetime:
    """Noon of ``day`` in the project's time zone (for time_machine)."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def today() -> datetime.date:
    return timezone.localdate()
