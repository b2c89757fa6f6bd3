"""Who reads the log (R-I2, R-I5): BKA operators see operation and security, nothing about a
covert record, not even as a count; the owner agency's head reads its record's whole history;
operators never use the officers' paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEvent
from audit.readers import operations_events, record_history_events
from tests.verbund.records.support import assert_error

OPERATIONS = "/api/v1/audit/operations/"


def _covert(**extra: Any) -> dict[str, Any]:
    return {
        "storage": "covert",
        "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz"},
        **extra,
    }


def _search(api: Callable[..., Any], username: str, surname: str) -> Any:
    answer = api(username).post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": surname},
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def _all_operations(api: Callable[..., Any], query: str = "") -> dict[str, Any]:
    body: dict[str, Any] = api("bka.betrieb").get(f"{OPERATIONS}?page_size=200{query}").json()
    return body


@pytest.mark.django_db
def test_r_i5_bka_operator_never_sees_an_entry_about_a_covert_record_its_owner_and_supervisor_see(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    record = make_record("bfv.analyst", basic={"surname": "Verdeckt"}, **_covert())
    make_record("bka.analyst", basic={"surname": "Offen"})
    api("bfv.analyst").get(f"/api/v1/records/{record.pk}/")
    _search(api, "lka-bw.analyst", "Verdeckt")  # a covert match of another agency's search
    about = AuditEvent.objects.filter(covert__contains=[{"record": str(record.pk)}])
    assert about.count() >= 2

    body = _all_operations(api)
    text = json.dumps(body)
    assert str(record.pk) not in text and record.file_number not in text
    shown = {row["id"] for row in body["results"]}
    covert_only = {str(e.id) for e in about if not e.references and not e.object_id}
    assert covert_only and not covert_only & shown
    # The search itself (its open part) is there, without its covert match.
    search = next(row for row in body["results"] if row["action"] == "search")
    assert "covert" not in search and "seq" not in search
    assert search["details"] == {"mode": "name"}
    assert search["open_references"] == 0

    # The owner agency's head reads every one of them on the record's history ...
    history = api("bfv.head").get(f"/api/v1/records/{record.pk}/history/").json()
    seen = {row["id"] for row in history["results"]}
    assert {str(e.id) for e in about} <= seen
    create = next(row for row in history["results"] if row["action"] == "record.create")
    assert create["covert"] is True and create["references"][0]["record"] == str(record.pk)
    # ... and the competent supervisor on the log.
    events = api("bfdi.supervisor").get("/api/v1/audit/events/?agency=BFV&page_size=200").json()
    assert any(
        ref["record"] == str(record.pk) for row in events["results"] for ref in row["covert"]
    )


@pytest.mark.django_db
def test_r_i5_operator_counts_never_include_covert_entries(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    make_record("bka.analyst")
    first = _all_operations(api)["count"]
    make_record("bfv.analyst", **_covert())  # its log entries are covert only
    second = _all_operations(api)["count"]
    assert second == first + 1  # only the first read's own log entry is new
    assert second == operations_events().count() - 1  # the second read logged after counting
    make_record("bka.analyst")
    assert _all_operations(api)["count"] > second + 1


@pytest.mark.django_db
def test_r_i5_operator_details_never_carry_criteria_or_hit_counts(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    make_record("bfv.analyst", basic={"surname": "Zielperson"}, **_covert())
    _search(api, "bka.analyst", "Zielperson")
    body = _all_operations(api)
    for row in body["results"]:
        assert set(row["details"]) <= {
            "mode",
            "username",
            "role",
            "jurisdiction",
            "field",
            "valid_from",
            "at",
            "duty",
            "scope",
        }
    assert "Zielperson" not in json.dumps(body)
    read = AuditEvent.objects.filter(action="audit.operations_read").order_by("-seq").first()
    assert read is not None and read.officer_username == "bka.betrieb"
    assert read.covert == [] and len(read.details["events"]) == len(body["results"])


@pytest.mark.django_db
def test_r_i2_operator_filters_by_action_and_time_and_refuses_bad_ones(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    make_record("bka.analyst")
    body = _all_operations(api, "&action=record.create")
    assert body["count"] >= 1 and {r["action"] for r in body["results"]} == {"record.create"}
    assert _all_operations(api, "&since=2999-01-01T00:00:00Z")["count"] == 0
    client = api("bka.betrieb")
    bad = client.get(f"{OPERATIONS}?since=gestern")
    assert bad.status_code == 400 and "since" in bad.json()["fields"]
    unknown = client.get(f"{OPERATIONS}?agency=BKA")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_parameter"
    for username in ("bka.analyst", "bka.head", "bfdi.supervisor"):
        assert api(username).get(OPERATIONS).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/records/"),
        ("post", "/api/v1/records/"),
        ("post", "/api/v1/searches/"),
        ("get", "/api/v1/inbox/"),
        ("get", "/api/v1/overdue/"),
        ("get", "/api/v1/transfers/"),
        ("get", "/api/v1/audit/events/"),
        ("get", "/api/v1/audit/checkpoints/"),
    ],
)
def test_r_i5_operators_are_refused_on_officer_paths(
    api: Callable[..., Any], method: str, path: str
) -> None:
    answer = getattr(api("bka.betrieb"), method)(path, {}, format="json")
    assert answer.status_code == 403, answer.content
    assert answer.json()["code"] in ("forbidden", "not_authenticated") or answer.json()["code"]


@pytest.mark.django_db
def test_r_i5_operators_cannot_open_a_record_even_by_its_id(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    record = make_record("bka.analyst")
    assert api("bka.betrieb").get(f"/api/v1/records/{record.pk}/").status_code == 403
    assert api("bka.betrieb").get(f"/api/v1/records/{record.pk}/history/").status_code == 403


@pytest.mark.django_db
def test_r_i5_operators_are_refused_on_officer_pages_and_land_on_their_log(
    browser: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    record = make_record("bfv.analyst", **_covert())
    client = browser("bka.betrieb")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/betrieb/protokoll/"
    for path in ("/datensaetze/", f"/datensaetze/{record.pk}/", "/suche/", "/eingang/"):
        assert client.get(path).status_code == 403, path
    page = client.get("/betrieb/protokoll/")
    assert page.status_code == 200
    assert "Betriebsprotokoll" in page.content.decode()
    assert record.file_number not in page.content.decode()
    assert client.get("/betrieb/protokoll/?since=kein-datum").status_code == 400
    assert browser("bka.analyst").get("/betrieb/protokoll/").status_code == 403


@pytest.mark.django_db
def test_r_i5_only_the_owner_head_reads_a_records_history(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    covert = make_record("bfv.analyst", **_covert())
    url = f"/api/v1/records/{covert.pk}/history/"
    answer = api("bfv.head").get(url)
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    assert api("bfv.analyst").get(url).json()["code"] == "not_head"
    assert api("bfv.analyst").get(url).status_code == 403
    assert api("bka.head").get(url).status_code == 404  # may not know it exists
    assert api("bfdi.supervisor").get(url).status_code == 403  # supervisors: their own path
    assert api("bfv.head").get(url + "?since=2020-01-01").status_code == 400
    assert api("bfv.head").get("/api/v1/records/not-an-id/history/").status_code == 404
    # Each read is logged; a covert record's only in the covert column (R-I5).
    read = AuditEvent.objects.filter(action="record.history_read").order_by("-seq").first()
    assert read is not None and read.officer_username == "bfv.head"
    assert read.references == [] and read.object_id == ""
    assert read.covert[0]["record"] == str(covert.pk)
    open_record = make_record("bka.analyst")
    assert api("bka.head").get(f"/api/v1/records/{open_record.pk}/history/").status_code == 200


@pytest.mark.django_db
def test_r_i4_record_history_uses_the_indexes(make_record: Callable[..., Any]) -> None:
    record = make_record("bfv.analyst", **_covert())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # Which rows: a BitmapOr of the two GIN indexes and the (object_type, object_id) btree
    # in each partition, never a scan of the table (the order by seq comes after).
    plan = record_history_events(record.pk).order_by().explain()
    assert "audit_covert_gin" in plan or "covert_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_r_i5_owner_head_opens_the_history_page_from_the_record(
    browser: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    record = make_record("bfv.analyst", **_covert())
    head = browser("bfv.head")
    detail = head.get(f"/datensaetze/{record.pk}/").content.decode()
    assert f"/datensaetze/{record.pk}/verlauf/" in detail
    page = head.get(f"/datensaetze/{record.pk}/verlauf/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Protokollverlauf" in text and "Datensatz angelegt" in text
    analyst = browser("bfv.analyst")
    assert "/verlauf/" not in analyst.get(f"/datensaetze/{record.pk}/").content.decode()
    assert analyst.get(f"/datensaetze/{record.pk}/verlauf/").status_code == 403
    assert browser("bka.head").get(f"/datensaetze/{record.pk}/verlauf/").status_code == 404


@pytest.mark.parametrize(
    ("path", "who"),
    [("/api/v1/audit/events/", "bfdi.supervisor"), ("/api/v1/audit/operations/", "bka.betrieb")],
)
@pytest.mark.parametrize(
    "window",
    [
        "since=2026-03-01T00:00:00Z&until=2026-02-01T00:00:00Z",
        "since=2026-03-01T00:00:00Z&until=2026-03-01T00:00:00Z",
    ],
)
def test_r_i4_a_reversed_or_empty_time_window_is_400_naming_until(
    api: Any, path: str, who: str, window: str
) -> None:
    before = AuditEvent.objects.count()
    response = api(who).get(f"{path}?{window}")
    assert_error(response, 400, "invalid_range", "until")
    # Refused before anything is read: no read is logged.
    assert AuditEvent.objects.count() == before


def test_r_i4_an_unknown_purpose_is_400_and_a_known_one_filters(api: Any) -> None:
    client = api("bfdi.supervisor")
    assert_error(
        client.get("/api/v1/audit/events/?purpose=gossip"), 400, "invalid_choice", "purpose"
    )
    for code in ("ct_task", "event_danger"):
        response = client.get(f"/api/v1/audit/events/?purpose={code}")
        assert response.status_code == 200, response.content
        assert all(e["purpose"] == code for e in response.json()["results"])
