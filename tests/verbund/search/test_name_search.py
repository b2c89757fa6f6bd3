"""Name search: basic-data hits (R-E2), extended-data hits (R-E3), folding and R-E5 refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.verbund.search.conftest import covert_payload
from verbund.models import Hit, Search


def _person(make_record: Any, username: str = "bka.analyst", **basic: Any) -> Any:
    data = {"surname": "Müller", "given_names": "Karl", "date_of_birth": "1980-01-02"}
    data.update(basic)
    return make_record(username, basic=data)


def test_r_e2_name_hit_gives_basic_data_and_reference(make_record: Any, run_search: Any) -> None:
    record = _person(make_record, nationalities=["DE"], aliases=["Abu Karl"])
    response = run_search("lka-by.analyst", {"surname": "Müller"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "mode", "hit_count", "hits"}
    assert body["mode"] == "name" and body["hit_count"] == 1
    (hit,) = body["hits"]
    assert set(hit) == {"hit", "record", "basic", "markings", "reference", "matched_in"}
    assert hit["record"] == str(record.pk)
    assert hit["matched_in"] == "basic"
    assert hit["basic"]["surname"] == "Müller"
    assert hit["basic"]["date_of_birth"] == "1980-01-02"
    assert hit["basic"]["aliases"] == ["Abu Karl"]
    assert hit["reference"] == {
        "agency": "BKA",
        "file_number": record.file_number,
        "classification": "VS-NfD",
    }
    assert Hit.objects.get(pk=hit["hit"]).search_id.hex == body["id"].replace("-", "")


@pytest.mark.parametrize(
    ("stored", "queried"),
    [
        ("Müller", "Mueller"),
        ("Müller", "Muller"),
        ("Müller", "MÜLLER"),
        ("Mueller", "Müller"),
        ("Strauß", "Strauss"),
        ("Strauß", "STRAUSS"),
        ("Al-Masri", "Al Masri"),
        ("Al-Masri", "almasri"),
        ("Al Masri", "Al‐Masri"),  # U+2010 hyphen
        ("Öztürk", "Oeztuerk"),
        ("Öztürk", "Ozturk"),
        ("Çelik", "Celik"),
        ("Ｍüller", "Müller"),  # full-width M, NFKC
    ],
)
def test_r_e5_folding_makes_spellings_equal(
    make_record: Any, run_search: Any, stored: str, queried: str
) -> None:
    """R-E5: one deterministic folding — case, NFKC, diacritics, ä=ae=a, ß=ss, spacing."""
    record = _person(make_record, surname=stored)
    response = run_search("lka-be.analyst", {"surname": queried})
    assert response.status_code == 201, response.content
    assert [h["record"] for h in response.json()["hits"]] == [str(record.pk)]


@pytest.mark.parametrize("queried", ["Müll", "Mülle", "Mueler", "Miller", "Müllers", "Mül ler x"])
def test_r_e5_no_prefix_similarity_or_phonetics(
    make_record: Any, run_search: Any, queried: str
) -> None:
    """R-E5: equality only — no prefixes, distances or phonetic matches."""
    _person(make_record)
    response = run_search("lka-be.analyst", {"surname": queried})
    assert response.status_code == 201
    assert response.json()["hits"] == []


def test_r_e5_variants_match_only_when_stored_as_spellings_or_aliases(
    make_record: Any, run_search: Any
) -> None:
    record = _person(make_record, surname="Al-Masri", spellings=["El Masri"], aliases=["Abu Ali"])
    for queried in ("El-Masri", "Abu Ali"):
        body = run_search("lka-be.analyst", {"surname": queried}).json()
        assert [h["record"] for h in body["hits"]] == [str(record.pk)]
    assert run_search("lka-be.analyst", {"surname": "Masri"}).json()["hits"] == []


WILDCARDS = [
    "Mül*",
    "M?ller",
    "Mül%",
    "Mül_er",
    "[M]üller",
    "M[a-z]ller",
    "M.*",
    "M..ler",
    "~Müller",
    "Müller~2",
    "Mül＊",  # full-width asterisk
    "M？ller",  # full-width question mark
    "Mül％",  # full-width percent
    "Mül＿er",  # full-width low line
    "Müller|Meier",
    "^Müller",
    "Müller$",
    "M(u|ü)ller",
    "M\\w+",
    "Mül+",
    "M{1,3}",
    "Mül.",  # incomplete (abbreviated)
]


@pytest.mark.parametrize("value", WILDCARDS)
def test_r_e5_every_wildcard_form_is_refused_in_surname(
    make_record: Any, run_search: Any, value: str
) -> None:
    _person(make_record)
    response = run_search("lka-be.analyst", {"surname": value})
    assert response.status_code == 400, value
    body = response.json()
    assert body["code"] == "wildcards_not_allowed"
    assert "criteria.surname" in body["fields"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("given_names", "Ka*"),
        ("given_names", "K."),
        ("date_of_birth", "1980-01-*"),
        ("date_of_birth", "1980-0?-02"),
        ("nationality", "D?"),
        ("nationality", "%"),
    ],
)
def test_r_e5_wildcards_refused_in_every_name_criterion(
    run_search: Any, reference: Any, key: str, value: str
) -> None:
    response = run_search("lka-be.analyst", {"surname": "Müller", key: value})
    assert response.status_code == 400
    assert response.json()["code"] == "wildcards_not_allowed"


def test_r_e5_refused_query_stores_nothing(run_search: Any, reference: Any) -> None:
    before = Search.objects.count()
    assert run_search("lka-be.analyst", {"surname": "Mül*"}).status_code == 400
    assert Search.objects.count() == before


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ({"given_names": "Karl"}, "required"),
        ({"surname": ""}, "required"),
        ({"surname": "   "}, "required"),
        ({"surname": "Müller", "phones": "123"}, "unknown_criterion"),
        ({"surname": "Müller", "place_of_birth": "Kairo"}, "unknown_criterion"),
        ({"surname": ["Müller", "Meier"]}, "invalid"),
        ({"surname": 5}, "invalid"),
        # api.md "Searches": a year alone is incomplete data (002 Rn. 194), still a 400.
        ({"surname": "Müller", "date_of_birth": "1980"}, "incomplete_data"),
        ({"surname": "Müller", "date_of_birth": "1980-W01-1"}, "invalid_date"),
        ({"surname": "Müller", "date_of_birth": "02.01.1980"}, "invalid_date"),
        ({"surname": "Müller", "nationality": "Deutschland"}, "invalid_country"),
        ({"surname": "-"}, "invalid"),
        ({"surname": "Mül\x00ler"}, "invalid_characters"),
        ({}, "required"),
        ("Müller", "invalid"),
        ([{"surname": "Müller"}], "invalid"),
    ],
)
def test_r_e5_bad_name_criteria_are_400(
    run_search: Any, reference: Any, criteria: Any, code: str
) -> None:
    response = run_search("lka-be.analyst", criteria)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code


def test_lone_surrogate_is_400(api: Any, reference: Any) -> None:
    raw = (
        '{"file": "ATD", "mode": "name", "purpose": "ct_task", "urgency": "routine", '
        '"criteria": {"surname": "M\\ud800ller"}}'
    )
    response = api("lka-be.analyst").post("/api/v1/searches/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_r_e5_list_body_is_refused_as_batch(api: Any, reference: Any) -> None:
    body = [
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": name},
        }
        for name in ("Müller", "Meier")
    ]
    response = api("lka-be.analyst").post("/api/v1/searches/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "batch_not_allowed"


def test_given_names_narrow_but_aliases_match_any_given_name(
    make_record: Any, run_search: Any
) -> None:
    record = _person(make_record, aliases=["Abu Karl"])
    hits = run_search("lka-be.analyst", {"surname": "Müller", "given_names": "Karl"}).json()
    assert [h["record"] for h in hits["hits"]] == [str(record.pk)]
    none = run_search("lka-be.analyst", {"surname": "Müller", "given_names": "Fritz"}).json()
    assert none["hits"] == []
    alias = run_search("lka-be.analyst", {"surname": "Abu Karl", "given_names": "Fritz"}).json()
    assert [h["record"] for h in alias["hits"]] == [str(record.pk)]


def test_date_of_birth_matches_equal_or_unknown(make_record: Any, run_search: Any) -> None:
    known = _person(make_record)
    unknown = _person(make_record, date_of_birth=None)
    body = run_search("lka-be.analyst", {"surname": "Müller", "date_of_birth": "1980-01-02"})
    assert {h["record"] for h in body.json()["hits"]} == {str(known.pk), str(unknown.pk)}
    other = run_search("lka-be.analyst", {"surname": "Müller", "date_of_birth": "1981-01-02"})
    assert [h["record"] for h in other.json()["hits"]] == [str(unknown.pk)]


def test_nationality_narrows_within_the_name_match(make_record: Any, run_search: Any) -> None:
    german = _person(make_record, nationalities=["DE", "TR"])
    _person(make_record, nationalities=["EG"])
    body = run_search("lka-be.analyst", {"surname": "Müller", "nationality": "tr"}).json()
    assert [h["record"] for h in body["hits"]] == [str(german.pk)]
    assert body["criteria"]["nationality"] == "TR"


def test_r_e3_contact_person_name_hit_gives_only_the_main_records_reference(
    make_record: Any, run_search: Any
) -> None:
    main = make_record(
        "lka-nw.analyst",
        case_group="1a",
        extended={
            "contact_persons": [
                {"surname": "Kontaktmann", "given_names": "Otto", "date_of_birth": "1970-05-05"}
            ]
        },
    )
    response = run_search("bka.analyst", {"surname": "Kontaktmann", "given_names": "Otto"})
    assert response.status_code == 201
    (hit,) = response.json()["hits"]
    assert set(hit) == {"hit", "reference", "matched_in"}
    assert hit["matched_in"] == "extended"
    assert hit["reference"]["file_number"] == main.file_number
    assert hit["reference"]["agency"] == "LKA-NW"
    text = response.content.decode()
    assert str(main.pk) not in text
    assert "Al-Masri" not in text and "Otto" not in text.replace('"Otto"', "", 1)
    assert Hit.objects.get(pk=hit["hit"]).record_id == main.pk


def test_r_e3_record_matching_in_basic_and_extended_gives_one_basic_hit(
    make_record: Any, run_search: Any
) -> None:
    record = make_record(
        basic={"surname": "Haddad", "given_names": "Ali"},
        extended={"contact_persons": [{"surname": "Haddad", "given_names": "Ali"}]},
    )
    (hit,) = run_search("lka-be.analyst", {"surname": "Haddad"}).json()["hits"]
    assert hit["matched_in"] == "basic" and hit["record"] == str(record.pk)


def test_r_d2_restricted_record_gives_basic_data_like_open(
    make_record: Any, run_search: Any
) -> None:
    record = make_record(
        "bka.analyst",
        storage="restricted",
        storage_decision={"decided_by": "bka.head", "reasons": "Schutzwürdige Interessen."},
        basic={"surname": "Beschränkt", "given_names": "Bernd"},
    )
    (hit,) = run_search("lka-be.analyst", {"surname": "Beschrankt"}).json()["hits"]
    assert hit["record"] == str(record.pk) and hit["basic"]["surname"] == "Beschränkt"


def test_own_covert_record_is_found_by_its_owner(make_record: Any, run_search: Any) -> None:
    record = make_record("bfv.analyst", basic={"surname": "Geheim"}, **covert_payload("BFV"))
    hits = run_search("bfv.analyst", {"surname": "Geheim"}).json()["hits"]
    assert [h["record"] for h in hits] == [str(record.pk)]


def test_blocked_records_are_not_searchable(
    make_record: Any, run_search: Any, officer: Any
) -> None:
    from verbund.services.records import record_block

    record = _person(make_record, surname="Gesperrt")
    record_block(
        actor=officer("bka.analyst"), record_id=record.pk, reason="Schutzwürdige Interessen"
    )
    assert run_search("lka-be.analyst", {"surname": "Gesperrt"}).json()["hits"] == []


def test_hits_are_ordered_by_agency_and_file_number(make_record: Any, run_search: Any) -> None:
    for user in ("lka-by.analyst", "bka.analyst", "lka-be.analyst"):
        _person(make_record, user, surname="Ordnung")
    hits = run_search("bka.analyst", {"surname": "Ordnung"}).json()["hits"]
    assert [h["reference"]["agency"] for h in hits] == ["BKA", "LKA-BE", "LKA-BY"]


def test_gws_name_search_works_and_feature_mode_is_refused(
    make_record: Any, run_search: Any
) -> None:
    record = make_record(
        "lka-bw.analyst",
        file="GWS",
        case_group="",
        findings_basis="Vorkommnisbericht",
        basic={"surname": "Hooligan", "given_names": "Harald"},
    )
    response = run_search(
        "lka-by.analyst", {"surname": "Hooligan"}, file="GWS", purpose="event_danger"
    )
    assert response.status_code == 201, response.content
    assert [h["record"] for h in response.json()["hits"]] == [str(record.pk)]
    feature = run_search(
        "lka-by.analyst", {"skills": "weapons"}, mode="feature", file="GWS", purpose="event_danger"
    )
    assert feature.status_code == 400 and feature.json()["code"] == "invalid_mode"


def test_answer_is_json_with_documented_keys(make_record: Any, run_search: Any) -> None:
    _person(make_record)
    body = json.loads(run_search("lka-be.analyst", {"surname": "Müller"}).content)
    assert set(body) == {
        "id",
        "file",
        "mode",
        "purpose",
        "urgency",
        "criteria",
        "created_at",
        "outcome",
        "hit_count",
        "hits",
    }


def test_r_c7_markings_travel_with_the_basic_data_of_a_hit(
    make_record: Any, run_search: Any
) -> None:
    make_record(
        "lka-bw.analyst", basic={"surname": "Markiert", "given_names": "A"}, markings=["other_law"]
    )
    hit = run_search("lka-be.analyst", {"surname": "Markiert"}).json()["hits"][0]
    assert hit["markings"] == ["other_law"]
    assert hit["basic"]["surname"] == "Markiert"
