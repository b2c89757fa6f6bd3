"""Entry rules of a record: who may be stored and which data (R-B1-R-B4, R-C1-R-C10)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.models import CatalogueValue, CatalogueVersion, Record
from verbund.models.records import OBJECT_KINDS
from verbund.selectors.catalogue import current_codes
from verbund.services.record_rules import CONTACT_PERSON_FIELDS, WITHHOLDABLE

RECORDS = "/api/v1/records/"
DECISION = {"decided_by": "bka.head", "reasons": "Quellenschutz im Einzelfall (R-D4)."}


def post(client: Any, payload: dict[str, Any]) -> Any:
    return client.post(RECORDS, payload, format="json")


def rejected(client: Any, payload: dict[str, Any], status: int, code: str, field: str) -> dict:
    """Post, assert the error and that neither a record nor an audit row was stored."""
    stock = Stock()
    body = assert_error(post(client, payload), status, code, field)
    stock.assert_unchanged()
    return body


def created(client: Any, payload: dict[str, Any]) -> dict[str, Any]:
    response = post(client, payload)
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def bka(api: Any) -> Any:
    return api("bka.analyst")


# ---------------------------------------------------------------- R-B1 case groups


@pytest.mark.parametrize("group", ["1a", "1b", "1c", "2"])
def test_r_b1_each_case_group_of_the_statute_is_accepted(bka: Any, group: str) -> None:
    body = created(bka, person_payload(case_group=group))
    assert body["case_group"] == group
    assert Record.objects.get(pk=body["id"]).case_group == group


@pytest.mark.parametrize("group", ["advocating", "3", "", "1", "1A", "2a", None])
def test_r_b1_other_case_groups_are_rejected(bka: Any, group: Any) -> None:
    rejected(bka, person_payload(case_group=group), 400, "invalid_case_group", "case_group")


def test_r_b1_person_without_case_group_is_rejected(bka: Any) -> None:
    payload = person_payload()
    del payload["case_group"]
    rejected(bka, payload, 400, "invalid_case_group", "case_group")


def test_r_b1_objects_take_no_case_group(bka: Any, make_record: Any) -> None:
    person = make_record()
    payload = object_payload(person.pk, case_group="1a")
    rejected(bka, payload, 400, "case_group_not_allowed", "case_group")
    body = created(bka, object_payload(person.pk))
    assert Record.objects.get(pk=body["id"]).case_group == ""


def test_r_b1_catalogue_publishes_exactly_the_four_case_groups(api: Any) -> None:
    groups = api().get("/api/v1/catalogue/").json()["case_groups"]
    assert sorted(g["code"] for g in groups) == ["1a", "1b", "1c", "2"]


# ---------------------------------------------------------------- R-B2 contact persons


@pytest.mark.parametrize("group", ["1a", "2"])
def test_r_b2_contact_persons_accepted_in_case_groups_1a_and_2(bka: Any, group: str) -> None:
    contact = {"surname": "Haddad", "given_names": "Youssef", "date_of_birth": "1979-01-02"}
    body = created(bka, person_payload(case_group=group, extended={"contact_persons": [contact]}))
    assert body["extended"]["contact_persons"] == [contact]


@pytest.mark.parametrize("group", ["1b", "1c"])
def test_r_b2_contact_persons_refused_in_case_groups_1b_and_1c(bka: Any, group: str) -> None:
    payload = person_payload(
        case_group=group, extended={"contact_persons": [{"surname": "Haddad"}]}
    )
    rejected(bka, payload, 400, "contact_persons_not_allowed", "extended.contact_persons")


def test_r_b2_every_field_of_the_closed_list_is_accepted(bka: Any) -> None:
    contact = {
        "surname": "Nasser",
        "given_names": "Khaled",
        "former_names": ["Nasir"],
        "other_names": ["Nassir"],
        "aliases": ["Abu Khaled"],
        "spellings": ["Chalid Nasser"],
        "sex": "m",
        "date_of_birth": "1980-02-03",
        "place_of_birth": "Beirut",
        "country_of_birth": "LB",
        "nationality": "LB",
        "address": "Musterstraße 1, 10115 Berlin",
        "photographs": ["foto-0001.jpg"],
        "phones": ["+49 30 1234567"],
        "emails": ["k.nasser@example.org"],
        "business_contacts": ["Fax +49 30 7654321"],
    }
    assert set(contact) == CONTACT_PERSON_FIELDS
    body = created(bka, person_payload(extended={"contact_persons": [contact]}))
    assert body["extended"]["contact_persons"] == [contact]


@pytest.mark.parametrize("field", ["religion", "profession", "ethnicity", "bank_accounts"])
def test_r_b2_field_outside_the_closed_list_is_refused(bka: Any, field: str) -> None:
    contact = {"surname": "Haddad", field: "x"}
    rejected(
        bka,
        person_payload(extended={"contact_persons": [contact]}),
        400,
        "contact_person_field_not_allowed",
        f"extended.contact_persons[0].{field}",
    )


def test_r_b2_contact_person_needs_a_surname(bka: Any) -> None:
    rejected(
        bka,
        person_payload(extended={"contact_persons": [{"given_names": "Ali"}]}),
        400,
        "required",
        "extended.contact_persons[0].surname",
    )


def test_r_b2_contact_persons_only_inside_extended_data(bka: Any) -> None:
    payload = person_payload()
    payload["basic"] = {**payload["basic"], "contact_persons": [{"surname": "Haddad"}]}
    rejected(bka, payload, 400, "unknown_field", "basic.contact_persons")
    payload = person_payload(contact_persons=[{"surname": "Haddad"}])
    rejected(bka, payload, 400, "unknown_field", "contact_persons")


# ---------------------------------------------------------------- R-B3 findings basis


@pytest.mark.parametrize("value", ["", "   "])
def test_r_b3_findings_basis_is_required(bka: Any, value: Any) -> None:
    payload = person_payload(findings_basis=value)
    rejected(bka, payload, 400, "findings_basis_required", "findings_basis")


def test_r_b3_findings_basis_missing_key_is_rejected(bka: Any) -> None:
    payload = person_payload()
    del payload["findings_basis"]
    rejected(bka, payload, 400, "findings_basis_required", "findings_basis")


def test_r_b3_findings_basis_is_stored_and_shown_to_the_owner(bka: Any) -> None:
    body = created(bka, person_payload(findings_basis="Vermerk 17/2026: Einreise aus Kampfgebiet"))
    assert body["findings_basis"] == "Vermerk 17/2026: Einreise aus Kampfgebiet"
    shown = bka.get(f"{RECORDS}{body['id']}/").json()
    assert shown["findings_basis"] == "Vermerk 17/2026: Einreise aus Kampfgebiet"


# ---------------------------------------------------------------- R-B4 objects


def object_payload(person_id: Any, kind: str = "bank_account", **overrides: Any) -> dict:
    data: dict[str, Any] = {
        "file": "ATD",
        "kind": kind,
        "storage": "open",
        "findings_basis": "Kontoauswertung im Verfahren 2 BJs 1/26",
        "object": {"identifier": f"DE-{kind}-0001", "description": "genutzt von der Hauptperson"},
        "linked_person": str(person_id),
        "reference": {"file_number": f"OBJ-{kind}", "classification": "VS-NfD"},
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("kind", OBJECT_KINDS)
def test_r_b4_object_of_each_kind_with_identifier_and_linked_person(
    bka: Any, make_record: Any, kind: str
) -> None:
    person = make_record()
    body = created(bka, object_payload(person.pk, kind))
    assert body["kind"] == kind
    assert body["object"] == {
        "identifier": f"DE-{kind}-0001",
        "description": "genutzt von der Hauptperson",
    }
    assert body["linked_person"] == str(person.pk)
    assert "basic" not in body and "extended" not in body


def test_r_b4_object_kinds_are_those_of_the_statute() -> None:
    assert set(OBJECT_KINDS) == {
        "association",
        "group",
        "foundation",
        "company",
        "thing",
        "bank_account",
        "address",
        "phone",
        "device",
        "website",
        "email",
    }


def test_r_b4_object_needs_an_identifier(bka: Any, make_record: Any) -> None:
    person = make_record()
    payload = object_payload(person.pk, object={"description": "ohne Kennung"})
    rejected(bka, payload, 400, "required", "object.identifier")


def test_r_b4_object_needs_a_linked_person(bka: Any) -> None:
    payload = object_payload(None)
    del payload["linked_person"]
    rejected(bka, payload, 400, "linked_person_required", "linked_person")


@pytest.mark.parametrize(
    "extra",
    [
        {"basic": {"surname": "Al-Masri"}},
        {"extended": {"religion": "islam_sunni", "religion_reason": "x"}},
    ],
)
def test_r_b4_object_holds_no_personal_data(bka: Any, make_record: Any, extra: dict) -> None:
    person = make_record()
    rejected(bka, object_payload(person.pk, **extra), 400, "personal_data_not_allowed", "basic")


def test_r_b4_object_identification_data_is_a_closed_list(bka: Any, make_record: Any) -> None:
    person = make_record()
    payload = object_payload(person.pk, object={"identifier": "DE89 3704", "holder": "Al-Masri"})
    rejected(bka, payload, 400, "unknown_field", "object.holder")


def test_r_b4_linking_to_another_agencys_record_is_refused(bka: Any, make_record: Any) -> None:
    foreign = make_record("lka-bw.analyst")
    rejected(bka, object_payload(foreign.pk), 400, "linked_person_invalid", "linked_person")


@pytest.mark.parametrize("target", ["object", "invented", "garbage"])
def test_r_b4_link_must_be_an_existing_own_person(bka: Any, make_record: Any, target: str) -> None:
    person = make_record()
    if target == "object":
        link: Any = created(bka, object_payload(person.pk))["id"]
    elif target == "invented":
        link = "00000000-0000-4000-8000-000000000000"
    else:
        link = "not-a-uuid"
    rejected(
        bka,
        object_payload(person.pk, linked_person=link),
        400,
        "linked_person_invalid",
        "linked_person",
    )


def test_r_b4_objects_may_be_stored_covert(api: Any, make_record: Any) -> None:
    person = make_record()
    client = api("bka.analyst")
    body = created(
        client, object_payload(person.pk, "phone", storage="covert", storage_decision=DECISION)
    )
    assert body["storage"] == "covert"
    # Covert: no other agency learns of it (R-D5).
    assert_error(api("lka-bw.analyst").get(f"{RECORDS}{body['id']}/"), 404, "not_found")


def test_r_b4_gws_stores_no_objects(api: Any) -> None:
    gws_person = created(
        api("lka-bw.analyst"),
        {
            "file": "GWS",
            "kind": "person",
            "basic": {"surname": "Becker"},
            "reference": {"file_number": "VB-1"},
        },
    )
    payload = object_payload(gws_person["id"], file="GWS")
    del payload["findings_basis"]
    rejected(api("lka-bw.analyst"), payload, 400, "invalid_choice", "kind")


# ---------------------------------------------------------------- R-C1 basic data

FULL_BASIC = {
    "surname": "Öztürk",
    "given_names": "Ayşe",
    "former_names": ["Yılmaz"],
    "other_names": ["Oeztuerk"],
    "aliases": ["Umm Ali"],
    "spellings": ["Ozturk"],
    "sex": "f",
    "date_of_birth": "1988-07-09",
    "place_of_birth": "Konya",
    "country_of_birth": "TR",
    "nationalities": ["TR", "DE"],
    "former_nationalities": ["SY"],
    "addresses": ["Hauptstraße 5, 50667 Köln"],
    "former_addresses": ["Ringstraße 9, 40210 Düsseldorf"],
    "physical_features": ["Narbe linke Wange"],
    "languages": ["tr", "de"],
    "dialects": ["Anatolisch"],
    "photographs": ["lichtbild-0001.jpg"],
    "identity_papers": ["Reisepass U1234567"],
}


def test_r_c1_every_basic_field_is_stored_and_returned(bka: Any) -> None:
    body = created(bka, person_payload(basic=FULL_BASIC))
    assert body["basic"] == FULL_BASIC
    assert Record.objects.get(pk=body["id"]).basic == FULL_BASIC
    assert bka.get(f"{RECORDS}{body['id']}/").json()["basic"] == FULL_BASIC


@pytest.mark.parametrize("field", ["religion", "profession", "height_cm", "eye_colour"])
def test_r_c1_unknown_basic_field_is_rejected(bka: Any, field: str) -> None:
    payload = person_payload(basic={"surname": "Al-Masri", field: "x"})
    rejected(bka, payload, 400, "unknown_field", f"basic.{field}")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("country_of_birth", "Germany", "invalid_country"),
        ("country_of_birth", "de", "invalid_country"),
        ("nationalities", ["DEU"], "invalid_country"),
        ("sex", "male", "invalid_choice"),
        ("sex", ["m"], "invalid_choice"),
        ("date_of_birth", "14.03.1985", "invalid_date"),
        ("date_of_birth", "1985-02-30", "invalid_date"),
        ("date_of_birth", "2999-01-01", "invalid_date"),
        ("aliases", "Abu Ali", "invalid"),
    ],
)
def test_r_c1_malformed_basic_values_are_rejected(
    bka: Any, field: str, value: Any, code: str
) -> None:
    payload = person_payload(basic={"surname": "Al-Masri", field: value})
    rejected(bka, payload, 400, code, f"basic.{field}")


def test_r_c1_surname_is_required(bka: Any) -> None:
    rejected(bka, person_payload(basic={"given_names": "Ali"}), 400, "required", "basic.surname")


# ---------------------------------------------------------------- R-C2 extended data

FULL_EXTENDED = {
    "phones": ["+49 151 2345678"],
    "devices": ["IMEI 356938035643809"],
    "emails": ["a.masri@example.org"],
    "bank_accounts": ["DE89 3704 0044 0532 0130 00"],
    "safe_deposit_boxes": ["Schließfach 117, Sparkasse Köln"],
    "vehicles": ["K-AB 1234"],
    "marital_status": "married",
    "ethnicity": "arab",
    "religion": "islam_sunni",
    "religion_reason": "Zur Identifizierung erforderlich: Namensgleichheit mit Dritten.",
    "skills": ["explosives", "weapons"],
    "education": "Abitur",
    "profession": "Elektriker",
    "critical_infrastructure": ["energy"],
    "dangerousness": ["armed", "ready_for_violence"],
    "licences": ["Fahrerlaubnis Klasse B", "Privatpilotenlizenz"],
    "visited_places": ["training_camp"],
    "contact_persons": [{"surname": "Haddad", "given_names": "Youssef"}],
    "organisation": "Beispielvereinigung",
    "last_event_date": "2026-01-15",
    "free_text": "Spricht fließend Französisch.",
    "websites": ["https://example.org/blog"],
}


def test_r_c2_every_extended_field_is_accepted_and_returned_to_the_owner(bka: Any) -> None:
    assert set(FULL_EXTENDED) == WITHHOLDABLE | {"religion_reason"}
    body = created(bka, person_payload(extended=FULL_EXTENDED))
    assert body["extended"] == FULL_EXTENDED
    assert bka.get(f"{RECORDS}{body['id']}/").json()["extended"] == FULL_EXTENDED


def test_r_c2_unknown_extended_field_is_rejected(bka: Any) -> None:
    payload = person_payload(extended={"shoe_size": "44"})
    rejected(bka, payload, 400, "unknown_field", "extended.shoe_size")


def test_r_c2_gws_has_no_extended_data(api: Any) -> None:
    payload = {
        "file": "GWS",
        "kind": "person",
        "basic": {"surname": "Becker"},
        "extended": {"phones": ["+49 30 1"]},
        "reference": {"file_number": "VB-2"},
    }
    rejected(api("lka-bw.analyst"), payload, 400, "extended_not_allowed", "extended")


# ---------------------------------------------------------------- R-C3 reference


@pytest.mark.parametrize("classification", ["none", "VS-NfD", "VS-V", "GEHEIM", "STRENG-GEHEIM"])
def test_r_c3_each_classification_is_accepted(bka: Any, classification: str) -> None:
    payload = person_payload(
        reference={"file_number": "ST 12/26", "classification": classification}
    )
    body = created(bka, payload)
    assert body["reference"] == {
        "agency": "BKA",
        "file_number": "ST 12/26",
        "classification": classification,
    }


@pytest.mark.parametrize("classification", ["TOP-SECRET", "geheim", "VS-Vertraulich", ""])
def test_r_c3_unknown_classification_is_rejected(bka: Any, classification: str) -> None:
    payload = person_payload(
        reference={"file_number": "ST 12/26", "classification": classification}
    )
    rejected(bka, payload, 400, "invalid_choice", "reference.classification")


@pytest.mark.parametrize("ref", [{}, {"file_number": ""}, {"classification": "GEHEIM"}])
def test_r_c3_file_number_is_required(bka: Any, ref: dict) -> None:
    rejected(bka, person_payload(reference=ref), 400, "required", "reference.file_number")


def test_r_c3_reference_holds_only_agency_number_and_classification(bka: Any) -> None:
    payload = person_payload(reference={"file_number": "ST 1", "agency": "BND"})
    rejected(bka, payload, 400, "unknown_field", "reference.agency")


# ---------------------------------------------------------------- R-C4 catalogues


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ethnicity", "martian"),
        ("religion", "pastafarian"),
        ("marital_status", "complicated"),
        ("skills", ["flying_carpet"]),
        ("skills", ["weapons", "flying_carpet"]),
        ("critical_infrastructure", ["moon_base"]),
        ("dangerousness", ["grumpy"]),
        ("visited_places", ["disneyland"]),
        ("visited_places", "training_camp"),
    ],
)
def test_r_c4_value_outside_the_catalogue_is_rejected(bka: Any, field: str, value: Any) -> None:
    extended = {field: value}
    if field == "religion":
        extended["religion_reason"] = "Identifizierung"
    payload = person_payload(extended=extended)
    rejected(bka, payload, 400, "not_in_catalogue", f"extended.{field}")


CATALOGUE_FIELDS = (
    "case_groups",
    "ethnicity",
    "religion",
    "skills",
    "critical_infrastructure",
    "dangerousness",
    "visited_places",
)


def test_r_c4_catalogue_is_published_without_login(api: Any) -> None:
    response = api().get("/api/v1/catalogue/")
    assert response.status_code == 200
    body = response.json()
    for field in CATALOGUE_FIELDS:
        assert body[field], field
        for value in body[field]:
            assert set(value) == {"code", "label", "valid_from"}
            datetime.date.fromisoformat(value["valid_from"])
            assert value["label"]
        assert {v["code"] for v in body[field]} == current_codes(field)
    assert "explosives" in {v["code"] for v in body["skills"]}


def _publish(field: str, codes: list[str], valid_from: datetime.date) -> CatalogueVersion:
    number = CatalogueVersion.objects.filter(field=field).count() + 1
    version = CatalogueVersion.objects.create(field=field, number=number, valid_from=valid_from)
    for code in codes:
        CatalogueValue.objects.create(version=version, code=code, label_de=code, label_en=code)
    return version


def test_r_c4_new_catalogue_version_applies_only_from_its_date(api: Any) -> None:
    valid_from = timezone.localdate() + datetime.timedelta(days=20)
    _publish("skills", ["explosives", "weapons", "drones"], valid_from)
    client = api("bka.analyst")
    payload = person_payload(extended={"skills": ["drones"]})
    rejected(client, payload, 400, "not_in_catalogue", "extended.skills")
    published = {v["code"] for v in api().get("/api/v1/catalogue/").json()["skills"]}
    assert "drones" not in published and "forgery" in published
    with time_machine.travel(valid_from, tick=False):
        skills = api().get("/api/v1/catalogue/").json()["skills"]
        assert {v["code"] for v in skills} == {"explosives", "weapons", "drones"}
        assert {v["valid_from"] for v in skills} == {valid_from.isoformat()}
        body = created(client, person_payload(extended={"skills": ["drones"]}))
        assert body["extended"]["skills"] == ["drones"]
        # A value the new version dropped is no longer accepted.
        payload = person_payload(extended={"skills": ["forgery"]})
        rejected(client, payload, 400, "not_in_catalogue", "extended.skills")


# ---------------------------------------------------------------- R-C5 identifying values only


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ethnicity", "arabisch"),
        ("ethnicity", "Araber aus dem Norden, sehr traditionell"),
        ("ethnicity", ["arab"]),
        ("ethnicity", {"code": "arab"}),
        ("religion", "Islam (sunnitisch)"),
        ("religion", "strenggläubiger Muslim, radikal"),
        ("religion", ["islam_sunni"]),
    ],
)
def test_r_c5_ethnicity_and_religion_take_catalogue_codes_only(
    bka: Any, field: str, value: Any
) -> None:
    extended: dict[str, Any] = {field: value, "religion_reason": "Identifizierung"}
    rejected(bka, person_payload(extended=extended), 400, "not_in_catalogue", f"extended.{field}")


def test_r_c5_ethnicity_code_is_stored_as_the_code(bka: Any) -> None:
    body = created(bka, person_payload(extended={"ethnicity": "kurdish"}))
    assert body["extended"] == {"ethnicity": "kurdish"}


# ---------------------------------------------------------------- R-C6 free text


def test_r_c6_free_text_of_2000_characters_is_accepted(bka: Any) -> None:
    text = "x" * 2000
    body = created(bka, person_payload(extended={"free_text": text}))
    assert body["extended"]["free_text"] == text


def test_r_c6_free_text_of_2001_characters_is_rejected(bka: Any) -> None:
    payload = person_payload(extended={"free_text": "x" * 2001})
    rejected(bka, payload, 400, "free_text_too_long", "extended.free_text")


# ---------------------------------------------------------------- R-C7 markings


def test_r_c7_markings_are_shown_to_the_owner(bka: Any) -> None:
    body = created(bka, person_payload(markings=["other_law"]))
    assert body["markings"] == ["other_law"]
    assert bka.get(f"{RECORDS}{body['id']}/").json()["markings"] == ["other_law"]


def test_r_c7_markings_travel_to_a_gws_participant_retrieving_the_record(api: Any) -> None:
    body = created(
        api("lka-bw.analyst"),
        {
            "file": "GWS",
            "kind": "person",
            "markings": ["other_law"],
            "basic": {"surname": "Schröder", "given_names": "Jörg"},
            "reference": {"file_number": "VB-LKA-BW-7"},
        },
    )
    for reader in ("lka-by.analyst", "bka.analyst", "bpol.analyst"):
        seen = api(reader).get(f"{RECORDS}{body['id']}/")
        assert seen.status_code == 200, reader
        assert seen.json()["markings"] == ["other_law"], reader
        assert seen.json()["reference"]["agency"] == "LKA-BW"


def test_r_c7_unknown_marking_is_rejected(bka: Any) -> None:
    rejected(bka, person_payload(markings=["art99"]), 400, "invalid_choice", "markings")


# ---------------------------------------------------------------- R-C8 covert-only markings


@pytest.mark.parametrize("marking", ["art10", "art13", "it_system"])
@pytest.mark.parametrize("storage", ["open", "restricted"])
def test_r_c8_covert_only_marking_with_other_storage_is_rejected(
    bka: Any, marking: str, storage: str
) -> None:
    payload = person_payload(storage=storage, markings=[marking])
    if storage != "open":
        payload["storage_decision"] = DECISION
    rejected(bka, payload, 400, "covert_required", "storage")


@pytest.mark.parametrize("marking", ["art10", "art13", "it_system"])
def test_r_c8_covert_only_marking_with_covert_storage_is_accepted(bka: Any, marking: str) -> None:
    body = created(
        bka, person_payload(storage="covert", storage_decision=DECISION, markings=[marking])
    )
    assert body["storage"] == "covert"
    assert body["markings"] == [marking]


def test_r_c8_patch_to_open_storage_of_a_marked_record_is_rejected(bka: Any) -> None:
    body = created(
        bka, person_payload(storage="covert", storage_decision=DECISION, markings=["art10"])
    )
    stock = Stock()
    response = bka.patch(f"{RECORDS}{body['id']}/", {"storage": "open"}, format="json")
    assert_error(response, 400, "covert_required", "storage")
    stock.assert_unchanged()
    record = Record.objects.get(pk=body["id"])
    assert record.storage == "covert" and record.version == 1


def test_r_c8_patch_to_restricted_with_decision_is_still_rejected(bka: Any) -> None:
    body = created(
        bka, person_payload(storage="covert", storage_decision=DECISION, markings=["it_system"])
    )
    response = bka.patch(
        f"{RECORDS}{body['id']}/",
        {"storage": "restricted", "storage_decision": DECISION},
        format="json",
    )
    assert_error(response, 400, "covert_required", "storage")
    assert Record.objects.get(pk=body["id"]).storage == "covert"


def test_r_c8_patch_adding_a_covert_only_marking_to_an_open_record_is_rejected(
    bka: Any, make_record: Any
) -> None:
    record = make_record()
    stock = Stock()
    response = bka.patch(f"{RECORDS}{record.pk}/", {"markings": ["art13"]}, format="json")
    assert_error(response, 400, "covert_required", "storage")
    stock.assert_unchanged()
    assert Record.objects.get(pk=record.pk).markings == []


@pytest.mark.parametrize("storage", ["open", "restricted"])
def test_r_c8_model_clean_refuses_non_covert_storage_with_art10(storage: str) -> None:
    record = Record(storage=storage, markings=["art10"])
    with pytest.raises(ValidationError) as info:
        record.clean()
    assert info.value.message_dict == {"storage": ["covert_required"]}
    Record(storage="covert", markings=["art10", "art13"]).clean()
    Record(storage="open", markings=["other_law"]).clean()


# ---------------------------------------------------------------- R-C9 bulk import


def test_r_c9_seed_demo_never_fills_free_text_and_maps_to_catalogue_values(reference: Any) -> None:
    assert not Record.objects.exists()
    call_command("seed_demo", records=40, stdout=io.StringIO())
    records = list(Record.objects.select_related("file"))
    # --records counts persons; some demo persons get a linked object (identification only).
    assert len([r for r in records if r.is_person]) == 40
    for obj in (r for r in records if not r.is_person):
        assert obj.linked_person_id and not obj.basic and not obj.extended
    codes = {
        field: current_codes(field)
        for field in (
            "ethnicity",
            "religion",
            "marital_status",
            "skills",
            "critical_infrastructure",
            "dangerousness",
            "visited_places",
        )
    }
    case_groups = current_codes("case_groups")
    for record in records:
        assert not record.extended.get("free_text"), record.pk
        for field, allowed in codes.items():
            value = record.extended.get(field)
            values = value if isinstance(value, list) else ([value] if value else [])
            assert set(values) <= allowed, (record.pk, field, values)
        if record.file.is_atd and record.is_person:
            assert record.case_group in case_groups
        assert record.findings_basis or not record.file.is_atd


# ---------------------------------------------------------------- R-C10 religion reason


def test_r_c10_religion_without_reason_is_rejected(bka: Any) -> None:
    payload = person_payload(extended={"religion": "islam_shia"})
    rejected(bka, payload, 400, "reason_required", "extended.religion_reason")


def test_r_c10_religion_with_blank_reason_is_rejected(bka: Any) -> None:
    payload = person_payload(extended={"religion": "islam_shia", "religion_reason": "  "})
    rejected(bka, payload, 400, "reason_required", "extended.religion_reason")


def test_r_c10_religion_with_reason_is_accepted_and_both_are_stored(bka: Any) -> None:
    extended = {"religion": "yazidi", "religion_reason": "Abgrenzung zu gleichnamiger Person."}
    body = created(bka, person_payload(extended=extended))
    assert body["extended"] == extended
    assert Record.objects.get(pk=body["id"]).extended == extended
