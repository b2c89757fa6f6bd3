"""The served API description stays clean (issue 14): a valid OpenAPI document without
drf-spectacular warnings, and its Swagger UI page leads back to the application.

The browser half (axe-core on the rendered Swagger UI, clicking the link) is
tests/e2e/test_api_docs.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS

DOCS = "/api/v1/docs/"


def test_spectacular_validate_fail_on_warn_is_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``manage.py spectacular --validate --fail-on-warn`` passes: no warning, no error."""
    out = tmp_path / "schema.yaml"
    # The warning counters are per process: count this generation only.
    GENERATOR_STATS.reset()
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    except Exception as exc:  # CommandError; the warnings themselves went to stderr
        captured = capsys.readouterr()
        pytest.fail(f"spectacular: {exc}\n{captured.err}{captured.out}")
    assert out.read_text().startswith("openapi: 3.")
    assert "/api/v1/records/" in out.read_text()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "label", "title"),
    [
        ("de", "Zurück zur Anwendung", "API-Dokumentation · Verbund"),
        ("en", "Back to the application", "API documentation · Verbund"),
    ],
)
def test_docs_page_links_back_to_the_app(language: str, label: str, title: str) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<title>{title}</title>" in html
    assert f'<a class="docs-back" href="{reverse("home")}">{label}</a>' in html
    # Swagger UI's words are English in either language.
    assert '<div id="swagger-ui" lang="en"></div>' in html
    # No inline script or style (CSP); the accessibility plugin loads before the init script.
    assert "<script>" not in html and "<style" not in html
    assert html.index("verbund/js/swagger_a11y.js") < html.index(f"{DOCS}?script=")


def test_swagger_ui_settings_for_accessibility(client: Any) -> None:
    """Deep links put a link inside each operation's toggle button (axe "nested-interactive");
    agate, Swagger UI's default highlighting theme, shows JSON numbers at 3.45:1."""
    script = client.get(f"{DOCS}?script=").content.decode()
    swagger_settings = json.loads(script.split("const swaggerSettings = ", 1)[1].split(";", 1)[0])
    assert swagger_settings["deepLinking"] is False
    assert swagger_settings["syntaxHighlight"]["theme"] == "tomorrow-night"
