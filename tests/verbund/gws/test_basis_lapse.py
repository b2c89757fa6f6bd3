"""The deletion duty of records stored without a legal basis and its lapse (R-L2, R-M5).

The daily sweep opens a review (cause ``no_legal_basis``) for GWS records while the file
rests on its order alone; once the ordinance is in force the cause lapses (not
retroactively: from its entry into force), a review left with no cause closes, one with
other causes stays open. The owner sees the cause in German; deleting on it uses the
deletion ground ``no_legal_basis``.
"""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from audit.models import AuditEvent
from tests.verbund.gws.support_basis import gws_record, noon, order_only, today
from verbund.models import InboxItem, Record
from verbund.services.deadlines import deadlines_enforce
from verbund.services.legal_bases import ordinance_register

CITATION = "Verordnung über die Gewalttäterdatei (Testfassung) nach § 7 Abs. 6 BKAG"
GERMAN = "Gespeichert ohne Rechtsgrundlage (Verordnung nach § 7 Abs. 6 BKAG fehlt)"


def open_review(record: Any) -> InboxItem | None:
    return InboxItem.objects.filter(record_id=record.pk, kind="review_due", done_at=None).first()


def without_basis(make_record: Any) -> Record:
    """A GWS record of LKA-BW, then the file back on its order alone and the sweep run."""
    record = gws_record(make_record)
    gws = order_only()
    summary = deadlines_enforce()
    assert summary.no_legal_basis == 1
    item = open_review(record)
    assert item is not None
    cause = item.payload["causes"][0]
    assert cause["cause"] == "no_legal_basis" and cause["details"]["reason"] == GERMAN
    assert gws.code == "GWS"
    return record


def test_r_m5_the_ordinance_in_force_lapses_the_deletion_duty_and_closes_the_review(
    make_record: Any,
) -> None:
    record = without_basis(make_record)
    item = open_review(record)
    assert item is not None
    day = today() + datetime.timedelta(days=5)
    from verbund.models import File

    ordinance_register(file=File.objects.get(code="GWS"), citation=CITATION, in_force_from=day)
    # Not retroactive: before the day of entry into force nothing lapses.
    summary = deadlines_enforce()
    assert summary.no_legal_basis_lapsed == 0
    assert open_review(record) is not None
    with time_machine.travel(noon(day), tick=False):
        summary = deadlines_enforce()
        assert summary.no_legal_basis_lapsed == 1 and summary.no_legal_basis == 0
        assert deadlines_enforce().no_legal_basis_lapsed == 0  # idempotent
    closed = InboxItem.objects.get(pk=item.pk)
    assert closed.done_at is not None
    assert closed.payload["causes"] == [] and closed.payload["closed"] == "causes_lapsed"
    (lapsed,) = closed.payload["lapsed"]
    assert lapsed["cause"] == "no_legal_basis" and lapsed["ground"] == "basis_in_force"
    assert lapsed["legal_basis"] == CITATION and lapsed["in_force_from"] == day.isoformat()
    event = AuditEvent.objects.filter(action="record.review_cause_lapsed").get()
    assert event.details["legal_basis"] == CITATION and event.details["closed"] is True
    assert event.details["ground"] == "basis_in_force"
    assert event.agency is not None and event.agency.code == "LKA-BW"
    # The lapse deletes nothing.
    assert Record.objects.filter(pk=record.pk, status="active").exists()


def test_r_m5_a_review_with_another_cause_stays_open_when_the_basis_cause_lapses(
    api: Any, make_record: Any
) -> None:
    record = without_basis(make_record)
    response = api("lka-bw.analyst").post(
        f"/api/v1/records/{record.pk}/justice-decisions/",
        {
            "kind": "discontinuation",
            "final": True,
            "reasons": "Tatnachweis nicht zu führen.",
            "decided_on": today().isoformat(),
            "provision": "§ 170 Abs. 2 StPO",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    from verbund.models import File

    ordinance_register(file=File.objects.get(code="GWS"), citation=CITATION, in_force_from=today())
    assert deadlines_enforce().no_legal_basis_lapsed == 1
    item = open_review(record)
    assert item is not None and "closed" not in item.payload
    assert [c["cause"] for c in item.payload["causes"]] == ["justice_decision"]
    assert [c["cause"] for c in item.payload["lapsed"]] == ["no_legal_basis"]
    event = AuditEvent.objects.filter(action="record.review_cause_lapsed").get()
    assert event.details["closed"] is False
    # The API shows the lapsed cause beside the open one.
    listed = api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/reviews/").json()
    assert listed[0]["payload"]["lapsed"][0]["ground"] == "basis_in_force"


def test_r_m5_owner_sees_the_cause_in_german_and_deletes_on_that_ground(
    api: Any, browser: Any, make_record: Any
) -> None:
    record = without_basis(make_record)
    page = browser("lka-bw.analyst").get(f"/datensaetze/{record.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert GERMAN in html
    assert "no_legal_basis" not in html.replace('value="no_legal_basis"', "")
    # The decision form offers the ground at hand.
    assert 'value="no_legal_basis" selected' in html
    # The API shows the cause with its reason in German.
    listed = api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/reviews/").json()
    assert listed[0]["payload"]["causes"][0]["details"]["reason"] == GERMAN
    # Deleting without naming a ground uses the ground of the review: no legal basis.
    response = api("lka-bw.analyst").post(
        f"/api/v1/records/{record.pk}/review/",
        {"outcome": "deleted", "reasons": "Keine Rechtsgrundlage für die Speicherung."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert not Record.objects.filter(pk=record.pk).exists()
    decision = AuditEvent.objects.filter(action="record.review_decide").latest("seq")
    assert decision.details["ground"] == "no_legal_basis"
    assert decision.details["causes"] == ["no_legal_basis"]


def test_r_m5_deleting_without_ground_is_still_refused_without_the_basis_cause(
    api: Any, make_record: Any
) -> None:
    record = gws_record(make_record)
    response = api("lka-bw.analyst").post(
        f"/api/v1/records/{record.pk}/review/",
        {"outcome": "deleted", "reasons": "Nicht mehr erforderlich."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"].keys() == {"ground"}
    assert Record.objects.filter(pk=record.pk).exists()


def test_r_m5_german_page_of_a_lapsed_cause(browser: Any, api: Any, make_record: Any) -> None:
    record = without_basis(make_record)
    api("lka-bw.analyst").post(
        f"/api/v1/records/{record.pk}/justice-decisions/",
        {
            "kind": "acquittal",
            "final": True,
            "reasons": "Freispruch mangels Beweises.",
            "decided_on": today().isoformat(),
        },
        format="json",
    )
    from verbund.models import File

    ordinance_register(file=File.objects.get(code="GWS"), citation=CITATION, in_force_from=today())
    deadlines_enforce()
    html = browser("lka-bw.analyst").get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Entfallene Anlässe" in html and f"Entfallen: {CITATION} in Kraft seit" in html
    assert GERMAN not in html
