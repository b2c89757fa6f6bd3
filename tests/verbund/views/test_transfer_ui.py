"""Recording a transfer in the browser; the recipient's inbox shows the markings (R-F3, R-C7,
R-C8)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from audit.models import AuditEvent
from tests.verbund.transfers.support import covert_decision, eilfall, grant
from verbund.models import InboxItem, Record, Transfer
from verbund.models.requests import RequestKind

pytestmark = pytest.mark.django_db

# Codes an officer must never read on these pages (they may sit in names and addresses).
RAW = ("art10", "other_law", "use_check_only", "own_initiative", "transfer_received", "R-")


def _visible(html: str) -> str:
    """The page without form field names and addresses (which may carry codes)."""
    return re.sub(r'(name|value|id|for|href|action)="[^"]*"', "", html)


def _assert_no_codes(html: str) -> None:
    shown = _visible(html)
    for raw in RAW:
        assert raw not in shown, raw


@pytest.fixture
def marked(make_record: Callable[..., Record]) -> Record:
    return make_record(
        "bka.analyst",
        markings=["other_law"],
        extended={"phones": ["+49 611 55501"], "profession": "Chemiker"},
    )


def test_r_f3_ui_record_page_links_to_the_transfer_form(
    browser: Callable[..., Client], marked: Record
) -> None:
    html = browser("bka.analyst").get(f"/datensaetze/{marked.pk}/").content.decode()
    assert f'href="/datensaetze/{marked.pk}/uebermittlung/"' in html
    assert "Übermittlung dokumentieren" in html
    assert 'href="/uebermittlungen/"' in html  # navigation


def test_r_c7_ui_form_shows_markings_as_labels_and_items_as_checkboxes(
    browser: Callable[..., Client], marked: Record
) -> None:
    response = browser("bka.analyst").get(f"/datensaetze/{marked.pk}/uebermittlung/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Empfangende Behörde" in html and "Landeskriminalamt Bayern" in html
    assert 'value="BKA"' not in html  # not to itself
    assert "Herangezogene Übermittlungsvorschrift" in html
    for label in ("Fundstelle", "Grunddaten", "Telekommunikationsanschlüsse", "Beruf"):
        assert label in html, label
    assert 'type="checkbox"' in html
    # The marking is shown by its German label and cannot be removed: no input for it.
    assert "Sie können nicht entfernt werden." in html
    assert 'name="markings"' not in html
    # No Art. 10 data: no task field.
    assert 'name="task"' not in html
    _assert_no_codes(html)


def test_r_f3_ui_transfer_recorded_and_listed_recipient_inbox_shows_markings(
    browser: Callable[..., Client], marked: Record
) -> None:
    response = browser("bka.analyst").post(
        f"/datensaetze/{marked.pk}/uebermittlung/",
        {
            "recipient": "LKA-BY",
            "provision": "§ 25 Abs. 1 BKAG",
            "purpose": "Abgleich im Ermittlungsverfahren.",
            "items": ["basic", "phones"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/uebermittlungen/"
    transfer = Transfer.objects.get()
    assert transfer.items == ["basic", "phones"] and transfer.markings == ["other_law"]

    sent = browser("bka.analyst").get("/uebermittlungen/").content.decode()
    assert marked.file_number in sent and "Landeskriminalamt Bayern" in sent
    assert "Eigeninitiative" in sent
    _assert_no_codes(sent)

    inbox = browser("lka-by.analyst").get("/eingang/").content.decode()
    assert "Übermittlung erhalten" in inbox
    assert "Bundeskriminalamt" in inbox and marked.file_number in inbox
    assert "Grunddaten" in inbox and "Telekommunikationsanschlüsse" in inbox
    assert "§ 25 Abs. 1 BKAG" in inbox
    assert "Diese Kennzeichnungen bleiben bei Ihrer Behörde" in inbox
    _assert_no_codes(inbox)
    received = browser("lka-by.analyst").get("/uebermittlungen/").content.decode()
    assert "Keine Übermittlungen gesendet." in received and marked.file_number in received
    assert AuditEvent.objects.filter(action="transfer.list", officer_username="lka-by.analyst")


def test_r_c7_ui_use_marking_of_a_grant_is_shown_and_travels(
    browser: Callable[..., Client], marked: Record
) -> None:
    grant(marked, "lka-bw.analyst", use_markings=["use_check_only"])
    grant(marked, "lka-bw.analyst", kind=RequestKind.FURTHER_USE)
    client = browser("lka-bw.analyst")
    html = client.get(f"/datensaetze/{marked.pk}/uebermittlung/").content.decode()
    assert "Nur zur Prüfung des Treffers" in html
    _assert_no_codes(html)
    response = client.post(
        f"/datensaetze/{marked.pk}/uebermittlung/",
        {
            "recipient": "LKA-BY",
            "provision": "Art. 40 PAG",
            "purpose": "Weitergabe zur Gefahrenabwehr.",
            "items": ["reference"],
        },
    )
    assert response.status_code == 302
    assert Transfer.objects.get().markings == ["other_law", "use_check_only", "use_further_use"]
    item = InboxItem.objects.get(kind="transfer_received")
    assert item.payload["markings"] == ["other_law", "use_check_only", "use_further_use"]


def test_r_c8_ui_task_is_asked_and_required_for_art10_data(
    browser: Callable[..., Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("bfv.analyst", markings=["art10"], **covert_decision("BFV"))
    client = browser("bfv.analyst")
    url = f"/datensaetze/{record.pk}/uebermittlung/"
    html = client.get(url).content.decode()
    assert 'name="task"' in html and "Telekommunikation" in html
    _assert_no_codes(html)
    data = {
        "recipient": "BKA",
        "provision": "§ 4 G 10",
        "purpose": "Abwehr einer Gefahr.",
        "items": ["reference"],
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert not Transfer.objects.exists()
    done = client.post(url, {**data, "task": "Abwehr eines terroristischen Anschlags"})
    assert done.status_code == 302
    assert Transfer.objects.get().task == "Abwehr eines terroristischen Anschlags"


def test_r_f3_ui_other_agency_gets_404_and_english_works(
    browser: Callable[..., Client], marked: Record
) -> None:
    url = f"/datensaetze/{marked.pk}/uebermittlung/"
    assert browser("lka-sn.analyst").get(url).status_code == 404
    html = browser("bka.analyst", "en").get(url).content.decode()
    assert "Record a transfer" in html and "Marking required by other law" in html


def test_r_g3_ui_eilfall_holder_waits_for_consent(
    browser: Callable[..., Client], marked: Record
) -> None:
    eilfall(marked, "lka-bw.analyst")
    client = browser("lka-bw.analyst")
    url = f"/datensaetze/{marked.pk}/uebermittlung/"
    html = client.get(f"/datensaetze/{marked.pk}/").content.decode()
    assert f'href="{url}"' in html
    response = client.post(
        url,
        {
            "recipient": "LKA-BY",
            "provision": "Art. 40 PAG",
            "purpose": "Weitergabe.",
            "items": ["reference"],
        },
    )
    assert response.status_code == 409
    assert "Zustimmung der eingebenden Behörde" in response.content.decode()
    assert not Transfer.objects.exists()
