"""GWS records in the German browser UI: entry form, detail page, search (R-M2, R-M3, R-M7)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from agencies.models import Officer
from tests.verbund.gws.test_records_api import INCIDENT, enter
from verbund.models import File, Hit, LegalBasis, Record

NEW = "/datensaetze/neu/"


def _client(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(Officer.objects.get(username=username))
    return client


def _token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def _gws_form(token: str, **extra: str) -> dict[str, str]:
    data = {
        "csrfmiddlewaretoken": token,
        "contact_rows": "3",
        "measure_rows": "2",
        "file": "GWS",
        "kind": "person",
        "storage": "open",
        "surname": "Gästeblock",
        "given_names": "Jens",
        "date_of_birth": "1986-01-15",
        "incident_date": "2007-06-02",
        "incident_event": "Regionalliga Süd",
        "incident_venue": "Wildparkstadion",
        "incident_match": "KSC II – SSV Reutlingen",
        "incident_clubs": "Karlsruher SC II\r\nSSV Reutlingen",
        "incident_report_reference": "VB-2007-17",
        "incident_suspected_offence": "Landfriedensbruch",
        "incident_fan_group": "Ultras",
        "incident_description": "Gewahrsam nach Ausschreitungen.",
        "proceedings_prosecutor_file_number": "84 Js 12345/07",
        "proceedings_status": "pending",
        "proceedings_authority": "StA Karlsruhe",
        "m0_kind": "stadium_ban",
        "m0_from": "2007-07-01",
        "m0_until": "2010-06-30",
        "m0_authority": "DFB",
        "file_number": "BW-GWS-WEB-1",
        "classification": "none",
    }
    data.update(extra)
    return data


def test_r_m2_form_for_gws_shows_the_incident_report_and_marks_atd_only_sections(
    reference: Any,
) -> None:
    client = _client("lka-bw.analyst")
    html = client.get(f"{NEW}?file=GWS").content.decode()
    assert re.search(r'<option value="GWS" selected>', html)
    for section in ("incident", "proceedings", "measures"):
        assert re.search(rf'id="section-{section}"[^>]*data-show-file="GWS"', html), section
    for section in ("storage", "decision", "findings", "extended", "withheld", "contact_persons"):
        assert re.search(rf'id="section-{section}"[^>]*data-show-file="ATD"', html), section
    for label in (
        "Vorkommnisbericht",
        "Datum des Vorkommnisses",
        "Begegnung",
        "Vereine",
        "Aktenzeichen des Vorkommnisberichts",
        "Verdacht der Straftat",
        "Fangruppierung",
        "Aktenzeichen der Staatsanwaltschaft",
        "Stand des Verfahrens",
        "Maßnahmen",
        "Stadionverbot",
        "Ausreiseuntersagung",
        "Einreiseverweigerung durch ausländische Grenzbehörde",
    ):
        assert label in html, label
    assert 'name="m0_kind"' in html and 'name="m1_kind"' in html


def test_r_m2_browser_entry_stores_incident_and_measure(reference: Any) -> None:
    client = _client("lka-bw.analyst")
    token = _token(client, f"{NEW}?file=GWS")
    response = client.post(f"{NEW}?file=GWS", _gws_form(token))
    assert response.status_code == 302, response.content.decode()[:3000]
    record = Record.objects.get(file_number="BW-GWS-WEB-1")
    assert record.file.code == "GWS" and record.extended == {} and record.case_group == ""
    assert record.incident["clubs"] == ["Karlsruher SC II", "SSV Reutlingen"]
    assert record.incident["proceedings"] == {
        "prosecutor_file_number": "84 Js 12345/07",
        "status": "pending",
        "authority": "StA Karlsruhe",
    }
    assert record.incident["measures"] == [
        {"kind": "stadium_ban", "from": "2007-07-01", "until": "2010-06-30", "authority": "DFB"}
    ]
    page = client.get(response["Location"]).content.decode()
    for text in (
        "Vorkommnisbericht",
        "KSC II – SSV Reutlingen",
        "Ermittlungsverfahren anhängig",
        "Stadionverbot",
        "DFB",
        "direkt eingegeben",
    ):
        assert text in page, text
    assert "ohne Rechtsgrundlage gespeichert" not in page


def test_r_m3_browser_refuses_a_bad_measure_at_its_input(reference: Any) -> None:
    client = _client("lka-bw.analyst")
    token = _token(client, f"{NEW}?file=GWS")
    bad = _gws_form(
        token,
        m1_kind="entry_refused",
        m1_from="2008-06-20",
        m1_authority="Grenzwachtkorps",
        m0_until="2007-06-01",
    )
    response = client.post(f"{NEW}?file=GWS", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert not Record.objects.filter(file_number="BW-GWS-WEB-1").exists()
    # Each message stands next to its input (until before from; country missing).
    assert re.search(r'name="m0_until"[^>]*>\s*<p class="field-error"', html)
    assert re.search(r'name="m1_country"[^>]*>\s*<p class="field-error"', html)
    assert "Maßnahmen 1: Bis" in html and "Maßnahmen 2: Staat" in html


def test_r_m2_browser_refuses_extended_data_in_gws_naming_it(reference: Any) -> None:
    client = _client("lka-bw.analyst")
    token = _token(client, f"{NEW}?file=GWS")
    response = client.post(f"{NEW}?file=GWS", _gws_form(token, phones="+49 721 1"))
    assert response.status_code == 400
    assert 'data-error-code="extended_not_allowed"' in response.content.decode()
    assert not Record.objects.filter(file_number="BW-GWS-WEB-1").exists()


def test_r_m3_owner_changes_the_measures_in_the_browser(api: Any) -> None:
    body = enter(api)
    client = _client("lka-bw.analyst")
    url = f"/datensaetze/{body['id']}/bearbeiten/"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    # A GWS record's form has no ATD-only sections.
    assert 'id="section-extended"' not in html and 'id="section-contact_persons"' not in html
    assert 'value="Deutscher Fußball-Bund"' in html
    token = _token(client, url)
    record = Record.objects.get(pk=body["id"])
    form = _gws_form(
        token,
        surname="Reutlinger",
        given_names="Karl",
        date_of_birth="1985-04-02",
        file_number="LKA-BW-GWS-1",
        version=str(record.version),
        measure_rows="3",
        m0_kind="exit_ban",
        m0_from="2008-06-20",
        m0_until="2008-06-30",
        m0_authority="BPOL Stuttgart",
        incident_fan_group="",
    )
    del form["file"]
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert record.incident["measures"] == [
        {
            "kind": "exit_ban",
            "from": "2008-06-20",
            "until": "2008-06-30",
            "authority": "BPOL Stuttgart",
        }
    ]
    assert "fan_group" not in record.incident
    # Another participant may read it but not change it.
    assert _client("lka-by.analyst").get(url).status_code == 403


def test_r_m7_participant_reads_the_record_page_without_a_request(api: Any) -> None:
    body = enter(api)
    html = _client("lka-by.analyst").get(f"/datensaetze/{body['id']}/").content.decode()
    for text in ("Vorkommnisbericht", INCIDENT["match"], "Stadionverbot", "Deutscher Fußball-Bund"):
        assert text in html, text
    # Owner-only facts stay with the owner.
    assert 'id="record-source"' not in html and "Bearbeiten" not in html
    assert _client("bfv.analyst").get(f"/datensaetze/{body['id']}/").status_code == 404


def test_r_m5_owner_page_shows_the_badge_while_no_ordinance_is_in_force(api: Any) -> None:
    body = enter(api)
    Record.objects.filter(pk=body["id"]).update(
        source_system="POLAS-BW", source_reference="BW-2007-4711", legacy=True
    )
    eo = LegalBasis.objects.get(kind="establishment_order", citation__contains="Gewalttäter")
    File.objects.filter(code="GWS").update(legal_basis=eo)
    html = _client("lka-bw.analyst").get(f"/datensaetze/{body['id']}/").content.decode()
    assert "ohne Rechtsgrundlage gespeichert" in html
    assert "Freigegeben aus POLAS-BW (Nr. BW-2007-4711)" in html and "Altdaten" in html
    other = _client("lka-by.analyst").get(f"/datensaetze/{body['id']}/").content.decode()
    assert "ohne Rechtsgrundlage gespeichert" not in other


def _search_page(username: str, surname: str) -> tuple[str, Client]:
    client = _client(username)
    url = "/suche/?mode=name&file=GWS"
    token = _token(client, url)
    response = client.post(
        url,
        {
            "mode": "name",
            "file": "GWS",
            "purpose": "event_danger",
            "urgency": "routine",
            "surname": surname,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode(), client


def test_r_m7_search_page_offers_only_the_orders_modes_and_opens_the_record(api: Any) -> None:
    body = enter(api, basic={"surname": "Blockfahne"})
    client = _client("lka-by.analyst")
    page = client.get("/suche/?file=GWS").content.decode()
    tabs = page.split('aria-label="Suchart"')[1].split("</nav>")[0]
    assert "Namenssuche" in tabs
    assert "Merkmalsuche" not in tabs and "Objektsuche" not in tabs
    # Asking for a mode the order does not allow shows the name search.
    page = client.get("/suche/?file=GWS&mode=feature").content.decode()
    assert 'name="surname"' in page and 'name="phones"' not in page
    html, _client_used = _search_page("lka-by.analyst", "Blockfahne")
    assert f'href="/datensaetze/{body["id"]}/#incident"' in html
    assert "Datensatz öffnen" in html
    hit = Hit.objects.get(record_id=body["id"], search__agency__code="LKA-BY")
    assert reverse("request_new", args=[hit.pk]) not in html
    assert reverse("eilfall_new", args=[hit.pk]) not in html
    # No ATD use restriction on GWS hits: participants retrieve directly (R-M7).
    assert "Übermittlungsersuchens" not in html and "Verwendungsbeschränkung" not in html
    assert "rufen diese Datensätze unmittelbar ab" in html
    # The ATD still offers every mode.
    atd = client.get("/suche/?file=ATD").content.decode()
    assert "Merkmalsuche" in atd.split('aria-label="Suchart"')[1].split("</nav>")[0]


def test_r_m7_bfv_has_no_gws_search_in_the_browser(reference: Any) -> None:
    page = _client("bfv.analyst").get("/suche/?file=GWS").content.decode()
    files = page.split('aria-label="Datei"')[1].split("</nav>")[0]
    assert "GWS" not in files


def test_r_m1_new_record_form_offers_gws_only_to_agencies_the_order_lets_enter(
    reference: Any,
) -> None:
    bka = _client("bka.analyst").get(NEW).content.decode()
    assert 'value="ATD"' in bka and 'value="GWS"' not in bka
    lka = _client("lka-bw.analyst").get(NEW).content.decode()
    assert 'value="ATD"' in lka and 'value="GWS"' in lka
