"""Publish catalogue versions (R-C4): only the BKA sets the gg/hh/ii/kk/nn catalogues."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.models import Officer, Role
from audit.services import log_event
from verbund.errors import Forbidden, Invalid
from verbund.models import CatalogueValue, CatalogueVersion
from verbund.models.catalogue import CATALOGUE_FIELDS, LEARNING_FIELDS
from verbund.selectors.catalogue import current_version, next_version_number


def catalogue_publish(
    *,
    actor: Officer,
    field: str,
    valid_from: datetime.date,
    values: list[dict[str, Any]],
    note: str = "",
) -> CatalogueVersion:
    """Publish a new version of a catalogue that applies from ``valid_from``.

    R-C4: the BKA alone sets and changes ethnicity, religion, skills, critical
    infrastructure and visited places, as an administrative regulation; each change is a
    new version. Only "learning" catalogues (device types) take proposals from any agency.
    Every other catalogue is kept by the BKA as well.
    """
    if field not in CATALOGUE_FIELDS:
        raise Invalid("Unbekannter Katalog.", code="unknown_catalogue", fields={"field": [field]})
    agency_code = getattr(getattr(actor, "agency", None), "code", None)
    if field not in LEARNING_FIELDS and not (agency_code == "BKA" and actor.role == Role.HEAD):
        raise Forbidden(
            "Nur das BKA legt diesen Katalog als Verwaltungsvorschrift fest.",
            code="catalogue_bka_only",
        )
    # No catalogue version applies from the past: a record entered under the version in force
    # must stay valid under it (learning catalogues included).
    if valid_from < timezone.localdate():
        raise Invalid(
            "Eine neue Fassung gilt erst ab ihrer Veröffentlichung.",
            code="invalid_date",
            fields={"valid_from": ["Eine neue Fassung gilt erst ab ihrer Veröffentlichung."]},
        )
    if not values or not all(
        isinstance(v, dict) and v.get("code") and v.get("label_de") for v in values
    ):
        raise Invalid("Werte mit code und label_de angeben.", code="invalid")
    for i, value in enumerate(values):
        for key in ("code", "label_de", "label_en"):
            text = value.get(key)
            if isinstance(text, str) and any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
                detail = "Unzulässige Zeichen (Steuerzeichen)."
                raise Invalid(
                    detail, code="invalid_characters", fields={f"values[{i}].{key}": [detail]}
                )
    codes = [v["code"] for v in values]
    if len(set(codes)) != len(codes):
        raise Invalid("Doppelte Codes.", code="duplicate_code")
    with transaction.atomic():
        version = CatalogueVersion.objects.create(
            field=field,
            number=next_version_number(field),
            valid_from=valid_from,
            published_by=actor,
            note=note,
        )
        CatalogueValue.objects.bulk_create(
            CatalogueValue(
                version=version,
                code=v["code"],
                label_de=v["label_de"],
                label_en=v.get("label_en") or v["label_de"],
            )
            for v in values
        )
        log_event(
            actor=actor,
            action="catalogue.publish",
            object_type="catalogue",
            object_id=f"{field}:{version.number}",
            details={"field": field, "valid_from": valid_from.isoformat(), "codes": codes},
        )
    return version


def catalogue_propose_learning_value(
    *, actor: Officer, field: str, code: str, label_de: str
) -> CatalogueVersion:
    """Add a value to a learning catalogue (Rn. 38) as a new version valid from today."""
    if field not in LEARNING_FIELDS:
        raise Forbidden("Dieser Katalog ist nicht lernend.", code="catalogue_bka_only")
    current = current_version(field)
    values = (
        [
            {"code": v.code, "label_de": v.label_de, "label_en": v.label_en}
            for v in current.values.all()
        ]
        if current
        else []
    )
    values.append({"code": code, "label_de": label_de})
    return catalogue_publish(
        actor=actor, field=field, valid_from=timezone.localdate(), values=values
    )
