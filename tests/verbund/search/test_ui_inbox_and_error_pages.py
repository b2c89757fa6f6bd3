"""Officers see labels, never raw keys or Django's default pages: inbox, 400, 403, 405."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from tests.conftest import PASSWORD
from tests.verbund.search.conftest import covert_payload
from verbund.models import CovertHit, InboxItem
from verbund.services.searches import covert_hits_deliver

pytestmark = pytest.mark.django_db

RAW_KEYS = ("file_number", "from_agency", "officer", "<code>record</code>", "<code>text</code>")


def _browser(username: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(Officer.objects.get(username=username))
    return client


def _assert_project_page(html: str) -> None:
    assert '<html lang="de">' in html
    assert 'class="site-header"' in html  # the project's base template
    assert "Mehr Information ist verfügbar" not in html and "Forbidden" not in html
    assert "Bad Request" not in html


def test_ui_inbox_shows_a_correction_notice_with_labels_not_raw_keys(
    make_record: Any, api: Any
) -> None:
    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    response = api("lka-by.analyst").post(
        f"/api/v1/records/{record.pk}/correction-notices/",
        {"text": "Geburtsdatum laut Meldeamt falsch.\nBitte prüfen."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert InboxItem.objects.filter(kind="correction_notice", record=record).exists()

    html = _browser("lka-bw.analyst").get("/eingang/").content.decode()
    assert "Hinweis auf Unrichtigkeit" in html
    for label in ("Aktenzeichen", "Von Behörde", "Bedienstete/r", "Hinweis"):
        assert f"<dt>{label}</dt>" in html, label
    assert f'<a href="/datensaetze/{record.pk}/">{record.file_number}</a>' in html
    assert "LKA-BY" in html and "lka-by.analyst" in html
    assert "Geburtsdatum laut Meldeamt falsch.<br>Bitte prüfen." in html
    for key in RAW_KEYS:
        assert key not in html, key
    assert str(record.pk) not in html.replace(f"/datensaetze/{record.pk}/", "")


def test_ui_inbox_shows_covert_hit_criteria_and_categories_as_labels(
    make_record: Any, run_search: Any
) -> None:
    make_record("bfv.analyst", basic={"surname": "Tarnung"}, **covert_payload("BFV"))
    body = run_search("lka-sn.analyst", {"surname": "Tarnung"}, purpose="identity_check").json()
    covert_hits_deliver(search_id=body["id"])
    html = _browser("bfv.head").get("/eingang/").content.decode()
    assert "Familienname: Tarnung" in html and "Namenssuche" in html
    assert "<code>" not in html and ">identity_check<" not in html


def test_ui_correction_notice_address_opened_directly_shows_the_notice_form(
    make_record: Any,
) -> None:
    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    response = _browser("lka-by.analyst").get(f"/datensaetze/{record.pk}/hinweis/")
    html = response.content.decode()
    assert response.status_code == 200
    assert record.file_number in html
    assert f'action="/datensaetze/{record.pk}/hinweis/"' in html and 'name="text"' in html


def test_ui_covert_hit_decision_address_opened_directly_is_a_german_405_page(
    make_record: Any, run_search: Any
) -> None:
    make_record("bfv.analyst", basic={"surname": "Tarnung"}, **covert_payload("BFV"))
    body = run_search("lka-sn.analyst", {"surname": "Tarnung"}).json()
    covert_hits_deliver(search_id=body["id"])
    covert_hit = CovertHit.objects.get(search_id=body["id"])
    response = _browser("bfv.head").get(f"/eingang/verdeckte-treffer/{covert_hit.pk}/entscheidung/")
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    _assert_project_page(html)
    assert "So nicht aufrufbar" in html and 'data-error-code="method_not_allowed"' in html
    assert 'href="/eingang/?kind=covert_hit"' in html
    assert "method_not_allowed" not in html.replace('data-error-code="method_not_allowed"', "")


def test_ui_logout_opened_directly_is_a_german_405_page(reference: Any) -> None:
    response = _browser("bka.analyst").get("/abmelden/")
    assert response.status_code == 405
    _assert_project_page(response.content.decode())


def test_ui_csrf_failure_on_a_page_is_the_projects_german_page(reference: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/anmelden/", {"username": "bka.analyst", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    _assert_project_page(html)
    assert "Formular abgelaufen" in html
    assert "laden Sie die Seite neu und versuchen Sie es erneut" in html
    assert 'data-error-code="csrf_failed"' in html
    # The page hands out a fresh token, so reloading and sending again works.
    assert "csrftoken" in response.cookies


def test_ui_bad_host_on_a_page_is_a_german_400_page(reference: Any) -> None:
    response = Client().get("/anmelden/", HTTP_HOST="evil.example.com")
    html = response.content.decode()
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    _assert_project_page(html)
    assert "Ungültige Anfrage" in html and 'data-error-code="bad_host"' in html
    assert "evil.example.com" not in html


def test_api_conventions_bad_host_answer_is_not_stored_and_varies_by_credentials(
    reference: Any,
) -> None:
    response = Client().get("/api/v1/me/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400 and response.json()["code"] == "bad_host"
    assert response["Cache-Control"] == "no-store"
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"authorization", "cookie"} <= vary
