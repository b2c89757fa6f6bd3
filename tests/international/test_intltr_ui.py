"""The form „Übermittlung ins Ausland“ on the record and hit pages, the transfer's page with
its steps, and the owner's inbox item (R-F2, R-F3, R-C7, R-N1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.international.intltr_support import (  # noqa: F401 (fixtures)
    URL,
    abroad,
    bases_fixture,
    further_use_grant,
    partners_fixture,
)
from verbund.models import Transfer


@pytest.fixture
def own(make_record: Any) -> Any:
    return make_record(
        "bka.analyst",
        basic={"surname": "Seite", "given_names": "Susi", "date_of_birth": "1990-01-01"},
        extended={"phones": ["+49 611 999"]},
    )


def test_r_f3_ui_owner_records_transfer_abroad_head_approves_officer_records_sent(
    own: Any, browser: Any, partners: Any, bases: Any
) -> None:
    analyst = browser("bka.analyst")
    page = analyst.get(f"/datensaetze/{own.pk}/")
    assert "Übermittlung ins Ausland" in page.content.decode()
    url = f"/international/uebermittlung/datensatz/{own.pk}/"
    form = analyst.get(url)
    assert form.status_code == 200
    text = form.content.decode()
    for label in ("Ausländischer Partner", "Übermittlungsweg", "Rechtsgrundlage", "§ 3 BKAG"):
        assert label in text, label
    assert "US Department of Homeland Security" in text
    # Bases the BKA may not use are not offered.
    assert "§ 32 BPolG" not in text
    # A refusal is shown at its field, nothing stored.
    bad = analyst.post(
        url,
        {
            "partner": "t-interpol",
            "channel": "direct",
            "legal_basis": "t-bkag3",
            "items": ["basic"],
            "purpose": "Abgleich.",
        },
    )
    assert bad.status_code == 400 and Transfer.objects.count() == 0
    done = analyst.post(
        url,
        {
            "partner": "t-dhs",
            "channel": "interpol",
            "legal_basis": "t-bkag3",
            "items": ["basic", "phones"],
            "purpose": "Abgleich mit einem US-Verfahren.",
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    transfer = Transfer.objects.get()
    assert done["Location"] == f"/international/uebermittlung/{transfer.pk}/"
    detail = analyst.get(done["Location"]).content.decode()
    assert "Genehmigung der Leitung ausstehend" in detail
    assert 'value="approval"' not in detail  # the analyst is not the head
    head = browser("bka.head")
    assert 'value="approval"' in head.get(done["Location"]).content.decode()
    approved = head.post(
        done["Location"],
        {"action": "approval", "approval-decision": "yes", "approval-reasons": "Erforderlich."},
    )
    assert approved.status_code == 302
    assert 'value="sent"' in analyst.get(done["Location"]).content.decode()
    sent = analyst.post(
        done["Location"],
        {"action": "sent", "sent-channel": "interpol", "sent-reference": "IP-2026-17"},
    )
    assert sent.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "sent" and transfer.sent_reference == "IP-2026-17"
    listed = analyst.get("/uebermittlungen/").content.decode()
    assert "US Department of Homeland Security" in listed and "übermittelt" in listed


def test_r_f2_ui_owner_inbox_links_to_the_consent_decision(
    own: Any, api: Any, browser: Any, partners: Any, bases: Any
) -> None:
    further_use_grant(own, "lka-bw.analyst")
    tid = api("lka-bw.analyst").post(URL, abroad(own), format="json").json()["id"]
    inbox = browser("bka.analyst").get("/eingang/").content.decode()
    assert "Übermittlung ins Ausland: Zustimmung" in inbox
    assert f"/international/uebermittlung/{tid}/#consent" in inbox
    page = browser("bka.analyst").get(f"/international/uebermittlung/{tid}/").content.decode()
    assert 'value="consent"' in page
    decided = browser("bka.analyst").post(
        f"/international/uebermittlung/{tid}/",
        {"action": "consent", "consent-decision": "yes", "consent-reasons": "Einverstanden."},
    )
    assert decided.status_code == 302
    assert Transfer.objects.get(pk=tid).status == "approval_pending"
    # Another agency's officer: 404.
    assert browser("lka-by.analyst").get(f"/international/uebermittlung/{tid}/").status_code == 404


def test_r_n1_ui_hit_page_offers_transfer_abroad(
    own: Any, browser: Any, officer: Any, partners: Any, bases: Any
) -> None:
    from verbund.services.searches import search_run

    found = search_run(
        actor=officer("bka.analyst"),
        file="ATD",
        mode="name",
        purpose="ct_task",
        urgency="immediate",
        criteria={"surname": "Seite"},
    )
    hit = found.answer["hits"][0]["hit"]  # type: ignore[attr-defined]
    url = f"/international/uebermittlung/treffer/{hit}/"
    page = browser("bka.analyst").get(url)
    assert page.status_code == 200
    done = browser("bka.analyst").post(
        url,
        {
            "partner": "t-europol",
            "channel": "europol",
            "legal_basis": "t-bkag3",
            "items": ["basic"],
            "purpose": "Abgleich.",
        },
    )
    assert done.status_code == 302
    assert str(Transfer.objects.get().hit_id) == hit
    assert browser("lka-bw.analyst").get(url).status_code == 404
