"""The owner answers a correction notice in the inbox; the sender sees the outcome (R-H2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from audit.models import AuditEvent
from verbund.models import InboxItem, Record

pytestmark = pytest.mark.django_db

NOTICE = "Geburtsdatum laut Pass 1985-03-15."
RAW = ("corrected", "rejected", "decided_by", "decided_at", "correction_outcome", "R-H")


@pytest.fixture
def notice(browser: Callable[..., Client], make_record: Callable[..., Record]) -> InboxItem:
    """A notice from BKA about a GWS record of LKA-BW, sent through the record page."""
    record = make_record("lka-bw.analyst", file="GWS", case_group="")
    response = browser("bka.analyst").post(f"/datensaetze/{record.pk}/hinweis/", {"text": NOTICE})
    assert response.status_code == 302
    return InboxItem.objects.get(record=record, kind="correction_notice")


def _visible(html: str) -> str:
    """The page without form field names and addresses (which may carry codes)."""
    import re

    return re.sub(r'(name|value|id|for|href|action)="[^"]*"', "", html)


def test_r_h2_ui_inbox_offers_corrected_or_rejected_and_a_link_to_edit(
    browser: Callable[..., Client], notice: InboxItem
) -> None:
    html = browser("lka-bw.analyst").get("/eingang/").content.decode()
    assert "Hinweis auf Unrichtigkeit" in html
    assert f'action="/eingang/hinweise/{notice.pk}/entscheidung/"' in html
    assert "Berichtigt" in html and "Zurückgewiesen" in html
    assert f'name="{notice.pk}-reasons"' in html
    assert f'href="/datensaetze/{notice.record_id}/bearbeiten/"' in html
    assert "Datensatz bearbeiten" in html
    for raw in RAW:
        assert raw not in _visible(html), raw


def test_r_h2_ui_owner_corrects_and_the_sender_sees_the_outcome(
    browser: Callable[..., Client], notice: InboxItem
) -> None:
    owner = browser("lka-bw.analyst")
    response = owner.post(
        f"/eingang/hinweise/{notice.pk}/entscheidung/",
        {f"{notice.pk}-outcome": "corrected", f"{notice.pk}-reasons": "Geburtsdatum berichtigt."},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Die Entscheidung ist dokumentiert" in html
    notice.refresh_from_db()
    assert notice.done_at is not None and notice.payload["outcome"] == "corrected"
    # The decided notice shows its outcome as a label and offers no form any more.
    assert f'action="/eingang/hinweise/{notice.pk}/entscheidung/"' not in html
    assert "<dt>Ergebnis</dt><dd>Berichtigt</dd>" in html
    assert AuditEvent.objects.filter(action="record.correction_decide").exists()

    sender = browser("bka.analyst").get("/eingang/").content.decode()
    assert "Ergebnis eines Hinweises auf Unrichtigkeit" in sender
    assert "<dt>Ergebnis</dt><dd>Berichtigt</dd>" in sender
    assert "Geburtsdatum berichtigt." in sender and NOTICE in sender
    assert "LKA-BW" in sender and "lka-bw.analyst" in sender
    for raw in RAW:
        assert raw not in _visible(sender), raw
    # The outcome names the file number only: no link into the owner's record.
    assert f"/datensaetze/{notice.record_id}/" not in sender


def test_r_h2_ui_rejection_in_english(browser: Callable[..., Client], notice: InboxItem) -> None:
    owner = browser("lka-bw.analyst", "en")
    html = owner.get("/eingang/").content.decode()
    assert "Corrected" in html and "Rejected" in html and "Edit the record" in html
    owner.post(
        f"/eingang/hinweise/{notice.pk}/entscheidung/",
        {f"{notice.pk}-outcome": "rejected", f"{notice.pk}-reasons": "Pass geprüft."},
    )
    sender = browser("bka.analyst", "en").get("/eingang/").content.decode()
    assert "Outcome of a notice of inaccuracy" in sender
    assert "<dt>Outcome</dt><dd>Rejected</dd>" in sender and "Pass geprüft." in sender


def test_r_h2_ui_decision_without_reasons_records_nothing(
    browser: Callable[..., Client], notice: InboxItem
) -> None:
    response = browser("lka-bw.analyst").post(
        f"/eingang/hinweise/{notice.pk}/entscheidung/",
        {f"{notice.pk}-outcome": "rejected", f"{notice.pk}-reasons": "  "},
        follow=True,
    )
    assert "Zurückgewiesen" in response.content.decode()
    assert "geben Sie die Gründe an" in response.content.decode()
    notice.refresh_from_db()
    assert notice.done_at is None
    assert not InboxItem.objects.filter(kind="correction_outcome").exists()


def test_r_h1_ui_other_agency_cannot_decide(
    browser: Callable[..., Client], notice: InboxItem
) -> None:
    response = browser("bka.analyst").post(
        f"/eingang/hinweise/{notice.pk}/entscheidung/",
        {f"{notice.pk}-outcome": "rejected", f"{notice.pk}-reasons": "x"},
    )
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.done_at is None


def test_r_h2_ui_decision_address_opened_directly_is_405_with_a_way_back(
    browser: Callable[..., Client], notice: InboxItem
) -> None:
    response = browser("lka-bw.analyst").get(f"/eingang/hinweise/{notice.pk}/entscheidung/")
    assert response.status_code == 405
    assert "/eingang/?kind=correction_notice" in response.content.decode()
