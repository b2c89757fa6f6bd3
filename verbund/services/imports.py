"""Bulk import of records from a source file (R-C9).

Each source record is checked on its own and entered through ``record_create`` (every entry
rule, including the relevance rules R-B1/R-B3, applies). Catalogue fields are mapped to
catalogue codes — by code or by the published German or English label; a value that maps
to no catalogue entry rejects that record. The importer never fills the free-text field:
a source record that carries free text is rejected, and free text can never stand in for
a catalogue value (Rn. 36, 39-40).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agencies.models import Officer
from verbund.errors import DomainError
from verbund.models import CatalogueValue
from verbund.selectors.catalogue import current_version
from verbund.services.record_rules import EXT_CATALOGUE_MULTI, EXT_CATALOGUE_SINGLE
from verbund.services.records import record_create


@dataclass
class ImportReport:
    """Outcome of an import: created record ids and the rejected lines with reasons."""

    created: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _label_map(field_name: str) -> dict[str, str]:
    """Return a map from code and labels (case-insensitive) to the code in force."""
    version = current_version(field_name)
    if version is None:
        return {}
    out: dict[str, str] = {}
    for value in CatalogueValue.objects.filter(version=version):
        for key in (value.code, value.label_de, value.label_en):
            out[key.casefold()] = value.code
    return out


class _Unmapped(Exception):
    """A source value that has no catalogue entry."""


def map_catalogue_values(extended: dict[str, Any]) -> dict[str, Any]:
    """Return extended data with catalogue fields mapped to codes; raise on unmapped."""
    out = dict(extended)
    for name in EXT_CATALOGUE_SINGLE + EXT_CATALOGUE_MULTI:
        if name not in out or out[name] in (None, "", []):
            continue
        labels = _label_map(name)
        values = out[name] if isinstance(out[name], list) else [out[name]]
        mapped = []
        for value in values:
            code = labels.get(str(value).casefold())
            if code is None:
                raise _Unmapped(f"extended.{name}: '{value}' ist kein Katalogwert")
            mapped.append(code)
        out[name] = mapped if name in EXT_CATALOGUE_MULTI else mapped[0]
    return out


def records_import(*, actor: Officer, source: Iterable[str]) -> ImportReport:
    """Import JSON lines (one record payload per line, as POST /records/ takes)."""
    report = ImportReport()
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("JSON-Objekt erwartet")
            extended = data.get("extended") or {}
            if not isinstance(extended, dict):
                raise ValueError("extended muss ein Objekt sein")
            if extended.get("free_text"):
                # R-C9: an import never fills the free-text field.
                raise _Unmapped("extended.free_text: Freitext wird beim Import nicht übernommen")
            if extended:
                data["extended"] = map_catalogue_values(extended)
            record = record_create(actor=actor, data=data)
        except DomainError as exc:
            report.rejected.append({"line": number, "code": exc.code, "fields": exc.fields})
        except _Unmapped as exc:
            report.rejected.append({"line": number, "code": "not_in_catalogue", "detail": str(exc)})
        except ValueError as exc:
            report.rejected.append({"line": number, "code": "invalid", "detail": str(exc)})
        else:
            report.created.append(str(record.pk))
    return report
