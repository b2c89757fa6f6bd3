"""End-to-end: a supervisor's workplace in Debian's Chromium (issue 17; R-I4, R-J1, R-J6).

``bfdi.supervisor`` logs in and lands on the console, filters the log, drills down to a
covert record of the BfV, reads it with its decisions and lodges a complaint, which lands in
the owner's inbox. (The lead adds the last step, the public report's chart at ``/bericht/``,
after the reports branch is merged.)
"""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Officer
from audit.models import AuditEvent
from tests.conftest import PASSWORD, person_payload
from tests.e2e.conftest import SCREENSHOTS
from verbund.models import InboxItem
from verbund.services.records import record_create

COMPLAINT = "Die verdeckte Speicherung ist nicht hinreichend begründet."


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_r_j6_browser_supervisor_filters_the_log_opens_a_record_and_complains(
    chromium_page: Any, live_server: Any
) -> None:
    page, base = chromium_page, live_server.url
    record = record_create(
        actor=Officer.objects.get(username="bfv.analyst"),
        data=person_payload(
            storage="covert",
            storage_decision={"decided_by": "bfv.head", "reasons": "Quellenschutz"},
            basic={"surname": "Aufsicht", "given_names": "Karim", "date_of_birth": "1990-02-02"},
            reference={"file_number": "BFV-E2E-AUF-1", "classification": "VS-NfD"},
        ),
    )

    # Log in: the supervisor lands on the console, with the supervisors' navigation.
    page.goto(f"{base}/anmelden/")
    page.fill("#id_username", "bfdi.supervisor")
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base}/aufsicht/")
    nav = page.locator("nav.console-nav")
    for label in ("Protokoll", "Datensätze", "Delegationen", "Pflichtkontrollen", "Bericht"):
        assert nav.get_by_text(label).first.is_visible(), label

    # The log, filtered by officer: the BfV's entry with its covert reference.
    nav.get_by_role("link", name="Protokoll").click()
    page.wait_for_url(f"{base}/aufsicht/audit/auditevent/")
    page.fill("#filter-officer", "bfv.analyst")
    page.locator("#filter-officer").press("Enter")
    page.wait_for_url("**officer=bfv.analyst**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 1
    assert "BFV-E2E-AUF-1" in page.locator("#result_list").inner_text()
    assert "Datensatz angelegt" in page.locator("#result_list").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "supervision_log.png"), full_page=True)

    # Drill down: every access of the record, then the record itself.
    page.locator("#result_list a", has_text="BFV-E2E-AUF-1").first.click()
    page.wait_for_url(f"**ref={record.pk}**")
    page.locator("#result_list a", has_text="Datensatz").first.click()
    page.wait_for_url(f"{base}/aufsicht/datensaetze/{record.pk}/")
    body = page.locator("#content").inner_text()
    assert "BFV-E2E-AUF-1" in body and "Quellenschutz" in body and "Aufsicht" in body

    # The complaint: into the owner's inbox, shown on the record as awaiting the decision.
    page.fill("#id_text", COMPLAINT)
    page.get_by_role("button", name="Beanstandung an die eingebende Behörde senden").click()
    page.wait_for_url(f"{base}/aufsicht/datensaetze/{record.pk}/")
    assert "Eingang der eingebenden Behörde" in page.locator(".messagelist").inner_text()
    assert COMPLAINT in page.locator("table.console-reviews").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "supervision_complaint.png"), full_page=True)

    # The public report from the console's navigation: its charts drawn (an image the CSP
    # blocked would have no natural width), covert records only as a count (R-J5).
    page.locator("nav.console-nav").get_by_role("link", name="Bericht").first.click()
    page.wait_for_url(f"{base}/bericht/")
    page.wait_for_load_state("load")
    widths = page.eval_on_selector_all("img.chart", "els => els.map(e => e.naturalWidth)")
    assert len(widths) >= 1 and all(w > 0 for w in widths), widths
    report = page.locator("main").inner_text()
    assert "BFV-E2E-AUF-1" not in report and "Aufsicht" not in report
    page.locator("img.chart").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "supervision_report_chart.png"), full_page=True)

    item = InboxItem.objects.get(record=record, kind="review_due")
    assert item.agency.code == "BFV"
    assert AuditEvent.objects.filter(action="supervision.record_read").exists()
    assert AuditEvent.objects.filter(action="audit.read", details__via="console").exists()
    assert page.console_errors == []
