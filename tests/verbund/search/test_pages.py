"""Browser pages /suche/ and /eingang/: the same service, the same shapes, German by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from audit.models import AuditEvent
from tests.verbund.search.conftest import covert_payload
from verbund.models import CovertHit, Search
from verbund.services.searches import covert_hits_deliver


def _browser(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(Officer.objects.get(username=username))
    return client


def _csrf(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    token = _csrf(client, url)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_search_page_offers_the_orders_purposes_and_urgencies(reference: Any) -> None:
    response = _browser("lka-bw.analyst").get("/suche/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="ct_task"' in text and 'value="transfer_request"' in text
    assert 'value="routine"' in text and 'value="immediate"' in text
    assert 'name="surname"' in text and "csrfmiddlewaretoken" in text
    feature = _browser("lka-bw.analyst").get("/suche/?mode=feature").content.decode()
    assert 'name="phones"' in feature and 'value="explosives"' in feature
    objects = _browser("lka-bw.analyst").get("/suche/?mode=object").content.decode()
    assert 'name="identifier"' in objects and 'value="phone"' in objects


def test_r_e2_name_search_page_shows_basic_data_and_reference(make_record: Any) -> None:
    record = make_record("bka.analyst", basic={"surname": "Seitenmann", "given_names": "Paul"})
    client = _browser("lka-bw.analyst")
    response = _post(
        client,
        "/suche/?mode=name",
        {
            "mode": "name",
            "file": "ATD",
            "purpose": "ct_task",
            "urgency": "routine",
            "surname": "Seitenmann",
            "given_names": "",
            "date_of_birth": "",
            "nationality": "",
        },
    )
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert record.file_number in text and "Seitenmann" in text and "Paul" in text
    search = Search.objects.get(officer__username="lka-bw.analyst")
    assert search.criteria == {"surname": "Seitenmann"}
    assert AuditEvent.objects.filter(action="search", object_id=str(search.pk)).exists()


def test_r_e4_feature_search_page_shows_reference_only(make_record: Any) -> None:
    record = make_record(
        "bka.analyst",
        basic={"surname": "Verborgen", "date_of_birth": "1966-06-06"},
        extended={"skills": ["aviation"]},
    )
    client = _browser("lka-bw.analyst")
    response = _post(
        client,
        "/suche/?mode=feature",
        {
            "mode": "feature",
            "file": "ATD",
            "purpose": "ct_task",
            "urgency": "routine",
            "skills": "aviation",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert record.file_number in text
    assert "Verborgen" not in text and "1966" not in text and str(record.pk) not in text


@pytest.mark.parametrize("surname", ["Mül*", "M?ller", "Mül＊"])
def test_r_e5_search_page_refuses_wildcards(reference: Any, surname: str) -> None:
    response = _post(
        _browser("lka-bw.analyst"),
        "/suche/",
        {
            "mode": "name",
            "file": "ATD",
            "purpose": "ct_task",
            "urgency": "routine",
            "surname": surname,
        },
    )
    assert response.status_code == 400
    assert "wildcards_not_allowed" in response.content.decode()
    assert not Search.objects.exists()


def test_r_e1_search_page_requires_purpose(reference: Any) -> None:
    response = _post(
        _browser("lka-bw.analyst"),
        "/suche/",
        {"mode": "name", "file": "ATD", "purpose": "", "urgency": "routine", "surname": "X"},
    )
    assert response.status_code == 400 and not Search.objects.exists()


def test_search_page_needs_csrf(reference: Any) -> None:
    response = _browser("lka-bw.analyst").post(
        "/suche/",
        {"mode": "name", "file": "ATD", "purpose": "ct_task", "urgency": "routine", "surname": "X"},
    )
    assert response.status_code == 403 and not Search.objects.exists()


def test_supervisor_gets_403_on_search_and_inbox_pages(reference: Any) -> None:
    client = _browser("bfdi.supervisor")
    assert client.get("/suche/").status_code == 403
    assert client.get("/eingang/").status_code == 403


def test_anonymous_is_sent_to_login(reference: Any) -> None:
    response = Client().get("/suche/")
    assert response.status_code == 302 and "/anmelden/" in response["Location"]


def test_r_d3_inbox_page_shows_query_data_and_records_the_decision(
    make_record: Any, run_search: Any
) -> None:
    make_record("bfv.analyst", basic={"surname": "Tarnung"}, **covert_payload("BFV"))
    body = run_search("lka-sn.analyst", {"surname": "Tarnung"}, purpose="identity_check").json()
    covert_hits_deliver(search_id=body["id"])
    covert_hit = CovertHit.objects.get(search_id=body["id"])
    client = _browser("bfv.head")
    page = client.get("/eingang/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "lka-sn.analyst" in text and "LKA-SN" in text
    # R-E1: the purpose by the order's label, never by its code.
    assert "Prüfung der Identität eines Treffers" in text and "identity_check" not in text
    assert "Tarnung" in text
    url = f"/eingang/verdeckte-treffer/{covert_hit.pk}/entscheidung/"
    assert url in text
    token = page.cookies["csrftoken"].value
    prefix = str(covert_hit.pk)
    response = client.post(
        url,
        {
            f"{prefix}-contact": "1",
            f"{prefix}-reasons": "Kontakt mit dem LKA aufgenommen.",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    covert_hit.refresh_from_db()
    assert covert_hit.contact is True
    assert covert_hit.decided_by is not None and covert_hit.decided_by.username == "bfv.head"
    # The requesting agency's inbox page shows nothing of it.
    assert "Tarnung" not in _browser("lka-sn.analyst").get("/eingang/").content.decode()


def test_decision_by_another_agency_is_404(make_record: Any, run_search: Any) -> None:
    make_record("bfv.analyst", basic={"surname": "Tarnung"}, **covert_payload("BFV"))
    body = run_search("lka-sn.analyst", {"surname": "Tarnung"}).json()
    covert_hits_deliver(search_id=body["id"])
    covert_hit = CovertHit.objects.get(search_id=body["id"])
    client = _browser("lka-sn.analyst")
    token = _csrf(client, "/eingang/")
    prefix = str(covert_hit.pk)
    response = client.post(
        f"/eingang/verdeckte-treffer/{covert_hit.pk}/entscheidung/",
        {f"{prefix}-contact": "1", f"{prefix}-reasons": "x", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 404
    covert_hit.refresh_from_db()
    assert covert_hit.decided_at is None


def test_gws_page_offers_gws_categories_and_name_search_only(reference: Any) -> None:
    text = _browser("lka-bw.analyst").get("/suche/?file=GWS&mode=feature").content.decode()
    assert 'value="event_danger"' in text and 'value="ct_task"' not in text
    assert "?mode=feature&amp;file=GWS" not in text and 'name="surname"' in text
