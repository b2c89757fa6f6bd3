"""The gate of R-N2 and the citations of R-N1: only an accepted notice may be a search
purpose or an entry's source (422 ``notice_not_accepted`` otherwise); a search citing a
partner request of the own agency answers it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from agencies.models import Agency, Officer
from audit.models import AuditEvent
from international.models import (
    Partner,
    PartnerRequest,
    RecordNoticeSource,
    RedNotice,
    SearchCitation,
)
from international.services.notices import notice_decide, notice_receive
from tests.conftest import person_payload
from tests.international.helpers import decision, notice_body
from verbund.models import Record, Search

SEARCH = {
    "file": "ATD",
    "mode": "name",
    "purpose": "ct_task",
    "urgency": "routine",
    "criteria": {"surname": "Doe"},
}


def _notice(status: str = "in_review", **overrides: Any) -> RedNotice:
    notice, _ = notice_receive(
        actor=Officer.objects.get(username="bka.analyst"), data=notice_body(**overrides)
    )
    if status != "in_review":
        notice = notice_decide(
            actor=Officer.objects.get(username="bka.head"),
            notice_id=notice.pk,
            **decision(status == "accepted", answer="met" if status == "accepted" else "not_met"),
        )
    return notice


def _partner_request(agency: str = "LKA-BW", officer: str = "lka-bw.analyst") -> PartnerRequest:
    partner, _ = Partner.objects.get_or_create(
        code="us-dhs",
        defaults={"name": "Department of Homeland Security", "kind": "foreign_agency"},
    )
    return PartnerRequest.objects.create(
        partner=partner,
        agency=Agency.objects.get(code=agency),
        officer=Officer.objects.get(username=officer),
        received_on=datetime.date(2026, 1, 15),
        topic="migration",
        subject="Ersuchen um Erkenntnisse zu John Doe",
    )


@pytest.mark.parametrize("status", ["in_review", "rejected"])
def test_r_n2_search_citing_a_notice_not_accepted_is_422(api: Any, status: str) -> None:
    notice = _notice(status)
    answer = api("lka-bw.analyst").post(
        "/api/v1/searches/", {**SEARCH, "red_notice": str(notice.pk)}, format="json"
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "notice_not_accepted"
    assert "red_notice" in answer.json()["fields"]
    assert not Search.objects.exists()
    assert not SearchCitation.objects.exists()


def test_r_n2_search_citing_an_accepted_notice_writes_the_citation(api: Any) -> None:
    notice = _notice("accepted")
    answer = api("lka-bw.analyst").post(
        "/api/v1/searches/", {**SEARCH, "red_notice": str(notice.pk)}, format="json"
    )
    assert answer.status_code == 201, answer.content
    citation = SearchCitation.objects.get(search_id=answer.json()["id"])
    assert citation.red_notice_id == notice.pk
    assert citation.partner_request_id is None
    event = AuditEvent.objects.get(action="search", object_id=answer.json()["id"])
    assert event.details["cites"]["red_notice"] == str(notice.pk)


def test_r_n2_search_citing_a_superseded_notice_is_422(api: Any) -> None:
    notice = _notice("accepted")
    _notice(interpol_reference=notice.interpol_reference, version=2)
    answer = api("lka-bw.analyst").post(
        "/api/v1/searches/", {**SEARCH, "red_notice": str(notice.pk)}, format="json"
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "notice_not_accepted"


@pytest.mark.parametrize("value", ["00000000-0000-0000-0000-000000000000", "kein-uuid"])
def test_r_n2_search_citing_an_unknown_notice_is_400(api: Any, value: str) -> None:
    answer = api("lka-bw.analyst").post(
        "/api/v1/searches/", {**SEARCH, "red_notice": value}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_notice"
    assert not Search.objects.exists()


def test_r_n2_search_citation_type_checked(api: Any) -> None:
    answer = api("lka-bw.analyst").post(
        "/api/v1/searches/", {**SEARCH, "red_notice": ["x"]}, format="json"
    )
    assert answer.status_code == 400
    assert "red_notice" in answer.json()["fields"]


def test_r_n1_search_citing_a_partner_request_answers_it(api: Any) -> None:
    request = _partner_request()
    answer = api("lka-bw.analyst").post(
        "/api/v1/searches/", {**SEARCH, "partner_request": str(request.pk)}, format="json"
    )
    assert answer.status_code == 201, answer.content
    request.refresh_from_db()
    assert request.status == "answered"
    citation = SearchCitation.objects.get(search_id=answer.json()["id"])
    assert citation.partner_request_id == request.pk


def test_r_n1_search_citing_another_agencys_request_is_400(api: Any) -> None:
    request = _partner_request()
    answer = api("bka.analyst").post(
        "/api/v1/searches/", {**SEARCH, "partner_request": str(request.pk)}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_partner_request"
    request.refresh_from_db()
    assert request.status == "open"
    assert not Search.objects.exists()


def test_r_n2_search_citing_both(api: Any) -> None:
    notice = _notice("accepted")
    request = _partner_request()
    body = {**SEARCH, "red_notice": str(notice.pk), "partner_request": str(request.pk)}
    answer = api("lka-bw.analyst").post("/api/v1/searches/", body, format="json")
    assert answer.status_code == 201, answer.content
    citation = SearchCitation.objects.get(search_id=answer.json()["id"])
    assert (citation.red_notice_id, citation.partner_request_id) == (notice.pk, request.pk)


@pytest.mark.parametrize("status", ["in_review", "rejected"])
def test_r_n2_entry_naming_a_notice_not_accepted_is_422(api: Any, status: str) -> None:
    notice = _notice(status)
    body = person_payload(red_notice=str(notice.pk))
    answer = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "notice_not_accepted"
    assert not Record.objects.exists()


def test_r_n2_entry_with_an_accepted_notice_as_source(api: Any) -> None:
    notice = _notice("accepted")
    body = person_payload(red_notice=str(notice.pk))
    answer = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert answer.status_code == 201, answer.content
    link = RecordNoticeSource.objects.get(record_id=answer.json()["id"])
    assert link.red_notice_id == notice.pk
    event = AuditEvent.objects.get(action="record.create", object_id=answer.json()["id"])
    assert event.details["red_notice"]["id"] == str(notice.pk)
    # The source is named at creation only: a change cannot name one.
    patch = api("bka.analyst").patch(
        f"/api/v1/records/{answer.json()['id']}/",
        {"red_notice": str(notice.pk)},
        format="json",
        headers={"If-Match": answer["ETag"]},
    )
    assert patch.status_code == 400
    assert patch.json()["code"] == "unknown_field"


def test_r_n2_entry_without_notice_unchanged(api: Any) -> None:
    answer = api("bka.analyst").post("/api/v1/records/", person_payload(), format="json")
    assert answer.status_code == 201, answer.content
    assert not RecordNoticeSource.objects.exists()
