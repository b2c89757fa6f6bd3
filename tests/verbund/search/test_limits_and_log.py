"""Purpose and urgency (R-E1), hit limit (R-E6), rate limit (R-E5), access log (R-I1, R-I4)."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
import time_machine

from audit.models import AuditEvent
from verbund.models import Hit, InboxItem, Search
from verbund.services.searches import covert_hits_deliver

# ---------------------------------------------------------------------------- R-E1


@pytest.mark.parametrize(
    ("purpose", "urgency", "code", "field"),
    [
        (None, "routine", "required", "purpose"),
        ("", "routine", "required", "purpose"),
        ("ct_task", None, "required", "urgency"),
        ("curiosity", "routine", "invalid_purpose", "purpose"),
        ("event_danger", "routine", "invalid_purpose", "purpose"),  # a GWS purpose
        ("ct_task", "whenever", "invalid_urgency", "urgency"),
        (["ct_task"], "routine", "invalid", "purpose"),
    ],
)
def test_r_e1_purpose_and_urgency_are_required_codes_of_the_order(
    reference: Any, run_search: Any, purpose: Any, urgency: Any, code: str, field: str
) -> None:
    before = Search.objects.count()
    response = run_search("bka.analyst", {"surname": "Müller"}, purpose=purpose, urgency=urgency)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and field in body["fields"]
    assert Search.objects.count() == before


def test_r_e1_purpose_and_urgency_are_stored_logged_and_shown(
    make_record: Any, run_search: Any, api: Any
) -> None:
    make_record(basic={"surname": "Zweck"})
    body = run_search(
        "lka-rp.analyst", {"surname": "Zweck"}, purpose="transfer_request", urgency="immediate"
    ).json()
    assert body["purpose"] == "transfer_request" and body["urgency"] == "immediate"
    search = Search.objects.get(pk=body["id"])
    assert (search.purpose, search.urgency) == ("transfer_request", "immediate")
    event = AuditEvent.objects.get(action="search", object_id=body["id"])
    assert (event.purpose, event.urgency) == ("transfer_request", "immediate")
    shown = api("lka-rp.analyst").get(f"/api/v1/searches/{body['id']}/").json()
    assert (shown["purpose"], shown["urgency"]) == ("transfer_request", "immediate")


# ---------------------------------------------------------------------------- R-E6


def test_r_e6_200_visible_hits_are_answered(bulk_people: Any, run_search: Any) -> None:
    bulk_people(200, "Grenzfall")
    response = run_search("lka-sh.analyst", {"surname": "Grenzfall"})
    assert response.status_code == 201
    body = response.json()
    assert body["hit_count"] == 200 and len(body["hits"]) == 200
    assert len({h["hit"] for h in body["hits"]}) == 200


def test_r_e6_201_visible_hits_are_refused_without_hits_but_logged(
    bulk_people: Any, run_search: Any, api: Any
) -> None:
    bulk_people(201, "Grenzfall")
    response = run_search("lka-sh.analyst", {"surname": "Grenzfall"})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == "too_many_hits"
    search = Search.objects.get(officer__username="lka-sh.analyst")
    assert search.refused == "too_many_hits" and search.hit_count == 0
    assert not Hit.objects.filter(search=search).exists()
    event = AuditEvent.objects.get(action="search", object_id=str(search.pk))
    assert event.outcome == "too_many_hits" and event.references == []
    assert event.purpose == "ct_task" and event.details["criteria"] == {"surname": "Grenzfall"}
    shown = api("lka-sh.analyst").get(f"/api/v1/searches/{search.pk}/").json()
    assert shown["outcome"] == "too_many_hits" and shown["hits"] == []


def test_r_e6_covert_records_never_count_toward_the_limit(
    bulk_people: Any, run_search: Any
) -> None:
    bulk_people(200, "Grenzfall")
    bulk_people(5, "Grenzfall", agency="BFV", storage="covert")
    response = run_search("lka-sh.analyst", {"surname": "Grenzfall"})
    assert response.status_code == 201
    assert response.json()["hit_count"] == 200


def test_r_e6_refused_query_still_notifies_covert_owners(bulk_people: Any, run_search: Any) -> None:
    bulk_people(201, "Grenzfall")
    (covert,) = bulk_people(1, "Grenzfall", agency="LFV-NI", storage="covert")
    assert run_search("lka-sh.analyst", {"surname": "Grenzfall"}).status_code == 422
    search = Search.objects.get(officer__username="lka-sh.analyst")
    event = AuditEvent.objects.get(action="search", object_id=str(search.pk))
    assert [c["record"] for c in event.covert] == [str(covert.pk)]
    assert covert_hits_deliver(search_id=search.pk) == 1
    item = InboxItem.objects.get(kind="covert_hit")
    assert item.agency.code == "LFV-NI" and item.payload["outcome"] == "too_many_hits"


def test_r_e6_owner_sees_own_covert_records_and_they_count_for_the_owner(
    bulk_people: Any, run_search: Any
) -> None:
    bulk_people(200, "Grenzfall")
    bulk_people(1, "Grenzfall", agency="BFV", storage="covert")
    assert run_search("lka-sh.analyst", {"surname": "Grenzfall"}).status_code == 201
    assert run_search("bfv.analyst", {"surname": "Grenzfall"}).status_code == 422


# ---------------------------------------------------------------------------- rate limit


def test_r_e5_rate_limit_per_officer_per_minute(
    reference: Any, run_search: Any, settings: Any
) -> None:
    settings.VERBUND_RATE_LIMIT_FACTOR = 0.1  # 30 per minute in the order -> 3
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 15, 20, tzinfo=datetime.UTC)):
        for _ in range(3):
            assert run_search("lka-mv.analyst", {"surname": "Takt"}).status_code == 201
        refused = run_search("lka-mv.analyst", {"surname": "Takt"})
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert refused["Retry-After"] == "40"
        # Another officer has a window of his own.
        assert run_search("lka-mv.head", {"surname": "Takt"}).status_code == 201
    assert Search.objects.filter(officer__username="lka-mv.analyst").count() == 3
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 16, 1, tzinfo=datetime.UTC)):
        assert run_search("lka-mv.analyst", {"surname": "Takt"}).status_code == 201


def test_r_e5_invalid_queries_do_not_use_up_the_limit(
    reference: Any, run_search: Any, settings: Any
) -> None:
    settings.VERBUND_RATE_LIMIT_FACTOR = 0.1
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 15, 0, tzinfo=datetime.UTC)):
        for _ in range(5):
            assert run_search("lka-mv.analyst", {"surname": "Ta*"}).status_code == 400
        assert run_search("lka-mv.analyst", {"surname": "Takt"}).status_code == 201


# ---------------------------------------------------------------------------- R-I1


def test_r_i1_search_log_row_names_officer_agency_purpose_urgency_and_every_reference(
    make_record: Any, run_search: Any
) -> None:
    a = make_record("lka-bw.analyst", basic={"surname": "Protokoll"})
    b = make_record(
        "lka-nw.analyst",
        basic={"surname": "Anders"},
        extended={"contact_persons": [{"surname": "Protokoll"}]},
    )
    body = run_search(
        "lka-hh.analyst", {"surname": "Protokoll"}, purpose="identity_check", urgency="urgent"
    ).json()
    event = AuditEvent.objects.get(action="search", object_id=body["id"])
    assert event.officer_username == "lka-hh.analyst"
    assert event.agency is not None and event.agency.code == "LKA-HH"
    assert event.file == "ATD" and event.object_type == "search"
    assert (event.purpose, event.urgency, event.outcome) == ("identity_check", "urgent", "ok")
    assert event.details["mode"] == "name"
    assert event.details["criteria"] == {"surname": "Protokoll"}
    assert event.details["keys"] == {"surname": "protokoll"}
    refs = {r["hit"]: r for r in event.references}
    assert set(refs) == {h["hit"] for h in body["hits"]}
    by_record = {r["record"]: r for r in event.references}
    assert by_record[str(a.pk)]["file_number"] == a.file_number
    assert by_record[str(a.pk)]["agency"] == "LKA-BW"
    assert by_record[str(a.pk)]["matched_in"] == "basic"
    assert by_record[str(b.pk)]["matched_in"] == "extended"
    assert by_record[str(b.pk)]["agency"] == "LKA-NW"
    assert event.request_id  # ties the entry to the HTTP request (R-I4)


def test_r_i1_showing_a_stored_search_is_logged(
    make_record: Any, run_search: Any, api: Any
) -> None:
    record = make_record(basic={"surname": "Ansicht"})
    body = run_search("lka-hh.analyst", {"surname": "Ansicht"}).json()
    response = api("lka-hh.head").get(f"/api/v1/searches/{body['id']}/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="search.view", object_id=body["id"])
    assert event.officer_username == "lka-hh.head"
    assert [r["record"] for r in event.references] == [str(record.pk)]
    assert (event.purpose, event.urgency) == ("ct_task", "routine")


def test_r_i1_search_fails_closed_without_its_log_row(reference: Any, run_search: Any) -> None:
    before = (Search.objects.count(), Hit.objects.count(), AuditEvent.objects.count())
    with mock.patch("verbund.services.searches.log_event", side_effect=RuntimeError("log down")):
        with pytest.raises(RuntimeError):
            run_search("lka-hh.analyst", {"surname": "Ausfall"})
    assert (Search.objects.count(), Hit.objects.count(), AuditEvent.objects.count()) == before


def test_r_i1_inbox_page_shown_is_logged(reference: Any, api: Any) -> None:
    assert api("bfv.analyst").get("/api/v1/inbox/").status_code == 200
    assert AuditEvent.objects.filter(action="inbox.view", officer_username="bfv.analyst").exists()


def test_search_query_budget(
    make_record: Any, run_search: Any, django_assert_max_num_queries: Any
) -> None:
    make_record(basic={"surname": "Budget"})
    run_search("lka-hh.analyst", {"surname": "Warmup"})
    with django_assert_max_num_queries(30):
        assert run_search("lka-hh.analyst", {"surname": "Budget"}).status_code == 201
