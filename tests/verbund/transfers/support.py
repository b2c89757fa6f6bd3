"""Helpers of the transfer tests: records with markings, grants and Eilfall rows."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agencies.models import Officer
from verbund.models import AccessRequest, EmergencyAccess, Record
from verbund.models.emergencies import Consent
from verbund.models.requests import RequestKind, RequestStatus

URL = "/api/v1/transfers/"


def covert_decision(agency_code: str) -> dict[str, Any]:
    """Overrides storing a record covertly, decided by the agency's head (R-D4)."""
    return {
        "storage": "covert",
        "storage_decision": {
            "decided_by": f"{agency_code.lower()}.head",
            "reasons": "Daten aus einer Maßnahme nach Art. 10 GG; Quellenschutz.",
        },
    }


def grant(
    record: Record,
    requester: str,
    *,
    use_markings: list[str] | None = None,
    kind: str = RequestKind.EXTENDED_DATA,
) -> Any:
    """Store a granted request of ``requester`` (username): extended data, or further use."""
    officer = Officer.objects.get(username=requester)
    agency = officer.agency
    assert agency is not None
    return AccessRequest.objects.create(
        kind=kind,
        record=record,
        file=record.file,
        file_number=record.file_number,
        requester=agency,
        officer=officer,
        owner=record.owner,
        justification="Abgleich im eigenen Ermittlungsverfahren.",
        status=RequestStatus.GRANTED,
        provision="§ 19 BVerfSchG",
        reasons="Erforderlich.",
        decided_at=timezone.now(),
        use_markings=use_markings
        if use_markings is not None
        else (["use_further_use"] if kind == RequestKind.FURTHER_USE else ["use_check_only"]),
        use_ground="serious_crime" if kind == RequestKind.FURTHER_USE else "",
        use_purpose="Verfolgung einer besonders schweren Straftat."
        if kind == RequestKind.FURTHER_USE
        else "",
    )


def eilfall(record: Record, requester: str, *, consent: str = Consent.PENDING) -> Any:
    """Store an Eilfall of ``requester`` (username) for the record."""
    officer = Officer.objects.get(username=requester)
    agency = officer.agency
    assert agency is not None
    head = Officer.objects.get(username=requester.split(".")[0] + ".head")
    return EmergencyAccess.objects.create(
        record=record,
        file=record.file,
        file_number=record.file_number,
        requester=agency,
        officer=officer,
        owner=record.owner,
        danger="life",
        facts="Konkrete Anschlagsplanung.",
        why_no_request="Ersuchen käme zu spät.",
        decided_by=head,
        consent=consent,
    )


def body(record: Record, **overrides: Any) -> dict[str, Any]:
    """A valid transfer body for the record to LKA-BY."""
    data: dict[str, Any] = {
        "record": str(record.pk),
        "recipient": {"agency": "LKA-BY"},
        "provision": "§ 25 Abs. 1 BKAG",
        "purpose": "Gefahrenabwehr: Abgleich mit eigenem Ermittlungsverfahren.",
        "items": ["basic", "reference"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
