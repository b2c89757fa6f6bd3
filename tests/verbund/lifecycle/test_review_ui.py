"""The owner's review form and the blocked-use form on the record page, in German (R-L3,
R-L4); review items in the inbox link there."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEvent
from tests.verbund.lifecycle.review_support import days, open_review, person
from verbund.models import Record
from verbund.models.lifecycle import ReviewCause
from verbund.services.records import record_block
from verbund.services.reviews import review_open

REQUIREMENT_ID = re.compile(r"R-[A-N][0-9]")
RAW = ("correction_notice", "withheld_reason", "high_ranking_interest", "review_due")


def _visible(html: str) -> str:
    """The page without form field names and addresses (which may carry codes)."""
    return re.sub(r'(name|value|id|for|href|action|class)="[^"]*"', "", html)


@pytest.fixture
def reviewed(make_record: Any) -> Record:
    record = person(make_record, "bka.analyst", "Seitenprüfung")
    review_open(record=record, cause=ReviewCause.CORRECTION_NOTICE, details={"notice": "x"})
    return record


def test_r_l4_ui_owner_page_shows_the_open_review_and_the_form(
    browser: Callable[..., Client], reviewed: Record
) -> None:
    html = browser("bka.analyst").get(f"/datensaetze/{reviewed.pk}/").content.decode()
    assert 'id="review"' in html
    assert "Hinweis auf Unrichtigkeit" in html  # the cause, in words
    assert f'action="/datensaetze/{reviewed.pk}/pruefung/"' in html
    for label in ("Weiter speichern", "Berichtigt", "Sperren statt löschen", "Löschen"):
        assert label in html, label
    assert "Nächste Prüffrist" in html and "Löschgrund" in html
    shown = _visible(html)
    for raw in RAW:
        assert raw not in shown, raw
    assert not REQUIREMENT_ID.search(shown)


def test_r_l4_ui_a_refused_decision_shows_the_errors_and_keeps_the_input(
    browser: Callable[..., Client], reviewed: Record
) -> None:
    client = browser("bka.analyst")
    reasons = "Erkenntnisse weiterhin erforderlich."
    response = client.post(
        f"/datensaetze/{reviewed.pk}/pruefung/",
        {"outcome": "keep", "reasons": reasons, "review_date": days(-2), "version": 1},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die neue Prüffrist liegt in der Vergangenheit." in html
    assert reasons in html  # input kept
    assert re.search(r'value="keep"[^>]*checked', html)
    assert open_review(reviewed) is not None
    # Blocking without a reason: the error stands at the reason input.
    response = client.post(
        f"/datensaetze/{reviewed.pk}/pruefung/",
        {"outcome": "blocked", "reasons": reasons, "version": 1},
    )
    assert response.status_code == 400
    assert "Grund der Sperrung angeben." in response.content.decode()
    assert Record.objects.get(pk=reviewed.pk).status == "active"


def test_r_l4_ui_owner_keeps_the_record_with_a_new_review_date(
    browser: Callable[..., Client], reviewed: Record
) -> None:
    client = browser("bka.analyst")
    response = client.post(
        f"/datensaetze/{reviewed.pk}/pruefung/",
        {
            "outcome": "keep",
            "reasons": "Erkenntnisse weiterhin erforderlich.",
            "review_date": days(100),
            "version": 1,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Die Prüfentscheidung ist dokumentiert." in response.content.decode()
    assert open_review(reviewed) is None
    assert Record.objects.get(pk=reviewed.pk).review_date.isoformat() == days(100)


def test_r_l2_ui_owner_deletes_through_the_review(
    browser: Callable[..., Client], reviewed: Record
) -> None:
    response = browser("bka.analyst").post(
        f"/datensaetze/{reviewed.pk}/pruefung/",
        {
            "outcome": "deleted",
            "reasons": "Nicht mehr erforderlich.",
            "ground": "not_necessary",
            "version": 1,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/datensaetze/"
    assert not Record.objects.filter(pk=reviewed.pk).exists()


def test_r_l4_ui_inbox_links_the_review_to_the_record_page(
    browser: Callable[..., Client], reviewed: Record
) -> None:
    html = browser("bka.analyst").get("/eingang/?kind=review_due").content.decode()
    assert f'href="/datensaetze/{reviewed.pk}/#review"' in html
    assert "Hinweis auf Unrichtigkeit" in html and "Datensatz prüfen" in html
    assert reviewed.file_number in html
    shown = _visible(html)
    assert not REQUIREMENT_ID.search(shown)
    assert "correction_notice" not in shown


def test_r_l4_ui_other_agencies_get_no_review_form(
    browser: Callable[..., Client], make_record: Any
) -> None:
    record = person(
        make_record, "lka-bw.analyst", "Stadion", file="GWS", case_group="", findings_basis=""
    )
    html = browser("lka-by.analyst").get(f"/datensaetze/{record.pk}/").content.decode()
    assert "/pruefung/" not in html
    response = browser("lka-by.analyst").post(
        f"/datensaetze/{record.pk}/pruefung/",
        {"outcome": "keep", "reasons": "x", "review_date": days(3)},
    )
    assert response.status_code == 403
    assert open_review(record) is None


def test_r_l3_ui_blocked_record_page_hides_the_data_and_offers_the_three_grounds(
    browser: Callable[..., Client], make_record: Any, officer: Any
) -> None:
    record = person(make_record, "bka.analyst", "Sperrseite")
    record_block(actor=officer("bka.analyst"), record_id=record.pk, reason="Schutzwürdig.")
    client = browser("bka.analyst")
    html = client.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Sperrseite" not in html
    assert "Gesperrte Daten verwenden" in html
    for label in (
        "Für den Zweck, für den die Löschung unterblieb",
        "Unerlässlich zum Schutz besonders hochrangiger Rechtsgüter",
        "Die betroffene Person hat eingewilligt",
    ):
        assert label in html, label
    assert f'action="/datensaetze/{record.pk}/gesperrte-daten/"' in html
    assert "/loeschen/" not in html  # deleted only through a review decision
    shown = _visible(html)
    for raw in RAW:
        assert raw not in shown, raw
    # Without a ground: 400, the error at the ground, the reasons kept.
    response = client.post(
        f"/datensaetze/{record.pk}/gesperrte-daten/", {"reasons": "Vorlage an das Gericht."}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vorlage an das Gericht." in page and "Sperrseite" not in page
    assert not AuditEvent.objects.filter(action="record.blocked_use").exists()
    # With a ground: the data for this use, logged.
    response = client.post(
        f"/datensaetze/{record.pk}/gesperrte-daten/",
        {"ground": "consent", "reasons": "Vorlage an das Gericht."},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sperrseite" in page and "Die betroffene Person hat eingewilligt" in page
    event = AuditEvent.objects.get(action="record.blocked_use")
    assert event.details["ground"] == "consent"
