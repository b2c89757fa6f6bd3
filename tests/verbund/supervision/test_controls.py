"""Mandatory controls: plans with cycles of at most 18 months, controls, due flags (R-J4, R-J7)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency, Officer
from audit.models import AuditEvent, ControlPlan, MandatoryControl, PurgedPeriod
from audit.selectors import plan_next_due, unchecked_purged_periods
from verbund.console.tasks import flag_due_controls
from verbund.services.date_rules import add_months

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision/control-plans/"


def plan_body(**overrides: Any) -> dict[str, Any]:
    data = {"agency": "LKA-BW", "file": "ATD", "cycle_months": 12}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_r_j4_competent_supervisor_plans_controls_and_it_is_logged(api: Any) -> None:
    response = api("lfd-bw.supervisor").post(URL, plan_body(), format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    today = timezone.localdate()
    assert plan["next_due"] == add_months(today, 12).isoformat()
    assert plan["state"] == "planned"
    event = AuditEvent.objects.get(action="supervision.control_plan")
    assert event.details == {
        "agency": "LKA-BW",
        "cycle_months": 12,
        "starts_on": today.isoformat(),
    }
    assert api("lfd-bw.supervisor").get(URL).json()["count"] == 1
    assert api("lfd-by.supervisor").get(URL).json()["count"] == 0
    again = api("lfd-bw.supervisor").post(URL, plan_body(), format="json")
    assert again.status_code == 409 and again.json()["code"] == "plan_exists"


def test_r_j7_a_cycle_over_18_months_is_400_naming_cycle_months(api: Any) -> None:
    response = api("lfd-bw.supervisor").post(URL, plan_body(cycle_months=19), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "cycle_too_long"
    assert "cycle_months" in response.json()["fields"]
    ok = api("lfd-bw.supervisor").post(URL, plan_body(cycle_months=18), format="json")
    assert ok.status_code == 201
    assert ControlPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"cycle_months": None}, "cycle_months", "required"),
        ({"cycle_months": 0}, "cycle_months", "invalid"),
        ({"cycle_months": "12"}, "cycle_months", "invalid"),
        ({"cycle_months": True}, "cycle_months", "invalid"),
        ({"file": None}, "file", "required"),
        ({"file": "XYZ"}, "file", "invalid_choice"),
        ({"agency": None}, "agency", "required"),
        ({"starts_on": "1.1.2026"}, "starts_on", "invalid_date"),
        ({"color": "red"}, "color", "unknown_field"),
        ({"starts_on": "9999-12-01"}, "starts_on", "invalid_date"),
        ({"file": "ATD\x00"}, "file", "invalid_characters"),
        ({"cycle_months": 10**30}, "cycle_months", "cycle_too_long"),
    ],
)
def test_r_j4_bad_control_plan_is_400_naming_the_field(
    api: Any, overrides: dict[str, Any], field: str, code: str
) -> None:
    response = api("lfd-bw.supervisor").post(URL, plan_body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not ControlPlan.objects.exists()


def test_r_j4_a_supervisor_not_competent_cannot_plan(api: Any) -> None:
    response = api("lfd-by.supervisor").post(URL, plan_body(), format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_competent"


def test_r_j7_a_recorded_control_moves_the_next_due_date(api: Any) -> None:
    start = timezone.localdate() - datetime.timedelta(days=400)
    plan = (
        api("lfd-bw.supervisor")
        .post(URL, plan_body(starts_on=start.isoformat()), format="json")
        .json()
    )
    assert plan["state"] == "overdue"
    controls = f"{URL}{plan['id']}/controls/"
    period_to = timezone.localdate() - datetime.timedelta(days=5)
    control = {
        "period_from": start.isoformat(),
        "period_to": period_to.isoformat(),
        "done_on": timezone.localdate().isoformat(),
        "findings": "Keine Beanstandungen; zwei Abrufe ohne Zweckangabe geklärt.",
        "measures": "Hinweis an die Behördenleitung.",
    }
    response = api("lfd-bw.supervisor").post(controls, control, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["findings"].startswith("Keine Beanstandungen")
    listed = api("lfd-bw.supervisor").get(URL).json()["results"][0]
    assert listed["next_due"] == add_months(period_to, 12).isoformat()
    assert listed["state"] == "planned"
    assert api("lfd-bw.supervisor").get(controls).json()["count"] == 1
    assert AuditEvent.objects.filter(action="supervision.control_record").count() == 1
    # Another supervisor does not reach the plan.
    assert api("lfd-by.supervisor").get(controls).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"findings": None}, "findings", "required"),
        ({"period_to": "2020-01-01"}, "period_to", "period_not_ordered"),
        ({"done_on": "2999-01-01"}, "done_on", "invalid_date"),
        ({"done_on": None}, "done_on", "required"),
        ({"period_to": "9999-12-31"}, "done_on", "invalid_date"),
    ],
)
def test_r_j7_bad_control_is_400_and_stores_nothing(
    api: Any, overrides: dict[str, Any], field: str, code: str
) -> None:
    plan = api("lfd-bw.supervisor").post(URL, plan_body(), format="json").json()
    control = {
        "period_from": "2026-01-01",
        "period_to": "2026-06-30",
        "done_on": timezone.localdate().isoformat(),
        "findings": "Keine Beanstandungen.",
    }
    control.update(overrides)
    control = {k: v for k, v in control.items() if v is not None}
    response = api("lfd-bw.supervisor").post(f"{URL}{plan['id']}/controls/", control, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and field in response.json()["fields"]
    assert not MandatoryControl.objects.exists()


def test_r_j7_beat_flags_due_controls_once(reference: Any) -> None:
    today = timezone.localdate()
    plan = ControlPlan.objects.create(
        agency=Agency.objects.get(code="LKA-BW"),
        file="ATD",
        cycle_months=6,
        starts_on=add_months(today, -7),
    )
    ControlPlan.objects.create(
        agency=Agency.objects.get(code="LKA-BY"), file="ATD", cycle_months=18, starts_on=today
    )
    assert plan_next_due(plan) < today
    assert flag_due_controls() == 1
    assert flag_due_controls() == 0
    event = AuditEvent.objects.get(action="supervision.control_due")
    assert event.details["agency"] == "LKA-BW" and event.details["state"] == "overdue"


def test_r_j7_purged_period_without_control_is_shown_to_the_competent_supervisor(
    reference: Any,
) -> None:
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    PurgedPeriod.objects.create(
        period_from=start,
        period_to=datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC),
        first_seq=1,
        last_seq=10,
        count=10,
        head_hash="0" * 64,
        first_prev_hash="0" * 64,
        purged_at=timezone.now(),
    )
    bw = Officer.objects.get(username="lfd-bw.supervisor")
    found = unchecked_purged_periods(bw)
    assert {"agency": "LKA-BW", "from": "2024-01-01", "to": "2024-01-31"} in found
    assert all(row["agency"] in {"LKA-BW", "LFV-BW"} for row in found)
    MandatoryControl.objects.create(
        agency=Agency.objects.get(code="LKA-BW"),
        period_from=datetime.date(2023, 12, 1),
        period_to=datetime.date(2024, 1, 31),
        done_on=datetime.date(2024, 2, 15),
    )
    assert not [r for r in unchecked_purged_periods(bw) if r["agency"] == "LKA-BW"]


def test_r_j7_a_malformed_plan_id_is_404(api: Any) -> None:
    for bad in ("abc", "9" * 30):
        assert api("lfd-bw.supervisor").get(f"{URL}{bad}/controls/").status_code == 404
