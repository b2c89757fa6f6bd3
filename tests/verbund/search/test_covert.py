"""Covert records in searches: invisible, notified to the owner, decided (R-D3, R-D5, R-I5)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.verbund.search.conftest import covert_payload, strip_volatile
from verbund.models import CovertHit, InboxItem, Search
from verbund.services.records import record_delete
from verbund.services.searches import covert_hits_deliver, covert_hits_deliver_pending
from verbund.tasks import deliver_pending_covert_hits


def _covert(make_record: Any, agency: str = "BFV", surname: str = "Verdeckt") -> Any:
    return make_record(
        f"{agency.lower()}.analyst",
        basic={"surname": surname, "given_names": "Vera", "date_of_birth": "1975-07-07"},
        extended={"phones": ["+49 221 555000"], "skills": ["forgery"]},
        **covert_payload(agency),
    )


def _search_event(search_id: str) -> AuditEvent:
    return AuditEvent.objects.get(action="search", object_id=search_id)


@pytest.mark.parametrize(
    ("mode", "hit_criteria", "miss_criteria"),
    [
        ("name", {"surname": "Verdeckt"}, {"surname": "Niemand"}),
        ("name", {"surname": "Verdeckt", "given_names": "Vera"}, {"surname": "Niemand"}),
        ("feature", {"phones": "+49 221 555000"}, {"phones": "+49 221 000000"}),
        ("feature", {"skills": "forgery"}, {"skills": "aviation"}),
        (
            "object",
            {"kind": "phone", "identifier": "+49 221 555000"},
            {"kind": "phone", "identifier": "+1"},
        ),
    ],
)
def test_r_d3_covert_answer_equals_no_hit_answer(
    make_record: Any, run_search: Any, mode: str, hit_criteria: Any, miss_criteria: Any
) -> None:
    """Same status, same body shape byte for byte (ids, times and criteria stripped)."""
    _covert(make_record)
    touched = run_search("lka-sn.analyst", hit_criteria, mode=mode)
    untouched = run_search("lka-sn.analyst", miss_criteria, mode=mode)
    assert touched.status_code == untouched.status_code == 201
    a, b = strip_volatile(touched.json()), strip_volatile(untouched.json())
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["hits"] == [] and a["hit_count"] == 0
    assert sorted(touched.headers) == sorted(untouched.headers)
    # The covert match is recorded, for the owner only.
    event = _search_event(touched.json()["id"])
    assert [c["agency"] for c in event.covert] == ["BFV"]
    assert _search_event(untouched.json()["id"]).covert == []


def test_r_d3_covert_record_does_not_change_count_or_order(
    make_record: Any, run_search: Any
) -> None:
    open_records = [
        make_record("lka-bw.analyst", basic={"surname": "Verdeckt"}),
        make_record("lka-by.analyst", basic={"surname": "Verdeckt"}),
    ]
    before = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
    _covert(make_record, "BFV")
    _covert(make_record, "LFV-BY")
    after = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
    assert after["hit_count"] == before["hit_count"] == 2
    assert [h["record"] for h in after["hits"]] == [h["record"] for h in before["hits"]]
    assert {h["record"] for h in after["hits"]} == {str(r.pk) for r in open_records}


def test_r_d5_bka_running_the_file_cannot_see_covert_records(
    make_record: Any, run_search: Any
) -> None:
    record = _covert(make_record)
    for mode, criteria in [
        ("name", {"surname": "Verdeckt"}),
        ("feature", {"skills": "forgery"}),
    ]:
        response = run_search("bka.analyst", criteria, mode=mode)
        assert response.json()["hits"] == []
        assert str(record.pk) not in response.content.decode()
        assert record.file_number not in response.content.decode()
    assert run_search("bka.head", {"surname": "Verdeckt"}).json()["hits"] == []


def test_r_i5_covert_match_is_only_in_the_covert_column(make_record: Any, run_search: Any) -> None:
    record = _covert(make_record)
    body = run_search("bka.analyst", {"surname": "Verdeckt"}).json()
    event = _search_event(body["id"])
    assert event.covert == [
        {"record": str(record.pk), "agency": "BFV", "file_number": record.file_number}
    ]
    assert event.references == []
    visible = json.dumps(
        {"references": event.references, "details": event.details, "object": event.object_id}
    )
    assert str(record.pk) not in visible and record.file_number not in visible


def test_r_d3_timing_a_search_enqueues_nothing_whatever_it_matched(
    make_record: Any, run_search: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Timing oracle: no per-search work after the answer; the search row is the outbox."""
    _covert(make_record)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        touched = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
        untouched = run_search("lka-sn.analyst", {"surname": "Niemand"}).json()
    assert callbacks == []
    pending = Search.objects.filter(covert_delivered_at__isnull=True)
    assert set(map(str, pending.values_list("pk", flat=True))) == {touched["id"], untouched["id"]}


def test_r_d3_delivery_runs_on_the_clock_in_beat() -> None:
    from django.conf import settings

    entry: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE["deliver-covert-hits"]
    assert entry["task"] == deliver_pending_covert_hits.name
    # Promptly (R-D3): a covert owner hears of the query within seconds.
    assert 0 < entry["schedule"] <= 60


def test_r_d3_owner_inbox_holds_the_full_query_data(
    make_record: Any, run_search: Any, api: Any
) -> None:
    record = _covert(make_record)
    body = run_search(
        "lka-sn.analyst",
        {"surname": "Verdeckt", "given_names": "Vera"},
        purpose="identity_check",
        urgency="urgent",
    ).json()
    assert InboxItem.objects.filter(kind="covert_hit").count() == 0  # only after delivery
    assert deliver_pending_covert_hits.apply().get() == 1
    assert covert_hits_deliver(search_id=body["id"]) == 0  # idempotent
    assert covert_hits_deliver_pending() == 0

    inbox = api("bfv.analyst").get("/api/v1/inbox/")
    assert inbox.status_code == 200
    (item,) = inbox.json()["results"]
    assert item["kind"] == "covert_hit"
    payload = item["payload"]
    search = Search.objects.get(pk=body["id"])
    assert payload["search"] == body["id"]
    assert payload["criteria"] == {"surname": "Verdeckt", "given_names": "Vera"}
    assert payload["mode"] == "name"
    assert payload["purpose"] == "identity_check" and payload["urgency"] == "urgent"
    assert payload["officer"] == "lka-sn.analyst" and payload["agency"] == "LKA-SN"
    assert payload["time"] == search.created_at.isoformat()
    assert payload["record"] == str(record.pk) and payload["file_number"] == record.file_number
    covert_hit = CovertHit.objects.get(pk=item["subject_id"])
    assert covert_hit.owner.code == "BFV" and covert_hit.record_id == record.pk
    hours = (covert_hit.due_at - covert_hit.created_at).total_seconds() / 3600
    assert 23.9 < hours < 24.1
    # Nobody else's inbox holds it.
    for other in ("lka-sn.analyst", "bka.analyst"):
        assert api(other).get("/api/v1/inbox/").json()["count"] == 0


def test_r_d3_sweeper_delivers_when_the_task_was_lost(make_record: Any, run_search: Any) -> None:
    _covert(make_record)
    body = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
    assert covert_hits_deliver_pending() == 1
    assert covert_hits_deliver_pending() == 0
    assert CovertHit.objects.filter(search_id=body["id"]).count() == 1


def test_r_d3_delivery_setting_changes_the_due_time(
    make_record: Any, run_search: Any, settings: Any
) -> None:
    settings.VERBUND_COVERT_CONTACT_HOURS = 2
    _covert(make_record)
    body = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
    covert_hits_deliver(search_id=body["id"])
    covert_hit = CovertHit.objects.get(search_id=body["id"])
    assert covert_hit.due_at - timezone.now() < datetime.timedelta(hours=2, minutes=1)


def test_r_d3_one_notice_per_owner_of_each_covert_record(make_record: Any, run_search: Any) -> None:
    _covert(make_record, "BFV")
    _covert(make_record, "LFV-HE")
    body = run_search("bka.analyst", {"surname": "Verdeckt"}).json()
    assert covert_hits_deliver(search_id=body["id"]) == 2
    owners = set(InboxItem.objects.filter(kind="covert_hit").values_list("agency__code", flat=True))
    assert owners == {"BFV", "LFV-HE"}


def _delivered(make_record: Any, run_search: Any) -> tuple[Any, CovertHit]:
    record = _covert(make_record)
    body = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
    covert_hits_deliver(search_id=body["id"])
    return record, CovertHit.objects.get(search_id=body["id"])


def test_r_d3_owner_decides_with_reasons(make_record: Any, run_search: Any, api: Any) -> None:
    _record, covert_hit = _delivered(make_record, run_search)
    url = f"/api/v1/covert-hits/{covert_hit.pk}/decision/"
    response = api("bfv.head").post(
        url,
        {"contact": False, "reasons": "Geheimhaltungsinteressen überwiegen im Einzelfall."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contact"] is False and body["decided_by"] == "bfv.head"
    assert body["reasons"].startswith("Geheimhaltungsinteressen")
    assert body["query"]["officer"] == "lka-sn.analyst"
    covert_hit.refresh_from_db()
    assert covert_hit.decided_at is not None and covert_hit.contact is False
    item = InboxItem.objects.get(subject_id=covert_hit.pk)
    assert item.done_at is not None
    event = AuditEvent.objects.filter(action="covert_hit.decide").get()
    assert event.officer_username == "bfv.head"
    assert event.covert[0]["reasons"].startswith("Geheimhaltungsinteressen")
    assert event.references == []
    # A second decision is a state conflict.
    again = api("bfv.analyst").post(url, {"contact": True, "reasons": "Doch."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"contact": True}, "required"),
        ({"contact": True, "reasons": "  "}, "required"),
        ({"reasons": "Kontakt aufgenommen."}, "required"),
        ({"contact": "yes", "reasons": "Kontakt aufgenommen."}, "invalid"),
    ],
)
def test_r_d3_decision_needs_contact_and_reasons(
    make_record: Any, run_search: Any, api: Any, body: Any, code: str
) -> None:
    _record, covert_hit = _delivered(make_record, run_search)
    response = api("bfv.analyst").post(
        f"/api/v1/covert-hits/{covert_hit.pk}/decision/", body, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.parametrize("username", ["lka-sn.analyst", "bka.analyst", "lfv-by.head"])
def test_r_d3_only_the_owner_may_decide_others_get_404(
    make_record: Any, run_search: Any, api: Any, username: str
) -> None:
    _record, covert_hit = _delivered(make_record, run_search)
    response = api(username).post(
        f"/api/v1/covert-hits/{covert_hit.pk}/decision/",
        {"contact": True, "reasons": "Kontakt."},
        format="json",
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_r_l5_deleting_the_covert_record_deletes_query_data_and_documentation(
    make_record: Any, run_search: Any, officer: Any
) -> None:
    record, covert_hit = _delivered(make_record, run_search)
    record_delete(
        actor=officer("bfv.analyst"), record_id=record.pk, reason="Erforderlichkeit entfallen"
    )
    assert not CovertHit.objects.filter(pk=covert_hit.pk).exists()
    assert not InboxItem.objects.filter(subject_id=covert_hit.pk).exists()
    # A later sweep does not bring them back.
    assert covert_hits_deliver(search_id=covert_hit.search_id) == 0


def test_r_d3_sweeper_delivers_even_after_a_long_worker_outage(
    make_record: Any, run_search: Any, time_machine: Any
) -> None:
    _covert(make_record)
    body = run_search("lka-sn.analyst", {"surname": "Verdeckt"}).json()
    other = run_search("lka-sn.analyst", {"surname": "Niemand"}).json()
    time_machine.move_to(timezone.now() + datetime.timedelta(days=30))
    assert covert_hits_deliver_pending() == 1
    assert CovertHit.objects.filter(search_id=body["id"]).count() == 1
    # Every search is marked delivered, with or without a covert match (same work).
    assert not Search.objects.filter(
        pk__in=[body["id"], other["id"]], covert_delivered_at__isnull=True
    ).exists()
    assert covert_hits_deliver_pending() == 0
