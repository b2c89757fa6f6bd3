"""The state police's page "Freigabe aus Landessystem" (R-M1), in German."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from verbund.models import Record, Release

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def test_r_m1_release_page_uploads_and_shows_the_report(browser: Any) -> None:
    client = browser("lka-bw.analyst")
    page = client.get("/freigabe/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Freigabe aus Landessystem" in html and "POLAS Baden-Württemberg" in html
    # The navigation offers the page to the agency that owns a state system.
    assert 'href="/freigabe/"' in html
    upload = SimpleUploadedFile(
        "polas-bw.csv", (EXAMPLES / "polas-bw.csv").read_bytes(), content_type="text/csv"
    )
    response = client.post("/freigabe/", {"delivery": upload, "format": ""}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    release = Release.objects.get()
    assert release.channel == "browser" and release.format == "csv"
    assert "9 Zeilen, 6 übernommen, 3 abgelehnt" in html
    for record in Record.objects.filter(source_system="POLAS-BW"):
        assert f'href="/datensaetze/{record.pk}/"' in html
    assert "ungültiges Datum" in html and "Pflichtangabe fehlt" in html
    assert "Familienname erforderlich." in html
    # Fields in words, never as paths (officers see labels, not codes).
    assert "Grunddaten › " in html and "Vorkommnisbericht › " in html
    assert "basic.surname" not in html and "incident.date" not in html
    listing = client.get("/freigabe/").content.decode()
    assert f'href="/freigabe/{release.pk}/"' in listing


def test_r_m1_release_page_shows_a_malformed_file_and_stores_nothing(browser: Any) -> None:
    client = browser("lka-bw.analyst")
    upload = SimpleUploadedFile("liste.csv", b"surname\nX\n", content_type="text/csv")
    response = client.post("/freigabe/", {"delivery": upload})
    assert response.status_code == 400
    assert "Pflichtspalten fehlen" in response.content.decode()
    assert not Release.objects.exists()


def test_r_m1_release_page_only_for_agencies_with_a_state_system(browser: Any) -> None:
    for username in ("lka-by.analyst", "bfv.analyst"):
        client = browser(username)
        assert client.get("/freigabe/").status_code == 403
        assert 'href="/freigabe/"' not in client.get("/").content.decode()


def test_r_m1_release_report_is_the_agencys_own(browser: Any, officer: Any) -> None:
    from verbund.services.releases import release_run

    release = release_run(
        system_code="POLAS-BW",
        payload=(EXAMPLES / "polas-bw.json").read_bytes(),
        fmt="json",
        actor=officer("lka-bw.analyst"),
        channel="api",
    )
    assert browser("lka-bw.head").get(f"/freigabe/{release.pk}/").status_code == 200
    assert browser("lka-by.analyst").get(f"/freigabe/{release.pk}/").status_code == 404
