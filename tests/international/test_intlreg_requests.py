"""Foreign partners' requests: recorded by officers, own agency only (R-N1, R-E5)."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from international.models import Partner, PartnerRequest
from international.services.partners import partner_request_for_citation
from tests.international.intlreg_helpers import (
    FOREIGN,
    assert_served_shape,
    foreign_account,
    served_schema,
)
from verbund.errors import Invalid

URL = "/api/v1/partner-requests/"


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "partner": "us-ice",
        "received_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "topic": "antifa-ost",
        "reference": "HSI-2026-17",
        "subject": "Anfrage zu Personen im Umfeld einer Gruppierung.",
    }
    body.update(overrides)
    return body


def _made(api: Any, username: str = "bka.analyst", **overrides: Any) -> dict[str, Any]:
    response = api(username).post(URL, _body(**overrides), format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_r_n1_officer_records_partner_request(api: Any) -> None:
    client = api("bka.analyst")
    schema = served_schema(client)
    response = client.post(URL, _body(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert_served_shape(schema, URL, "post", 201, body)
    assert body["partner"] == "us-ice" and body["agency"] == "BKA"
    assert body["status"] == "open" and body["officer"] == "bka.analyst"
    assert body["topic"] == "antifa-ost"
    row = PartnerRequest.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(
        action="partner_request.create", object_id=str(row.pk)
    ).exists()
    listed = client.get(URL).json()
    assert_served_shape(schema, URL, "get", 200, listed)
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    detail = client.get(f"{URL}{body['id']}/").json()
    assert_served_shape(schema, URL + "{partner_request_id}/", "get", 200, detail)
    assert AuditEvent.objects.filter(action="partner_request.view").count() == 2


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"partner": "fbi"}, "unknown_partner", "partner"),
        ({"partner": ""}, "invalid", "partner"),
        ({"received_on": "2999-01-01"}, "invalid", "received_on"),
        ({"received_on": "gestern"}, "invalid", "received_on"),
        ({"received_on": 20260101}, "invalid", "received_on"),
        ({"topic": "Antifa Ost"}, "invalid", "topic"),
        ({"topic": ""}, "invalid", "topic"),
        ({"topic": "x" * 41}, "too_long", "topic"),
        ({"subject": ""}, "invalid", "subject"),
        ({"subject": None}, "invalid", "subject"),
        ({"extra": 1}, "unknown_field", "extra"),
    ],
)
def test_r_n1_invalid_partner_request_is_400_and_stores_nothing(
    api: Any, overrides: dict[str, Any], code: str, field: str
) -> None:
    client = api("bka.analyst")
    response = client.post(URL, _body(**overrides), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and field in body["fields"]
    assert_served_shape(served_schema(client), URL, "post", 400, body)
    assert not PartnerRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="partner_request.create").exists()


def test_r_n1_inactive_partner_is_unknown(api: Any) -> None:
    Partner.objects.filter(code="us-ice").update(active=False)
    response = api("bka.analyst").post(URL, _body(), format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_partner"


def test_r_n1_several_field_errors_reported_together(api: Any) -> None:
    response = api("bka.analyst").post(
        URL, _body(partner="nobody", topic="A B", received_on="2999-12-31"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"partner", "topic", "received_on"}


def test_r_n1_requests_are_the_own_agencys_only(api: Any) -> None:
    own = _made(api)
    other = _made(api, "lka-bw.analyst", partner="interpol", topic="terror")
    client = api("bka.head")
    assert [r["id"] for r in client.get(URL).json()["results"]] == [own["id"]]
    invented = client.get(f"{URL}{uuid.uuid4()}/")
    foreign = client.get(f"{URL}{other['id']}/")
    assert invented.status_code == foreign.status_code == 404
    assert invented.json() == foreign.json()
    assert client.get(f"{URL}not-a-uuid/").status_code == 404


def test_r_n1_request_filters(api: Any) -> None:
    _made(api, topic="antifa-ost")
    _made(api, partner="interpol", topic="terror")
    client = api("bka.analyst")
    assert client.get(f"{URL}?partner=interpol").json()["count"] == 1
    assert client.get(f"{URL}?topic=antifa-ost").json()["count"] == 1
    assert client.get(f"{URL}?status=open").json()["count"] == 2
    assert client.get(f"{URL}?status=answered").json()["count"] == 0
    bad = client.get(f"{URL}?partner=nobody")
    assert bad.status_code == 400 and "partner" in bad.json()["fields"]
    assert client.get(f"{URL}?agency=BKA").json()["code"] == "unknown_parameter"


def test_r_n1_partner_request_for_citation(api: Any, officer: Any) -> None:
    own = _made(api)
    other = _made(api, "lka-bw.analyst")
    found = partner_request_for_citation(officer("bka.head"), own["id"])
    assert str(found.pk) == own["id"]
    for pk in (other["id"], str(uuid.uuid4()), "nonsense", None):
        with pytest.raises(Invalid) as caught:
            partner_request_for_citation(officer("bka.analyst"), pk)
        assert caught.value.code == "unknown_partner_request"
        assert "partner_request" in caught.value.fields


# Every endpoint x (anonymous, another agency, analyst, head, supervisor, subject desk,
# IT operations, foreign account): the expected status.
MATRIX = [
    (None, 401, 401, 401),
    ("lka-bw.analyst", 201, 200, 404),
    ("bka.analyst", 201, 200, 200),
    ("bka.head", 201, 200, 200),
    ("bfdi.supervisor", 403, 403, 403),
    ("bka.auskunft", 403, 403, 403),
    ("bka.betrieb", 403, 403, 403),
    (FOREIGN, 403, 403, 403),
]


@pytest.mark.parametrize(("username", "post", "listing", "detail"), MATRIX)
def test_r_n1_partner_request_permission_matrix(
    api: Any, username: str | None, post: int, listing: int, detail: int
) -> None:
    if username == FOREIGN:
        foreign_account()
    existing = _made(api, "bka.analyst")
    client = api(username)
    created = client.post(URL, _body(), format="json")
    assert created.status_code == post, created.content
    assert client.get(URL).status_code == listing
    assert client.get(f"{URL}{existing['id']}/").status_code == detail
    if username == FOREIGN:
        assert created.json()["code"] == "foreign_access_refused"
    if post != 201:
        assert PartnerRequest.objects.count() == 1


def test_r_n1_partner_requests_page(browser: Any) -> None:
    client = browser("bka.analyst")
    page = client.get("/international/ersuchen/")
    assert page.status_code == 200 and "Ersuchen erfassen" in page.content.decode()
    refused = client.post(
        "/international/ersuchen/",
        {**_body(), "received_on": "2999-01-01", "partner": "us-ice"},
    )
    assert refused.status_code == 400
    assert "nicht in der Zukunft" in refused.content.decode()
    assert not PartnerRequest.objects.exists()
    done = client.post("/international/ersuchen/", _body())
    assert done.status_code == 302
    listed = client.get("/international/ersuchen/").content.decode()
    assert "HSI-2026-17" in listed and "Immigration and Customs Enforcement" in listed
    assert not re.search(r"R-[A-N][0-9]", listed)  # no requirement ids in the UI


@pytest.mark.parametrize("username", ["bfdi.supervisor", "bka.auskunft"])
def test_r_n1_partner_requests_page_refused(browser: Any, username: str) -> None:
    assert browser(username).get("/international/ersuchen/").status_code == 403
