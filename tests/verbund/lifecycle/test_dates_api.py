"""The date-rule API: the head configures, the agency reads its own (R-L4a, R-A1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.verbund.records.support import Stock, assert_error
from verbund.models import DateRule

RULES = "/api/v1/date-rules/"


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "file": "ATD",
        "provision": "§ 77 BKAG (Aussonderungsprüffristen)",
        "review_months": {"adult": 60, "juvenile": 36, "child": 12},
        "storage_months": {"adult": 120, "juvenile": 60, "child": 24},
        "valid_from": timezone.localdate().isoformat(),
    }
    body.update(overrides)
    return body


def test_r_l4a_head_configures_a_rule_and_the_agency_reads_it(api: Any) -> None:
    response = api("bka.head").post(RULES, _body(), format="json")
    assert response.status_code == 201, response.json()
    rule = response.json()
    assert rule["provision"] == "§ 77 BKAG (Aussonderungsprüffristen)"
    assert rule["in_force"] is True and rule["created_by"] == "bka.head"
    assert AuditEvent.objects.filter(action="date_rule.create", object_id=rule["id"]).exists()
    listed = api("bka.analyst").get(RULES).json()
    assert [r["id"] for r in listed["results"]] == [rule["id"]]
    assert api("lka-bw.head").get(RULES).json()["results"] == []
    assert api("bka.analyst").get(RULES, {"file": "GWS"}).json()["results"] == []


def test_r_l4a_a_rule_from_an_analyst_is_refused(api: Any) -> None:
    stock = Stock()
    assert_error(
        api("bka.analyst").post(RULES, _body(), format="json"), 403, "decision_not_authorised"
    )
    stock.assert_unchanged()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        (
            {"storage_months": {"adult": 121, "juvenile": 60, "child": 24}},
            "period_too_long",
            "storage_months.adult",
        ),
        (
            {"review_months": {"adult": 60, "juvenile": 61, "child": 12}},
            "period_too_long",
            "review_months.juvenile",
        ),
        (
            {"review_months": {"adult": 60, "juvenile": 36, "child": 30}},
            "period_too_long",
            "review_months.child",
        ),
        (
            {"storage_months": {"adult": 50, "juvenile": 60, "child": 24}},
            "review_longer_than_storage",
            "review_months.adult",
        ),
        ({"file": "GWS"}, "rule_not_allowed", "file"),
        ({"valid_from": "2026-W01-1"}, "invalid_date", "valid_from"),
        ({"review_months": {"adult": 1.5, "juvenile": 3, "child": 1}}, "invalid", None),
        ({"in_force": True}, "unknown_field", "in_force"),
        ({"storage_months": {"adult": 96, "juvenile": 48}}, "required", "storage_months.child"),
    ],
)
def test_r_l4a_bad_rule_is_400_naming_the_field(
    api: Any, overrides: dict[str, Any], code: str, field: str | None
) -> None:
    stock = Stock()
    response = api("bka.head").post(RULES, _body(**overrides), format="json")
    assert_error(response, 400, code, field)
    assert not DateRule.objects.exists()
    stock.assert_unchanged()


def test_r_l4a_one_rule_per_day(api: Any) -> None:
    client = api("bka.head")
    assert client.post(RULES, _body(), format="json").status_code == 201
    stock = Stock()
    assert_error(client.post(RULES, _body(), format="json"), 400, "duplicate", "valid_from")
    stock.assert_unchanged()


def test_r_l4a_unknown_filter_parameter_is_refused(api: Any) -> None:
    assert_error(api("bka.head").get(RULES, {"agency": "LKA-BW"}), 400, "unknown_parameter")
