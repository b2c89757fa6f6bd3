"""Issue 13 part 3: what the entry accepts, the search finds as written (R-E5, R-E4, R-E2).

Property tests (hypothesis, bounded): for every searchable field and every value the entry
accepts, a search with that value as entered finds the record; two canonical identifiers
that differ never match.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agencies.models import Officer
from tests.conftest import person_payload
from verbund.errors import DomainError
from verbund.search.keys import FIELD_KEYS, PHONE, PLATE
from verbund.services.records import record_create

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
_numbers = itertools.count(1)

# Letters the folding has to know, marks, invisible characters, the characters of field
# syntaxes and the wildcard characters the entry has to refuse.
SPECIALS = list(
    "ıİłŁøØđĐæÆœŒþÞßẞäöüÄÖÜéèçñšžčćğşą"
    "ИвановМарияعبدالعزيزـ山田はな"
    "ʿʾ'’`.-  ()+_*?%[]{}^$|\\~@/:#,"
    "\u200b\u00ad\u200d\u200c\ufeff"
)
name_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(SPECIALS),
        st.characters(min_codepoint=0x20, max_codepoint=0x24F),
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    ),
    min_size=1,
    max_size=40,
)
phone_text = st.one_of(
    st.from_regex(
        r"(\+49 ?\(0\)|0049 ?|0|\+1 ?\(?)[1-9][0-9]{1,4}[ /\-)]?[0-9]{3,8}", fullmatch=True
    ),
    name_text,
)
plate_text = st.one_of(
    st.from_regex(r"[A-ZÄÖÜ]{1,3}[- ][A-Z]{1,2} ?[1-9][0-9]{0,3}[EH]?", fullmatch=True),
    name_text,
)


def _enter(**parts: Any) -> Any:
    """Enter a record through the service; return it, or None when the entry refuses."""
    actor = Officer.objects.get(username="lka-he.analyst")
    payload = person_payload(**parts)
    payload["reference"]["file_number"] = f"SYM-{next(_numbers):06d}"
    try:
        record = record_create(actor=actor, data=payload)
    except DomainError as exc:
        event(f"refused: {exc.code}")
        return None
    event("accepted")
    return record


def _found(run_search: Any, record: Any, criteria: dict[str, str], mode: str) -> None:
    response = run_search("bka.analyst", criteria, mode=mode)
    assert response.status_code == 201, (criteria, response.content)
    numbers = [h["reference"]["file_number"] for h in response.json()["hits"]]
    assert record.file_number in numbers, criteria


@PROPERTY
@given(surname=name_text)
def test_r_e5_every_surname_the_entry_accepts_is_found_as_written(
    reference: Any, run_search: Any, surname: str
) -> None:
    record = _enter(basic={"surname": surname, "given_names": "Karl"})
    if record is not None:
        _found(run_search, record, {"surname": surname}, "name")


@PROPERTY
@given(given_names=name_text)
def test_r_e5_every_given_name_the_entry_accepts_is_found_as_written(
    reference: Any, run_search: Any, given_names: str
) -> None:
    record = _enter(basic={"surname": "Symmetrie", "given_names": given_names})
    if record is not None:
        _found(run_search, record, {"surname": "Symmetrie", "given_names": given_names}, "name")


TEXT_FIELDS = ["devices", "emails", "safe_deposit_boxes", "licences", "websites", "bank_accounts"]


@pytest.mark.parametrize("field", TEXT_FIELDS + ["organisation", "profession", "education"])
def test_r_e4_every_feature_value_the_entry_accepts_is_found_as_written(
    reference: Any, run_search: Any, field: str
) -> None:
    @PROPERTY
    @given(value=name_text)
    def check(value: str) -> None:
        stored = [value] if field in TEXT_FIELDS else value
        record = _enter(extended={field: stored})
        # Blank input is no value: the entry stores nothing for it.
        if record is not None and record.extended.get(field):
            _found(run_search, record, {field: value}, "feature")
            accepted.append(value)

    accepted: list[str] = []
    check()
    assert accepted  # the property was not vacuous


@PROPERTY
@given(phone=phone_text)
def test_r_e4_every_phone_the_entry_accepts_is_found_as_written(
    reference: Any, run_search: Any, phone: str
) -> None:
    record = _enter(extended={"phones": [phone]})
    if record is not None and record.extended.get("phones"):
        _found(run_search, record, {"phones": phone}, "feature")


@PROPERTY
@given(plate=plate_text)
def test_r_e4_every_plate_the_entry_accepts_is_found_as_written(
    reference: Any, run_search: Any, plate: str
) -> None:
    record = _enter(extended={"vehicles": [plate]})
    if record is not None and record.extended.get("vehicles"):
        _found(run_search, record, {"vehicles": plate}, "feature")


@settings(max_examples=200, deadline=None)
@given(
    a=st.from_regex(r"\+49[1-9][0-9]{6,10}", fullmatch=True),
    b=st.from_regex(r"\+49[1-9][0-9]{6,10}", fullmatch=True),
)
def test_r_e4_different_canonical_phones_never_share_a_key(a: str, b: str) -> None:
    if a != b:
        assert PHONE.make(a) != PHONE.make(b)


@settings(max_examples=200, deadline=None)
@given(
    a=st.from_regex(r"[A-Z]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}", fullmatch=True),
    b=st.from_regex(r"[A-Z]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}", fullmatch=True),
)
def test_r_e4_different_canonical_plates_never_share_a_key(a: str, b: str) -> None:
    if a != b:
        assert PLATE.make(a) != PLATE.make(b)


@settings(max_examples=200, deadline=None)
@given(
    a=st.from_regex(r"[a-z0-9._+]{1,12}@[a-z0-9]{1,10}\.(de|org|com)", fullmatch=True),
    b=st.from_regex(r"[a-z0-9._+]{1,12}@[a-z0-9]{1,10}\.(de|org|com)", fullmatch=True),
)
def test_r_e4_different_canonical_emails_never_share_a_key(a: str, b: str) -> None:
    if a != b:
        assert FIELD_KEYS["emails"].make(a) != FIELD_KEYS["emails"].make(b)


@pytest.mark.parametrize("kind", ["phone", "email", "website", "bank_account", "association"])
def test_r_e4_every_object_identifier_the_entry_accepts_is_found_as_written(
    reference: Any, run_search: Any, kind: str
) -> None:
    """R-E7 objects use the same registry: entered identifier = searchable identifier."""
    actor = Officer.objects.get(username="lka-he.analyst")
    person = record_create(actor=actor, data=person_payload(basic={"surname": "Objekthalter"}))

    @PROPERTY
    @given(identifier=phone_text if kind == "phone" else name_text)
    def check(identifier: str) -> None:
        payload = {
            "file": "ATD",
            "kind": kind,
            "findings_basis": "Erkenntnisse",
            "object": {"identifier": identifier},
            "linked_person": str(person.pk),
            "reference": {"file_number": f"OBJ-{next(_numbers):06d}", "classification": "none"},
        }
        try:
            record = record_create(actor=actor, data=payload)
        except DomainError as exc:
            event(f"refused: {exc.code}")
            return
        event("accepted")
        criteria = {"kind": kind, "identifier": identifier}
        _found(run_search, record, criteria, "object")
        accepted.append(identifier)

    accepted: list[str] = []
    check()
    assert accepted  # the property was not vacuous


# ---------------------------------------------------------------- the examples


def test_r_e5_surname_with_period_is_searched_as_entered(make_record: Any, run_search: Any) -> None:
    record = make_record(basic={"surname": "St. Georgen", "given_names": "Mohd. Faris"})
    for criteria in (
        {"surname": "St. Georgen"},
        {"surname": "St. Georgen", "given_names": "Mohd. Faris"},
    ):
        response = run_search("lka-be.analyst", criteria)
        assert response.status_code == 201, response.content
        assert [h["record"] for h in response.json()["hits"]] == [str(record.pk)]


def test_r_e4_phone_with_brackets_is_searched_as_entered(make_record: Any, run_search: Any) -> None:
    record = make_record(extended={"phones": ["+49 (0)30 1234567"]})
    for phone in ("+49 (0)30 1234567", "+49 30 1234567", "0049 30 1234567"):
        response = run_search("lka-be.analyst", {"phones": phone}, mode="feature")
        assert response.status_code == 201, response.content
        assert [h["reference"]["file_number"] for h in response.json()["hits"]] == [
            record.file_number
        ]


@pytest.mark.parametrize(
    ("basic", "field", "code"),
    [
        ({"surname": "Mül*ler"}, "basic.surname", "invalid_characters"),
        ({"surname": "Müller", "given_names": "K?rl"}, "basic.given_names", "invalid_characters"),
        ({"surname": "Mül."}, "basic.surname", "incomplete_data"),
        ({"surname": "Müller", "given_names": "K."}, "basic.given_names", "incomplete_data"),
        ({"surname": "\u200b\u00ad"}, "basic.surname", "invalid"),
        ({"surname": "Мüller"}, "basic.surname", "mixed_script"),
    ],
)
def test_r_e5_entry_refuses_what_the_search_could_not_find_as_written(
    api: Any, basic: dict[str, str], field: str, code: str
) -> None:
    response = api("bka.analyst").post(
        "/api/v1/records/", person_payload(basic=basic), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]


def test_r_e4_entry_refuses_wildcards_outside_the_field_syntax(api: Any) -> None:
    body = person_payload(extended={"phones": ["+49 30 123*"]})
    response = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert "extended.phones[0]" in response.json()["fields"]
