"""Feature (inverse) search (R-E4) and object search (R-E7)."""

from __future__ import annotations

from typing import Any

import pytest

from verbund.models import Hit

EXTENDED = {
    "phones": ["+49 30 1234567"],
    "emails": ["Abu.Test@example.org"],
    "vehicles": ["B-XY 123"],
    "skills": ["explosives"],
    "visited_places": ["training_camp"],
    "religion": "islam_sunni",
    "religion_reason": "Zur Identifizierung im Einzelfall erforderlich.",
    "organisation": "Beispielgruppe Nord",
}


def _person(make_record: Any, username: str = "lka-he.analyst", **extended: Any) -> Any:
    data = dict(EXTENDED)
    data.update(extended)
    return make_record(
        username,
        basic={"surname": "Merkmal", "given_names": "Fritz", "date_of_birth": "1979-09-09"},
        extended=data,
    )


def _assert_reference_only(response: Any, record: Any) -> dict[str, Any]:
    """R-E4: reference only — no surname, no date of birth, no record id in the answer."""
    assert response.status_code == 201, response.content
    body = response.json()
    (hit,) = body["hits"]
    assert set(hit) == {"hit", "reference"}
    assert hit["reference"] == {
        "agency": record.owner.code,
        "file_number": record.file_number,
        "classification": "VS-NfD",
    }
    text = response.content.decode()
    assert "Merkmal" not in text and "Fritz" not in text
    assert "1979-09-09" not in text
    assert str(record.pk) not in text
    assert Hit.objects.get(pk=hit["hit"]).record_id == record.pk
    return hit


@pytest.mark.parametrize(
    "criteria",
    [
        {"phones": "0049 30 123 45 67"},
        {"phones": "+49-30-1234567"},
        {"emails": "abu.test@EXAMPLE.org"},
        {"vehicles": "b-xy123"},
        {"skills": "explosives"},
        {"visited_places": "training_camp"},
        {"religion": "islam_sunni"},
        {"organisation": "Beispielgruppe-Nord"},
        {"phones": "+49 30 1234567", "skills": "explosives", "religion": "islam_sunni"},
    ],
)
def test_r_e4_feature_hit_has_reference_only(
    make_record: Any, run_search: Any, criteria: dict[str, str]
) -> None:
    record = _person(make_record)
    response = run_search("bfv.analyst", criteria, mode="feature")
    _assert_reference_only(response, record)


def test_r_e4_several_criteria_must_hold_on_the_same_record(
    make_record: Any, run_search: Any
) -> None:
    _person(make_record, skills=["weapons"])
    _person(make_record, phones=["+49 89 999"])
    response = run_search(
        "bfv.analyst", {"phones": "+49 89 999", "skills": "weapons"}, mode="feature"
    )
    assert response.status_code == 201 and response.json()["hits"] == []


def test_r_e4_catalogue_fields_take_catalogue_codes_only(reference: Any, run_search: Any) -> None:
    response = run_search("bfv.analyst", {"skills": "Sprengstoff"}, mode="feature")
    assert response.status_code == 400
    assert response.json()["code"] == "not_in_catalogue"


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ({"surname": "Merkmal"}, "unknown_criterion"),
        ({"free_text": "Sprengstoff"}, "unknown_criterion"),
        ({"contact_persons": "Otto"}, "unknown_criterion"),
        ({"phones": "+49 30 123*"}, "wildcards_not_allowed"),
        ({"emails": "%@example.org"}, "wildcards_not_allowed"),
        ({"organisation": "Beispiel_gruppe"}, "wildcards_not_allowed"),
        ({"phones": ["+49 30 1", "+49 30 2"]}, "invalid"),
        ({}, "required"),
    ],
)
def test_r_e5_bad_feature_criteria_are_400(
    reference: Any, run_search: Any, criteria: Any, code: str
) -> None:
    response = run_search("bfv.analyst", criteria, mode="feature")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_email_with_underscore_and_plus_is_an_exact_value(
    make_record: Any, run_search: Any
) -> None:
    record = _person(make_record, emails=["first_last+tag@example.org"])
    response = run_search("bfv.analyst", {"emails": "first_last+tag@example.org"}, mode="feature")
    _assert_reference_only(response, record)


def test_r_d2_withheld_extended_data_are_not_searchable(make_record: Any, run_search: Any) -> None:
    make_record(
        "lka-he.analyst",
        storage="restricted",
        storage_decision={"decided_by": "lka-he.head", "reasons": "Schutzwürdige Interessen."},
        withheld=["phones"],
        basic={"surname": "Beschränkt"},
        extended={"skills": ["aviation"]},
    )
    skills = run_search("bfv.analyst", {"skills": "aviation"}, mode="feature")
    assert len(skills.json()["hits"]) == 1
    phones = run_search("bfv.analyst", {"phones": "+49 30 1234567"}, mode="feature")
    assert phones.json()["hits"] == []


# ---------------------------------------------------------------------------- objects


def _phone_object(make_record: Any, person: Any, number: str = "+49 40 7654321") -> Any:
    return make_record(
        "lka-he.analyst",
        kind="phone",
        case_group="",
        basic=None,
        object={"identifier": number, "description": "Prepaid-Anschluss"},
        linked_person=str(person.pk),
    )


def test_r_e7_object_hit_shows_object_and_reference_never_the_linked_person(
    make_record: Any, run_search: Any
) -> None:
    person = _person(make_record)
    phone = _phone_object(make_record, person)
    response = run_search(
        "bfv.analyst", {"kind": "phone", "identifier": "0049 40 765 43 21"}, mode="object"
    )
    assert response.status_code == 201, response.content
    (hit,) = response.json()["hits"]
    assert set(hit) == {"hit", "record", "object", "markings", "reference"}
    assert hit["record"] == str(phone.pk)
    assert hit["object"] == {
        "kind": "phone",
        "identifier": "+49 40 7654321",
        "description": "Prepaid-Anschluss",
    }
    assert hit["reference"]["file_number"] == phone.file_number
    text = response.content.decode()
    assert str(person.pk) not in text
    assert "Merkmal" not in text and "Fritz" not in text and person.file_number not in text


def test_r_e7_value_only_in_a_persons_extended_data_is_an_inverse_hit(
    make_record: Any, run_search: Any
) -> None:
    record = _person(make_record)
    response = run_search(
        "bfv.analyst", {"kind": "phone", "identifier": "+49 30 1234567"}, mode="object"
    )
    _assert_reference_only(response, record)
    email = run_search(
        "bfv.analyst", {"kind": "email", "identifier": "abu.test@example.org"}, mode="object"
    )
    _assert_reference_only(email, record)


def test_r_e7_object_and_person_hits_together(make_record: Any, run_search: Any) -> None:
    person = _person(make_record, phones=["+49 40 7654321"])
    phone = _phone_object(make_record, person)
    hits = run_search(
        "bfv.analyst", {"kind": "phone", "identifier": "+49 40 7654321"}, mode="object"
    ).json()["hits"]
    assert len(hits) == 2
    by_shape = {frozenset(h): h for h in hits}
    object_shape = frozenset({"hit", "record", "object", "markings", "reference"})
    assert by_shape[object_shape]["record"] == str(phone.pk)
    assert frozenset({"hit", "reference"}) in by_shape


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ({"kind": "person", "identifier": "x"}, "invalid_choice"),
        ({"kind": "submarine", "identifier": "x"}, "invalid_choice"),
        ({"kind": "phone"}, "required"),
        ({"identifier": "+49 1"}, "required"),
        ({"kind": "phone", "identifier": "+49 40 76*"}, "wildcards_not_allowed"),
        ({"kind": "phone", "identifier": "+49", "surname": "x"}, "unknown_criterion"),
    ],
)
def test_r_e7_bad_object_criteria_are_400(
    reference: Any, run_search: Any, criteria: Any, code: str
) -> None:
    response = run_search("bfv.analyst", criteria, mode="object")
    assert response.status_code == 400
    assert response.json()["code"] == code
