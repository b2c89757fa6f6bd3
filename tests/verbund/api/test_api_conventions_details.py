"""api.md Conventions: German details, precise codes, named fields, JSON errors everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.verbund.records.support import assert_error

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """The anonymous token throttle counts in the cache."""
    cache.clear()
    yield
    cache.clear()


def _raw(client: APIClient, url: str, body: bytes) -> Any:
    return client.post(url, body, content_type="application/json")


# ---------------------------------------------------------------- invalid_json in German


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"a": 1} x', "Weitere Daten nach dem Ende des JSON-Werts (Zeile 1, Spalte 10)."),
        (b'{\n  "a" 1\n}', "Doppelpunkt erwartet (Zeile 2, Spalte 7)."),
        (b'{"a": 1,}', "Feldname in doppelten Anführungszeichen erwartet (Zeile 1, Spalte 9)."),
        (b"[", "Wert erwartet (Zeile 1, Spalte 2)."),
    ],
)
def test_api_conventions_invalid_json_detail_is_german_with_line_and_column(
    api: Any, body: bytes, expected: str
) -> None:
    response = _raw(api("bka.analyst"), "/api/v1/records/", body)
    detail = assert_error(response, 400, "invalid_json")["detail"]
    assert detail == f"Ungültiges JSON. {expected}"


def test_api_conventions_undecodable_body_detail_is_german(api: Any) -> None:
    response = _raw(api("bka.analyst"), "/api/v1/records/", b'{"a": "\xff"}')
    detail = assert_error(response, 400, "invalid_json")["detail"]
    assert (
        detail
        == "Ungültiges JSON. Der Inhalt ist nicht als UTF-8 lesbar (ungültiges Byte an Position 8)."
    )
    assert "codec" not in detail and "decode" not in detail


def test_api_conventions_length_error_is_too_long_not_a_type_error(api: Any) -> None:
    response = api("lka-bw.analyst").post(
        "/api/v1/searches/",
        {"file": "ATD", "mode": "name", "criteria": {"surname": "x" * 2001}},
        format="json",
    )
    body = assert_error(response, 400, "too_long", "criteria.surname")
    assert "Datentyp" not in body["detail"]
    assert body["detail"] == "Zu lang: Höchstens 2000 Zeichen."


# ---------------------------------------------------------------- token endpoint


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        ({"username": 123, "password": "x"}, "invalid", {"username"}),
        ({"username": "bka.analyst", "password": None}, "required", {"password"}),
        ({"username": "bka.analyst"}, "required", {"password"}),
        ({"password": "x"}, "required", {"username"}),
        ({"username": ["a"], "password": 5}, "invalid", {"username", "password"}),
        ({"username": None, "password": False}, "required", {"username", "password"}),
        ([1, 2], "invalid", {"body"}),
    ],
)
def test_api_conventions_token_endpoint_names_the_field_and_tells_type_from_missing(
    reference: Any, body: Any, code: str, fields: set[str]
) -> None:
    response = APIClient().post(TOKEN, body, format="json")
    result = assert_error(response, 400, code)
    assert set(result["fields"]) == fields
    assert all(isinstance(m, str) and m for ms in result["fields"].values() for m in ms)


def test_api_conventions_token_endpoint_schema_names_required_and_invalid(
    reference: Any,
) -> None:
    schema = Client().get("/api/v1/schema/?format=json").json()
    post = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "invalid (not text" in post["responses"]["400"]["description"]
    assert "required (username or password missing" in post["responses"]["400"]["description"]


# ---------------------------------------------------------------- covert-hit decision


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"contact": "yes", "reasons": "Kontakt aufgenommen."}, "invalid"),
        ({"contact": 1, "reasons": "Kontakt aufgenommen."}, "invalid"),
        ({"reasons": "Kontakt aufgenommen."}, "required"),
        ({"contact": None, "reasons": "Kontakt aufgenommen."}, "required"),
    ],
)
def test_r_d3_covert_hit_decision_contact_wrong_type_is_invalid_missing_is_required(
    api: Any, reference: Any, body: dict[str, Any], code: str
) -> None:
    # The type and presence checks come before the covert hit is looked up.
    url = "/api/v1/covert-hits/00000000-0000-4000-8000-000000000000/decision/"
    response = api("bfv.head").post(url, body, format="json")
    result = assert_error(response, 400, code, "contact")
    assert result["fields"]["contact"][0] not in ("required", "invalid")


# ---------------------------------------------------------------- enumerated query parameters


@pytest.mark.parametrize(
    ("user", "url", "name"),
    [
        ("bka.analyst", "/api/v1/inbox/?kind=nope", "kind"),
        ("bka.analyst", "/api/v1/inbox/?open=maybe", "open"),
        (None, "/api/v1/catalogue/?lang=fr", "lang"),
        ("bka.analyst", "/api/v1/records/?file=NOPE", "file"),
        ("bfdi.supervisor", "/api/v1/audit/events/?agency=NOPE", "agency"),
    ],
)
def test_api_conventions_unknown_value_of_an_enumerated_query_parameter_is_invalid_choice(
    api: Any, user: str | None, url: str, name: str
) -> None:
    assert_error(api(user).get(url), 400, "invalid_choice", name)


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("bka.analyst", "/api/v1/inbox/?kind=correction_notice&open=1"),
        ("bka.analyst", "/api/v1/inbox/?open=false"),
        (None, "/api/v1/catalogue/?lang=en"),
        ("bka.analyst", "/api/v1/records/?file=ATD"),
        ("bfdi.supervisor", "/api/v1/audit/events/?agency=BKA"),
    ],
)
def test_api_conventions_known_values_of_enumerated_query_parameters_pass(
    api: Any, user: str | None, url: str
) -> None:
    assert api(user).get(url).status_code == 200


@pytest.mark.parametrize(
    ("user", "url", "name", "code"),
    [
        ("bka.analyst", "/api/v1/inbox/?kind=", "kind", "invalid"),
        ("bka.analyst", "/api/v1/records/?storage=", "storage", "invalid"),
        ("bfdi.supervisor", "/api/v1/audit/events/?since=", "since", "invalid"),
        (None, "/api/v1/catalogue/?lang=", "lang", "invalid_choice"),
        ("bka.analyst", "/api/v1/records/?page_size=201", "page_size", "invalid"),
        ("bka.analyst", "/api/v1/inbox/?page_size=0", "page_size", "invalid"),
        ("bka.analyst", "/api/v1/records/?page=x", "page", "invalid"),
        ("bka.analyst", "/api/v1/records/?stroage=covert", "stroage", "unknown_parameter"),
    ],
)
def test_api_conventions_empty_unknown_or_out_of_range_query_parameters_are_400(
    api: Any, user: str | None, url: str, name: str, code: str
) -> None:
    """An empty value, a typo or a page size over the maximum is never read as "no filter"."""
    assert_error(api(user).get(url), 400, code, name)


# ---------------------------------------------------------------- schema endpoint errors


@pytest.mark.parametrize(
    ("url", "accept", "status", "code"),
    [
        ("/api/v1/schema/?format=xml", "*/*", 404, "not_found"),
        ("/api/v1/schema/?format=api", "*/*", 404, "not_found"),
        ("/api/v1/schema/", "application/xml", 406, "not_acceptable"),
    ],
)
def test_api_conventions_schema_endpoint_errors_are_json_in_the_error_shape(
    reference: Any, url: str, accept: str, status: int, code: str
) -> None:
    response = Client().get(url, HTTP_ACCEPT=accept)
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, status, code)


def test_api_conventions_schema_endpoint_still_serves_yaml_and_json(reference: Any) -> None:
    yaml = Client().get("/api/v1/schema/")
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    as_json = Client().get("/api/v1/schema/?format=json")
    assert as_json.status_code == 200 and "paths" in as_json.json()


@pytest.mark.parametrize(
    "moment",
    [
        "2026-01-01T00:00:00+16:00",
        "2026-01-01T00:00:00-23:59",
        "2026-01-01T00:00:00+23:59",
        "2026-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_r_i4_audit_time_filters_take_every_iso_8601_time(api: Any, moment: str) -> None:
    """PostgreSQL's timestamptz takes offsets up to 15:59, ISO 8601 up to 23:59, and the
    calendar's ends shifted to UTC leave Python's range: no 500, the same instant in UTC."""
    client = api("bfdi.supervisor")
    for name in ("since", "until"):
        response = client.get("/api/v1/audit/events/", {name: moment})
        assert response.status_code == 200, response.content


def test_api_conventions_a_list_parameter_may_repeat_another_may_not(
    api: Any, make_record: Any
) -> None:
    """``ordering`` repeated reads as one list (some generated clients repeat it); a
    repeated single-value filter is 400 rather than silently taking the last value."""
    make_record(reference={"file_number": "B-2", "classification": "none"})
    make_record(reference={"file_number": "A-1", "classification": "none"})
    client = api("bka.analyst")
    repeated = client.get("/api/v1/records/?ordering=file_number&ordering=-created_at")
    joined = client.get("/api/v1/records/?ordering=file_number,-created_at")
    assert repeated.status_code == joined.status_code == 200
    numbers = [r["reference"]["file_number"] for r in repeated.json()["results"]]
    assert (
        numbers
        == sorted(numbers)
        == [r["reference"]["file_number"] for r in joined.json()["results"]]
    )
    assert_error(
        client.get("/api/v1/records/?storage=open&storage=covert"), 400, "invalid", "storage"
    )
