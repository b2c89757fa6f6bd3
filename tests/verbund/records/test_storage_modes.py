"""Storage modes: open, restricted, covert and the storage decision (R-D1, R-D2, R-D4, R-D5)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from agencies.models import Agency, FileAuthorisation, Officer, Role
from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.access.records import agency_group
from verbund.models import File, Record
from verbund.services.record_rules import WITHHOLDABLE

RECORDS = "/api/v1/records/"
DECISION = {"decided_by": "bka.head", "reasons": "Schutz einer menschlichen Quelle (R-D4)."}


def post(client: Any, payload: dict[str, Any]) -> Any:
    return client.post(RECORDS, payload, format="json")


def created(client: Any, payload: dict[str, Any]) -> dict[str, Any]:
    response = post(client, payload)
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def bka(api: Any) -> Any:
    return api("bka.analyst")


# ---------------------------------------------------------------- R-D1 open


def test_r_d1_open_record_shows_basic_data_and_reference_to_the_owner(bka: Any) -> None:
    payload = person_payload()
    body = created(bka, payload)
    shown = bka.get(f"{RECORDS}{body['id']}/")
    assert shown.status_code == 200
    data = shown.json()
    assert data["storage"] == "open"
    assert data["storage_decision"] is None
    assert data["basic"] == payload["basic"]
    assert data["reference"] == {"agency": "BKA", **payload["reference"]}


def test_r_d1_open_storage_needs_no_decision(bka: Any) -> None:
    body = created(bka, person_payload(storage="open"))
    assert Record.objects.get(pk=body["id"]).storage_decided_by is None


# ---------------------------------------------------------------- R-D2 restricted


def test_r_d2_restricted_without_withheld_leaves_out_every_extended_field(bka: Any) -> None:
    body = created(bka, person_payload(storage="restricted", storage_decision=DECISION))
    assert body["withheld"] == sorted(WITHHOLDABLE)
    assert body["extended"] == {}
    record = Record.objects.get(pk=body["id"])
    assert record.extended == {} and record.withheld == sorted(WITHHOLDABLE)


def test_r_d2_value_for_a_field_withheld_by_default_is_rejected(bka: Any) -> None:
    payload = person_payload(
        storage="restricted", storage_decision=DECISION, extended={"phones": ["+49 30 1"]}
    )
    stock = Stock()
    assert_error(post(bka, payload), 400, "withheld_field_given", "extended.phones")
    stock.assert_unchanged()


def test_r_d2_value_for_a_named_withheld_field_is_rejected(bka: Any) -> None:
    payload = person_payload(
        storage="restricted",
        storage_decision=DECISION,
        withheld=["religion", "phones"],
        extended={"phones": ["+49 30 1"], "vehicles": ["B-XY 1"]},
    )
    stock = Stock()
    body = assert_error(post(bka, payload), 400, "withheld_field_given", "extended.phones")
    assert "extended.vehicles" not in body["fields"]
    stock.assert_unchanged()


def test_r_d2_partly_restricted_record_stores_only_what_is_not_withheld(bka: Any) -> None:
    body = created(
        bka,
        person_payload(
            storage="restricted",
            storage_decision=DECISION,
            withheld=["religion", "phones"],
            extended={"vehicles": ["B-XY 1"]},
        ),
    )
    assert body["withheld"] == ["phones", "religion"]
    assert body["extended"] == {"vehicles": ["B-XY 1"]}


@pytest.mark.parametrize("storage", ["open", "covert"])
def test_r_d2_withheld_is_only_for_restricted_storage(bka: Any, storage: str) -> None:
    payload = person_payload(storage=storage, withheld=["phones"])
    if storage == "covert":
        payload["storage_decision"] = DECISION
    stock = Stock()
    assert_error(post(bka, payload), 400, "withheld_requires_restricted", "withheld")
    stock.assert_unchanged()


@pytest.mark.parametrize("withheld", [["shoe_size"], "phones", ["religion_reason"], [{"a": 1}]])
def test_r_d2_withheld_names_extended_fields_only(bka: Any, withheld: Any) -> None:
    payload = person_payload(storage="restricted", storage_decision=DECISION, withheld=withheld)
    stock = Stock()
    assert_error(post(bka, payload), 400, "invalid_choice", "withheld")
    stock.assert_unchanged()


# ---------------------------------------------------------------- R-D4 storage decision


@pytest.mark.parametrize("storage", ["restricted", "covert"])
def test_r_d4_restricted_or_covert_needs_a_storage_decision(bka: Any, storage: str) -> None:
    stock = Stock()
    assert_error(
        post(bka, person_payload(storage=storage)),
        400,
        "storage_decision_required",
        "storage_decision",
    )
    stock.assert_unchanged()


@pytest.mark.parametrize(
    ("decision", "field"),
    [
        ({"decided_by": "bka.head"}, "storage_decision.reasons"),
        ({"decided_by": "bka.head", "reasons": "   "}, "storage_decision.reasons"),
        ({"reasons": "Quellenschutz"}, "storage_decision.decided_by"),
        ("bka.head", "storage_decision"),
    ],
)
def test_r_d4_decision_needs_decider_and_reasons(bka: Any, decision: Any, field: str) -> None:
    stock = Stock()
    payload = person_payload(storage="covert", storage_decision=decision)
    assert_error(post(bka, payload), 400, "storage_decision_required", field)
    stock.assert_unchanged()


@pytest.mark.parametrize(
    "decider", ["bka.analyst", "lka-bw.head", "bfv.head", "bfdi.supervisor", "no.such.user"]
)
@pytest.mark.parametrize("storage", ["restricted", "covert"])
def test_r_d4_only_the_owners_head_may_decide(bka: Any, decider: str, storage: str) -> None:
    stock = Stock()
    payload = person_payload(
        storage=storage, storage_decision={"decided_by": decider, "reasons": "Quellenschutz"}
    )
    assert_error(post(bka, payload), 403, "decision_not_authorised", "storage_decision.decided_by")
    stock.assert_unchanged()


def test_r_d4_inactive_head_may_not_decide(bka: Any) -> None:
    Officer.objects.filter(username="bka.head").update(is_active=False)
    payload = person_payload(storage="covert", storage_decision=DECISION)
    assert_error(post(bka, payload), 403, "decision_not_authorised")


def test_r_d4_decision_and_reasons_are_stored(bka: Any, officer: Any) -> None:
    body = created(bka, person_payload(storage="covert", storage_decision=DECISION))
    assert body["storage_decision"] == DECISION
    record = Record.objects.get(pk=body["id"])
    assert record.storage_decided_by == officer("bka.head")
    assert record.storage_reasons == DECISION["reasons"]
    assert bka.get(f"{RECORDS}{body['id']}/").json()["storage_decision"] == DECISION


def test_r_d4_head_may_enter_and_decide_alone(api: Any) -> None:
    body = created(api("bka.head"), person_payload(storage="restricted", storage_decision=DECISION))
    assert body["storage_decision"]["decided_by"] == "bka.head"


def test_r_d4_patch_changing_storage_needs_a_new_decision(bka: Any) -> None:
    body = created(bka, person_payload(storage="restricted", storage_decision=DECISION))
    url = f"{RECORDS}{body['id']}/"
    stock = Stock()
    response = bka.patch(url, {"storage": "covert"}, format="json")
    assert_error(response, 400, "storage_decision_required", "storage_decision")
    stock.assert_unchanged()
    assert Record.objects.get(pk=body["id"]).storage == "restricted"

    new_decision = {"decided_by": "bka.head", "reasons": "Neue Lage: verdeckte Speicherung."}
    response = bka.patch(
        url, {"storage": "covert", "storage_decision": new_decision}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["storage_decision"] == new_decision
    record = Record.objects.get(pk=body["id"])
    assert (record.storage, record.storage_reasons) == ("covert", new_decision["reasons"])


def test_r_d4_patch_from_open_to_restricted_needs_a_decision(bka: Any, make_record: Any) -> None:
    record = make_record()
    url = f"{RECORDS}{record.pk}/"
    assert_error(
        bka.patch(url, {"storage": "restricted"}, format="json"),
        400,
        "storage_decision_required",
        "storage_decision",
    )
    bad = {"decided_by": "bka.analyst", "reasons": "selbst entschieden"}
    assert_error(
        bka.patch(url, {"storage": "restricted", "storage_decision": bad}, format="json"),
        403,
        "decision_not_authorised",
    )
    assert Record.objects.get(pk=record.pk).storage == "open"


def test_r_d4_patch_other_fields_keeps_the_recorded_decision(bka: Any) -> None:
    body = created(bka, person_payload(storage="covert", storage_decision=DECISION))
    response = bka.patch(f"{RECORDS}{body['id']}/", {"findings_basis": "ergänzt"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["storage_decision"] == DECISION


# ---------------------------------------------------------------- R-D5 covert


def _covert_record(make_record: Any) -> Record:
    return make_record(
        "bfv.analyst",
        storage="covert",
        storage_decision={"decided_by": "bfv.head", "reasons": "Quellenschutz"},
    )


def _body_and_status(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()


@pytest.fixture
def superuser_with_agency(reference: Any) -> Officer:
    user = Officer.objects.create_superuser(
        username="root.bka",
        password="irrelevant-123",
        agency=Agency.objects.get(code="BKA"),
        role=Role.HEAD,
    )
    FileAuthorisation.objects.create(officer=user, file=File.objects.get(code="ATD"))
    return user


@pytest.mark.parametrize(
    "username", ["bka.analyst", "bka.head", "lka-bw.analyst", "bnd.analyst", "bfv-none"]
)
def test_r_d5_covert_record_answers_like_a_missing_one_to_every_other_agency(
    api: Any, make_record: Any, username: str
) -> None:
    record = _covert_record(make_record)
    if username == "bfv-none":
        # Even the owner's colleague without file authorisation learns nothing (R-A4).
        FileAuthorisation.objects.filter(officer__username="bfv.head").delete()
        username = "bfv.head"
    client = api(username)
    invented = uuid.uuid4()
    for method, suffix, body in [
        ("get", "", None),
        ("patch", "", {"findings_basis": "x"}),
        ("delete", "", None),
        ("post", "block/", {"reason": "x"}),
        ("post", "correction-notices/", {"text": "x"}),
    ]:
        stock = Stock()
        seen = getattr(client, method)(f"{RECORDS}{record.pk}/{suffix}", body, format="json")
        missing = getattr(client, method)(f"{RECORDS}{invented}/{suffix}", body, format="json")
        assert _body_and_status(seen) == _body_and_status(missing), (method, suffix)
        assert seen.status_code == 404
        assert seen.json()["code"] == "not_found"
        stock.assert_unchanged()
    assert Record.objects.filter(pk=record.pk, version=1, status="active").exists()
    listing = client.get(RECORDS).json()
    assert str(record.pk) not in {r["id"] for r in listing["results"]}


def test_r_d5_covert_record_is_hidden_from_a_superuser_with_an_agency(
    api: Any, make_record: Any, superuser_with_agency: Officer
) -> None:
    record = _covert_record(make_record)
    client = api(superuser_with_agency.username)
    seen = client.get(f"{RECORDS}{record.pk}/")
    missing = client.get(f"{RECORDS}{uuid.uuid4()}/")
    assert seen.status_code == 404
    assert seen.json() == missing.json()
    # Platform rights give no access to police data, open records included (rule 3).
    open_record = make_record("bfv.analyst")
    assert client.get(f"{RECORDS}{open_record.pk}/").status_code == 404


def test_r_d5_superuser_without_agency_gets_nothing(api: Any, make_record: Any) -> None:
    root = Officer.objects.create_superuser(username="root", password="irrelevant-123")
    record = _covert_record(make_record)
    open_record = make_record("bfv.analyst")
    client = api(root.username)
    answers = [
        client.get(f"{RECORDS}{record.pk}/"),
        client.get(f"{RECORDS}{open_record.pk}/"),
        client.get(f"{RECORDS}{uuid.uuid4()}/"),
    ]
    assert {a.status_code for a in answers} == {403}
    assert len({str(a.json()) for a in answers}) == 1
    assert client.get(RECORDS).status_code == 403


def test_r_d5_global_permissions_grant_no_access(api: Any, make_record: Any) -> None:
    record = _covert_record(make_record)
    open_record = make_record("bfv.analyst")
    user = Officer.objects.get(username="bka.analyst")
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_record", "change_record", "delete_record", "block_record"]
        )
    )
    client = api("bka.analyst")
    for target in (record, open_record):
        assert client.get(f"{RECORDS}{target.pk}/").status_code == 404
        assert client.delete(f"{RECORDS}{target.pk}/").status_code == 404
    assert Record.objects.filter(pk__in=[record.pk, open_record.pk]).count() == 2


def test_r_d5_a_grant_never_reaches_a_covert_record(api: Any, make_record: Any) -> None:
    record = _covert_record(make_record)
    open_record = make_record("bfv.analyst")
    group = agency_group(Agency.objects.get(code="BKA"))
    for target in (record, open_record):
        assign_perm("view_record", group, target)
    client = api("bka.analyst")
    assert client.get(f"{RECORDS}{open_record.pk}/").status_code == 200
    assert_error(client.get(f"{RECORDS}{record.pk}/"), 404, "not_found")


def test_r_d5_owner_sees_its_covert_record(api: Any, make_record: Any) -> None:
    record = _covert_record(make_record)
    for username in ("bfv.analyst", "bfv.head"):
        response = api(username).get(f"{RECORDS}{record.pk}/")
        assert response.status_code == 200
        assert response.json()["storage"] == "covert"
