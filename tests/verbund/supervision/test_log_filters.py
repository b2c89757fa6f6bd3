"""The supervisor's log: filters, drill-down from a reference, covert column (R-I4, R-J1, R-J3)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from tests.verbund.supervision.conftest import covert_payload

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events/"
SEARCH = {
    "file": "ATD",
    "mode": "name",
    "purpose": "ct_task",
    "urgency": "routine",
    "criteria": {"surname": "Al-Masri", "given_names": "Mohammed"},
}


def search(api: Any, username: str) -> Any:
    response = api(username).post("/api/v1/searches/", SEARCH, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_r_i4_filters_by_officer_file_action_and_purpose(api: Any, make_record: Any) -> None:
    make_record("lka-bw.analyst")
    search(api, "lka-bw.analyst")
    client = api("lfd-bw.supervisor")
    body = client.get(
        f"{EVENTS}?agency=LKA-BW&officer=lka-bw.analyst&file=ATD&action=search&purpose=ct_task"
    ).json()
    assert body["count"] == 1
    assert body["results"][0]["action"] == "search"
    assert body["results"][0]["officer"] == "lka-bw.analyst"
    assert client.get(f"{EVENTS}?officer=lka-by.analyst").json()["count"] == 0
    assert client.get(f"{EVENTS}?action=record.create").json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("file=XYZ", "file", "invalid_choice"),
        ("record=not-a-uuid", "record", "invalid"),
        ("officer=", "officer", "invalid"),
        ("actor=x", "actor", "unknown_parameter"),
    ],
)
def test_r_i4_bad_filter_is_400_naming_it(api: Any, query: str, field: str, code: str) -> None:
    response = api("lfd-bw.supervisor").get(f"{EVENTS}?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["fields"]


def test_r_i4_drill_down_from_a_record_to_every_access(api: Any, make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    search(api, "lka-bw.analyst")
    api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/")
    make_record("lka-bw.analyst")  # another record: not in the drill-down
    client = api("lfd-bw.supervisor")
    actions = [e["action"] for e in client.get(f"{EVENTS}?record={record.pk}").json()["results"]]
    assert sorted(actions) == ["record.create", "record.view", "search"]
    by_number = client.get(f"{EVENTS}?file_number={record.file_number}").json()
    assert by_number["count"] == 3
    # The read is logged with the query.
    read = AuditEvent.objects.filter(action="audit.read").order_by("-seq").first()
    assert read is not None and read.details["query"]["file_number"] == [record.file_number]


def test_r_i5_drill_down_never_reveals_a_covert_record_outside_competence(
    api: Any, make_record: Any
) -> None:
    covert = make_record("bfv.analyst", **covert_payload())
    search(api, "lka-bw.analyst")
    search_event = AuditEvent.objects.get(action="search")
    assert search_event.covert and search_event.covert[0]["record"] == str(covert.pk)
    # lfd-bw supervises LKA-BW's search but not the BfV: the row is listed without the covert
    # reference, and the drill-down by the covert record finds nothing.
    listed = api("lfd-bw.supervisor").get(f"{EVENTS}?action=search").json()["results"]
    assert listed[0]["covert"] == []
    assert api("lfd-bw.supervisor").get(f"{EVENTS}?record={covert.pk}").json()["count"] == 0
    # The BfDI, competent for the BfV, finds the entry.
    federal = api("bfdi.supervisor").get(f"{EVENTS}?record={covert.pk}").json()
    assert [e["action"] for e in federal["results"]] == ["record.create"]


def test_r_j3_art10_access_is_visible_to_both_sides(api: Any, make_record: Any) -> None:
    covert = make_record("bfv.analyst", **covert_payload(markings=["art10"]))
    search(api, "lka-bw.analyst")
    # The querying agency's supervisor sees the Art. 10 reference in its agency's search row.
    state = api("lfd-bw.supervisor").get(f"{EVENTS}?record={covert.pk}").json()["results"]
    assert [e["action"] for e in state] == ["search"]
    assert state[0]["covert"][0]["record"] == str(covert.pk)
    # The entering agency's supervisor reaches the other agency's access through the record.
    federal = api("bfdi.supervisor").get(f"{EVENTS}?record={covert.pk}").json()["results"]
    assert sorted(e["action"] for e in federal) == ["record.create", "search"]
    other = api("lfd-by.supervisor").get(f"{EVENTS}?record={covert.pk}").json()
    assert other["count"] == 0


def test_r_j1_events_outside_jurisdiction_give_no_rows(api: Any, make_record: Any) -> None:
    make_record("lka-bw.analyst")
    assert api("lfd-by.supervisor").get(f"{EVENTS}?agency=LKA-BW").json()["count"] == 0
    assert api("lfd-bw.supervisor").get(f"{EVENTS}?agency=LKA-BW").json()["count"] >= 1
