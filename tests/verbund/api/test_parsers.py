"""Malformed bodies get a 4xx in the error shape, never a 5xx, and nothing is written.

api.md conventions: every error is ``{"code", "detail", "fields"}``; text with NUL bytes
or lone surrogates is 400. The parser (``verbund.api.parsers``) bounds nesting and
refuses undecodable JSON for every endpoint; the typed layer (``verbund.services.shapes``)
checks each field's JSON type before any rule runs.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from audit.models import AuditEvent
from tests.conftest import person_payload
from verbund.models import CatalogueVersion, InboxItem, Record, Search

DEEP = 50_000


class Counts:
    """Rows of data and of the log, to prove that a refused request wrote nothing."""

    MODELS = (Record, Search, InboxItem, AuditEvent, CatalogueVersion)

    def __init__(self) -> None:
        self.before = self.now()

    def now(self) -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in self.MODELS}

    def assert_unchanged(self) -> None:
        assert self.now() == self.before, "a refused request wrote a row"


def send(client: Any, method: str, url: str, text: str | bytes) -> Any:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return client.generic(method, url, raw, "application/json")


def error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert {"code", "detail", "fields"} <= set(body), body
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def bka(api: Any) -> Any:
    return api("bka.analyst")


@pytest.fixture
def endpoints(make_record: Any) -> list[tuple[str, str]]:
    """Every API endpoint that takes a body (one own record for the record endpoints)."""
    record = make_record()
    return [
        ("POST", "/api/v1/records/"),
        ("PATCH", f"/api/v1/records/{record.pk}/"),
        ("DELETE", f"/api/v1/records/{record.pk}/"),
        ("POST", f"/api/v1/records/{record.pk}/block/"),
        ("POST", f"/api/v1/records/{record.pk}/correction-notices/"),
        ("POST", "/api/v1/searches/"),
        ("POST", f"/api/v1/covert-hits/{uuid.uuid4()}/decision/"),
        ("POST", "/api/v1/catalogue/versions/"),
        ("POST", "/api/v1/auth/token/"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        '{"file": "ATD", "basic": ' + "[" * 25 + "]" * 25 + "}",
    ],
    ids=["array-50000", "object-50000", "record-25"],
)
def test_deeply_nested_json_is_400_invalid_json_on_every_endpoint(
    bka: Any, endpoints: list[tuple[str, str]], text: str
) -> None:
    counts = Counts()
    for method, url in endpoints:
        error(send(bka, method, url, text), 400, "invalid_json")
    counts.assert_unchanged()


@pytest.mark.parametrize(
    "text",
    ['{"a": NaN}', '{"a": Infinity}', '{"a": 1', "\xff\xfe", '{"a": "\\ud800"'],
)
def test_undecodable_json_is_400_invalid_json(
    bka: Any, endpoints: list[tuple[str, str]], text: str
) -> None:
    counts = Counts()
    for method, url in endpoints:
        error(send(bka, method, url, text), 400, "invalid_json")
    counts.assert_unchanged()


def test_nul_or_lone_surrogate_anywhere_is_400_naming_the_field(
    bka: Any, endpoints: list[tuple[str, str]]
) -> None:
    counts = Counts()
    for method, url in endpoints:
        for value in ("a\x00b", "\ud800"):
            text = json.dumps({"outer": {"list": ["ok", value]}})
            body = error(send(bka, method, url, text), 400, "invalid_characters")
            assert "outer.list[1]" in body["fields"]
    counts.assert_unchanged()


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_r_c1_surname_as_a_list_is_400_naming_the_field(
    bka: Any, make_record: Any, method: str
) -> None:
    record = make_record()
    counts = Counts()
    if method == "POST":
        response = bka.post(
            "/api/v1/records/", person_payload(basic={"surname": ["A", "B"]}), format="json"
        )
    else:
        response = bka.patch(
            f"/api/v1/records/{record.pk}/", {"basic": {"surname": ["A", "B"]}}, format="json"
        )
    body = error(response, 400, "invalid")
    assert "basic.surname" in body["fields"]
    counts.assert_unchanged()
    assert Record.objects.get(pk=record.pk).version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (
            "extended.contact_persons[0].surname",
            {"extended": {"contact_persons": [{"surname": 1}]}},
        ),
        ("basic.given_names", {"basic": {"surname": "A", "given_names": {"x": 1}}}),
        ("extended.phones[1]", {"extended": {"phones": ["+49 30 1", 49301]}}),
        ("extended.free_text", {"extended": {"free_text": ["a"]}}),
        ("reference.file_number", {"reference": {"file_number": 7}}),
        ("findings_basis", {"findings_basis": True}),
    ],
)
def test_r_c1_wrong_type_in_a_nested_field_is_named(
    bka: Any, field: str, value: dict[str, Any]
) -> None:
    counts = Counts()
    response = bka.post("/api/v1/records/", person_payload(**value), format="json")
    assert field in error(response, 400)["fields"]
    counts.assert_unchanged()


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_r_d4_storage_decision_as_text_is_400_naming_the_field(
    bka: Any, make_record: Any, method: str
) -> None:
    record = make_record(
        storage="covert", storage_decision={"decided_by": "bka.head", "reasons": "Quellenschutz"}
    )
    counts = Counts()
    if method == "POST":
        response = bka.post(
            "/api/v1/records/",
            person_payload(storage="covert", storage_decision="the head decided"),
            format="json",
        )
    else:
        response = bka.patch(
            f"/api/v1/records/{record.pk}/",
            {"storage_decision": "the head decided"},
            format="json",
        )
    assert "storage_decision" in error(response, 400)["fields"]
    counts.assert_unchanged()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"file": ["ATD"]}, "file"),
        ({"purpose": 1}, "purpose"),
        ({"mode": {"name": True}}, "mode"),
        ({"criteria": {"surname": ["A", "B"]}}, "criteria.surname"),
        ({"criteria": ["surname"]}, "criteria"),
        ({"criteria": {"surname": {"$regex": ".*"}}}, "criteria.surname"),
    ],
)
def test_r_e5_search_fields_of_the_wrong_type_are_400(
    bka: Any, body: dict[str, Any], field: str
) -> None:
    valid = {
        "file": "ATD",
        "mode": "name",
        "purpose": "ct_task",
        "urgency": "routine",
        "criteria": {"surname": "Al-Masri"},
    }
    counts = Counts()
    response = bka.post("/api/v1/searches/", {**valid, **body}, format="json")
    assert field in error(response, 400)["fields"]
    counts.assert_unchanged()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"field": "skills", "valid_from": "2030-01-01", "values": "explosives"}, "values"),
        (
            {"field": "skills", "valid_from": "2030-01-01", "values": [{"code": ["x"]}]},
            "values[0].code",
        ),
        (
            {"field": "skills", "valid_from": "2030-01-01", "values": [{"code": "x" * 61}]},
            "values[0].code",
        ),
        ({"field": ["skills"], "valid_from": "2030-01-01", "values": []}, "field"),
        ({"field": "skills", "valid_from": 20300101, "values": []}, "valid_from"),
        ([{"field": "skills"}], "body"),
    ],
)
def test_r_c4_catalogue_publication_of_the_wrong_type_is_400(
    api: Any, body: Any, field: str
) -> None:
    counts = Counts()
    response = api("bka.head").post("/api/v1/catalogue/versions/", body, format="json")
    assert field in error(response, 400)["fields"]
    counts.assert_unchanged()


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("block/", {"reason": ["Schutzwürdig"]}, "reason"),
        ("correction-notices/", {"text": {"a": 1}}, "text"),
    ],
)
def test_r_h2_block_and_notice_bodies_of_the_wrong_type_are_400(
    bka: Any, make_record: Any, suffix: str, body: dict[str, Any], field: str
) -> None:
    record = make_record()
    counts = Counts()
    response = bka.post(f"/api/v1/records/{record.pk}/{suffix}", body, format="json")
    assert field in error(response, 400)["fields"]
    counts.assert_unchanged()
    assert Record.objects.get(pk=record.pk).status == "active"


def test_r_d3_covert_hit_reasons_of_the_wrong_type_are_400(bka: Any) -> None:
    counts = Counts()
    response = bka.post(
        f"/api/v1/covert-hits/{uuid.uuid4()}/decision/",
        {"contact": True, "reasons": ["Quellenschutz"]},
        format="json",
    )
    assert "reasons" in error(response, 400, "invalid")["fields"]
    counts.assert_unchanged()


def test_body_over_the_upload_bound_is_413_in_the_error_shape(
    bka: Any, endpoints: list[tuple[str, str]], settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    text = json.dumps(person_payload(findings_basis="x" * 20_000))
    counts = Counts()
    for method, url in endpoints:
        error(send(bka, method, url, text), 413, "request_too_large")
    counts.assert_unchanged()


def test_unknown_charset_is_a_400_not_a_500(bka: Any) -> None:
    # Django ignores a charset it does not know; the empty object is then refused by rule.
    counts = Counts()
    response = bka.generic(
        "POST", "/api/v1/records/", b"{}", "application/json; charset=no-such-codec"
    )
    assert "file" in error(response, 400, "required")["fields"]
    counts.assert_unchanged()
