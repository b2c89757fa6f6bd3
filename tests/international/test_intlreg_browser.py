"""Browser (Playwright, headless Chromium): an officer records a foreign request (R-N1)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from international.models import PartnerRequest
from tests.e2e.conftest import chromium_page, login  # noqa: F401 (fixture)


def test_r_n1_officer_records_partner_request_in_the_browser(
    chromium_page: Any,  # noqa: F811
    live_server: Any,
) -> None:
    page = chromium_page
    base = live_server.url
    login(page, base, "bka.analyst")
    page.click("nav.main-nav >> text=Ersuchen ausländischer Partner")
    page.wait_for_url(f"{base}/international/ersuchen/")
    page.select_option("#id_partner", "us-ice")
    day = timezone.localdate() - datetime.timedelta(days=2)
    page.fill("#id_received_on", day.isoformat())
    page.fill("#id_topic", "antifa-ost")
    page.fill("#id_reference", "HSI-BROWSER-1")
    page.fill("#id_subject", "Anfrage zu einer Gruppierung.")
    page.click("#new-request button[type=submit]")
    page.wait_for_url(f"{base}/international/ersuchen/")
    assert page.locator("#requests").get_by_text("HSI-BROWSER-1").is_visible()
    assert "Das Ersuchen ist erfasst." in page.content()
    row = PartnerRequest.objects.get(reference="HSI-BROWSER-1")
    assert row.partner.code == "us-ice" and row.agency.code == "BKA" and row.received_on == day
    assert page.console_errors == []
