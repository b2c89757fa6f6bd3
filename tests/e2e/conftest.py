"""Browser fixtures: a headless Debian Chromium against the live server.

Browser tests also use ``audit_truncate_allowed`` from tests/conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


@pytest.fixture
def chromium_page(
    audit_truncate_allowed: None, live_server: Any, reference: dict[str, Any], monkeypatch: Any
) -> Any:
    """Yield a German-locale page of a headless Chromium, with collected console errors."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (the Makefile installs Debian's chromium in CI)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 900})
        page.console_errors = []

        def on_console(message: Any) -> None:
            # A refused form answers 400 on purpose; anything else (a CSP block) counts.
            if message.type == "error" and "status of 400" not in message.text:
                page.console_errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        try:
            yield page
        finally:
            browser.close()
            # While Playwright's loop runs, the ORM gets context-local connections; close
            # them here, or the test database cannot be dropped at the end of the session.
            connections.close_all()


def login(page: Any, base: str, username: str = "bka.analyst") -> None:
    """Log in through the login form and wait for the start page."""
    page.goto(f"{base}/anmelden/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base}/")
