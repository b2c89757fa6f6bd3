"""Read the published catalogues (R-C4)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone

from verbund.models import CatalogueValue, CatalogueVersion
from verbund.models.catalogue import CATALOGUE_FIELDS


def current_version(field: str, on: datetime.date | None = None) -> CatalogueVersion | None:
    """Return the version of a catalogue in force on a day (latest published before it)."""
    day = on or timezone.localdate()
    return (
        CatalogueVersion.objects.filter(field=field, valid_from__lte=day)
        .order_by("-number")
        .first()
    )


def current_codes(field: str) -> set[str]:
    """Return the codes of the catalogue version in force today."""
    version = current_version(field)
    if version is None:
        return set()
    return set(version.values.values_list("code", flat=True))


def catalogue_current(*, language: str = "de") -> dict[str, list[dict[str, Any]]]:
    """Return every catalogue in force: ``{field: [{"code","label","valid_from"}]}``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for field in CATALOGUE_FIELDS:
        version = current_version(field)
        if version is None:
            out[field] = []
            continue
        out[field] = [
            {
                "code": v.code,
                "label": v.label_de if language == "de" else v.label_en,
                "valid_from": version.valid_from.isoformat(),
            }
            for v in version.values.all()
        ]
    return out


def catalogue_history() -> list[CatalogueVersion]:
    """Return every published version, newest first per field (the publication, R-C4)."""
    return list(
        CatalogueVersion.objects.select_related("published_by")
        .prefetch_related("values")
        .order_by("field", "-number")
    )


def next_version_number(field: str) -> int:
    """Return the number the next version of a field gets."""
    top = CatalogueVersion.objects.filter(field=field).aggregate(m=Max("number"))["m"]
    return (top or 0) + 1


def label_for(field: str, code: str, language: str = "de") -> str:
    """Return the label of a code in the catalogue in force, or the code itself."""
    version = current_version(field)
    if version is None:
        return code
    value = CatalogueValue.objects.filter(version=version, code=code).first()
    if value is None:
        return code
    return value.label_de if language == "de" else value.label_en
