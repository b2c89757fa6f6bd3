"""Blocking instead of deletion, and each later use on a named ground (R-L3, R-H1)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from audit.models import AuditEvent
from tests.verbund.lifecycle.review_support import (
    GONE_FOR_OTHERS,
    others_answers,
    person,
    search,
    shared_record,
    url,
)
from tests.verbund.records.support import Stock, assert_error
from tests.verbund.transfers.support import covert_decision
from verbund.models import CovertHit, Record
from verbund.services.records import record_block
from verbund.services.searches import covert_hits_deliver

REASON = "Löschung würde dem Betroffenen den Nachweis seiner Entlastung nehmen."


def _block(api: Any, record: Any, username: str = "bka.analyst") -> Any:
    return api(username).post(url(record, "block/"), {"reason": REASON}, format="json")


def test_r_l3_blocking_needs_a_reason_and_records_when(api: Any, make_record: Any) -> None:
    record = person(make_record, "bka.analyst", "Sperre")
    stock = Stock()
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert_error(
            api("bka.analyst").post(url(record, "block/"), body, format="json"),
            400,
            "required",
            "reason",
        )
    stock.assert_unchanged()
    response = _block(api, record)
    assert response.status_code == 200, response.content
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.status == "blocked" and fresh.blocked_reason == REASON
    assert fresh.blocked_at is not None
    assert response.json()["blocked_at"] == fresh.blocked_at.isoformat()


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("lka-bw.analyst", 404, "not_found"), ("lka-by.analyst", 404, "not_found")],
)
def test_r_h1_only_the_owner_blocks(
    api: Any, make_record: Any, who: str, status: int, code: str
) -> None:
    record = person(make_record, "bka.analyst", "Sperre")
    stock = Stock()
    assert_error(_block(api, record, who), status, code)
    stock.assert_unchanged()
    assert Record.objects.get(pk=record.pk).status == "active"


def test_r_l3_blocked_records_leave_every_answer_to_other_agencies(
    api: Any, make_record: Any
) -> None:
    shared = shared_record(api, make_record, "Gesperrtmann")
    before = others_answers(api, shared)
    assert before["get"] == 200 and before["search"] == 1 and before["stored_search"] == 1
    assert before["request_names_record"] is True
    assert _block(api, shared["record"]).status_code == 200
    assert others_answers(api, shared) == GONE_FOR_OTHERS


def test_r_l3_blocked_gws_record_leaves_direct_retrieval(api: Any, make_record: Any) -> None:
    record = person(
        make_record, "lka-bw.analyst", "Stadion", file="GWS", case_group="", findings_basis=""
    )
    assert api("lka-by.analyst").get(url(record)).status_code == 200
    assert _block(api, record, "lka-bw.analyst").status_code == 200
    assert_error(api("lka-by.analyst").get(url(record)), 404, "not_found")


def test_r_l3_the_owners_plain_read_of_a_blocked_record_shows_no_data(
    api: Any, make_record: Any
) -> None:
    record = person(make_record, "bka.analyst", "Gesperrt", extended={"profession": "Koch"})
    assert _block(api, record).status_code == 200
    response = api("bka.analyst").get(url(record))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "blocked" and body["blocked_reason"] == REASON
    assert body["reference"]["file_number"] == record.file_number
    for key in ("basic", "extended", "case_group", "findings_basis", "storage_decision"):
        assert key not in body, key
    # Its own list does not show the data either.
    (row,) = api("bka.analyst").get("/api/v1/records/").json()["results"]
    assert "basic" not in row and row["status"] == "blocked"


@pytest.mark.parametrize("ground", ["withheld_reason", "high_ranking_interest", "consent"])
def test_r_l3_each_use_of_blocked_data_names_a_ground_and_is_logged(
    api: Any, make_record: Any, ground: str
) -> None:
    record = person(make_record, "bka.analyst", "Gesperrt", extended={"profession": "Koch"})
    assert _block(api, record).status_code == 200
    reasons = "Vorlage an das Gericht im Rehabilitierungsverfahren."
    response = api("bka.analyst").post(
        url(record, "blocked-use/"), {"ground": ground, "reasons": reasons}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["basic"]["surname"] == "Gesperrt" and body["extended"]["profession"] == "Koch"
    event = AuditEvent.objects.get(action="record.blocked_use")
    assert event.object_id == str(record.pk) and event.officer_username == "bka.analyst"
    assert event.details == {"ground": ground, "reasons": reasons}
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"reasons": "Gericht"}, "required", "ground"),
        ({"ground": "", "reasons": "Gericht"}, "required", "ground"),
        ({"ground": "curiosity", "reasons": "Gericht"}, "invalid_choice", "ground"),
        ({"ground": "consent"}, "required", "reasons"),
        ({"ground": 1, "reasons": "Gericht"}, "invalid", "ground"),
        ({"ground": "consent", "reasons": "x", "more": 1}, "unknown_field", "more"),
    ],
)
def test_r_l3_use_of_blocked_data_without_a_ground_is_400(
    api: Any, make_record: Any, body: dict[str, Any], code: str, field: str
) -> None:
    record = person(make_record, "bka.analyst", "Gesperrt")
    assert _block(api, record).status_code == 200
    stock = Stock()
    response = api("bka.analyst").post(url(record, "blocked-use/"), body, format="json")
    assert_error(response, 400, code, field)
    stock.assert_unchanged()


def test_r_l3_blocked_use_of_an_active_record_is_409(api: Any, make_record: Any) -> None:
    record = person(make_record, "bka.analyst", "Aktiv")
    stock = Stock()
    response = api("bka.analyst").post(
        url(record, "blocked-use/"), {"ground": "consent", "reasons": "x"}, format="json"
    )
    assert_error(response, 409, "not_blocked")
    stock.assert_unchanged()


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        (None, 401, "not_authenticated"),
        ("bfdi.supervisor", 403, "forbidden"),
        ("lka-bw.analyst", 404, "not_found"),
        ("bfv.analyst", 404, "not_found"),
    ],
)
def test_r_l3_only_the_owner_uses_blocked_data(
    api: Any, make_record: Any, who: str | None, status: int, code: str
) -> None:
    record = person(make_record, "bka.analyst", "Gesperrt")
    assert _block(api, record).status_code == 200
    stock = Stock()
    response = api(who).post(
        url(record, "blocked-use/"), {"ground": "consent", "reasons": "x"}, format="json"
    )
    assert_error(response, status, code)
    stock.assert_unchanged()
    missing = api(who).post(
        f"/api/v1/records/{uuid.uuid4()}/blocked-use/",
        {"ground": "consent", "reasons": "x"},
        format="json",
    )
    assert missing.status_code == (404 if who and "analyst" in who else status)


def test_r_l3_a_blocked_record_refuses_the_plain_delete(api: Any, make_record: Any) -> None:
    record = person(make_record, "bka.analyst", "Gesperrt")
    assert _block(api, record).status_code == 200
    stock = Stock()
    assert_error(api("bka.analyst").delete(url(record)), 409, "record_blocked")
    assert_error(
        api("bka.analyst").delete(url(record), {"ground": "unlawful"}, format="json"),
        409,
        "record_blocked",
    )
    stock.assert_unchanged()
    assert Record.objects.filter(pk=record.pk, status="blocked").exists()


def test_r_l3_a_blocked_covert_record_sets_off_no_contact_duty(
    api: Any, make_record: Any, officer: Any
) -> None:
    record = person(make_record, "bfv.analyst", "Verdecktsperre", **covert_decision("BFV"))
    record_block(actor=officer("bfv.analyst"), record_id=record.pk, reason=REASON)
    answer = search(api, "lka-sn.analyst", "Verdecktsperre")
    assert answer["hits"] == []
    assert covert_hits_deliver(search_id=answer["id"]) == 0
    assert not CovertHit.objects.exists()
