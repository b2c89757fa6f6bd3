"""The log's reference lookup gives the same rows on SQLite (make run) as on PostgreSQL (R-I4)."""

from __future__ import annotations

import json
import sqlite3
import types
from typing import Any

import pytest
from django.db.models.expressions import RawSQL

from audit import jsonq

ROWS = [
    ([{"record": "r1", "agency": "BKA", "file_number": "F-1"}], []),
    ([], [{"record": "r2", "agency": "BFV", "art10": True, "file_number": "F-2"}]),
    ([], [{"record": "r3", "agency": "BFV", "art10": False}]),
    ([{"record": "r4", "agency": "LKA-BW"}, {"record": "r1", "agency": "BKA"}], []),
]


def _sqlite_match(monkeypatch: pytest.MonkeyPatch, field: str, item: dict[str, Any]) -> set[int]:
    monkeypatch.setattr(jsonq, "connection", types.SimpleNamespace(vendor="sqlite"))
    raw = jsonq.list_holds(field, item).children[0]
    assert isinstance(raw, RawSQL)
    db = sqlite3.connect(":memory:")
    db.execute('CREATE TABLE audit_auditevent (id INTEGER, "references" TEXT, covert TEXT)')
    for n, (refs, covert) in enumerate(ROWS):
        db.execute(
            "INSERT INTO audit_auditevent VALUES (?, ?, ?)",
            (n, json.dumps(refs), json.dumps(covert)),
        )
    sql = f"SELECT id FROM audit_auditevent WHERE {raw.sql.replace('%s', '?')}"
    return {row[0] for row in db.execute(sql, raw.params)}


def _python_match(field: str, item: dict[str, Any]) -> set[int]:
    column = 0 if field == "references" else 1
    return {
        n
        for n, row in enumerate(ROWS)
        if any(all(ref.get(k) == v for k, v in item.items()) for ref in row[column])
    }


@pytest.mark.parametrize(
    ("field", "item"),
    [
        ("references", {"record": "r1"}),
        ("references", {"record": "r1", "agency": "BKA"}),
        ("references", {"record": "r4", "agency": "BKA"}),
        ("covert", {"record": "r2"}),
        ("covert", {"file_number": "F-2", "agency": "BFV", "art10": True}),
        ("covert", {"agency": "BFV", "art10": True}),
        ("covert", {"agency": "BFV", "art10": False}),
        ("covert", {"record": "nope"}),
    ],
)
def test_r_i4_reference_lookup_on_sqlite_matches_containment(
    monkeypatch: pytest.MonkeyPatch, field: str, item: dict[str, Any]
) -> None:
    assert _sqlite_match(monkeypatch, field, item) == _python_match(field, item)


def test_r_i4_reference_lookup_refuses_names_that_are_not_identifiers() -> None:
    with pytest.raises(ValueError):
        jsonq.list_holds("references", {"record') OR 1=1 --": "x"})
    with pytest.raises(ValueError):
        jsonq.list_holds("covert; DROP", {"record": "x"})


def test_r_m5_a_list_inside_a_json_object_is_matched_on_sqlite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``payload.causes`` of a review (the daily sweep's no-legal-basis duty) on SQLite."""
    monkeypatch.setattr(jsonq, "connection", types.SimpleNamespace(vendor="sqlite"))
    raw = jsonq.list_holds(
        "payload", {"cause": "no_legal_basis"}, table="verbund_inboxitem", key="causes"
    ).children[0]
    assert isinstance(raw, RawSQL)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE verbund_inboxitem (id INTEGER, payload TEXT)")
    payloads = [
        {"causes": [{"cause": "no_legal_basis"}, {"cause": "justice_decision"}]},
        {"causes": [{"cause": "justice_decision"}]},
        {"other": [{"cause": "no_legal_basis"}]},
        {},
    ]
    for n, payload in enumerate(payloads):
        db.execute("INSERT INTO verbund_inboxitem VALUES (?, ?)", (n, json.dumps(payload)))
    sql = f"SELECT id FROM verbund_inboxitem WHERE {raw.sql.replace('%s', '?')}"
    assert {row[0] for row in db.execute(sql, raw.params)} == {0}


def test_r_m5_a_list_inside_a_json_object_on_postgresql_is_jsonb_containment() -> None:
    q = jsonq.list_holds("payload", {"cause": "x"}, table="verbund_inboxitem", key="causes")
    if jsonq.connection.vendor == "postgresql":
        assert q.children == [("payload__causes__contains", [{"cause": "x"}])]


@pytest.mark.parametrize("value", ["contact_persons", "phones", "basic", "nope"])
def test_r_n3_string_list_lookup_on_sqlite_matches_containment(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # The R-J5 report leaves out contact persons under an originator marking; on SQLite
    # (make run) Django has no JSON contains lookup, so list_has asks json_each.
    rows = [["contact_persons"], ["phones", "contact_persons"], ["basic"], []]
    monkeypatch.setattr(jsonq, "connection", types.SimpleNamespace(vendor="sqlite"))
    raw = jsonq.list_has("items", value, table="international_originatormarking").children[0]
    assert isinstance(raw, RawSQL)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE international_originatormarking (id INTEGER, items TEXT)")
    for n, items in enumerate(rows):
        db.execute(
            "INSERT INTO international_originatormarking VALUES (?, ?)", (n, json.dumps(items))
        )
    sql = f"SELECT id FROM international_originatormarking WHERE {raw.sql.replace('%s', '?')}"
    assert {row[0] for row in db.execute(sql, raw.params)} == {
        n for n, items in enumerate(rows) if value in items
    }
