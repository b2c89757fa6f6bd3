"""Permission matrix of the search and inbox endpoints; deleted records in stored searches."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from agencies.models import FileAuthorisation, Officer
from verbund.models import Search
from verbund.services.records import record_delete

SEARCH = {
    "file": "ATD",
    "mode": "name",
    "purpose": "ct_task",
    "urgency": "routine",
    "criteria": {"surname": "Matrix"},
}


def _error(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    if code:
        assert body["code"] == code


def test_anonymous_gets_401_everywhere(api: Any) -> None:
    client = api(None)
    some = uuid.uuid4()
    _error(client.post("/api/v1/searches/", SEARCH, format="json"), 401, "not_authenticated")
    _error(client.get(f"/api/v1/searches/{some}/"), 401, "not_authenticated")
    _error(client.get("/api/v1/inbox/"), 401, "not_authenticated")
    _error(
        client.post(f"/api/v1/covert-hits/{some}/decision/", {}, format="json"),
        401,
        "not_authenticated",
    )


@pytest.mark.parametrize("username", ["bfdi.supervisor", "lfd-by.supervisor"])
def test_supervisors_get_403_on_officer_paths(api: Any, run_search: Any, username: str) -> None:
    own = run_search("bka.analyst", {"surname": "Matrix"}).json()
    client = api(username)
    _error(client.post("/api/v1/searches/", SEARCH, format="json"), 403)
    _error(client.get(f"/api/v1/searches/{own['id']}/"), 403)
    _error(client.get("/api/v1/inbox/"), 403)


def test_officer_without_file_authorisation_gets_403(api: Any, reference: Any) -> None:
    # bka.auskunft (subject-access desk) holds no file authorisation (R-A4).
    response = api("bka.auskunft").post("/api/v1/searches/", SEARCH, format="json")
    _error(response, 403, "not_authorised")


def test_authorisation_withdrawn_gets_403(api: Any, reference: Any) -> None:
    FileAuthorisation.objects.filter(officer__username="lka-bw.analyst", file__code="ATD").delete()
    _error(api("lka-bw.analyst").post("/api/v1/searches/", SEARCH, format="json"), 403)


def test_intelligence_service_cannot_search_gws(api: Any, reference: Any) -> None:
    body = dict(SEARCH, file="GWS", purpose="event_danger")
    _error(api("bfv.analyst").post("/api/v1/searches/", body, format="json"), 403)


def test_unknown_file_is_404(api: Any, reference: Any) -> None:
    body = dict(SEARCH, file="XYZ")
    _error(api("bka.analyst").post("/api/v1/searches/", body, format="json"), 404)


def test_stored_search_is_for_the_own_agency_only(api: Any, run_search: Any) -> None:
    own = run_search("bka.analyst", {"surname": "Matrix"}).json()
    assert api("bka.analyst").get(f"/api/v1/searches/{own['id']}/").status_code == 200
    assert api("bka.head").get(f"/api/v1/searches/{own['id']}/").status_code == 200
    _error(api("lka-bw.analyst").get(f"/api/v1/searches/{own['id']}/"), 404, "not_found")
    _error(api("bfv.head").get(f"/api/v1/searches/{own['id']}/"), 404, "not_found")
    _error(api("bka.analyst").get(f"/api/v1/searches/{uuid.uuid4()}/"), 404, "not_found")
    _error(api("bka.analyst").get("/api/v1/searches/not-a-uuid/"), 404, "not_found")


def test_get_answer_equals_post_answer(make_record: Any, api: Any, run_search: Any) -> None:
    make_record(basic={"surname": "Matrix"})
    posted = run_search("bka.analyst", {"surname": "Matrix"}).json()
    shown = api("bka.analyst").get(f"/api/v1/searches/{posted['id']}/").json()
    assert shown == posted


def test_r_l5_deleted_record_vanishes_from_the_stored_search(
    make_record: Any, api: Any, run_search: Any, officer: Any
) -> None:
    kept = make_record("lka-bw.analyst", basic={"surname": "Matrix"})
    gone = make_record("lka-by.analyst", basic={"surname": "Matrix"})
    posted = run_search("bka.analyst", {"surname": "Matrix"}).json()
    assert posted["hit_count"] == 2
    gone_hit = next(h["hit"] for h in posted["hits"] if h["record"] == str(gone.pk))
    record_delete(actor=officer("lka-by.analyst"), record_id=gone.pk, reason="unzulässig")
    shown = api("bka.analyst").get(f"/api/v1/searches/{posted['id']}/")
    body = shown.json()
    assert body["hit_count"] == 1
    assert [h["record"] for h in body["hits"]] == [str(kept.pk)]
    assert gone_hit not in shown.content.decode() and str(gone.pk) not in shown.content.decode()
    assert Search.objects.get(pk=posted["id"]).hits.count() == 1


def test_record_made_covert_later_vanishes_from_the_stored_search(
    make_record: Any, api: Any, run_search: Any
) -> None:
    from verbund.services.records import record_update

    record = make_record("bfv.analyst", basic={"surname": "Matrix"})
    posted = run_search("bka.analyst", {"surname": "Matrix"}).json()
    assert posted["hit_count"] == 1
    record_update(
        actor=Officer.objects.get(username="bfv.analyst"),
        record_id=record.pk,
        data={
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz."},
        },
    )
    body = api("bka.analyst").get(f"/api/v1/searches/{posted['id']}/").json()
    assert body["hits"] == [] and body["hit_count"] == 0


def test_inbox_is_per_agency_and_authorised_file(api: Any, reference: Any) -> None:
    from verbund.models import File, InboxItem

    atd = File.objects.get(code="ATD")
    from agencies.models import Agency

    InboxItem.objects.create(
        agency=Agency.objects.get(code="LKA-BW"),
        file=atd,
        kind="correction_notice",
        payload={
            "record": "00000000-0000-4000-8000-000000000001",
            "file_number": "LKA-BW-1",
            "from_agency": "BKA",
            "officer": "bka.analyst",
            "text": "Geburtsdatum prüfen.",
        },
    )
    assert api("lka-bw.analyst").get("/api/v1/inbox/").json()["count"] == 1
    assert api("lka-by.analyst").get("/api/v1/inbox/").json()["count"] == 0
    FileAuthorisation.objects.filter(officer__username="lka-bw.head").delete()
    assert api("lka-bw.head").get("/api/v1/inbox/").json()["count"] == 0
    page = api("lka-bw.analyst").get("/api/v1/inbox/").json()
    assert set(page) == {"count", "next", "previous", "results"}
    (item,) = page["results"]
    assert {"id", "kind", "created_at", "due_at", "payload"} <= set(item)


def test_openapi_schema_documents_the_search_endpoints(api: Any, reference: Any) -> None:
    response = api("bka.analyst").get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/searches/",
        "/api/v1/searches/{search_id}/",
        "/api/v1/inbox/",
        "/api/v1/covert-hits/{covert_hit_id}/decision/",
    ):
        assert path in text
    assert "SearchAnswer" in text and "wildcards_not_allowed" in text
