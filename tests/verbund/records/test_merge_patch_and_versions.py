"""PATCH is a JSON Merge Patch; versions, ETag and If-Match; blocked records are frozen.

R-H1 (the owner keeps its data accurate: a partial change never loses data and one
officer's change never silently overwrites another's) and R-L3 (blocked data are frozen).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from audit.models import AuditEvent
from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.models import Record
from verbund.search.normalise import fold
from verbund.services.records import merge_patch

RECORDS = "/api/v1/records/"
EXTENDED = {
    "phones": ["+49 30 1234567"],
    "emails": ["old@example.org"],
    "free_text": "Benutzt regelmäßig zwei Mobiltelefone.",
    "profession": "Elektriker",
}
DECISION = {"decided_by": "bka.head", "reasons": "Quellenschutz (R-D4)."}


@pytest.fixture
def bka(api: Any) -> Any:
    return api("bka.analyst")


def _url(record: Any) -> str:
    return f"{RECORDS}{record.pk}/"


def _patch(client: Any, record: Any, body: Any, **environ: str) -> Any:
    return client.patch(_url(record), body, format="json", **environ)


def _version_conflict(response: Any, current: int) -> None:
    """Assert a 412 in the error shape that names the current version."""
    assert response.status_code == 412, response.content
    body = response.json()
    assert body["code"] == "version_conflict"
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["fields"] == {}
    assert body["current_version"] == current
    assert body["etag"] == f'"{current}"'
    assert response["ETag"] == f'"{current}"'


# ---------------------------------------------------------------- merge patch (RFC 7396)


def test_r_h1_patch_merges_nested_fields(bka: Any, make_record: Any) -> None:
    record = make_record(extended=EXTENDED)
    response = _patch(bka, record, {"extended": {"emails": ["x@example.org"]}})
    assert response.status_code == 200, response.content
    expected = {**EXTENDED, "emails": ["x@example.org"]}
    assert response.json()["extended"] == expected
    record.refresh_from_db()
    assert record.extended == expected
    assert record.basic["surname"] == "Al-Masri"

    # null removes a key; everything else stays.
    response = _patch(bka, record, {"extended": {"free_text": None}})
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    assert "free_text" not in record.extended
    assert record.extended["phones"] == EXTENDED["phones"]
    assert record.extended["emails"] == ["x@example.org"]
    assert record.version == 3


def test_r_h1_patch_merges_basic_and_reference_and_replaces_arrays(
    bka: Any, make_record: Any
) -> None:
    record = make_record(basic={"surname": "Al-Masri", "aliases": ["Abu A", "Abu B"]})
    old_number = record.file_number
    response = _patch(
        bka,
        record,
        {
            "basic": {"given_names": "Ahmed", "aliases": ["Abu C"]},
            "reference": {"classification": "VS-V"},
        },
    )
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    assert record.basic == {"surname": "Al-Masri", "given_names": "Ahmed", "aliases": ["Abu C"]}
    assert record.file_number == old_number and record.classification == "VS-V"
    # The name index follows the merged record: the old aliases are no longer keys.
    keys = set(record.name_keys.values_list("surname_key", flat=True))
    assert fold("Abu C") in keys and fold("Abu A") not in keys


def test_r_h1_patch_accepts_merge_patch_media_type(bka: Any, make_record: Any) -> None:
    record = make_record(extended=EXTENDED)
    response = bka.generic(
        "PATCH",
        _url(record),
        json.dumps({"extended": {"phones": None}}),
        "application/merge-patch+json",
    )
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    assert "phones" not in record.extended and record.extended["emails"] == EXTENDED["emails"]


def test_r_h1_merge_patch_follows_rfc_7396_examples() -> None:
    # RFC 7396, Appendix A (a selection).
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}
    target = {"a": {"b": "c"}}
    merge_patch(target, {"a": {"b": None}})
    assert target == {"a": {"b": "c"}}, "the target is not changed in place"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        # R-D4: a new storage mode needs a new decision (the open record has none).
        ({"storage": "covert"}, "storage_decision_required", "storage_decision"),
        # R-C8: Art. 10 data on a record that is not covert.
        ({"markings": ["art10"]}, "covert_required", "storage"),
        ({"basic": {"surname": None}}, "required", "basic.surname"),
        ({"reference": {"file_number": None}}, "required", "reference.file_number"),
        ({"extended": {"free_text": "x" * 2001}}, "free_text_too_long", "extended.free_text"),
    ],
)
def test_r_h1_merged_patch_is_validated_like_a_create(
    bka: Any, make_record: Any, body: dict[str, Any], code: str, field: str
) -> None:
    record = make_record(extended=EXTENDED)
    stock = Stock()
    assert_error(_patch(bka, record, body), 400, code, field)
    stock.assert_unchanged()
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.version == 1 and fresh.extended == record.extended


def test_r_d4_storage_change_drops_the_old_decision(bka: Any, make_record: Any) -> None:
    record = make_record(storage="covert", storage_decision=DECISION)
    stock = Stock()
    body = assert_error(
        _patch(bka, record, {"storage": "restricted"}), 400, "storage_decision_required"
    )
    assert "storage_decision" in body["fields"]
    stock.assert_unchanged()
    response = _patch(bka, record, {"storage": "restricted", "storage_decision": DECISION})
    assert response.status_code == 200, response.content
    assert Record.objects.get(pk=record.pk).storage == "restricted"


def test_r_c8_covert_record_keeps_its_decision_when_marked_art10(
    bka: Any, make_record: Any
) -> None:
    record = make_record(storage="covert", storage_decision=DECISION)
    response = _patch(bka, record, {"markings": ["art10"]})
    assert response.status_code == 200, response.content
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.markings == ["art10"] and fresh.storage_decided_by is not None


# ---------------------------------------------------------------- ETag and If-Match


def test_r_h1_record_answers_carry_the_version_as_etag(bka: Any) -> None:
    created = bka.post(RECORDS, person_payload(), format="json")
    assert created.status_code == 201 and created["ETag"] == '"1"'
    url = f"{RECORDS}{created.json()['id']}/"
    shown = bka.get(url)
    assert shown["ETag"] == '"1"' and shown.json()["version"] == 1
    changed = bka.patch(url, {"findings_basis": "Neue Erkenntnisse"}, format="json")
    assert changed.status_code == 200 and changed["ETag"] == '"2"'
    assert changed.json()["version"] == 2
    blocked = bka.post(f"{url}block/", {"reason": "Schutzwürdige Interessen"}, format="json")
    assert blocked.status_code == 200 and blocked["ETag"] == '"3"'
    assert bka.get(url)["ETag"] == '"3"'


def test_r_h1_patch_with_stale_if_match_gets_412_and_changes_nothing(
    bka: Any, make_record: Any
) -> None:
    record = make_record(extended=EXTENDED)
    first = _patch(bka, record, {"extended": {"profession": "Lehrer"}}, HTTP_IF_MATCH='"1"')
    assert first.status_code == 200 and first["ETag"] == '"2"'
    stock = Stock()
    stale = _patch(bka, record, {"extended": {"emails": ["y@example.org"]}}, HTTP_IF_MATCH='"1"')
    _version_conflict(stale, 2)
    stock.assert_unchanged()
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.version == 2 and fresh.extended["emails"] == EXTENDED["emails"]
    assert fresh.extended["profession"] == "Lehrer"
    # The current version, or no condition at all, applies.
    assert _patch(bka, record, {}, HTTP_IF_MATCH='"2"').status_code == 200
    assert _patch(bka, record, {}, HTTP_IF_MATCH="*").status_code == 200
    assert _patch(bka, record, {}).status_code == 200
    # Those patches changed nothing: no write, no new version (other editors' If-Match holds).
    assert Record.objects.get(pk=record.pk).version == 2


def test_r_h1_patch_that_changes_nothing_keeps_the_version_and_writes_nothing(
    bka: Any, make_record: Any
) -> None:
    record = make_record(extended=EXTENDED)
    held = {"extended": {"profession": record.extended.get("profession")}}
    for body in ({}, {"basic": {"surname": record.basic["surname"]}}, held):
        response = _patch(bka, record, body, HTTP_IF_MATCH='"1"')
        assert response.status_code == 200 and response["ETag"] == '"1"', body
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.version == 1 and fresh.updated_at == record.updated_at
    assert _patch(bka, record, {"extended": {"profession": "Koch"}}).json()["version"] == 2


@pytest.mark.parametrize("header", ['W/"1"', "1", '"abc"', '"0"', ""])
def test_r_h1_weak_or_malformed_if_match_never_matches(
    bka: Any, make_record: Any, header: str
) -> None:
    record = make_record()
    stock = Stock()
    _version_conflict(_patch(bka, record, {}, HTTP_IF_MATCH=header), 1)
    stock.assert_unchanged()


def test_r_h1_if_match_list_matches_any_named_version(bka: Any, make_record: Any) -> None:
    record = make_record()
    body = {"extended": {"profession": "Koch"}}
    response = _patch(bka, record, body, HTTP_IF_MATCH='"7", "1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'


def test_r_l3_block_and_delete_with_stale_if_match_get_412(bka: Any, make_record: Any) -> None:
    record = make_record()
    assert _patch(bka, record, {"extended": {"profession": "Koch"}}).status_code == 200
    stock = Stock()
    _version_conflict(
        bka.post(
            f"{_url(record)}block/",
            {"reason": "Schutzwürdige Interessen"},
            format="json",
            headers={"If-Match": '"1"'},
        ),
        2,
    )
    _version_conflict(
        bka.delete(
            _url(record), {"reason": "Nicht mehr erforderlich"}, format="json", HTTP_IF_MATCH='"1"'
        ),
        2,
    )
    stock.assert_unchanged()
    assert Record.objects.get(pk=record.pk).status == "active"
    assert bka.delete(_url(record), HTTP_IF_MATCH='"2"').status_code == 204
    assert not Record.objects.filter(pk=record.pk).exists()


def test_r_h1_other_agency_gets_404_or_403_before_any_version_check(
    api: Any, make_record: Any
) -> None:
    record = make_record(storage="covert", storage_decision=DECISION)
    response = api("lka-bw.analyst").patch(_url(record), {}, format="json", HTTP_IF_MATCH='"99"')
    assert_error(response, 404, "not_found")
    assert "ETag" not in response


# ---------------------------------------------------------------- blocked records (R-L3)


def test_r_l3_blocked_record_is_frozen(bka: Any, make_record: Any) -> None:
    record = make_record(extended=EXTENDED)
    blocked = bka.post(f"{_url(record)}block/", {"reason": "Schutzwürdig"}, format="json")
    assert blocked.status_code == 200
    version = blocked.json()["version"]
    stock = Stock()
    for body in ({}, {"extended": {"free_text": None}}, {"basic": {"surname": "Neu"}}):
        assert_error(_patch(bka, record, body), 409, "record_blocked")
    assert_error(_patch(bka, record, {}, HTTP_IF_MATCH=f'"{version}"'), 409, "record_blocked")
    assert_error(
        bka.post(f"{_url(record)}block/", {"reason": "Noch einmal"}, format="json"),
        409,
        "already_blocked",
    )
    stock.assert_unchanged()
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.version == version and fresh.extended == record.extended
    assert fresh.status == "blocked"
    # Only the owner's review decision still deletes a blocked record (R-L3): the plain
    # DELETE is refused, the review's reasons say why the interest has lapsed.
    assert_error(bka.delete(_url(record), HTTP_IF_MATCH=f'"{version}"'), 409, "record_blocked")
    stock.assert_unchanged()
    decided = bka.post(
        f"{_url(record)}review/",
        {"outcome": "deleted", "reasons": "Interesse entfallen", "ground": "not_necessary"},
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
    )
    assert decided.status_code == 200, decided.content
    assert AuditEvent.objects.filter(action="record.delete", object_id=str(record.pk)).exists()
