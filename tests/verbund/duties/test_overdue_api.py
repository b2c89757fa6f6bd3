"""R-L6 over the API: ``GET /overdue/`` for the agency head, ``GET /supervision/overdue/`` for
the competent supervisor; every read logged (R-I1), covert hits only in the covert column."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from audit.models import AuditEvent
from tests.verbund.records.support import assert_error
from tests.verbund.test_no_store import assert_no_store

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
LATER = START + datetime.timedelta(days=10)


@pytest.fixture
def overdue(duty: Callable[[str], Any], time_machine: Any) -> dict[str, Any]:
    """One overdue duty of every kind, ten days after they were created."""
    time_machine.move_to(START, tick=False)
    made = {
        kind: duty(kind)[0]
        for kind in (
            "covert_hit",
            "access_request",
            "emergency_consent",
            "emergency_refused",
            "correction_notice",
        )
    }
    time_machine.move_to(LATER, tick=False)
    return made


def _kinds(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(i["kind"], i["subject"]) for i in body["results"]}


def test_r_l6_head_lists_own_agencys_overdue_duties(api: Any, overdue: dict[str, Any]) -> None:
    response = api("bfv.head").get("/api/v1/overdue/")
    assert response.status_code == 200, response.content
    assert_no_store(response)
    body = response.json()
    assert _kinds(body) == {
        ("covert_hit", str(overdue["covert_hit"].pk)),
        ("access_request", str(overdue["access_request"].pk)),
        ("emergency_consent", str(overdue["emergency_consent"].pk)),
    }
    item = next(i for i in body["results"] if i["kind"] == "access_request")
    assert set(item) == {
        "id",
        "kind",
        "agency",
        "file",
        "file_number",
        "due_at",
        "overdue_since",
        "reminded_at",
        "subject",
    }
    assert item["agency"] == "BFV" and item["file"] == "ATD"
    assert item["file_number"] == overdue["access_request"].file_number
    assert item["due_at"] == item["overdue_since"] and item["reminded_at"] is None
    dues = [i["due_at"] for i in body["results"]]
    assert dues == sorted(dues)
    # The requester owes the duty after a refused consent; the LKA-BW owes its GWS notice.
    lka = api("lka-bw.head").get("/api/v1/overdue/").json()
    assert _kinds(lka) == {
        ("emergency_refused", str(overdue["emergency_refused"].pk)),
        ("correction_notice", str(overdue["correction_notice"].pk)),
    }
    event = AuditEvent.objects.filter(action="overdue.read").order_by("seq").first()
    assert event is not None and event.officer_username == "bfv.head"
    # R-I5: the covert hit only in the owner/supervisor-only column.
    assert [r["covert_hit"] for r in event.covert] == [str(overdue["covert_hit"].pk)]
    assert all("covert_hit" not in r for r in event.references)
    assert {r["kind"] for r in event.references} == {"access_request", "emergency_consent"}


@pytest.mark.parametrize("username", ["bfv.analyst", "lka-bw.analyst", "bka.auskunft"])
def test_r_l6_head_list_is_403_for_other_officers(
    api: Any, overdue: dict[str, Any], username: str
) -> None:
    assert_error(api(username).get("/api/v1/overdue/"), 403, "not_head")


def test_r_l6_head_list_is_403_for_supervisors_and_takes_no_filters(
    api: Any, overdue: dict[str, Any]
) -> None:
    assert_error(api("bfdi.supervisor").get("/api/v1/overdue/"), 403, "forbidden")
    assert_error(
        api("bfv.head").get("/api/v1/overdue/?agency=BFV"), 400, "unknown_parameter", "agency"
    )


def test_r_l6_competent_supervisor_lists_overdue_duties_covert_ones_included(
    api: Any, overdue: dict[str, Any]
) -> None:
    federal = api("bfdi.supervisor").get("/api/v1/supervision/overdue/")
    assert federal.status_code == 200, federal.content
    assert_no_store(federal)
    assert {i["kind"] for i in federal.json()["results"]} == {
        "covert_hit",
        "access_request",
        "emergency_consent",
    }
    state = api("lfd-bw.supervisor").get("/api/v1/supervision/overdue/").json()
    assert {(i["kind"], i["agency"]) for i in state["results"]} == {
        ("emergency_refused", "LKA-BW"),
        ("correction_notice", "LKA-BW"),
    }
    other = api("lfd-by.supervisor").get("/api/v1/supervision/overdue/").json()
    assert other["count"] == 0 and other["results"] == []
    event = AuditEvent.objects.filter(
        action="overdue.read", officer_username="bfdi.supervisor"
    ).get()
    assert [r["covert_hit"] for r in event.covert] == [str(overdue["covert_hit"].pk)]


def test_r_l6_supervision_agency_filter_narrows_and_checks(
    api: Any, overdue: dict[str, Any]
) -> None:
    client = api("bfdi.supervisor")
    assert client.get("/api/v1/supervision/overdue/?agency=BFV").json()["count"] == 3
    # An agency outside the jurisdiction gives nothing, never another supervisor's list.
    assert client.get("/api/v1/supervision/overdue/?agency=LKA-BW").json()["count"] == 0
    assert_error(
        client.get("/api/v1/supervision/overdue/?agency=NOPE"), 400, "invalid_choice", "agency"
    )
    assert_error(
        client.get("/api/v1/supervision/overdue/?stroage=x"), 400, "unknown_parameter", "stroage"
    )
    paged = client.get("/api/v1/supervision/overdue/?page_size=2").json()
    assert paged["count"] == 3 and len(paged["results"]) == 2 and paged["next"]
    rest = client.get("/api/v1/supervision/overdue/?page_size=2&page=2").json()
    ids = [i["id"] for i in paged["results"] + rest["results"]]
    assert len(set(ids)) == 3


@pytest.mark.parametrize("username", ["bfv.analyst", "bfv.head", "bka.head"])
def test_r_l6_supervision_list_is_403_for_officers(
    api: Any, overdue: dict[str, Any], username: str
) -> None:
    assert_error(api(username).get("/api/v1/supervision/overdue/"), 403, "forbidden")


def test_r_l6_reminded_duty_shows_its_reminder_time(api: Any, overdue: dict[str, Any]) -> None:
    from verbund.services.duties import duties_remind

    assert duties_remind() == 4
    body = api("bfv.head").get("/api/v1/overdue/").json()
    request = next(i for i in body["results"] if i["kind"] == "access_request")
    assert request["reminded_at"] is not None
    assert datetime.datetime.fromisoformat(request["reminded_at"]) == LATER
    inbox = api("lka-bw.head").get("/api/v1/inbox/?kind=correction_notice").json()
    assert inbox["results"][0]["payload"]["overdue"] is True
