"""End-to-end: the API documentation (Swagger UI at /api/v1/docs/) is accessible (issue 14).

axe-core (bundled by axe-playwright-python, see requirements-dev.txt) checks the page after
Swagger UI has rendered the operations, with an operation expanded and, for an officer, with
that operation executed ("Try it out", "Execute"), with "Try it out" on an operation with a
request body and with the "Authorize" dialog open. No violation of impact "serious" or
"critical" is allowed; no axe rule is switched off.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import login

DOCS = "/api/v1/docs/"
BLOCKING = {"serious", "critical"}


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append(f"      {node.get('failureSummary', '')!r}"[:400])
    return "\n".join(lines)


def _assert_accessible(page: Any, state: str) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core, {state}:\n{_report(blocking)}"


def _operation(page: Any, method: str, path: str) -> Any:
    """The operation block of METHOD PATH, found by what it documents, not by its id."""
    return page.locator(f'.opblock-{method}:has(.opblock-summary-path[data-path="{path}"])')


def _expand(page: Any, method: str, path: str) -> Any:
    block = _operation(page, method, path)
    block.locator(".opblock-summary-control").click()
    block.locator(".opblock-body .responses-wrapper").wait_for(timeout=20000)
    return block


def _open_docs(page: Any, base: str) -> None:
    page.goto(f"{base}{DOCS}")
    page.wait_for_selector(".opblock", timeout=20000)
    # The page is German (Django's language), Swagger UI's own words are English.
    assert page.get_attribute("html", "lang") == "de"
    assert page.get_attribute("#swagger-ui", "lang") == "en"
    assert page.title() == "API-Dokumentation · Verbund"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", [None, "bka.analyst"], ids=["anonymous", "officer"])
def test_api_docs_have_no_serious_accessibility_violation(
    chromium_page: Any, live_server: Any, username: str | None
) -> None:
    page, base = chromium_page, live_server.url
    if username:
        login(page, base, username)
    _open_docs(page, base)
    _assert_accessible(page, "operations rendered")

    records = _expand(page, "get", "/api/v1/records/")
    _assert_accessible(page, "GET /api/v1/records/ expanded")

    if username:
        # "Try it out" makes the parameters editable; Execute shows the live answer.
        records.locator(".try-out__btn").click()
        records.locator(".execute").click()
        records.locator(".live-responses-table").wait_for(timeout=20000)
        status = records.locator(".live-responses-table tbody .response-col_status").first
        assert status.inner_text() == "200"
        _assert_accessible(page, "GET /api/v1/records/ executed")

        # "Try it out" shows the request-body editor (a text area) and the Execute button.
        block = _expand(page, "post", "/api/v1/records/")
        block.locator(".try-out__btn").click()
        block.locator("textarea.body-param__text").wait_for(timeout=20000)
        _assert_accessible(page, "POST /api/v1/records/ in Try it out")

        page.locator(".scheme-container .btn.authorize").click()
        page.locator(".dialog-ux .modal-ux").wait_for(timeout=20000)
        _assert_accessible(page, "Authorize dialog open")
        page.get_by_role("button", name="Close", exact=True).first.click()

    assert page.console_errors == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_api_docs_link_back_to_the_app(chromium_page: Any, live_server: Any) -> None:
    page, base = chromium_page, live_server.url

    # Anonymous: the start page asks for a login first.
    _open_docs(page, base)
    page.get_by_role("link", name="Zurück zur Anwendung").click()
    page.wait_for_url(f"{base}/anmelden/?next=/")

    # An officer lands on the start page.
    login(page, base)
    _open_docs(page, base)
    page.get_by_role("link", name="Zurück zur Anwendung").click()
    page.wait_for_url(f"{base}/")
    assert page.inner_text("h1") == "Start"

    # In English, the link says so too.
    page.click("form.lang-switch button[value=en]")
    page.wait_for_load_state()
    page.goto(f"{base}{DOCS}")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.get_attribute("html", "lang") == "en"
    page.get_by_role("link", name="Back to the application").click()
    page.wait_for_url(f"{base}/")
    assert page.console_errors == []
