"""Review and deletion dates, corrections and due times of records (R-L1, R-L4a, R-L6, R-H3)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.services.date_rules import add_months

TODAY = timezone.localdate()


def _years(day: datetime.date, years: int) -> datetime.date:
    return add_months(day, 12 * years)


def test_r_l4a_atd_record_keeps_the_owners_source_dates(api: Any) -> None:
    review = _years(TODAY, 1).isoformat()
    deletion = _years(TODAY, 3).isoformat()
    body = person_payload(review_date=review, deletion_date=deletion)
    record = api("bka.analyst").post("/api/v1/records/", body, format="json").json()
    assert (record["review_date"], record["deletion_date"]) == (review, deletion)


def test_r_l4a_atd_rule_supplies_missing_dates_from_the_last_event(api: Any) -> None:
    """R-L4a, R-A1: the ATD order sets no periods; the owner's configured rule does."""
    from agencies.models import Officer
    from verbund.services.date_rules import date_rule_create

    date_rule_create(
        actor=Officer.objects.get(username="bka.head"),
        file="ATD",
        provision="§ 77 BKAG",
        review_months={"adult": 60, "juvenile": 36, "child": 24},
        storage_months={"adult": 96, "juvenile": 60, "child": 24},
        valid_from=TODAY.isoformat(),
    )
    event = _years(TODAY, -2)
    body = person_payload(
        extended={"last_event_date": event.isoformat()}, review_date=None, deletion_date=None
    )
    record = api("bka.analyst").post("/api/v1/records/", body, format="json").json()
    # Adult: the rule's eight years of storage and five to review, from the last event.
    assert record["deletion_date"] == _years(event, 8).isoformat()
    assert record["review_date"] == _years(event, 5).isoformat()
    assert record["dates_source"] == "rule"
    assert record["dates_rule"]["provision"] == "§ 77 BKAG"


def test_r_l4a_atd_without_rule_is_listed_for_review_at_once(api: Any) -> None:
    """No rule for LKA-BW: review today, deletion at the cap, a review opened at once."""
    from verbund.models import InboxItem

    body = person_payload(review_date=None, deletion_date=None)
    record = api("lka-bw.analyst").post("/api/v1/records/", body, format="json").json()
    assert record["review_date"] == TODAY.isoformat()
    assert record["deletion_date"] == _years(TODAY, 10).isoformat()
    assert record["dates_source"] == "none"
    item = InboxItem.objects.get(record_id=record["id"], kind="review_due", done_at=None)
    assert [c["cause"] for c in item.payload["causes"]] == ["no_dates"]


def test_r_l4a_gws_default_periods_come_from_the_order(api: Any) -> None:
    adult = {"surname": "Becker", "given_names": "Sven", "date_of_birth": "1990-01-01"}
    minor_born = _years(TODAY, -16).isoformat()
    minor = {"surname": "Becker", "given_names": "Tim", "date_of_birth": minor_born}
    client = api("lka-bw.analyst")
    for basic, years in ((adult, 5), (minor, 2)):
        body = {"file": "GWS", "kind": "person", "basic": basic, "reference": {"file_number": "V1"}}
        record = client.post("/api/v1/records/", body, format="json").json()
        assert record["deletion_date"] == _years(TODAY, years).isoformat()


def test_r_l4a_deletion_date_beyond_the_maximum_is_refused(api: Any) -> None:
    stock = Stock()
    body = person_payload(deletion_date=_years(TODAY, 11).isoformat())
    response = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert_error(response, 400, "deletion_date_too_late", "deletion_date")
    late_review = person_payload(
        review_date=_years(TODAY, 4).isoformat(), deletion_date=_years(TODAY, 3).isoformat()
    )
    response = api("bka.analyst").post("/api/v1/records/", late_review, format="json")
    assert_error(response, 400, "review_after_deletion", "review_date")
    stock.assert_unchanged()


def test_r_l1_owner_corrects_inaccurate_data_with_a_logged_change(api: Any) -> None:
    client = api("lka-bw.analyst")
    record = client.post("/api/v1/records/", person_payload(), format="json").json()
    fixed = {**record["basic"], "date_of_birth": "1985-03-15"}
    response = client.patch(f"/api/v1/records/{record['id']}/", {"basic": fixed}, format="json")
    assert response.status_code == 200
    assert response.json()["basic"]["date_of_birth"] == "1985-03-15"
    assert response.json()["version"] == 2
    event = AuditEvent.objects.filter(action="record.update").latest("seq")
    assert event.details["before"]["basic"]["date_of_birth"] == "1985-03-14"
    assert event.details["after"]["basic"]["date_of_birth"] == "1985-03-15"


def test_r_l6_covert_contact_due_time_is_configurable(
    make_record: Any, api: Any, settings: Any
) -> None:
    from verbund.models import CovertHit
    from verbund.services.searches import covert_hits_deliver

    settings.VERBUND_COVERT_CONTACT_HOURS = 3
    make_record(
        "bfv.analyst",
        basic={"surname": "Fristtest"},
        storage="covert",
        storage_decision={"decided_by": "bfv.head", "reasons": "Quellenschutz"},
    )
    search = api("lka-bw.analyst").post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Fristtest"},
        },
        format="json",
    )
    covert_hits_deliver(search_id=search.json()["id"])
    due = CovertHit.objects.get().due_at - timezone.now()
    assert datetime.timedelta(hours=2, minutes=59) < due <= datetime.timedelta(hours=3)


def test_r_h3_querying_agency_and_officer_are_recorded_for_every_query(api: Any) -> None:
    response = api("lka-by.head").post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "identity_check",
            "urgency": "urgent",
            "criteria": {"surname": "Niemand"},
        },
        format="json",
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="search", object_id=response.json()["id"])
    assert event.agency is not None
    assert (event.agency.code, event.officer_username) == ("LKA-BY", "lka-by.head")
    assert (event.purpose, event.urgency) == ("identity_check", "urgent")
