"""Helpers of the intlts tests (originator markings, statistics): partners made directly."""

from __future__ import annotations

from typing import Any

from international.models import Partner, PartnerKind


def partner(code: str = "test-dhs", **overrides: Any) -> Partner:
    """A registry partner (the registry's seed belongs to another branch)."""
    values: dict[str, Any] = {
        "name": f"Partner {code}",
        "kind": PartnerKind.FOREIGN_AGENCY,
        "country": "US",
    }
    values.update(overrides)
    made, _ = Partner.objects.get_or_create(code=code, defaults=values)
    return made


PHONES = ["+49 711 555123"]
EMAILS = ["quelle@example.org"]


def marking_url(record: Any) -> str:
    return f"/api/v1/records/{record.pk}/originator-markings/"


def release_url(record: Any, marking_id: str) -> str:
    return f"/api/v1/records/{record.pk}/originator-markings/{marking_id}/releases/"


def mark(api: Any, record: Any, items: list[str], *, kind: str = "third_party_rule") -> Any:
    """Mark items of the record as its owner (the record's owner's analyst)."""
    owner = record.owner.code.lower() + ".analyst"
    p = partner()
    response = api(owner).post(
        marking_url(record), {"partner": p.code, "kind": kind, "items": items}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()
