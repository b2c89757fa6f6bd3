"""End-to-end: a real (headless Debian) Chromium drives the German UI against a live server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, login
from verbund.models import InboxItem, Record


def _fill_person(page: Any, file_number: str) -> None:
    page.select_option("#id_file", "ATD")
    page.select_option("#id_kind", "person")
    page.select_option("#id_case_group", "1a")
    page.fill("#id_findings_basis", "Erkenntnisse aus Ermittlungsverfahren 2 BJs 9/26")
    page.fill("#id_surname", "Kaya")
    page.fill("#id_given_names", "Fatma")
    page.fill("#id_aliases", "Umm Ali, F. Kaya")
    page.fill("#id_nationalities", "TR")
    page.select_option("#id_ethnicity", label="kurdisch")
    page.select_option("#id_marital_status", label="ledig")
    page.check("input[name=skills][value=explosives]")
    page.check("input[name=visited_places][value=conflict_zone]")
    page.fill("#id_file_number", file_number)
    page.select_option("#id_classification", "STRENG-GEHEIM")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_r_c4_browser_enters_record_with_catalogue_dropdowns(
    chromium_page: Any, live_server: Any
) -> None:
    page, base = chromium_page, live_server.url
    login(page, base)
    assert "bka.analyst" in page.inner_text("header")

    page.click("nav.main-nav >> text=Neuer Datensatz")
    page.wait_for_url(f"{base}/datensaetze/neu/")
    # The script hides what does not apply: no decision for open storage, no object inputs.
    assert page.is_hidden("#section-decision") and page.is_hidden("#section-object")
    _fill_person(page, "E2E-0001")
    page.select_option("#id_religion", label="Islam (sunnitisch)")
    page.fill("#id_religion_reason", "Identifizierung: Predigerin der Gruppe")
    page.fill("#id_cp0_surname", "Doğan")
    page.fill("#id_cp0_given_names", "Hüseyin")
    # The script adds rows beyond the three blank ones.
    page.click("[data-add-contact-row]")
    page.fill("#id_cp3_surname", "Aydın")
    page.fill("#id_cp3_given_names", "Kemal")
    page.click("#record-form button.primary")

    page.wait_for_url(f"{base}/datensaetze/*/")
    assert page.inner_text("h1") == "Kaya, Fatma"
    body = page.inner_text("main")
    for text in (
        "Datensatz E2E-0001 gespeichert",
        "kurdisch",
        "Islam (sunnitisch)",
        "Sprengstoffkenntnisse",
        "Aufenthalt in Kampfgebiet",
        "STRENG GEHEIM",
        "Doğan",
        "Aydın",
    ):
        assert text in body, text
    page.screenshot(path=str(SCREENSHOTS / "record_detail.png"), full_page=True)
    record = Record.objects.get(file_number="E2E-0001")
    assert record.extended["ethnicity"] == "kurdish"
    assert record.classification == "STRENG-GEHEIM"
    assert [c["surname"] for c in record.extended["contact_persons"]] == ["Doğan", "Aydın"]

    # A bad input: religion without the case-specific reason (R-C10).
    page.goto(f"{base}/datensaetze/neu/")
    _fill_person(page, "E2E-0002")
    page.select_option("#id_religion", label="Islam (sunnitisch)")
    page.click("#record-form button.primary")
    page.wait_for_selector("#field-religion_reason .field-error")
    assert "Begründung" in page.inner_text("#field-religion_reason .field-error")
    # Officers see the label, never the code; the code stays machine-readable.
    assert "reason_required" not in page.inner_text("#form-errors")
    assert page.get_attribute("#form-errors", "data-error-code") == "reason_required"
    # The officer's choices survive the round trip.
    assert page.input_value("#id_religion") == "islam_sunni"
    assert page.input_value("#id_surname") == "Kaya"
    page.screenshot(path=str(SCREENSHOTS / "record_form_error.png"), full_page=True)
    assert not Record.objects.filter(file_number="E2E-0002").exists()

    # Covert storage needs the head's decision (R-D4): the script shows those inputs.
    page.check("#id_storage_2")
    assert page.is_visible("#section-decision")

    # CSP ('self' only): nothing inline was blocked, no script error.
    assert page.console_errors == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_browser_language_switch_and_public_catalogue(chromium_page: Any, live_server: Any) -> None:
    page, base = chromium_page, live_server.url
    page.goto(f"{base}/katalog/")
    assert page.inner_text("h1") == "Veröffentlichte Kataloge"
    page.click("form.lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Published catalogues"
    assert "Islam (Sunni)" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "catalogue_en.png"), full_page=False)
    assert page.console_errors == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_is_served_locally_under_the_csp(chromium_page: Any, live_server: Any) -> None:
    """The API documentation loads from this server only and runs under the strict CSP."""
    page = chromium_page
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.locator("text=/api/v1/records/").count() > 0
    requests_elsewhere = [
        src
        for src in page.eval_on_selector_all(
            "script[src], link[href]", "els => els.map(e => e.src || e.href)"
        )
        if not src.startswith(live_server.url)
    ]
    assert requests_elsewhere == []
    assert [e for e in page.console_errors if "favicon" not in e and "404" not in e] == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_r_h2_browser_walks_from_a_hit_to_the_notice_of_inaccuracy(
    chromium_page: Any, live_server: Any, make_record: Any
) -> None:
    record = make_record(
        "lka-bw.analyst",
        file="GWS",
        case_group="",
        findings_basis="",
        basic={"surname": "Randalierer", "given_names": "Rudi"},
    )
    page, base = chromium_page, live_server.url
    login(page, base, "lka-by.analyst")
    page.goto(f"{base}/suche/?mode=name&file=GWS")
    page.select_option("#id_purpose", "event_danger")
    page.select_option("#id_urgency", "urgent")
    page.fill("#id_surname", "Randalierer")
    page.click("form.search-form button.primary")
    page.wait_for_selector("section.results")
    result = page.inner_text("section.results")
    # R-E1: the query by its labels, never by its codes.
    for text in ("Gefahrenabwehr bei Sportveranstaltungen", "Eilbedürftig", "Namenssuche"):
        assert text in result, text
    assert "Familienname: Randalierer" in result
    assert "event_danger" not in result and "urgent" not in result
    page.screenshot(path=str(SCREENSHOTS / "search_result_next_steps.png"), full_page=True)

    page.click("section.results >> text=Hinweis auf Unrichtigkeit")
    page.wait_for_url(f"{base}/datensaetze/{record.pk}/hinweis/#correction")
    page.fill("#correction textarea[name=text]", "Vorname laut Meldeamt Rudolf.")
    page.click("#correction button.primary")
    page.wait_for_url(f"{base}/datensaetze/{record.pk}/")
    assert "benachrichtigt" in page.inner_text("main")
    assert InboxItem.objects.filter(kind="correction_notice", record=record).exists()
    assert page.console_errors == []
