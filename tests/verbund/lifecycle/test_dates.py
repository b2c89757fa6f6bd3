"""Review and deletion dates of records: owner, rule, order, caps (R-L4a, R-A1, R-H1)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from agencies.models import Officer
from audit.models import AuditEvent
from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.models import DateRule, EstablishmentOrder, File, InboxItem, Record
from verbund.services.date_rules import add_months, date_rule_create, gws_dates_recompute

RECORDS = "/api/v1/records/"
BKAG = "§ 77 BKAG (Aussonderungsprüffristen)"


def _today() -> datetime.date:
    return timezone.localdate()


def _rule(username: str = "bka.head", **overrides: Any) -> DateRule:
    fields: dict[str, Any] = {
        "file": "ATD",
        "provision": BKAG,
        "review_months": {"adult": 60, "juvenile": 36, "child": 12},
        "storage_months": {"adult": 96, "juvenile": 48, "child": 24},
        "valid_from": _today().isoformat(),
    }
    fields.update(overrides)
    return date_rule_create(actor=Officer.objects.get(username=username), **fields)


def _no_dates(**overrides: Any) -> dict[str, Any]:
    return person_payload(review_date=None, deletion_date=None, **overrides)


def _gws(basic: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "file": "GWS",
        "kind": "person",
        "basic": basic,
        "reference": {"file_number": "GWS-1"},
        **extra,
    }


# ---------------------------------------------------------------------------- ATD


def test_r_l4a_owner_dates_are_kept_as_the_owners(api: Any) -> None:
    _rule()
    body = person_payload()
    record = api("bka.analyst").post(RECORDS, body, format="json").json()
    assert (record["review_date"], record["deletion_date"]) == (
        body["review_date"],
        body["deletion_date"],
    )
    assert record["dates_source"] == "owner"
    assert record["dates_rule"] is None


def test_r_l4a_one_date_given_the_other_from_the_rule(api: Any) -> None:
    _rule()
    review = add_months(_today(), 6).isoformat()
    body = person_payload(review_date=review, deletion_date=None)
    record = api("bka.analyst").post(RECORDS, body, format="json").json()
    assert record["review_date"] == review
    assert record["deletion_date"] == add_months(_today(), 96).isoformat()
    assert record["dates_source"] == "rule"
    assert record["dates_rule"] == {"provision": BKAG, "valid_from": _today().isoformat()}


def test_r_l4a_rule_in_force_is_the_latest_valid_from_up_to_today(api: Any) -> None:
    _rule(valid_from="2020-01-01", provision="§ 1 alt")
    _rule(
        valid_from=_today().isoformat(), storage_months={"adult": 72, "juvenile": 48, "child": 24}
    )
    _rule(valid_from=add_months(_today(), 1).isoformat(), provision="§ 2 künftig")
    record = api("bka.analyst").post(RECORDS, _no_dates(), format="json").json()
    assert record["deletion_date"] == add_months(_today(), 72).isoformat()
    assert record["dates_rule"]["provision"] == BKAG


def test_r_l4a_age_group_is_the_one_at_the_last_event(api: Any) -> None:
    _rule()
    event = add_months(_today(), -36)
    born = add_months(event, -16 * 12).isoformat()  # 16 at the last event, 19 today
    body = _no_dates(
        basic={"surname": "Jung", "date_of_birth": born},
        extended={"last_event_date": event.isoformat()},
    )
    record = api("bka.analyst").post(RECORDS, body, format="json").json()
    assert record["review_date"] == add_months(event, 36).isoformat()
    assert record["deletion_date"] == add_months(event, 48).isoformat()


def test_r_l4a_without_rule_review_opens_in_the_create_transaction(make_record: Any) -> None:
    record = make_record("lka-bw.analyst", review_date=None, deletion_date=None)
    assert record.dates_source == "none" and record.dates_rule is None
    assert record.review_date == _today()
    assert record.deletion_date == add_months(_today(), 120)
    item = InboxItem.objects.get(record=record, kind="review_due", done_at__isnull=True)
    assert item.agency.code == "LKA-BW"
    assert item.payload["causes"][0]["cause"] == "no_dates"
    opened = AuditEvent.objects.get(action="record.review_open", object_id=str(record.pk))
    created = AuditEvent.objects.get(action="record.create", object_id=str(record.pk))
    assert opened.details["cause"] == "no_dates" and created.seq > opened.seq


def test_r_l4a_without_rule_deletion_date_is_capped_for_a_child(api: Any) -> None:
    born = add_months(_today(), -10 * 12).isoformat()
    body = _no_dates(basic={"surname": "Kind", "date_of_birth": born})
    record = api("lka-bw.analyst").post(RECORDS, body, format="json").json()
    assert record["deletion_date"] == add_months(_today(), 24).isoformat()


def test_r_l4a_patch_null_lets_the_rule_supply_the_date(api: Any, make_record: Any) -> None:
    _rule()
    record = make_record("bka.analyst")
    client = api("bka.analyst")
    response = client.patch(f"{RECORDS}{record.pk}/", {"deletion_date": None}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["deletion_date"] == add_months(_today(), 96).isoformat()
    assert response.json()["review_date"] == record.review_date.isoformat()
    assert response.json()["dates_source"] == "rule"


def test_r_l4a_rule_dates_follow_a_changed_last_event(api: Any) -> None:
    _rule()
    client = api("bka.analyst")
    record = client.post(RECORDS, _no_dates(), format="json").json()
    event = add_months(_today(), -12)
    extended = {"last_event_date": event.isoformat()}
    response = client.patch(f"{RECORDS}{record['id']}/", {"extended": extended}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["deletion_date"] == add_months(event, 96).isoformat()
    assert response.json()["review_date"] == add_months(event, 60).isoformat()


def test_r_l4a_owner_dates_stay_when_other_data_change(api: Any, make_record: Any) -> None:
    _rule()
    record = make_record("bka.analyst")
    extended = {"last_event_date": add_months(_today(), -12).isoformat()}
    response = api("bka.analyst").patch(
        f"{RECORDS}{record.pk}/", {"extended": extended}, format="json"
    )
    assert response.json()["deletion_date"] == record.deletion_date.isoformat()
    assert response.json()["dates_source"] == "owner"


@pytest.mark.parametrize(
    ("days", "code", "field"),
    [
        ((700, 300), "review_after_deletion", "review_date"),
        ((-2, -1), "deletion_date_past", "deletion_date"),
        ((-1, 300), "review_date_past", "review_date"),
        ((300, 3700), "deletion_date_too_late", "deletion_date"),
    ],
)
def test_r_l4a_bad_dates_are_refused_naming_the_field(
    api: Any, make_record: Any, days: tuple[int, int], code: str, field: str
) -> None:
    record = make_record("bka.analyst")
    review, deletion = (_today() + datetime.timedelta(days=d) for d in days)
    body = {"review_date": review.isoformat(), "deletion_date": deletion.isoformat()}
    stock = Stock()
    client = api("bka.analyst")
    assert_error(client.post(RECORDS, person_payload(**body), format="json"), 400, code, field)
    assert_error(client.patch(f"{RECORDS}{record.pk}/", body, format="json"), 400, code, field)
    stock.assert_unchanged()
    assert Record.objects.get(pk=record.pk).version == record.version


def test_r_l4a_a_stored_past_review_date_does_not_block_other_changes(
    api: Any, make_record: Any
) -> None:
    review = _today() + datetime.timedelta(days=10)
    record = make_record("bka.analyst", review_date=review.isoformat())
    with time_machine.travel(review + datetime.timedelta(days=5), tick=False):
        client = api("bka.analyst")
        response = client.patch(
            f"{RECORDS}{record.pk}/", {"findings_basis": "Neue Erkenntnisse"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["review_date"] == review.isoformat()
        late = {"review_date": (review + datetime.timedelta(days=1)).isoformat()}
        response = client.patch(f"{RECORDS}{record.pk}/", late, format="json")
        assert_error(response, 400, "review_date_past", "review_date")


def test_r_h1_only_the_owner_sets_dates(api: Any) -> None:
    owner = api("lka-bw.analyst")
    record = owner.post(
        RECORDS, _gws({"surname": "Becker", "date_of_birth": "1990-01-01"}), format="json"
    ).json()
    stock = Stock()
    late = {"review_date": add_months(_today(), 1).isoformat()}
    response = api("lka-by.analyst").patch(f"{RECORDS}{record['id']}/", late, format="json")
    assert_error(response, 403, "not_owner")
    stock.assert_unchanged()
    assert Record.objects.get(pk=record["id"]).review_date.isoformat() == record["review_date"]
    seen = api("lka-by.analyst").get(f"{RECORDS}{record['id']}/").json()
    assert "review_date" not in seen and "dates_source" not in seen and "dates_rule" not in seen


# ---------------------------------------------------------------------------- GWS


def _current_gws_order() -> EstablishmentOrder:
    from verbund.access.records import current_order

    order = current_order(File.objects.get(code="GWS"))
    assert order is not None
    return order


def test_r_l4a_gws_dates_come_from_the_order_in_force(api: Any) -> None:
    client = api("lka-bw.analyst")
    record = client.post(
        RECORDS, _gws({"surname": "Becker", "date_of_birth": "1990-01-01"}), format="json"
    ).json()
    assert record["dates_source"] == "order"
    stored = Record.objects.get(pk=record["id"])
    assert stored.dates_order == _current_gws_order()
    assert record["deletion_date"] == add_months(_today(), 60).isoformat()


def test_r_l4a_gws_owner_date_beyond_the_storage_duration_is_refused(api: Any) -> None:
    stock = Stock()
    body = _gws(
        {"surname": "Becker", "date_of_birth": "1990-01-01"},
        deletion_date=add_months(_today(), 61).isoformat(),
    )
    response = api("lka-bw.analyst").post(RECORDS, body, format="json")
    assert_error(response, 400, "deletion_date_too_late", "deletion_date")
    stock.assert_unchanged()
    body["deletion_date"] = add_months(_today(), 30).isoformat()
    record = api("lka-bw.analyst").post(RECORDS, body, format="json").json()
    assert record["deletion_date"] == body["deletion_date"]


def test_r_l4a_gws_dates_follow_a_changed_birth_date(api: Any) -> None:
    client = api("lka-bw.analyst")
    record = client.post(
        RECORDS, _gws({"surname": "Becker", "date_of_birth": "1990-01-01"}), format="json"
    ).json()
    minor = add_months(_today(), -16 * 12).isoformat()
    response = client.patch(
        f"{RECORDS}{record['id']}/", {"basic": {"date_of_birth": minor}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["deletion_date"] == add_months(_today(), 24).isoformat()
    assert response.json()["review_date"] == add_months(_today(), 24).isoformat()


def test_r_l4a_gws_new_order_version_recomputes_the_dates(api: Any) -> None:
    client = api("lka-bw.analyst")
    made = [
        client.post(
            RECORDS, _gws({"surname": f"Becker{i}", "date_of_birth": "1990-01-01"}), format="json"
        ).json()
        for i in range(3)
    ]
    owner_dates = _gws(
        {"surname": "Eigen", "date_of_birth": "1990-01-01"},
        review_date=add_months(_today(), 12).isoformat(),
        deletion_date=add_months(_today(), 48).isoformat(),
    )
    own = client.post(RECORDS, owner_dates, format="json").json()
    old = _current_gws_order()
    new = EstablishmentOrder.objects.create(
        file=old.file,
        version=old.version + 1,
        effective_from=_today(),
        purposes=old.purposes,
        urgencies=old.urgencies,
        participants=old.participants,
        review_months={"adult": 24, "juvenile": 12, "child": 12},
        storage_months={"adult": 36, "juvenile": 24, "child": 24},
    )
    for approval in old.approvals.all():
        new.approvals.create(body=approval.body, approved_on=_today())
    assert _current_gws_order() == new
    changed = gws_dates_recompute(new.file, new, batch=2)
    assert changed == 4
    for record in made:
        stored = Record.objects.get(pk=record["id"])
        assert stored.dates_order == new and stored.dates_source == "order"
        assert stored.deletion_date == add_months(_today(), 36)
        assert stored.review_date == add_months(_today(), 24)
    mine = Record.objects.get(pk=own["id"])
    # The owner's review date stays; its deletion date comes down to the new duration.
    assert mine.review_date == add_months(_today(), 12)
    assert mine.deletion_date == add_months(_today(), 36)
    logged = AuditEvent.objects.filter(action="record.dates_recompute")
    assert logged.count() == 4
    assert {e.agency.code if e.agency else "" for e in logged} == {"LKA-BW"}
    assert gws_dates_recompute(new.file, new) == 0


def test_r_l4a_gws_change_after_a_new_order_version_follows_it(api: Any) -> None:
    client = api("lka-bw.analyst")
    record = client.post(
        RECORDS, _gws({"surname": "Becker", "date_of_birth": "1990-01-01"}), format="json"
    ).json()
    old = _current_gws_order()
    new = EstablishmentOrder.objects.create(
        file=old.file,
        version=old.version + 1,
        effective_from=_today(),
        purposes=old.purposes,
        urgencies=old.urgencies,
        participants=old.participants,
        review_months={"adult": 12, "juvenile": 12, "child": 12},
        storage_months={"adult": 48, "juvenile": 24, "child": 24},
    )
    for approval in old.approvals.all():
        new.approvals.create(body=approval.body, approved_on=_today())
    response = client.patch(
        f"{RECORDS}{record['id']}/", {"basic": {"given_names": "Sven"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["deletion_date"] == add_months(_today(), 48).isoformat()
    assert response.json()["review_date"] == add_months(_today(), 12).isoformat()
    assert Record.objects.get(pk=record["id"]).dates_order == new
    assert gws_dates_recompute(new.file, new) == 0


# ---------------------------------------------------------------------------- rules


def test_r_a1_the_atd_order_sets_no_periods_an_agency_rule_does(make_record: Any) -> None:
    atd = File.objects.get(code="ATD")
    assert all(not o.storage_months for o in atd.orders.all())
    stock = Stock()
    with pytest.raises(Exception) as refused:
        _rule(file="GWS")
    assert getattr(refused.value, "code", "") == "rule_not_allowed"
    stock.assert_unchanged()
    rule = _rule()
    record = make_record("bka.analyst", review_date=None, deletion_date=None)
    assert record.dates_source == "rule" and record.dates_rule == rule


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        (
            {"storage_months": {"adult": 121, "juvenile": 48, "child": 24}},
            "period_too_long",
            "storage_months.adult",
        ),
        (
            {"storage_months": {"adult": 96, "juvenile": 61, "child": 24}},
            "period_too_long",
            "storage_months.juvenile",
        ),
        (
            {"storage_months": {"adult": 96, "juvenile": 48, "child": 25}},
            "period_too_long",
            "storage_months.child",
        ),
        (
            {"review_months": {"adult": 97, "juvenile": 36, "child": 12}},
            "review_longer_than_storage",
            "review_months.adult",
        ),
        ({"provision": "  "}, "required", "provision"),
        ({"valid_from": "01.01.2026"}, "invalid_date", "valid_from"),
        ({"review_months": {"adult": "5", "juvenile": 3, "child": 1}}, "invalid", None),
    ],
)
def test_r_l4a_a_rule_above_the_cap_or_malformed_is_refused(
    reference: Any, overrides: dict[str, Any], code: str, field: str | None
) -> None:
    from verbund.errors import Invalid

    stock = Stock()
    with pytest.raises(Invalid) as refused:
        _rule(**overrides)
    assert refused.value.code == code
    if field:
        assert field in refused.value.fields
    assert not DateRule.objects.exists()
    stock.assert_unchanged()


def test_r_l4a_only_the_agency_head_configures_a_rule(reference: Any) -> None:
    from verbund.errors import Forbidden

    with pytest.raises(Forbidden) as refused:
        _rule(username="bka.analyst")
    assert refused.value.code == "decision_not_authorised"
    rule = _rule()
    event = AuditEvent.objects.get(action="date_rule.create")
    assert event.object_id == str(rule.pk) and event.officer_username == "bka.head"
    assert event.details["storage_months"] == {"adult": 96, "juvenile": 48, "child": 24}
