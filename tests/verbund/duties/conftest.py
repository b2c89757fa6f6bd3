"""Due-time tests: module-wide reference data and factories for every kind of duty (R-L6).

The request and Eilfall workflows are built elsewhere; these factories write their rows as
those services do (the conventions every branch shares): the row with its due time from
``verbund.services.due`` and the open inbox item about it (``subject_id`` = the row's id).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from agencies.models import Agency, Officer
from tests.verbund.search.conftest import covert_payload
from verbund.models import AccessRequest, CovertHit, EmergencyAccess, InboxItem, Record
from verbund.models.emergencies import Consent, Danger
from verbund.models.inbox import InboxKind
from verbund.services import due

_surnames = (f"Fristig{chr(ord('a') + n % 26)}{n // 26}" for n in itertools.count())


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data (tests/conftest.py)."""
    return module_reference


def _officer(username: str) -> Officer:
    return Officer.objects.get(username=username)


def access_request(record: Record, requester: str = "LKA-BW") -> AccessRequest:
    """A pending request of ``requester`` for the record's extended data, due to its owner."""
    agency = Agency.objects.get(code=requester)
    row = AccessRequest.objects.create(
        record=record,
        file=record.file,
        file_number=record.file_number,
        requester=agency,
        officer=_officer(f"{requester.lower()}.analyst"),
        owner=record.owner,
        justification="Abgleich mit eigenen Ermittlungen",
        due_at=due.access_request_due(),
    )
    InboxItem.objects.create(
        agency=record.owner,
        file=record.file,
        kind=InboxKind.ACCESS_REQUEST,
        record=record,
        subject_id=row.pk,
        payload={"file_number": record.file_number},
        due_at=row.due_at,
    )
    return row


def emergency(record: Record, requester: str = "LKA-BW", *, refused: bool = False) -> Any:
    """An Eilfall access awaiting the owner's consent, or refused with the duty open."""
    agency = Agency.objects.get(code=requester)
    row = EmergencyAccess.objects.create(
        record=record,
        file=record.file,
        file_number=record.file_number,
        requester=agency,
        officer=_officer(f"{requester.lower()}.analyst"),
        owner=record.owner,
        danger=Danger.LIFE,
        facts="Anschlag angekündigt",
        why_no_request="Ersuchen käme zu spät",
        decided_by=_officer(f"{requester.lower()}.head"),
        consent_due_at=due.eilfall_consent_due(),
    )
    InboxItem.objects.create(
        agency=record.owner,
        file=record.file,
        kind=InboxKind.EMERGENCY_CONSENT,
        record=record,
        subject_id=row.pk,
        payload={"file_number": record.file_number},
        due_at=row.consent_due_at,
        done_at=due.eilfall_consent_due(now=row.created_at) if refused else None,
    )
    if refused:
        row.consent = Consent.REFUSED
        row.consent_reasons = "Keine Zustimmung"
        row.duty_due_at = due.eilfall_duty_due()
        row.save(update_fields=["consent", "consent_reasons", "duty_due_at"])
        InboxItem.objects.create(
            agency=agency,
            file=record.file,
            kind=InboxKind.EMERGENCY_REFUSED,
            record=record,
            subject_id=row.pk,
            payload={"file_number": record.file_number},
            due_at=row.duty_due_at,
        )
    return row


@pytest.fixture
def duty(make_record: Callable[..., Any], api: Callable[..., Any]) -> Callable[[str], Any]:
    """Create one open duty of the given kind; return ``(subject, owing agency code)``.

    The record belongs to the BfV (federal) in the ATD, the other side is the LKA
    Baden-Württemberg; a correction notice is owed by the LKA-BW for its GWS record.
    """

    def make(kind: str) -> tuple[Any, str]:
        if kind == "covert_hit":
            from verbund.services.searches import covert_hits_deliver

            surname = next(_surnames)
            make_record(
                "bfv.analyst",
                basic={"surname": surname, "given_names": "Vera"},
                **covert_payload("BFV"),
            )
            body = {
                "file": "ATD",
                "mode": "name",
                "purpose": "ct_task",
                "urgency": "routine",
                "criteria": {"surname": surname},
            }
            search = api("lka-bw.analyst").post("/api/v1/searches/", body, format="json").json()
            covert_hits_deliver(search_id=search["id"])
            return CovertHit.objects.get(search_id=search["id"]), "BFV"
        if kind == "correction_notice":
            from verbund.services.records import correction_notice_create

            # A notice needs a record the sender may see: a GWS record of the LKA-BW,
            # noticed by the LKA Bayern.
            gws = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
            notice = correction_notice_create(
                actor=_officer("lka-by.analyst"), record_id=gws.pk, text="Geburtsdatum falsch"
            )
            return notice, "LKA-BW"
        record = make_record("bfv.analyst")
        if kind == "access_request":
            return access_request(record), "BFV"
        if kind == "emergency_consent":
            return emergency(record), "BFV"
        if kind == "emergency_refused":
            return emergency(record, refused=True), "LKA-BW"
        raise AssertionError(kind)

    return make
