"""End-to-end: GWS in the German UI — entry with an incident report and a stadium ban by
LKA-BW, direct retrieval by LKA-BY without any request, the owner's inbox (R-M2, R-M3, R-M7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, login
from verbund.models import InboxItem, Record


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_r_m7_browser_gws_entry_retrieval_and_inbox(chromium_page: Any, live_server: Any) -> None:
    page, base = chromium_page, live_server.url
    login(page, base, "lka-bw.analyst")
    page.goto(f"{base}/datensaetze/neu/")
    page.select_option("#id_file", "GWS")
    # The script shows the incident report and hides what GWS does not know.
    assert page.is_visible("#section-incident") and page.is_visible("#section-measures")
    for section in (
        "#section-extended",
        "#section-contact_persons",
        "#section-storage",
        "#section-findings",
        "#section-withheld",
    ):
        assert page.is_hidden(section), section
    assert page.is_hidden("#field-case_group")
    page.select_option("#id_kind", "person")
    page.fill("#id_surname", "Krawallski")
    page.fill("#id_given_names", "Dennis")
    page.fill("#id_date_of_birth", "1986-03-09")
    page.fill("#id_incident_date", "2007-06-02")
    page.fill("#id_incident_event", "Regionalliga Süd, 34. Spieltag")
    page.fill("#id_incident_venue", "Wildparkstadion Karlsruhe")
    page.fill("#id_incident_match", "Karlsruher SC II – SSV Reutlingen")
    page.fill("#id_incident_clubs", "Karlsruher SC II\nSSV Reutlingen")
    page.fill("#id_incident_report_reference", "VB-KA-2007-17")
    page.fill("#id_incident_suspected_offence", "Landfriedensbruch")
    page.fill("#id_incident_fan_group", "Ultras Reutlingen")
    page.fill("#id_incident_description", "In Gewahrsam genommen nach Ausschreitungen.")
    page.fill("#id_proceedings_prosecutor_file_number", "84 Js 12345/07")
    page.select_option("#id_proceedings_status", "pending")
    page.select_option("#id_m0_kind", "stadium_ban")
    page.fill("#id_m0_from", "2007-07-01")
    page.fill("#id_m0_until", "2010-06-30")
    page.fill("#id_m0_authority", "Deutscher Fußball-Bund")
    page.fill("#id_file_number", "BW-GWS-E2E-1")
    page.click("#record-form button.primary")
    page.wait_for_url(f"{base}/datensaetze/*/")
    main = page.inner_text("main")
    for text in (
        "Datensatz BW-GWS-E2E-1 gespeichert",
        "Vorkommnisbericht",
        "Stadionverbot",
        "Ermittlungsverfahren anhängig",
        "direkt eingegeben",
    ):
        assert text in main, text
    record = Record.objects.get(file_number="BW-GWS-E2E-1")
    assert record.file.code == "GWS"
    assert record.incident["measures"][0]["kind"] == "stadium_ban"

    # LKA-BY, in a context of its own, finds the person by name and opens the record.
    context = page.context.browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    reader = context.new_page()
    errors: list[str] = []
    reader.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(reader, base, "lka-by.analyst")
    reader.goto(f"{base}/suche/?file=GWS")
    tabs = reader.inner_text("nav.tabs")
    assert "Namenssuche" in tabs and "Merkmalsuche" not in tabs and "Objektsuche" not in tabs
    reader.select_option("#id_purpose", "event_danger")
    reader.select_option("#id_urgency", "urgent")
    reader.fill("#id_surname", "Krawallski")
    reader.click("form.search-form button.primary")
    reader.wait_for_selector("td.next-steps")
    steps = reader.inner_text("td.next-steps")
    assert "Datensatz öffnen" in steps
    assert "Eilfall" not in steps and "Übermittlungsersuchen" not in steps
    reader.click("td.next-steps >> text=Datensatz öffnen")
    reader.wait_for_url(f"{base}/datensaetze/{record.pk}/*")
    main = reader.inner_text("main")
    for text in (
        "Krawallski",
        "Vorkommnisbericht",
        "Karlsruher SC II – SSV Reutlingen",
        "Stadionverbot",
        "Deutscher Fußball-Bund",
    ):
        assert text in main, text
    # No request, no Eilfall, no owner actions: the record is read directly.
    assert reader.locator("#owner-actions").count() == 0
    assert "Eilfall" not in main and "Übermittlungsersuchen" not in main
    reader.screenshot(path=str(SCREENSHOTS / "gws_retrieval.png"), full_page=True)
    # A notice of inaccuracy from the reader lands in the owner's inbox.
    reader.fill("#id_text", "Geburtsdatum laut Ausweis 1986-03-19.")
    reader.click("#correction button.primary")
    reader.wait_for_url(f"{base}/datensaetze/{record.pk}/")
    assert errors == []
    context.close()

    page.goto(f"{base}/eingang/")
    inbox = page.inner_text("main")
    assert "BW-GWS-E2E-1" in inbox and "Geburtsdatum laut Ausweis" in inbox
    assert InboxItem.objects.filter(record=record, kind="correction_notice").exists()
    page.screenshot(path=str(SCREENSHOTS / "gws_inbox.png"), full_page=True)
    assert page.console_errors == []
