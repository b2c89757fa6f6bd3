"""Foreign partners' requests: recording them and the gate a citing search passes (R-N1, R-E5).

Partners are registry rows, never users (R-N1): a foreign body never asks the file itself.
An officer records what a partner asked (``partner_request_create``) and answers it by
single searches that cite it; the search path calls ``partner_request_for_citation``.

A request belongs to the agency that recorded it: another agency's request answers exactly
like an invented id (R-A4-style need to know). No new library: plain Django ORM; the topic
is validated with Django's own slug validator so it stays a tag countable in statistics.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Officer
from audit.services import log_event
from international.models import Partner, PartnerRequest, PartnerRequestStatus
from verbund.errors import Forbidden, Invalid, NotFound
from verbund.services import shapes

UNKNOWN_REQUEST = "Unbekanntes Ersuchen eines ausländischen Partners."
UNKNOWN_PARTNER = "Unbekannter oder nicht aktiver Partner."
# The JSON types of POST /partner-requests/ (the serializer documents the same).
PARTNER_REQUEST_CREATE = shapes.Obj(
    {
        "partner": shapes.Text(max_len=40),
        "received_on": shapes.Text(max_len=40),
        "topic": shapes.Text(max_len=40),
        "reference": shapes.Text(max_len=80),
        "subject": shapes.Text(max_len=4000),
    }
)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def partner_requests_for(actor: Any) -> QuerySet[PartnerRequest]:
    """Return the partner requests the actor's agency recorded (none for anyone else)."""
    agency_id = getattr(actor, "agency_id", None)
    if not agency_id or getattr(actor, "foreign", False):
        return PartnerRequest.objects.none()
    return PartnerRequest.objects.filter(agency_id=agency_id).select_related("partner")


def partner_request_for_citation(actor: Officer, request_id: Any) -> PartnerRequest:
    """Return the actor's agency's partner request a search cites (R-N1, R-E5).

    Called by the search path before its transaction (``international.services.citations``),
    which then writes the ``SearchCitation`` and sets the status to answered with one
    conditional UPDATE, so two citing searches cannot race on it. An id that is not a request of the
    actor's agency — invented, malformed or another agency's — is 400
    ``unknown_partner_request`` naming field ``partner_request``; the answer is the same in
    every case, so it reveals nothing about other agencies' requests.
    """
    pk = _uuid(request_id)
    found = partner_requests_for(actor).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise Invalid(
            UNKNOWN_REQUEST,
            code="unknown_partner_request",
            fields={"partner_request": [UNKNOWN_REQUEST]},
        )
    return found


def partner_request_get(actor: Any, request_id: Any) -> PartnerRequest:
    """Return one of the actor's agency's requests; 404 otherwise, also for another agency's."""
    pk = _uuid(request_id)
    found = partner_requests_for(actor).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(UNKNOWN_REQUEST, code="not_found")
    return found


def _text(data: dict[str, Any], name: str, max_len: int, errors: dict[str, list[str]]) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = ["Text erwartet."]
        return ""
    value = value.strip()
    if len(value) > max_len:
        errors[name] = [f"Höchstens {max_len} Zeichen."]
    return value


def partner_request_create(*, actor: Officer, data: dict[str, Any]) -> PartnerRequest:
    """Record a request a foreign partner made, for the actor's agency (R-N1, R-E5).

    ``data``: ``partner`` (code of an active partner), ``received_on`` (ISO date, not in the
    future), ``topic`` (a slug tag), ``reference`` (optional), ``subject``. All field errors
    are reported together as 400; nothing is stored on error. The record is logged
    (``partner_request.create``) in the same transaction.
    """
    if not actor.agency_id:
        raise Forbidden("Nur für Bedienstete teilnehmender Behörden.", code="forbidden")
    agency_id = actor.agency_id
    errors: dict[str, list[str]] = {}
    code = "invalid"

    partner: Partner | None = None
    partner_code = data.get("partner")
    if partner_code in (None, ""):
        errors["partner"] = ["Pflichtfeld."]
    else:
        partner = (
            Partner.objects.filter(code=str(partner_code), active=True).first()
            if isinstance(partner_code, str)
            else None
        )
        if partner is None:
            errors["partner"] = [UNKNOWN_PARTNER]
            code = "unknown_partner"

    received_on: datetime.date | None = None
    raw_day = data.get("received_on")
    if raw_day in (None, ""):
        errors["received_on"] = ["Pflichtfeld."]
    elif isinstance(raw_day, datetime.date):
        received_on = raw_day
    else:
        try:
            received_on = datetime.date.fromisoformat(str(raw_day))
        except ValueError:
            errors["received_on"] = ["Datum im Format JJJJ-MM-TT erwartet."]
    if received_on is not None and received_on > timezone.localdate():
        errors["received_on"] = ["Das Eingangsdatum darf nicht in der Zukunft liegen."]
        received_on = None

    topic = _text(data, "topic", 40, errors)
    if "topic" not in errors:
        if not topic:
            errors["topic"] = ["Pflichtfeld."]
        else:
            try:
                validate_slug(topic)
            except ValidationError:
                errors["topic"] = [
                    "Stichwort aus Kleinbuchstaben, Ziffern, Binde- oder Unterstrichen."
                ]
            topic = topic.lower()

    reference = _text(data, "reference", 80, errors)
    subject = _text(data, "subject", 4000, errors)
    if "subject" not in errors and not subject:
        errors["subject"] = ["Pflichtfeld."]

    if errors:
        raise Invalid("Ungültige Angaben.", code=code, fields=errors)
    assert partner is not None and received_on is not None

    with transaction.atomic():
        row = PartnerRequest.objects.create(
            partner=partner,
            agency_id=agency_id,
            officer=actor,
            received_on=received_on,
            topic=topic,
            reference=reference,
            subject=subject,
            status=PartnerRequestStatus.OPEN,
        )
        log_event(
            actor=actor,
            action="partner_request.create",
            object_type="international.partnerrequest",
            object_id=str(row.pk),
            details={
                "partner": partner.code,
                "received_on": received_on.isoformat(),
                "topic": topic,
            },
        )
    return row
