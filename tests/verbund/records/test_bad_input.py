"""Bad input on the record endpoints: always 400/415 in the error shape, nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.models import Record

RECORDS = "/api/v1/records/"
DECISION = {"decided_by": "bka.head", "reasons": "Quellenschutz"}


@pytest.fixture
def bka(api: Any) -> Any:
    return api("bka.analyst")


def raw_post(client: Any, url: str, text: str, content_type: str = "application/json") -> Any:
    return client.generic("POST", url, text.encode("utf-8", "surrogatepass"), content_type)


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("basic.surname", person_payload(basic={"surname": "Al\x00Masri"})),
        ("basic.aliases[0]", person_payload(basic={"surname": "A", "aliases": ["Abu\x00"]})),
        ("findings_basis", person_payload(findings_basis="Vermerk\x00")),
        ("extended.free_text", person_payload(extended={"free_text": "a\x00b"})),
        ("reference.file_number", person_payload(reference={"file_number": "ST\x001"})),
        ("file", person_payload(file="AT\x00D")),
        (
            "storage_decision.decided_by",
            person_payload(
                storage="covert", storage_decision={"decided_by": "bka\x00head", "reasons": "x"}
            ),
        ),
        (
            "storage_decision.reasons",
            person_payload(
                storage="covert", storage_decision={"decided_by": "bka.head", "reasons": "x\x00"}
            ),
        ),
    ],
)
def test_nul_byte_in_a_string_is_rejected(bka: Any, path: str, payload: dict) -> None:
    stock = Stock()
    assert_error(bka.post(RECORDS, payload, format="json"), 400, "invalid_characters", path)
    stock.assert_unchanged()


def test_lone_surrogate_in_a_string_is_rejected(bka: Any) -> None:
    text = json.dumps(person_payload(findings_basis="@@")).replace("@@", "\\ud800")
    stock = Stock()
    assert_error(raw_post(bka, RECORDS, text), 400, "invalid_characters", "findings_basis")
    stock.assert_unchanged()


def test_nul_byte_on_the_other_record_endpoints_is_rejected(bka: Any, make_record: Any) -> None:
    record = make_record()
    url = f"{RECORDS}{record.pk}/"
    stock = Stock()
    assert_error(
        bka.patch(url, {"basic": {"surname": "X\x00"}}, format="json"),
        400,
        "invalid_characters",
        "basic.surname",
    )
    assert_error(
        bka.post(f"{url}block/", {"reason": "a\x00"}, format="json"),
        400,
        "invalid_characters",
        "reason",
    )
    assert_error(
        bka.post(f"{url}correction-notices/", {"text": "a\x00"}, format="json"),
        400,
        "invalid_characters",
        "text",
    )
    assert_error(bka.delete(url, {"reason": "a\x00"}, format="json"), 400, "invalid_characters")
    assert_error(bka.delete(f"{url}?reason=a%00b"), 400, "invalid_characters", "reason")
    assert_error(bka.get(f"{RECORDS}?file=AT%00D"), 400, "invalid_characters", "file")
    stock.assert_unchanged()
    assert Record.objects.get(pk=record.pk).version == 1


@pytest.mark.parametrize(
    "payload",
    [
        person_payload(markings=[{"a": 1}]),
        person_payload(markings="art10"),
        person_payload(basic={"surname": "A", "sex": {"m": 1}}),
        person_payload(storage="restricted", storage_decision=DECISION, withheld=[["phones"]]),
        person_payload(extended={"contact_persons": [{"surname": "A", "sex": ["f"]}]}),
        person_payload(storage=["open"]),
        person_payload(kind={"person": True}),
        person_payload(basic=["Al-Masri"]),
        person_payload(extended="phones"),
        person_payload(reference="ST 1"),
        person_payload(review_date=20300101),
    ],
)
def test_values_of_the_wrong_json_type_are_rejected_with_400(bka: Any, payload: dict) -> None:
    stock = Stock()
    response = bka.post(RECORDS, payload, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "detail", "fields"}
    assert response.json()["fields"]
    stock.assert_unchanged()


@pytest.mark.parametrize("body", [[person_payload()], [], "ATD", 42, None])
def test_non_object_json_body_is_rejected(bka: Any, body: Any) -> None:
    stock = Stock()
    response = raw_post(bka, RECORDS, json.dumps(body))
    assert_error(response, 400, "invalid")
    stock.assert_unchanged()


def test_json_array_body_on_patch_block_and_notice_is_rejected(bka: Any, make_record: Any) -> None:
    record = make_record()
    url = f"{RECORDS}{record.pk}/"
    stock = Stock()
    for method, target in [
        ("PATCH", url),
        ("POST", f"{url}block/"),
        ("POST", f"{url}correction-notices/"),
    ]:
        response = bka.generic(method, target, b'[{"reason": "x"}]', "application/json")
        assert_error(response, 400, "invalid")
    stock.assert_unchanged()


def test_malformed_json_is_rejected(bka: Any) -> None:
    stock = Stock()
    assert_error(raw_post(bka, RECORDS, '{"file": "ATD",'), 400, "invalid_json")
    stock.assert_unchanged()


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_wrong_content_type_gets_415_in_the_error_shape(bka: Any, content_type: str) -> None:
    stock = Stock()
    response = raw_post(bka, RECORDS, json.dumps(person_payload()), content_type)
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 415, "unsupported_media_type")
    stock.assert_unchanged()


@pytest.mark.parametrize("field", ["colour", "owner", "id", "status", "version", "created_by"])
def test_unknown_top_level_field_is_rejected(bka: Any, field: str) -> None:
    stock = Stock()
    response = bka.post(RECORDS, person_payload(**{field: "x"}), format="json")
    assert_error(response, 400, "unknown_field", field)
    stock.assert_unchanged()


def test_unknown_top_level_field_on_patch_is_rejected(bka: Any, make_record: Any) -> None:
    record = make_record()
    stock = Stock()
    response = bka.patch(f"{RECORDS}{record.pk}/", {"owner": "BND"}, format="json")
    assert_error(response, 400, "unknown_field", "owner")
    stock.assert_unchanged()
    assert Record.objects.get(pk=record.pk).owner.code == "BKA"


@pytest.mark.parametrize(("field", "value"), [("file", "GWS"), ("kind", "phone")])
def test_patch_cannot_move_a_record_to_another_file_or_kind(
    bka: Any, make_record: Any, field: str, value: str
) -> None:
    record = make_record()
    stock = Stock()
    response = bka.patch(f"{RECORDS}{record.pk}/", {field: value}, format="json")
    assert_error(response, 400, "immutable", field)
    stock.assert_unchanged()


def test_unknown_file_is_refused(bka: Any) -> None:
    stock = Stock()
    assert_error(bka.post(RECORDS, person_payload(file="XYZ"), format="json"), 404, "unknown_file")
    assert_error(bka.post(RECORDS, person_payload(file=None), format="json"), 400, "required")
    stock.assert_unchanged()


def test_one_answer_names_every_bad_field(bka: Any) -> None:
    payload = person_payload(
        case_group="advocating",
        basic={"surname": "A", "sex": "male"},
        extended={"free_text": "x" * 2001},
        reference={"file_number": ""},
    )
    body = assert_error(bka.post(RECORDS, payload, format="json"), 400, "invalid_case_group")
    assert {"case_group", "basic.sex", "extended.free_text", "reference.file_number"} <= set(
        body["fields"]
    )


WEEK_AND_BASIC_DATES = ["1980-W01-1", "1980W011", "19800102", "1980-001", "1980-01-02T00:00"]


@pytest.mark.parametrize("value", WEEK_AND_BASIC_DATES)
def test_api_conventions_week_ordinal_and_basic_dates_are_400_invalid_date(
    bka: Any, make_record: Any, value: str
) -> None:
    """api.md: dates are YYYY-MM-DD; other ISO 8601 forms are refused, never converted."""
    stock = Stock()
    response = bka.post(
        RECORDS,
        person_payload(basic={"surname": "Datum", "date_of_birth": value}),
        format="json",
    )
    assert_error(response, 400, "invalid_date")
    assert "basic.date_of_birth" in response.json()["fields"]
    stock.assert_unchanged()
    record = make_record()
    patch = bka.patch(f"{RECORDS}{record.pk}/", {"review_date": value}, format="json")
    assert_error(patch, 400, "invalid_date")
    assert Record.objects.get(pk=record.pk).version == record.version
    search = bka.post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Datum", "date_of_birth": value},
        },
        format="json",
    )
    assert_error(search, 400, "invalid_date", "criteria.date_of_birth")
