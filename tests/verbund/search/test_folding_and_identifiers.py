"""Issue 13: one folding for every script (R-E2, R-E5, R-C1), identifiers as identifiers (R-E4).

Entered through the record service, searched through the API: the keys of entry and
search are made by the same registry (``verbund.search.keys``).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import person_payload
from verbund.models import FeatureValue, NameKey, Record
from verbund.search.normalise import FOLDING_VERSION, fold


def _person(make_record: Any, **basic: Any) -> Any:
    data = {"surname": "Müller", "given_names": "Karl", "date_of_birth": "1980-01-02"}
    data.update(basic)
    return make_record("bka.analyst", basic=data)


def _hits(run_search: Any, criteria: dict[str, str], mode: str = "name") -> list[Any]:
    response = run_search("lka-be.analyst", criteria, mode=mode)
    assert response.status_code == 201, response.content
    return list(response.json()["hits"])


SAME_NAME = [
    ("Yılmaz", "Yilmaz"),  # dotless i
    ("YILMAZ", "Yılmaz"),
    ("İbrahim", "Ibrahim"),  # dotted capital I
    ("Łukasz", "Lukasz"),
    ("Søren", "Soeren"),
    ("Søren", "Soren"),
    ("Soeren", "Søren"),
    ("Đorđević", "Dordevic"),
    ("Dordevic", "Đorđević"),
    ("Æbelø", "Aebeloe"),
    ("Ærø", "Aero"),
    ("Œlschläger", "Oelschlaeger"),
    ("Þórsson", "Thorsson"),
    ("Strauß", "Strauss"),
    ("Mül\u200bler", "Müller"),  # zero-width space
    ("Mül\u00adler", "Müller"),  # soft hyphen
    ("Müller\u200d", "Müller"),  # trailing zero-width joiner
    ("\ufeffMüller", "Müller"),  # byte order mark
    ("Mül\u200cler", "Mueller"),  # zero-width non-joiner
    ("عبد\u0640العزيز", "عبدالعزيز"),  # Arabic tatweel
    ("ʿAbd al-ʿAzīz", "Abd al-Aziz"),  # U+02BF
    ("ʿAbd al-ʿAzīz", "Abdalaziz"),
    ("Abd al-Aziz", "ʿAbd al-ʿAzīz"),
    ("raʾis", "rais"),  # U+02BE
    ("O'Brien", "OBrien"),
    ("Иванов", "Ivanov"),  # a Cyrillic name is found by its Latin transliteration
    ("Ivanov", "Иванов"),
]


@pytest.mark.parametrize(("stored", "queried"), SAME_NAME)
def test_r_e2_r_e5_folding_covers_every_script_and_mark(
    make_record: Any, run_search: Any, stored: str, queried: str
) -> None:
    """R-E2 (missed hits): each pair is one key after the one folding of R-E5."""
    assert fold(stored) == fold(queried)
    record = _person(make_record, surname=stored)
    assert [h["record"] for h in _hits(run_search, {"surname": queried})] == [str(record.pk)]


@pytest.mark.parametrize(
    ("stored", "queried"),
    [("Mohammed", "Mohd. Faris"), ("Faris", "Mohd. Faris")],
)
def test_r_e5_folding_still_no_similarity(
    make_record: Any, run_search: Any, stored: str, queried: str
) -> None:
    """R-E5: marks and scripts fold; different names stay different."""
    _person(make_record, surname="Yılmaz", given_names=stored)
    assert _hits(run_search, {"surname": "Yilmaz", "given_names": queried}) == []


def test_r_e5_given_names_fold_the_same_way(make_record: Any, run_search: Any) -> None:
    record = _person(make_record, surname="Đorđević", given_names="Łukasz Søren")
    hits = _hits(run_search, {"surname": "Dordevic", "given_names": "Lukasz Soeren"})
    assert [h["record"] for h in hits] == [str(record.pk)]


def test_r_e5_mixed_script_word_refused_at_entry(api: Any) -> None:
    """A Cyrillic М in an otherwise Latin word: 400 mixed_script naming the field."""
    body = person_payload(basic={"surname": "Мüller", "given_names": "Karl"})
    response = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "mixed_script"
    assert "basic.surname" in response.json()["fields"]
    body = person_payload(basic={"surname": "Müller", "aliases": ["Abu Кarl"]})
    response = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert response.json()["code"] == "mixed_script"
    assert "basic.aliases[0]" in response.json()["fields"]


def test_r_e5_mixed_script_word_refused_at_search(make_record: Any, run_search: Any) -> None:
    _person(make_record)
    for criteria in ({"surname": "Мüller"}, {"surname": "Müller", "given_names": "Кarl"}):
        response = run_search("lka-be.analyst", criteria)
        assert response.status_code == 400
        assert response.json()["code"] == "mixed_script"
        assert f"criteria.{list(criteria)[-1]}" in response.json()["fields"]


def test_r_e5_scripts_in_separate_words_and_japanese_are_not_mixed(make_record: Any) -> None:
    _person(make_record, surname="Al-Масри", other_names=["山田はなこ"])


def test_r_c1_non_latin_name_keeps_its_form_and_gets_a_latin_variant(
    make_record: Any, run_search: Any, api: Any
) -> None:
    """R-C1: the original stays; the Latin transliteration is a visible variant spelling."""
    record = _person(make_record, surname="Иванов", aliases=["Сокол"], spellings=["Ivanoff"])
    assert record.basic["surname"] == "Иванов"
    assert record.basic["spellings"] == ["Ivanoff", "Ivanov"]
    assert record.basic["aliases"] == ["Сокол", "Sokol"]
    shown = api("bka.analyst").get(f"/api/v1/records/{record.pk}/").json()
    assert "Ivanov" in str(shown)
    for queried in ("Ivanov", "Sokol", "Иванов"):
        hits = _hits(run_search, {"surname": queried})
        assert [h["record"] for h in hits] == [str(record.pk)], queried
    # A change keeps one transliteration, not one per save.
    from agencies.models import Officer
    from verbund.services.records import record_update

    actor = Officer.objects.get(username="bka.analyst")
    record_update(actor=actor, record_id=record.pk, data={"basic": {"given_names": "Pjotr"}})
    record.refresh_from_db()
    assert record.basic["spellings"] == ["Ivanoff", "Ivanov"]


# ------------------------------------------------------------------------- identifiers


def _feature_person(make_record: Any, **extended: Any) -> Any:
    return make_record(
        "lka-he.analyst",
        basic={"surname": "Merkmal", "given_names": "Fritz"},
        extended=extended,
    )


@pytest.mark.parametrize(
    ("field", "stored", "queried"),
    [
        ("phones", "+49 (0)30 1234567", "+49 30 1234567"),
        ("phones", "+49 (0)30 1234567", "0049 30 1234567"),
        ("phones", "+49 (0)30 1234567", "+49 (0)30 1234567"),
        ("phones", "+49 (0)30 1234567", "030 1234567"),
        ("phones", "030/123 45 67", "+49301234567"),
        ("phones", "+1 (202) 555-0100", "001 202 555 0100"),
        ("bank_accounts", "DE89 3704 0044 0532 0130 00", "de89370400440532013000"),
        ("bank_accounts", "GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32"),
        ("emails", "Abu.Test@Example.ORG", "abu.test@example.org"),
        ("emails", "post@Müller.de", "post@xn--mller-kva.de"),
        ("websites", "HTTPS://Example.org:443/", "https://example.org"),
        ("websites", "http://example.org:80/path/", "HTTP://EXAMPLE.ORG/path"),
        ("websites", "https://example.org/a?b=1", "https://EXAMPLE.org/a/?b=1"),
        ("vehicles", "M-XY 1234", "m xy 1234"),
        ("vehicles", "M-XY 1234", "M-XY1234"),
        ("vehicles", "B-NO 1234E", "b-no 1234 e".replace(" e", "E")),
        ("devices", "IMEI 35-209900-176148-1", "imei 352099001761481"),
    ],
)
def test_r_e4_identifiers_are_found_in_their_canonical_form(
    make_record: Any, run_search: Any, field: str, stored: str, queried: str
) -> None:
    record = _feature_person(make_record, **{field: [stored]})
    hits = _hits(run_search, {field: queried}, mode="feature")
    assert len(hits) == 1
    assert FeatureValue.objects.filter(record=record, field=field).count() == 1


@pytest.mark.parametrize(
    ("field", "stored", "queried"),
    [
        ("vehicles", "M-XY 1234", "MX-Y 1234"),
        ("vehicles", "B-NO 1234", "BN-O 1234"),
        ("vehicles", "B-NO 1234", "BNO 1234"),
        ("vehicles", "AB-12-CD", "AB1-2CD"),  # foreign plates keep their separators
        ("phones", "+49 30 1234567", "+49 30 1234568"),
        ("phones", "+49 30 1234567", "+43 30 1234567"),
        ("phones", "+49 30 1234567 ext 5", "+49 30 1234567"),
        ("bank_accounts", "DE89 3704 0044 0532 0130 00", "DE02 1203 0000 0000 2020 51"),
        ("emails", "a.b@example.org", "a.b@example.com"),
        ("websites", "https://example.org/a", "https://example.org/b"),
        ("websites", "https://example.org:8443/", "https://example.org/"),
        ("websites", "http://example.org/", "https://example.org/"),
        ("devices", "IMEI 35-209900-176148-1", "IMEI 35-209900-176148-2"),
    ],
)
def test_r_e4_different_identifiers_never_match(
    make_record: Any, run_search: Any, field: str, stored: str, queried: str
) -> None:
    """R-E4: identifiers are compared as identifiers — no false hit (a leak)."""
    _feature_person(make_record, **{field: [stored]})
    assert _hits(run_search, {field: queried}, mode="feature") == []


def test_r_e4_phone_brackets_are_no_wildcard_but_asterisk_is(
    make_record: Any, run_search: Any
) -> None:
    _feature_person(make_record, phones=["+49 (0)30 1234567"])
    assert len(_hits(run_search, {"phones": "+49 (0)30 1234567"}, mode="feature")) == 1
    response = run_search("lka-he.analyst", {"phones": "+49 (0)30 123*"}, mode="feature")
    assert response.json()["code"] == "wildcards_not_allowed"


def test_r_e4_invalid_iban_refused_at_entry_and_search(api: Any, run_search: Any) -> None:
    body = person_payload(extended={"bank_accounts": ["DE89 3704 0044 0532 0130 01"]})
    response = api("bka.analyst").post("/api/v1/records/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_iban"
    assert "extended.bank_accounts[0]" in response.json()["fields"]
    response = run_search(
        "bka.analyst", {"bank_accounts": "DE89 3704 0044 0532 0130 01"}, mode="feature"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_iban"


def test_r_e4_unparseable_identifiers_are_kept_verbatim_folded(
    make_record: Any, run_search: Any
) -> None:
    """Never guessed: a bank reference that is no IBAN and a phone that is no number."""
    _feature_person(make_record, bank_accounts=["Kto 123 456 BLZ 100 200 30"], phones=["Skype x"])
    assert len(_hits(run_search, {"bank_accounts": "kto 123456 blz 10020030"}, "feature")) == 1
    assert len(_hits(run_search, {"phones": "skype x"}, mode="feature")) == 1


def test_r_e4_object_identifiers_use_the_same_key_functions(
    make_record: Any, run_search: Any, api: Any
) -> None:
    person = _feature_person(make_record, phones=["+49 (0)40 7654321"])
    obj = {
        "file": "ATD",
        "kind": "phone",
        "findings_basis": "Erkenntnisse",
        "object": {"identifier": "0049 40 7654321"},
        "linked_person": str(person.pk),
        "reference": {"file_number": "OBJ-PHONE-1", "classification": "VS-NfD"},
    }
    created = api("lka-he.analyst").post("/api/v1/records/", obj, format="json")
    assert created.status_code == 201, created.content
    response = run_search(
        "lka-he.analyst", {"kind": "phone", "identifier": "+49 40 7654321"}, mode="object"
    )
    assert response.status_code == 201, response.content
    assert response.json()["hit_count"] == 2  # the object and the person's phone


# --------------------------------------------------------------------------- rebuild


def test_r_e5_rebuild_search_keys_rewrites_stale_keys(make_record: Any, run_search: Any) -> None:
    """Keys made with an older folding are recomputed, in batches, resumably."""
    records = [_person(make_record, surname=name) for name in ("Yılmaz", "Søren", "Łukasz")]
    # Simulate keys of the old folding: wrong keys, an old version.
    NameKey.objects.filter(record__in=records).update(surname_key="old")
    Record.objects.filter(pk__in=[r.pk for r in records]).update(keys_version=1)
    assert _hits(run_search, {"surname": "Yilmaz"}) == []
    out = StringIO()
    call_command("rebuild_search_keys", "--batch", "2", stdout=out, stderr=StringIO())
    assert "3 records rewritten" in out.getvalue()
    assert set(Record.objects.values_list("keys_version", flat=True)) == {FOLDING_VERSION}
    for name in ("Yilmaz", "Soeren", "Lukasz"):
        assert len(_hits(run_search, {"surname": name})) == 1, name
    out = StringIO()
    call_command("rebuild_search_keys", stdout=out, stderr=StringIO())
    assert "0 records rewritten" in out.getvalue()


def test_r_e5_new_records_carry_the_current_folding_version(make_record: Any) -> None:
    record = _person(make_record)
    record.refresh_from_db()
    assert record.keys_version == FOLDING_VERSION
