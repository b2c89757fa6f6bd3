"""End-to-end: the public report ``/bericht/`` in Debian's Chromium (issue 17, R-J5).

Without login, the page shows the figures, loads both SVG charts under the site's strict CSP
(no console error), changes the period through its form, and passes axe-core with no
violation of impact "serious" or "critical". A screenshot is saved in var/screenshots/.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import SCREENSHOTS
from tests.verbund.reports.conftest import covert, person

BLOCKING = {"serious", "critical"}


@pytest.mark.e2e
def test_r_j5_browser_report_page_charts_period_and_accessibility(
    chromium_page: Any, live_server: Any, make_record: Any
) -> None:
    make_record("bka.analyst", basic=person("Offenmann"))
    make_record("bfv.analyst", basic=person("Geheimrath"), **covert("BFV"))
    page = chromium_page
    page.goto(f"{live_server.url}/bericht/")
    assert page.get_attribute("html", "lang") == "de"
    assert page.title().startswith("Bericht über Datenbestand und Nutzung")
    page.wait_for_load_state("networkidle")
    # Both charts drawn (an image blocked by the CSP would have no natural width).
    widths = page.eval_on_selector_all("img.chart", "els => els.map(e => e.naturalWidth)")
    assert widths == [760, 760]
    assert "Geheimrath" not in page.content()
    violations = Axe().run(page).response["violations"]
    blocking = [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in BLOCKING]
    assert not blocking, blocking
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    # Another period through the form (January of last year): the links follow it.
    year = datetime.date.today().year - 1
    page.fill("#id_from", f"{year}-01-01")
    page.fill("#id_to", f"{year}-01-31")
    page.click("form.report-period button[type=submit]")
    page.wait_for_url(f"**/bericht/?from={year}-01-01&to={year}-01-31")
    csv_link = page.get_attribute("a[download]", "href")
    assert csv_link == f"/bericht/bericht.csv?from={year}-01-01&to={year}-01-31"
    assert page.console_errors == []
