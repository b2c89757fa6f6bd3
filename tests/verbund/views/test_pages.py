"""Browser UI pages: German by default, thin views over the record services."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Officer
from audit.models import AuditEvent
from tests.conftest import PASSWORD
from verbund.models import InboxItem, Record
from verbund.services.catalogue import catalogue_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(reference: dict[str, Any]) -> Callable[[str | None], Client]:
    """Return a test client logged in (session) as the named officer, or anonymous."""

    def make(username: str | None = None, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        if username:
            client.force_login(Officer.objects.get(username=username))
        return client

    return make


def form_data(**overrides: Any) -> dict[str, Any]:
    """Return the POST data of a valid ATD person entry; keyword arguments replace inputs."""
    data: dict[str, Any] = {
        "file": "ATD",
        "kind": "person",
        "case_group": "1a",
        "storage": "open",
        "findings_basis": "Erkenntnisse aus Ermittlungsverfahren 2 BJs 7/26",
        "surname": "Haddad",
        "given_names": "Youssef",
        "aliases": "Abu Yusuf\nJussuf H.",
        "spellings": "Hadad\nHaddat",
        "sex": "m",
        "date_of_birth": "1990-02-03",
        "nationalities": "sy, lb",
        "file_number": f"UI-{uuid.uuid4().hex[:8]}",
        "classification": "VS-NfD",
        "contact_rows": "3",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_block(html: str, name: str) -> str:
    """Return the HTML of one input's container, up to the next input or section end."""
    start = html.rindex('<div class="field', 0, html.index(f'id="field-{name}"'))
    ends = [
        html.find(marker, start + 1) for marker in ('<div class="field', '<div class="actions"')
    ]
    return html[start : min(e for e in ends if e != -1)]


# ---------------------------------------------------------------- login, language, CSRF


def test_login_page_renders_in_german(browser: Callable[..., Client]) -> None:
    response = browser().get("/anmelden/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Benutzername" in html and "Passwort" in html and "Anmelden" in html
    assert "csrfmiddlewaretoken" in html


def test_login_with_password_shows_start_page_with_officer_and_agency(
    browser: Callable[..., Client],
) -> None:
    client = browser()
    response = client.post("/anmelden/", {"username": "bka.analyst", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert "bka.analyst" in html and ">BKA<" in html
    for label in ("Datensätze", "Neuer Datensatz", "Suche", "Eingang", "Katalog", "API-Doku"):
        assert label in html
    assert 'href="/suche/"' in html and 'href="/eingang/"' in html
    assert 'href="/api/v1/docs/"' in html


def test_login_lockout_page_after_five_failures(
    browser: Callable[..., Client], settings: Any
) -> None:
    settings.AXES_LOCKOUT_CALLABLE = "verbund.views.auth.lockout"
    client = browser()
    for _ in range(5):
        client.post("/anmelden/", {"username": "bka.analyst", "password": "wrong"})
    response = client.post("/anmelden/", {"username": "bka.analyst", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    assert "Konto gesperrt" in html and "5 Fehlversuchen" in html


def test_login_lockout_answers_json_under_api(
    browser: Callable[..., Client], settings: Any
) -> None:
    settings.AXES_LOCKOUT_CALLABLE = "verbund.views.auth.lockout"
    client = browser()
    for _ in range(5):
        client.post(
            "/api/v1/auth/token/",
            {"username": "bka.head", "password": "wrong"},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "bka.head", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert set(response.json()) == {"code", "detail", "fields"}


def test_logout_is_post_only_and_ends_the_session(browser: Callable[..., Client]) -> None:
    client = browser("bka.analyst")
    assert client.get("/abmelden/").status_code == 405
    response = client.post("/abmelden/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/datensaetze/", "/datensaetze/neu/"])
def test_pages_need_login(browser: Callable[..., Client], path: str) -> None:
    response = browser().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/anmelden/?next=")


def test_csrf_enforced_on_record_form(browser: Callable[..., Client]) -> None:
    client = browser("bka.analyst", enforce_csrf_checks=True)
    before = Record.objects.count()
    response = client.post("/datensaetze/neu/", form_data())
    assert response.status_code == 403
    assert Record.objects.count() == before
    assert client.post("/abmelden/").status_code == 403


def test_language_switch_shows_english_labels(browser: Callable[..., Client]) -> None:
    client = browser("bka.analyst")
    assert "Neuer Datensatz" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/datensaetze/neu/"})
    assert response.status_code == 302
    html = client.get("/datensaetze/neu/").content.decode()
    assert '<html lang="en">' in html
    assert "New record" in html and "Surname" in html and "Log out" in html
    assert "Neuer Datensatz" not in html and "Familienname" not in html
    # Catalogue values follow the language too (labels come from the catalogue, R-C4).
    assert "Islam (Sunni)" in html


# ---------------------------------------------------------------- catalogue (public)


def test_r_c4_catalogue_page_public_lists_versions(
    browser: Callable[..., Client], officer: Callable[[str], Officer]
) -> None:
    later = timezone.localdate() + datetime.timedelta(days=30)
    catalogue_publish(
        actor=officer("bka.head"),
        field="religion",
        valid_from=later,
        values=[
            {"code": "islam_sunni", "label_de": "Islam (sunnitisch)", "label_en": "Islam (Sunni)"},
            {"code": "alevi", "label_de": "Alevitentum", "label_en": "Alevism"},
        ],
        note="Zweite Fassung",
    )
    response = browser().get("/katalog/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Veröffentlichte Kataloge" in html
    for label in ("Fallgruppen", "Volkszugehörigkeit", "Religionszugehörigkeit", "Gefährlichkeit"):
        assert label in html
    # Values in force and every version with its effective date.
    assert "In Kraft: Fassung 1, gültig ab 01.01.2015" in html
    assert "Sprengstoffkenntnisse" in html
    assert "Alevitentum" in html and "gilt später" in html
    assert later.strftime("%d.%m.%Y") in html
    assert "Zweite Fassung" in html


# ---------------------------------------------------------------- entry form


def test_new_record_form_offers_catalogue_dropdowns_and_heads(
    browser: Callable[..., Client],
) -> None:
    html = browser("bka.analyst").get("/datensaetze/neu/").content.decode()
    assert '<select name="ethnicity"' in html and 'value="arab"' in html
    assert '<select name="religion"' in html and 'value="islam_sunni"' in html
    assert 'name="skills" value="explosives"' in html
    assert 'value="STRENG-GEHEIM"' in html
    assert 'value="bka.head"' in html and 'value="bka.analyst"' not in html
    assert 'maxlength="2000"' in html
    assert html.count('name="cp2_surname"') == 1  # at least three blank contact rows


def test_r_c4_create_person_through_form_shows_it_in_detail(
    browser: Callable[..., Client],
) -> None:
    client = browser("bka.analyst")
    data = form_data(
        ethnicity="arab",
        religion="islam_sunni",
        religion_reason="Identifizierung: Auftreten als Imam der Gruppe",
        marital_status="married",
        skills=["explosives", "weapons"],
        visited_places=["training_camp"],
        phones="+49 170 1234567\n+963 11 555",
        free_text="Tritt unter wechselnden Namen auf.",
        cp0_surname="Khalil",
        cp0_given_names="Ibrahim",
        cp1_surname="",
    )
    response = client.post("/datensaetze/neu/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Record.objects.get(file_number=data["file_number"])
    assert response["Location"] == f"/datensaetze/{record.pk}/"
    assert record.owner.code == "BKA"
    assert record.basic["aliases"] == ["Abu Yusuf", "Jussuf H."]
    assert record.basic["spellings"] == ["Hadad", "Haddat"]
    assert record.basic["nationalities"] == ["SY", "LB"]
    assert record.extended["skills"] == ["explosives", "weapons"]
    assert record.extended["contact_persons"] == [{"surname": "Khalil", "given_names": "Ibrahim"}]

    html = client.get(response["Location"]).content.decode()
    assert "gespeichert" in html  # success message
    assert "Haddad, Youssef" in html
    assert "arabisch" in html and "Islam (sunnitisch)" in html
    assert "Sprengstoffkenntnisse, Waffenkenntnisse" in html
    assert "Ausbildungslager" in html and "verheiratet" in html
    assert "Khalil" in html and data["file_number"] in html
    assert "Bearbeiten" in html and "Sperren" in html and "Löschen" in html
    # R-I1: showing the record is logged.
    assert AuditEvent.objects.filter(action="record.view", object_id=str(record.pk)).exists()


def test_r_d4_covert_entry_with_head_decision(browser: Callable[..., Client]) -> None:
    data = form_data(
        storage="covert",
        markings=["art10"],
        decided_by="bka.head",
        decision_reasons="Maßnahme nach Art. 10 GG, Quellenschutz",
    )
    response = browser("bka.analyst").post("/datensaetze/neu/", data)
    assert response.status_code == 302
    record = Record.objects.get(file_number=data["file_number"])
    assert record.storage == "covert" and record.storage_decided_by is not None
    assert record.storage_decided_by.username == "bka.head"


def _post_bad(client: Client, **overrides: Any) -> tuple[Any, str]:
    before = Record.objects.count()
    response = client.post("/datensaetze/neu/", form_data(**overrides))
    assert Record.objects.count() == before  # nothing stored
    return response, response.content.decode()


def test_r_c10_form_religion_needs_reason(browser: Callable[..., Client]) -> None:
    response, html = _post_bad(browser("bka.analyst"), religion="islam_sunni")
    assert response.status_code == 400
    assert "reason_required" in html
    block = field_block(html, "religion_reason")
    assert "has-error" in block and "Begründung der Erforderlichkeit" in block
    # The officer's input is kept.
    assert '<option value="islam_sunni" selected>' in html


def test_r_c6_form_free_text_too_long(browser: Callable[..., Client]) -> None:
    response, html = _post_bad(browser("bka.analyst"), free_text="x" * 2001)
    assert response.status_code == 400
    assert "free_text_too_long" in html
    block = field_block(html, "free_text")
    assert "has-error" in block and "2.000 Zeichen" in block


def test_r_c8_form_art10_needs_covert_storage(browser: Callable[..., Client]) -> None:
    response, html = _post_bad(browser("bka.analyst"), markings=["art10"], storage="open")
    assert response.status_code == 400
    assert "covert_required" in html
    block = field_block(html, "storage")
    assert "has-error" in block and "stets verdeckt" in block


def test_r_d4_form_decision_errors_land_at_decision_inputs(
    browser: Callable[..., Client],
) -> None:
    response, html = _post_bad(browser("bka.analyst"), storage="restricted")
    assert response.status_code == 400
    assert "storage_decision_required" in html
    assert "has-error" in field_block(html, "decided_by")
    assert "has-error" in field_block(html, "decision_reasons")


def test_r_b2_form_contact_person_error_next_to_row(browser: Callable[..., Client]) -> None:
    # Case group 1b: contact persons are not allowed (R-B2).
    response, html = _post_bad(
        browser("bka.analyst"), case_group="1b", cp1_surname="Nasser", cp1_given_names="Khaled"
    )
    assert "contact_persons_not_allowed" in html
    assert "Kontaktpersonen nur bei Hauptpersonen" in html
    assert 'value="Nasser"' in html


def test_r_d2_form_restricted_storage_withholds_fields(browser: Callable[..., Client]) -> None:
    client = browser("bka.analyst")
    decision: dict[str, Any] = {
        "storage": "restricted",
        "decided_by": "bka.head",
        "decision_reasons": "Besondere Geheimhaltungsinteressen",
        "withheld": ["religion", "free_text"],
    }
    response, html = _post_bad(
        client, religion="islam_sunni", religion_reason="Identifizierung", **decision
    )
    assert "withheld_field_given" in html
    assert "has-error" in field_block(html, "religion")
    data = form_data(ethnicity="arab", **decision)
    assert client.post("/datensaetze/neu/", data).status_code == 302
    record = Record.objects.get(file_number=data["file_number"])
    assert record.storage == "restricted" and record.withheld == ["free_text", "religion"]
    html = client.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Nicht gespeichert (beschränkte Speicherung)" in html
    assert "Freitext, Religionszugehörigkeit" in html
    # Nothing ticked: every extended field is withheld, as in the API (default: all).
    decision["withheld"] = None
    response, html = _post_bad(client, ethnicity="arab", **decision)
    assert "withheld_field_given" in html and "has-error" in field_block(html, "ethnicity")
    data = form_data(**decision)
    assert client.post("/datensaetze/neu/", data).status_code == 302
    assert "religion" in Record.objects.get(file_number=data["file_number"]).withheld


def test_r_b4_object_linked_to_own_person_through_form(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    person = make_record("bka.analyst")
    client = browser("bka.analyst")
    assert f'value="{person.pk}"' in client.get("/datensaetze/neu/").content.decode()
    data = form_data(
        kind="phone",
        case_group="",
        identifier="+49 30 1234567",
        description="Mobilfunkanschluss, genutzt von der Hauptperson",
        linked_person=str(person.pk),
    )
    response = client.post("/datensaetze/neu/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Record.objects.get(file_number=data["file_number"])
    assert record.kind == "phone" and record.linked_person_id == person.pk
    assert record.basic == {} and record.object_data["identifier"] == "+49 30 1234567"
    html = client.get(response["Location"]).content.decode()
    assert "Telekommunikationsanschluss" in html and "+49 30 1234567" in html
    assert f"/datensaetze/{person.pk}/" in html
    # Without a linked person the service refuses (R-B4) and the error sits at the select.
    response, html = _post_bad(client, kind="phone", case_group="", identifier="+49 30 1")
    assert "linked_person_required" in html
    assert "has-error" in field_block(html, "linked_person")


# ---------------------------------------------------------------- detail, list, ownership


def test_r_d3_other_agency_record_is_404(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record(
        "bka.analyst",
        storage="covert",
        storage_decision={"decided_by": "bka.head", "reasons": "Quellenschutz"},
    )
    client = browser("lka-bw.analyst")
    for suffix in ("", "bearbeiten/", "sperren/", "loeschen/"):
        response = client.get(f"/datensaetze/{record.pk}/{suffix}")
        assert response.status_code == 404
        assert "Al-Masri" not in response.content.decode()
    missing = client.get(f"/datensaetze/{uuid.uuid4()}/")
    assert missing.status_code == 404
    assert "Nicht gefunden" in missing.content.decode()


def test_r_h1_only_owner_sees_change_buttons(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    # GWS: the BKA retrieves the LKA's records directly (R-M7) but may not change them.
    record = make_record("lka-bw.analyst", file="GWS", case_group="")
    owner_html = browser("lka-bw.analyst").get(f"/datensaetze/{record.pk}/").content.decode()
    assert 'id="owner-actions"' in owner_html
    assert f"/datensaetze/{record.pk}/bearbeiten/" in owner_html

    other = browser("bka.analyst")
    response = other.get(f"/datensaetze/{record.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Al-Masri" in html
    assert 'id="owner-actions"' not in html and "/bearbeiten/" not in html
    assert "Hinweis auf Unrichtigkeit" in html
    assert other.get(f"/datensaetze/{record.pk}/bearbeiten/").status_code == 403
    assert other.post(f"/datensaetze/{record.pk}/sperren/", {"reason": "x"}).status_code == 403
    assert other.post(f"/datensaetze/{record.pk}/loeschen/", {"reason": "x"}).status_code == 403
    record.refresh_from_db()
    assert record.status == "active"


def test_r_h2_correction_notice_reaches_owner_inbox(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("lka-bw.analyst", file="GWS", case_group="")
    client = browser("bka.analyst")
    response = client.post(
        f"/datensaetze/{record.pk}/hinweis/", {"text": "Geburtsdatum laut Pass 1985-03-15."}
    )
    assert response.status_code == 302
    item = InboxItem.objects.get(record=record, kind="correction_notice")
    assert item.agency.code == "LKA-BW" and item.payload["from_agency"] == "BKA"


def test_record_list_shows_only_own_agency_records(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    own = make_record("bka.analyst")
    foreign = make_record("lka-bw.analyst")
    html = browser("bka.analyst").get("/datensaetze/").content.decode()
    assert own.file_number in html and foreign.file_number not in html
    assert "Al-Masri, Mohammed" in html and "offen" in html and "1a" in html
    assert AuditEvent.objects.filter(action="record.list", officer_username="bka.analyst").exists()


def test_edit_form_is_prefilled_and_keeps_fields_it_does_not_show(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record(
        "bka.analyst",
        basic={"surname": "Saleh", "given_names": "Mustafa", "photographs": ["lichtbild-1.jpg"]},
        extended={
            "ethnicity": "arab",
            "contact_persons": [
                {"surname": "Nasser", "given_names": "Khalid", "aliases": ["Abu Khalid"]}
            ],
        },
    )
    client = browser("bka.analyst")
    html = client.get(f"/datensaetze/{record.pk}/bearbeiten/").content.decode()
    assert 'value="Saleh"' in html and 'value="Nasser"' in html
    assert '<option value="arab" selected>' in html
    data = form_data(
        surname="Saleh",
        given_names="Mostafa",
        ethnicity="arab",
        cp0_surname="Nasser",
        cp0_given_names="Khalid",
        file_number=record.file_number,
        contact_rows="4",
    )
    response = client.post(f"/datensaetze/{record.pk}/bearbeiten/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert record.basic["given_names"] == "Mostafa"
    assert record.basic["photographs"] == ["lichtbild-1.jpg"]
    assert record.extended["contact_persons"][0]["aliases"] == ["Abu Khalid"]
    assert record.version == 2 and record.file.code == "ATD"


def test_r_l3_owner_blocks_record(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("bka.analyst")
    client = browser("bka.analyst")
    assert "Grund der Sperrung" in client.get(f"/datensaetze/{record.pk}/sperren/").content.decode()
    assert client.post(f"/datensaetze/{record.pk}/sperren/", {"reason": ""}).status_code == 400
    response = client.post(
        f"/datensaetze/{record.pk}/sperren/", {"reason": "Schutzwürdige Interessen"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "blocked" and record.blocked_reason == "Schutzwürdige Interessen"
    html = client.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Gesperrt statt gelöscht" in html


def test_r_l2_owner_deletes_record_after_confirmation(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("bka.analyst")
    client = browser("bka.analyst")
    url = f"/datensaetze/{record.pk}/loeschen/"
    assert client.post(url, {"reason": "Speicherung nicht mehr erforderlich"}).status_code == 400
    assert Record.objects.filter(pk=record.pk).exists()
    response = client.post(url, {"reason": "Speicherung nicht mehr erforderlich", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/datensaetze/"
    assert not Record.objects.filter(pk=record.pk).exists()
    assert client.get(f"/datensaetze/{record.pk}/").status_code == 404


def test_unknown_page_answers_german_404(browser: Callable[..., Client]) -> None:
    response = browser("bka.analyst").get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Nicht gefunden" in response.content.decode()
