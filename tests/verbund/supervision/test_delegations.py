"""Delegation of control powers with scope and expiry, logged (R-J2)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from agencies.models import Delegation
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision/delegations/"


def body(**overrides: Any) -> dict[str, Any]:
    data = {
        "agency": "LKA-BY",
        "to_jurisdiction": "BW",
        "scope": ["log", "records"],
        "valid_until": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "reasons": "Gemeinsame Kontrolle eines länderübergreifenden Verfahrens",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_r_j2_competent_supervisor_delegates_and_it_is_logged(api: Any) -> None:
    response = api("lfd-by.supervisor").post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["scope"] == ["log", "records"]
    assert created["from_jurisdiction"] == "BY" and created["active"] is True
    event = AuditEvent.objects.get(action="supervision.delegation_create")
    assert event.officer_username == "lfd-by.supervisor"
    assert event.details["agency"] == "LKA-BY" and event.details["to"] == "BW"
    # Both sides list it.
    assert api("lfd-bw.supervisor").get(URL).json()["count"] == 1
    assert api("lfd-he.supervisor").get(URL).json()["count"] == 0
    # The entry belongs to the agency concerned: the supervisors competent for it find it
    # in the log (both sides of the delegation), nobody else does.
    query = "/api/v1/audit/events/?action=supervision.delegation_create"
    for user in ("lfd-by.supervisor", "lfd-bw.supervisor"):
        assert api(user).get(query).json()["count"] == 1, user
    assert api("lfd-he.supervisor").get(query).json()["count"] == 0


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"scope": None}, "scope", "required"),
        ({"scope": []}, "scope", "required"),
        ({"scope": ["everything"]}, "scope", "invalid_choice"),
        ({"valid_until": None}, "valid_until", "required"),
        ({"valid_until": "2020-01-01"}, "valid_until", "invalid_period"),
        ({"valid_until": "morgen"}, "valid_until", "invalid_date"),
        ({"reasons": None}, "reasons", "required"),
        ({"to_jurisdiction": "BY"}, "to_jurisdiction", "same_jurisdiction"),
        ({"to_jurisdiction": "XX"}, "to_jurisdiction", "invalid_choice"),
        ({"agency": "NOPE"}, "agency", "invalid_choice"),
        ({"scope": "log"}, "scope", "invalid"),
        ({"extra": 1}, "extra", "unknown_field"),
        ({"agency": "LKA-BY\x00"}, "agency", "invalid_characters"),
        ({"valid_until": "2999-01-01"}, "valid_until", "too_long"),
        ({"valid_from": "2020-01-01"}, "valid_from", "invalid_period"),
    ],
)
def test_r_j2_bad_delegation_is_400_naming_the_field(
    api: Any, overrides: dict[str, Any], field: str, code: str
) -> None:
    response = api("lfd-by.supervisor").post(URL, body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not Delegation.objects.exists()
    assert not AuditEvent.objects.filter(action="supervision.delegation_create").exists()


def test_r_j2_a_supervisor_not_competent_for_the_agency_is_refused(api: Any) -> None:
    response = api("lfd-bw.supervisor").post(URL, body(to_jurisdiction="HE"), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_competent"
    assert api("bka.analyst").post(URL, body(), format="json").status_code == 403
    assert not Delegation.objects.exists()


def test_r_j2_a_delegate_cannot_pass_a_delegation_on(api: Any, delegate: Any) -> None:
    delegate()  # LKA-BY: BY -> BW
    response = api("lfd-bw.supervisor").post(URL, body(to_jurisdiction="HE"), format="json")
    assert response.status_code == 403


def test_r_j2_revocation_ends_the_delegation_at_once_and_is_logged(
    api: Any, make_record: Any
) -> None:
    make_record("lka-by.analyst")
    created = api("lfd-by.supervisor").post(URL, body(), format="json").json()
    events = "/api/v1/audit/events/?agency=LKA-BY"
    assert api("lfd-bw.supervisor").get(events).json()["count"] >= 1
    # The delegate cannot revoke; an outsider does not see it.
    revoke = f"{URL}{created['id']}/revoke/"
    assert api("lfd-bw.supervisor").post(revoke).status_code == 403
    assert api("lfd-he.supervisor").post(revoke).status_code == 404
    response = api("lfd-by.supervisor").post(revoke)
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert api("lfd-by.supervisor").post(revoke).status_code == 409
    assert api("lfd-bw.supervisor").get(events).json()["count"] == 0
    assert AuditEvent.objects.filter(action="supervision.delegation_revoke").count() == 1


def test_r_j2_after_expiry_the_delegate_gets_no_rows(api: Any, make_record: Any) -> None:
    make_record("lka-by.analyst")
    assert api("lfd-by.supervisor").post(URL, body(), format="json").status_code == 201
    events = "/api/v1/audit/events/?agency=LKA-BY"
    assert api("lfd-bw.supervisor").get(events).json()["count"] >= 1
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11), tick=False):
        assert api("lfd-bw.supervisor").get(events).json()["count"] == 0
        listed = api("lfd-bw.supervisor").get(URL).json()["results"]
        assert listed[0]["active"] is False


@pytest.mark.parametrize("bad", ["abc", "9" * 30, "-1", "\u0661\u0662"])
def test_r_j2_revoking_an_unknown_or_malformed_id_is_404(api: Any, bad: str) -> None:
    assert api("lfd-by.supervisor").post(f"{URL}{bad}/revoke/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/supervision/delegations/",
        "/api/v1/supervision/control-plans/",
        "/api/v1/supervision/control-plans/0/controls/",
        "/api/v1/supervision/delegations/1/revoke/",
    ],
)
def test_r_j2_options_on_the_supervision_endpoints_is_no_server_error(api: Any, path: str) -> None:
    assert api("bfdi.supervisor").options(path).status_code == 200
