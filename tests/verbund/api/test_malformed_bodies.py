"""Property-based: no body, however malformed, gets a 5xx or leaves a row behind.

Hypothesis generates, for every API endpoint that takes a body, bodies of the wrong JSON
types, huge strings, deep nesting and unicode-odd text (NUL, lone surrogates, RTL and other
format marks, combining marks, private-use and unassigned code points), mostly as a valid
body with one field broken. Every answer must be below 500; every refusal must have the
error shape and write no row (records, searches, inbox items, audit events, catalogue
versions). A body that happens to be valid may succeed — that is not a defect.

Budget: 60 examples per endpoint, no deadline (2 shared cores); the module runs in
well under a minute. ``derandomize`` keeps CI reproducible and no example database is
written to the work tree.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import person_payload
from tests.verbund.api.test_parsers import Counts
from verbund.models import Record

EXAMPLES = 60
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

ODD_CHARACTERS = [
    "\x00",
    "\ud800",
    "\udfff",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\ufeff",  # byte order mark
    "\u0301",  # combining acute accent (on nothing)
    "e\u0301\u0301\u0301",
    "\u0640",  # Arabic tatweel
    "\ue000",  # private use
    "\U0010ffff",
    "\uffff",
    "%",
    "*",
    ".*",
]
odd_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.lists(st.sampled_from(ODD_CHARACTERS), min_size=1, max_size=6).map("".join),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["A", "ä", "\u202e", "9"]), st.integers(3_000, 120_000)
    ),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), odd_text
)
wrong_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=5),
    st.dictionaries(odd_text, scalars, max_size=4),
    st.lists(st.lists(scalars, max_size=2), max_size=3),
)


def _deep(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


deep_json = st.builds(_deep, st.integers(15, 5_000), st.sampled_from(["list", "dict"]))


def _set_path(body: Any, path: tuple[str, ...], value: Any) -> Any:
    """Return a copy of ``body`` with the value at ``path`` replaced (objects created)."""
    if not path:
        return value
    out = dict(body) if isinstance(body, dict) else {}
    out[path[0]] = _set_path(out.get(path[0]), path[1:], value)
    return out


MARKER = "__DEEP__"


def bodies(valid: dict[str, Any], paths: Sequence[tuple[str, ...]]) -> st.SearchStrategy[str]:
    """Return JSON texts: the valid body with one field broken, a deep field, or no object."""
    broken = st.builds(
        lambda path, value: json.dumps(_set_path(valid, path, value)),
        st.sampled_from(paths),
        wrong_values,
    )
    deep = st.builds(
        lambda path, text: json.dumps(_set_path(valid, path, MARKER)).replace(
            json.dumps(MARKER), text
        ),
        st.sampled_from(paths),
        deep_json,
    )
    whole = st.one_of(
        wrong_values.map(json.dumps),
        deep_json,
        st.sampled_from(["", "{", '{"a": NaN}', "[]", "null", '"ATD"', "{} {}"]),
    )
    return st.one_of(broken, broken, deep, whole)


RECORD_PATHS = [
    ("file",),
    ("kind",),
    ("case_group",),
    ("storage",),
    ("storage_decision",),
    ("storage_decision", "decided_by"),
    ("storage_decision", "reasons"),
    ("markings",),
    ("findings_basis",),
    ("basic",),
    ("basic", "surname"),
    ("basic", "given_names"),
    ("basic", "aliases"),
    ("basic", "sex"),
    ("basic", "date_of_birth"),
    ("basic", "nationalities"),
    ("extended",),
    ("extended", "phones"),
    ("extended", "religion"),
    ("extended", "skills"),
    ("extended", "free_text"),
    ("extended", "contact_persons"),
    ("withheld",),
    ("object",),
    ("linked_person",),
    ("review_date",),
    ("reference",),
    ("reference", "file_number"),
    ("reference", "classification"),
    ("unknown",),
]


def check_answer(response: Any, counts: Counts) -> None:
    """No 5xx; a refusal has the error shape and wrote nothing."""
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        body = response.json()
        assert {"code", "detail", "fields"} <= set(body), body
        assert isinstance(body["code"], str) and body["code"]
        assert isinstance(body["fields"], dict)
        counts.assert_unchanged()


def send(client: Any, method: str, url: str, text: str) -> Any:
    return client.generic(method, url, text.encode("utf-8", "surrogatepass"), "application/json")


def fuzz(
    strategy: st.SearchStrategy[str], client: Any, method: str, url: str, *, refused: bool = False
) -> int:
    """Send every generated body and check each answer; return how many were sent.

    ``refused``: every body generated is invalid, so every answer must be a 4xx.
    """
    sent = 0

    @PROFILE
    @given(text=strategy)
    def run(text: str) -> None:
        nonlocal sent
        sent += 1
        if url.endswith("/auth/token/"):
            cache.clear()  # the anonymous rate limit would answer 429 before parsing
        counts = Counts()
        response = send(client, method, url, text)
        check_answer(response, counts)
        if refused:
            assert 400 <= response.status_code < 500, response.content[:300]

    run()
    return sent


@pytest.fixture
def bka(api: Any) -> Any:
    return api("bka.analyst")


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    # The search limit would turn later examples into 429s before any parsing.
    settings.VERBUND_RATE_LIMIT_FACTOR = 1000


def test_records_create_never_fails_with_5xx(bka: Any) -> None:
    assert fuzz(bodies(person_payload(), RECORD_PATHS), bka, "POST", "/api/v1/records/") >= 30


def test_records_patch_never_fails_with_5xx(bka: Any, make_record: Any) -> None:
    record = make_record(extended={"phones": ["+49 30 1"], "free_text": "Bemerkung"})
    valid = {"extended": {"emails": ["x@example.org"]}, "basic": {"given_names": "Ahmed"}}

    url = f"/api/v1/records/{record.pk}/"
    assert fuzz(bodies(valid, RECORD_PATHS), bka, "PATCH", url) >= 30


@pytest.mark.parametrize(
    ("suffix", "method", "field"),
    [("block/", "POST", "reason"), ("correction-notices/", "POST", "text"), ("", "DELETE", "x")],
)
def test_record_actions_never_fail_with_5xx(
    bka: Any, make_record: Any, suffix: str, method: str, field: str
) -> None:
    record = make_record()
    url = f"/api/v1/records/{record.pk}/{suffix}"
    # Only broken bodies here: a valid one would block or delete the record under test.
    broken = st.one_of(
        st.builds(
            lambda value: json.dumps({"reason": value, "text": value}),
            wrong_values.filter(lambda v: not isinstance(v, str) and v is not None),
        ),
        st.builds(
            lambda text: json.dumps({"reason": text, "text": text}),
            st.lists(st.sampled_from(["\x00", "\ud800", "\udbff"]), min_size=1).map("".join),
        ),
        deep_json,
    )

    assert fuzz(broken, bka, method, url, refused=True) >= 30
    # Every one of them was refused: the record is untouched.
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.status == "active" and fresh.version == 1


def test_searches_never_fail_with_5xx(bka: Any) -> None:
    valid = {
        "file": "ATD",
        "mode": "name",
        "purpose": "ct_task",
        "urgency": "routine",
        "criteria": {"surname": "Al-Masri", "given_names": "Mohammed"},
    }
    paths = [
        ("file",),
        ("mode",),
        ("purpose",),
        ("urgency",),
        ("criteria",),
        ("criteria", "surname"),
        ("criteria", "given_names"),
        ("criteria", "date_of_birth"),
        ("criteria", "nationality"),
        ("criteria", "phones"),
    ]

    assert fuzz(bodies(valid, paths), bka, "POST", "/api/v1/searches/") >= 30


def test_covert_hit_decision_never_fails_with_5xx(bka: Any) -> None:
    url = f"/api/v1/covert-hits/{uuid.uuid4()}/decision/"
    valid = {"contact": True, "reasons": "Quellenschutz überwiegt."}

    strategy = bodies(valid, [("contact",), ("reasons",), ("unknown",)])
    assert fuzz(strategy, bka, "POST", url) >= 30


def test_catalogue_publication_never_fails_with_5xx(api: Any) -> None:
    # A state office: a valid body is refused (R-C4), so every answer is a refusal here.
    client = api("lka-bw.analyst")
    valid = {
        "field": "skills",
        "valid_from": "2099-01-01",
        "note": "Neufassung",
        "values": [{"code": "explosives", "label_de": "Sprengstoff", "label_en": "Explosives"}],
    }
    paths = [("field",), ("valid_from",), ("note",), ("values",), ("unknown",)]

    assert fuzz(bodies(valid, paths), client, "POST", "/api/v1/catalogue/versions/") >= 30


def test_auth_token_never_fails_with_5xx(api: Any) -> None:
    client = api(None)
    valid = {"username": "bka.analyst", "password": "wrong-password"}

    strategy = bodies(valid, [("username",), ("password",)])
    assert fuzz(strategy, client, "POST", "/api/v1/auth/token/") >= 30
