"""Findings of the outside test of issue 16, each fixed and held here (R-L1-L5, R-L4a, R-M4).

A change cannot keep a deletion date beyond the cap for the record's new inputs; a past
deletion date is named as such; the cap counts whole calendar months; the legal ground of a
deletion is never empty, doubled or untrue; a review refuses the fields of another outcome;
the owner reads a justice decision's reasons and a complaint's text on the record page.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.conftest import person_payload
from tests.verbund.lifecycle.review_support import days, today
from tests.verbund.records.support import Stock, assert_error
from verbund.models import Record
from verbund.services.date_rules import add_months

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/records/"


def url(made: dict[str, Any], suffix: str = "") -> str:
    """The API address of a record made here, or of one of its actions."""
    return f"{RECORDS}{made['id']}/{suffix}"


def _create(api: Any, **fields: Any) -> dict[str, Any]:
    response = api("lka-bw.analyst").post(RECORDS, person_payload(**fields), format="json")
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_r_l4a_a_later_last_event_cannot_keep_a_date_beyond_the_cap(api: Any) -> None:
    made = _create(api, review_date=days(30), deletion_date=add_months(today(), 12).isoformat())
    stock = Stock()
    ten_years_ago = (today() - datetime.timedelta(days=3640)).isoformat()
    patch = {"extended": {"last_event_date": ten_years_ago}}
    response = api("lka-bw.analyst").patch(f"{RECORDS}{made['id']}/", patch, format="json")
    assert_error(response, 400, "deletion_date_too_late", "deletion_date")
    stock.assert_unchanged()
    # The same inputs on a create are refused the same way.
    response = api("lka-bw.analyst").post(
        RECORDS,
        person_payload(
            review_date=days(30),
            deletion_date=add_months(today(), 12).isoformat(),
            extended={"last_event_date": ten_years_ago},
        ),
        format="json",
    )
    assert_error(response, 400, "deletion_date_too_late", "deletion_date")


def test_r_l4a_a_birth_date_making_a_child_cannot_keep_an_adults_date(api: Any) -> None:
    made = _create(api, review_date=days(30), deletion_date=days(1460))
    born = (today() - datetime.timedelta(days=3650)).isoformat()
    patch = {"basic": {"date_of_birth": born}}
    response = api("lka-bw.analyst").patch(f"{RECORDS}{made['id']}/", patch, format="json")
    assert_error(response, 400, "deletion_date_too_late", "deletion_date")
    assert Record.objects.get(pk=made["id"]).basic["date_of_birth"] == "1985-03-14"


def test_r_l4a_a_past_deletion_date_is_named_as_such(api: Any) -> None:
    body = person_payload(review_date=days(30), deletion_date=days(-1))
    response = api("lka-bw.analyst").post(RECORDS, body, format="json")
    error = assert_error(response, 400, "deletion_date_past", "deletion_date")
    assert "review_date" not in error["fields"]


def test_r_l4a_the_cap_counts_whole_calendar_months(api: Any) -> None:
    start = timezone.localdate()
    cap = add_months(start, 120)
    ok = person_payload(review_date=days(30), deletion_date=cap.isoformat())
    assert api("lka-bw.analyst").post(RECORDS, ok, format="json").status_code == 201
    late = person_payload(
        review_date=days(30), deletion_date=(cap + datetime.timedelta(days=1)).isoformat()
    )
    response = api("lka-bw.analyst").post(RECORDS, late, format="json")
    assert_error(response, 400, "deletion_date_too_late", "deletion_date")
    assert add_months(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("query", "body", "code"),
    [
        ("?ground=", None, "invalid_choice"),
        ("?ground=unlawful", {"ground": "not_necessary"}, "conflicting_values"),
        ("?ground=deletion_date", None, "ground_not_applicable"),
        ("", {"ground": ""}, "invalid_choice"),
    ],
)
def test_r_l5_the_legal_ground_of_a_deletion_is_never_empty_doubled_or_untrue(
    api: Any, query: str, body: dict[str, Any] | None, code: str
) -> None:
    made = _create(api)
    stock = Stock()
    client = api("lka-bw.analyst")
    response = client.delete(f"{RECORDS}{made['id']}/{query}", body, format="json")
    assert_error(response, 400, code, "ground")
    stock.assert_unchanged()
    # The ground the owner gives once, and truly, is what the tombstone keeps.
    assert client.delete(f"{RECORDS}{made['id']}/?ground=unlawful").status_code == 204
    gone = AuditEvent.objects.get(action="record.delete", object_id=made["id"])
    assert gone.details["tombstone"]["ground"] == "unlawful"


def test_r_l4_a_review_refuses_the_fields_of_another_outcome(api: Any) -> None:
    made = _create(api)
    stock = Stock()
    body = {"outcome": "keep", "reasons": "Weiter erforderlich", "review_date": days(40)}
    response = api("lka-bw.analyst").post(
        url(made, "review/"), {**body, "ground": "unlawful"}, format="json"
    )
    assert_error(response, 400, "not_allowed", "ground")
    stock.assert_unchanged()
    response = api("lka-bw.analyst").post(url(made, "review/"), body, format="json")
    assert response.status_code == 200, response.json()


def test_r_m4_the_owner_reads_the_justice_decisions_reasons_and_the_complaint(
    api: Any, browser: Any
) -> None:
    made = _create(api)
    report = {
        "kind": "acquittal",
        "final": True,
        "reasons": "Tatbeteiligung nicht nachweisbar",
        "decided_on": days(-3),
    }
    response = api("lka-bw.analyst").post(url(made, "justice-decisions/"), report, format="json")
    assert response.status_code == 201, response.json()
    complaint = {"text": "Speicherung ohne hinreichende Tatsachen"}
    response = api("lfd-bw.supervisor").post(
        f"/api/v1/supervision/records/{made['id']}/complaints/", complaint, format="json"
    )
    assert response.status_code == 201, response.json()
    page = browser("lka-bw.analyst").get(f"/datensaetze/{made['id']}/").content.decode()
    assert "Tatbeteiligung nicht nachweisbar" in page
    assert "rechtskräftiger Freispruch" in page
    assert "Speicherung ohne hinreichende Tatsachen" in page
    inbox = browser("lka-bw.analyst").get("/eingang/").content.decode()
    assert "Tatbeteiligung nicht nachweisbar" in inbox


def test_r_l4a_date_rules_list_refuses_an_unknown_file(api: Any) -> None:
    response = api("bka.head").get("/api/v1/date-rules/?file=nonsense")
    assert_error(response, 400, "invalid_choice", "file")


def test_r_l3_blocking_without_reason_names_the_field_in_words(api: Any) -> None:
    made = _create(api)
    response = api("lka-bw.analyst").post(url(made, "block/"), {}, format="json")
    error = assert_error(response, 400, "required", "reason")
    assert error["fields"]["reason"] != ["required"]


def test_r_h2_the_answer_to_a_correction_notice_closes_the_review_it_opened(api: Any) -> None:
    from verbund.models import InboxItem

    shared = _create(api, storage="open")
    # Another agency that lawfully saw the record sends a notice: it opens a review whose
    # deadline is the notice's own (no second overdue duty for the same thing).
    record = Record.objects.get(pk=shared["id"])
    from agencies.models import Officer
    from verbund.services.records import correction_notice_create, correction_notice_decide

    notice = correction_notice_create(
        actor=Officer.objects.get(username="lka-bw.head"), record_id=record.pk, text="Falsch"
    )
    review = InboxItem.objects.get(record=record, kind="review_due", done_at__isnull=True)
    assert review.due_at is not None and review.due_at.date() >= record.review_date
    correction_notice_decide(
        actor=Officer.objects.get(username="lka-bw.analyst"),
        item_id=notice.pk,
        outcome="rejected",
        reasons="Angaben sind zutreffend",
    )
    review.refresh_from_db()
    assert review.done_at is not None and review.payload["outcome"] == "keep"
    assert AuditEvent.objects.filter(action="record.review_decide", object_id=str(record.pk))
