"""A supervisor reads records and their decisions, and sees a complaint's outcome (R-J6)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from tests.verbund.supervision.conftest import covert_payload
from verbund.access.supervision import complaints_of

pytestmark = pytest.mark.django_db


def url(record: Any) -> str:
    return f"/api/v1/supervision/records/{record.pk}/"


def test_r_j6_federal_supervisor_reads_a_covert_record_with_its_decisions(
    api: Any, make_record: Any
) -> None:
    record = make_record("bfv.analyst", **covert_payload())
    response = api("bfdi.supervisor").get(url(record))
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["storage"] == "covert"
    assert body["owner"] == "BFV"
    assert body["basic"]["surname"] == "Al-Masri"
    assert body["decisions"]["storage"] == {
        "storage": "covert",
        "decided_by": "bfv.head",
        "reasons": "Quellenschutz",
    }
    assert body["decisions"]["access_requests"] == []
    # R-I5: the read is logged, the covert record only in the covert column.
    event = AuditEvent.objects.get(action="supervision.record_read")
    assert event.officer_username == "bfdi.supervisor"
    assert event.object_id == "" and event.references == []
    assert event.covert[0]["record"] == str(record.pk)


def test_r_j6_open_record_read_is_logged_with_its_reference(api: Any, make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    assert api("lfd-bw.supervisor").get(url(record)).status_code == 200
    event = AuditEvent.objects.get(action="supervision.record_read")
    assert event.object_id == str(record.pk)
    assert event.references[0]["record"] == str(record.pk)


def test_r_j1_outside_jurisdiction_is_404_exactly_like_an_unknown_id(
    api: Any, make_record: Any
) -> None:
    record = make_record("bfv.analyst", **covert_payload())
    outside = api("lfd-bw.supervisor").get(url(record))
    unknown = api("lfd-bw.supervisor").get(f"/api/v1/supervision/records/{uuid.uuid4()}/")
    garbage = api("lfd-bw.supervisor").get("/api/v1/supervision/records/not-an-id/")
    assert outside.status_code == unknown.status_code == garbage.status_code == 404
    assert outside.json() == unknown.json() == garbage.json()
    assert not AuditEvent.objects.filter(action="supervision.record_read").exists()


def test_r_j6_officers_get_403_at_the_supervision_path(api: Any, make_record: Any) -> None:
    record = make_record("bka.analyst")
    response = api("bka.head").get(url(record))
    assert response.status_code == 403
    assert api().get(url(record)).status_code == 401


def test_r_j6_supervisors_get_403_at_records_and_searches(api: Any, make_record: Any) -> None:
    record = make_record("bfv.analyst", **covert_payload())
    client = api("bfdi.supervisor")
    assert client.get(f"/api/v1/records/{record.pk}/").status_code == 403
    assert client.get("/api/v1/records/").status_code == 403
    search = client.post(
        "/api/v1/searches/",
        {"file": "ATD", "criteria": {"surname": "Al-Masri"}},
        format="json",
    )
    assert search.status_code == 403
    assert client.get(f"/api/v1/searches/{uuid.uuid4()}/").status_code == 403


def test_r_j6_complaint_outcome_is_visible_to_the_supervisor(api: Any, make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    lodged = api("lfd-bw.supervisor").post(
        f"/api/v1/supervision/records/{record.pk}/complaints/",
        {"text": "Speicherung nicht erforderlich."},
        format="json",
    )
    assert lodged.status_code == 201, lodged.content
    review = api("lfd-bw.supervisor").get(url(record)).json()["decisions"]["reviews"]
    assert review[0]["causes"][0]["cause"] == "complaint"
    assert review[0]["outcome"] is None
    next_review = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    decided = api("lka-bw.analyst").post(
        f"/api/v1/records/{record.pk}/review/",
        {
            "outcome": "keep",
            "reasons": "Erforderlich wegen laufender Ermittlungen.",
            "review_date": next_review,
        },
        format="json",
    )
    assert decided.status_code == 200, decided.content
    review = api("lfd-bw.supervisor").get(url(record)).json()["decisions"]["reviews"]
    assert review[0]["outcome"] == "keep"
    assert review[0]["reasons"] == "Erforderlich wegen laufender Ermittlungen."
    from agencies.models import Officer

    listed = complaints_of(Officer.objects.get(username="lfd-bw.supervisor"))
    assert listed[0]["outcome"] == "keep"
    assert listed[0]["text"] == "Speicherung nicht erforderlich."


def test_r_j6_complaint_outcome_survives_the_owner_deleting_the_record(
    api: Any, make_record: Any
) -> None:
    record = make_record("lka-bw.analyst")
    api("lfd-bw.supervisor").post(
        f"/api/v1/supervision/records/{record.pk}/complaints/",
        {"text": "Speicherung unzulässig."},
        format="json",
    )
    decided = api("lka-bw.analyst").post(
        f"/api/v1/records/{record.pk}/review/",
        {"outcome": "deleted", "reasons": "Beanstandung berechtigt.", "ground": "unlawful"},
        format="json",
    )
    assert decided.status_code in (200, 204), decided.content
    from agencies.models import Officer

    listed = complaints_of(Officer.objects.get(username="lfd-bw.supervisor"))
    assert listed[0]["outcome"] == "deleted"
    assert listed[0]["reasons"] == "Beanstandung berechtigt."
    assert api("lfd-bw.supervisor").get(url(record)).status_code == 404


def test_r_j2_records_delegation_reaches_until_expiry(
    api: Any, make_record: Any, delegate: Any
) -> None:
    record = make_record("lka-by.analyst")
    assert api("lfd-bw.supervisor").get(url(record)).status_code == 404
    delegate(days=10, scope=("records",))
    assert api("lfd-bw.supervisor").get(url(record)).status_code == 200
    later = timezone.now() + datetime.timedelta(days=11)
    with time_machine.travel(later, tick=False):
        assert api("lfd-bw.supervisor").get(url(record)).status_code == 404


def test_r_j2_a_log_only_delegation_does_not_open_records(
    api: Any, make_record: Any, delegate: Any
) -> None:
    record = make_record("lka-by.analyst")
    delegate(scope=("log",))
    assert api("lfd-bw.supervisor").get(url(record)).status_code == 404


def _search_and_deliver(api: Any, username: str) -> None:
    from verbund.services.searches import covert_hits_deliver

    response = api(username).post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Al-Masri"},
        },
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    covert_hits_deliver(search_id=response.json()["id"])


def test_r_j3_art10_record_is_readable_by_the_querying_agencys_supervisor(
    api: Any, make_record: Any
) -> None:
    art10 = make_record("bfv.analyst", **covert_payload(markings=["art10"]))
    plain = make_record("bfv.analyst", **covert_payload())
    assert api("lfd-bw.supervisor").get(url(art10)).status_code == 404
    _search_and_deliver(api, "lka-bw.analyst")
    assert api("lfd-bw.supervisor").get(url(art10)).status_code == 200
    # Without Art. 10 data the covert match stays the owner's supervisor's (R-I5).
    assert api("lfd-bw.supervisor").get(url(plain)).status_code == 404
    assert api("lfd-by.supervisor").get(url(art10)).status_code == 404
    assert api("bfdi.supervisor").get(url(art10)).status_code == 200
