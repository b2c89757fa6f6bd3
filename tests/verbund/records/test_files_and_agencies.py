"""Files, establishment orders, legal bases and participants (R-A1-R-A6)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from agencies.models import STATE_CODES, Agency, AgencyKind, FileAuthorisation
from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.models import (
    EstablishmentOrder,
    EstablishmentOrderApproval,
    File,
    LegalBasis,
    Participation,
)
from verbund.models.files import LegalBasisKind

ATD_CODES = (
    {"BKA", "BPOL", "ZKA", "BFV", "BND", "MAD"}
    | {f"LKA-{s}" for s in STATE_CODES}
    | {f"LFV-{s}" for s in STATE_CODES}
)


def gws_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid GWS person entry (no case group, no extended data)."""
    data: dict[str, Any] = {
        "file": "GWS",
        "kind": "person",
        "basic": {"surname": "Krüger", "given_names": "Dennis", "date_of_birth": "1990-05-01"},
        "reference": {"file_number": "VB-LKA-BW-0001"},
    }
    data.update(overrides)
    return data


def files_by_code(client: Any) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/files/")
    assert response.status_code == 200
    return {f["code"]: f for f in response.json()}


# ---------------------------------------------------------------- R-A1


def test_r_a1_atd_and_gws_exist_each_with_a_versioned_establishment_order(reference: Any) -> None:
    files = {f.code: f for f in File.objects.all()}
    assert {"ATD", "GWS"} <= set(files)
    for code in ("ATD", "GWS"):
        orders = list(EstablishmentOrder.objects.filter(file=files[code]))
        assert [o.version for o in orders] == [1]
        order = orders[0]
        assert order.effective_from <= timezone.localdate()
        assert order.purposes and all({"code", "label"} <= set(p) for p in order.purposes)
        assert order.urgencies and all({"code", "label"} <= set(u) for u in order.urgencies)
        assert order.hit_limit == 200
        assert order.approvals.exists()


def test_r_a1_gws_order_names_who_enters_and_retrieves_and_sets_review_periods(
    reference: Any,
) -> None:
    order = EstablishmentOrder.objects.get(file__code="GWS", version=1)
    gws_members = set(
        Participation.objects.filter(file__code="GWS").values_list("agency__code", flat=True)
    )
    assert order.participants["enter"], "the GWS order names the entering participants"
    assert order.participants["retrieve"], "the GWS order names the retrieving participants"
    # The order picks among the INPOL participants, it does not add any (R-A2, R-A3).
    assert set(order.participants["enter"]) <= gws_members
    assert set(order.participants["retrieve"]) <= gws_members
    assert order.review_months.get("adult") and order.storage_months.get("adult")
    assert order.review_months["juvenile"] <= order.review_months["adult"]


def test_r_a1_atd_order_names_no_participants_and_sets_no_review_periods(reference: Any) -> None:
    order = EstablishmentOrder.objects.get(file__code="ATD", version=1)
    assert order.participants == {}
    assert order.review_months == {}
    assert order.storage_months == {}
    # ATDG §12: the order covers areas, data types, units, categories and logging.
    assert "Protokollierung" in order.text


def test_r_a1_files_endpoint_shows_the_order_version_in_force(api: Any) -> None:
    files = files_by_code(api("bka.analyst"))
    assert files["ATD"]["order_version"] == 1
    assert files["GWS"]["order_version"] == 1
    assert {p["code"] for p in files["ATD"]["purposes"]} >= {"ct_task", "gba"}
    assert {u["code"] for u in files["ATD"]["urgencies"]} >= {"routine", "urgent"}


# ---------------------------------------------------------------- R-A2


def test_r_a2_atd_participants_are_the_38_agencies_of_the_statute(api: Any) -> None:
    codes = set(
        Participation.objects.filter(file__code="ATD").values_list("agency__code", flat=True)
    )
    assert codes == ATD_CODES
    assert len(codes) == 38
    listed = {a["code"] for a in api("bka.analyst").get("/api/v1/agencies/").json()}
    assert ATD_CODES <= listed
    # Every ATD participation rests on the statute (ATDG §1(1)), not on an order.
    kinds = set(
        Participation.objects.filter(file__code="ATD").values_list("legal_basis__kind", flat=True)
    )
    assert kinds == {LegalBasisKind.STATUTE}


def test_r_a2_gws_participants_are_police_and_customs_without_intelligence_services(
    reference: Any,
) -> None:
    parts = Participation.objects.filter(file__code="GWS").select_related("agency")
    codes = {p.agency.code for p in parts}
    assert {"BKA", "BPOL", "ZKA"} <= codes
    assert {f"LKA-{s}" for s in STATE_CODES} <= codes
    assert all(p.agency.kind != AgencyKind.INTELLIGENCE for p in parts)
    assert not codes & {"BFV", "BND", "MAD"}
    assert not any(c.startswith("LFV-") for c in codes)


def test_r_a2_intelligence_officer_cannot_enter_into_gws(api: Any) -> None:
    stock = Stock()
    response = api("bfv.analyst").post("/api/v1/records/", gws_payload(), format="json")
    assert_error(response, 403, "not_authorised", "file")
    stock.assert_unchanged()


# ---------------------------------------------------------------- R-A3


def test_r_a3_file_resting_only_on_an_establishment_order_accepts_no_entries(api: Any) -> None:
    basis = File.objects.get(code="ATD").legal_basis
    basis.kind = LegalBasisKind.ESTABLISHMENT_ORDER
    basis.save(update_fields=["kind"])
    client = api("bka.analyst")
    stock = Stock()
    response = client.post("/api/v1/records/", person_payload(), format="json")
    assert_error(response, 422, "no_legal_basis")
    stock.assert_unchanged()
    assert files_by_code(client)["ATD"]["accepts_entries"] is False
    assert files_by_code(client)["GWS"]["accepts_entries"] is True


def test_r_a3_participant_resting_only_on_an_order_may_not_enter(api: Any) -> None:
    order_only = LegalBasis.objects.create(
        kind=LegalBasisKind.ESTABLISHMENT_ORDER,
        citation="Errichtungsanordnung (Teilnahme ohne Gesetz)",
        in_force_from=datetime.date(2015, 1, 1),
    )
    Participation.objects.filter(file__code="ATD", agency__code="LKA-BW").update(
        legal_basis=order_only
    )
    stock = Stock()
    response = api("lka-bw.analyst").post("/api/v1/records/", person_payload(), format="json")
    assert_error(response, 422, "no_legal_basis")
    stock.assert_unchanged()
    # Other participants keep their statutory basis.
    assert (
        api("lka-by.analyst").post("/api/v1/records/", person_payload(), format="json").status_code
        == 201
    )


def test_r_a3_ordinance_not_yet_in_force_carries_no_entries(api: Any) -> None:
    basis = File.objects.get(code="GWS").legal_basis
    assert basis.kind == LegalBasisKind.ORDINANCE
    basis.in_force_from = timezone.localdate() + datetime.timedelta(days=30)
    basis.save(update_fields=["in_force_from"])
    client = api("lka-bw.analyst")
    stock = Stock()
    response = client.post("/api/v1/records/", gws_payload(), format="json")
    assert_error(response, 422, "no_legal_basis")
    stock.assert_unchanged()
    assert files_by_code(client)["GWS"]["accepts_entries"] is False
    # R-M5: the gate opens from the ordinance's entry into force.
    with time_machine.travel(basis.in_force_from + datetime.timedelta(days=1), tick=False):
        assert client.post("/api/v1/records/", gws_payload(), format="json").status_code == 201


def test_r_a3_ordinance_in_force_carries_entries(api: Any) -> None:
    assert File.objects.get(code="GWS").legal_basis.kind == LegalBasisKind.ORDINANCE
    response = api("lka-bw.analyst").post("/api/v1/records/", gws_payload(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["file"] == "GWS"


# ---------------------------------------------------------------- R-A4


def test_r_a4_officer_without_file_authorisation_may_not_enter(api: Any, officer: Any) -> None:
    FileAuthorisation.objects.filter(officer=officer("bka.analyst"), file__code="ATD").delete()
    stock = Stock()
    response = api("bka.analyst").post("/api/v1/records/", person_payload(), format="json")
    assert_error(response, 403, "not_authorised", "file")
    stock.assert_unchanged()


def test_r_a4_officer_without_file_authorisation_cannot_read_own_agencys_records(
    api: Any, officer: Any, make_record: Any
) -> None:
    record = make_record("bka.head")
    FileAuthorisation.objects.filter(officer=officer("bka.analyst"), file__code="ATD").delete()
    client = api("bka.analyst")
    assert_error(client.get(f"/api/v1/records/{record.pk}/"), 404, "not_found")
    listing = client.get("/api/v1/records/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    assert "ATD" not in client.get("/api/v1/me/").json()["files"]
    # The colleague who is authorised still sees it.
    assert api("bka.head").get(f"/api/v1/records/{record.pk}/").status_code == 200


def test_r_a4_authorisation_for_a_file_the_agency_does_not_take_part_in_gives_nothing(
    api: Any, officer: Any
) -> None:
    FileAuthorisation.objects.create(
        officer=officer("bfv.analyst"), file=File.objects.get(code="GWS")
    )
    assert "GWS" not in api("bfv.analyst").get("/api/v1/me/").json()["files"]
    stock = Stock()
    assert_error(
        api("bfv.analyst").post("/api/v1/records/", gws_payload(), format="json"),
        403,
        "not_authorised",
    )
    stock.assert_unchanged()


# ---------------------------------------------------------------- R-A5


def test_r_a5_mad_is_an_intelligence_service(api: Any) -> None:
    agencies = {a["code"]: a for a in api("bka.analyst").get("/api/v1/agencies/").json()}
    assert agencies["MAD"]["kind"] == "intelligence"
    assert agencies["MAD"]["level"] == "federal"
    assert Agency.objects.get(code="MAD").is_intelligence


def test_r_a5_kinds_are_police_intelligence_customs_only(api: Any) -> None:
    assert set(AgencyKind.values) == {"police", "intelligence", "customs"}
    agencies = api("bka.analyst").get("/api/v1/agencies/").json()
    assert {a["kind"] for a in agencies} == {"police", "intelligence", "customs"}
    assert not Agency.objects.filter(kind="military").exists()
    assert all(a["level"] in ("federal", "state") for a in agencies)
    assert all((a["state"] is None) == (a["level"] == "federal") for a in agencies)
    schema = api().get("/api/v1/schema/").content.decode()
    assert "military" not in schema


# ---------------------------------------------------------------- R-A6


def test_r_a6_atd_order_without_every_approval_never_applies(api: Any) -> None:
    order = EstablishmentOrder.objects.get(file__code="ATD", version=1)
    EstablishmentOrderApproval.objects.filter(
        order=order, body="Bundesministerium der Verteidigung"
    ).delete()
    client = api("bka.analyst")
    stock = Stock()
    assert_error(
        client.post("/api/v1/records/", person_payload(), format="json"),
        422,
        "no_establishment_order",
    )
    stock.assert_unchanged()
    atd = files_by_code(client)["ATD"]
    assert atd["purposes"] == [] and atd["urgencies"] == []
    assert atd["order_version"] is None
    assert atd["accepts_entries"] is False


def test_r_a6_atd_order_without_bfdi_hearing_never_applies(api: Any) -> None:
    EstablishmentOrder.objects.filter(file__code="ATD").update(bfdi_heard_on=None)
    client = api("bka.analyst")
    stock = Stock()
    assert_error(
        client.post("/api/v1/records/", person_payload(), format="json"),
        422,
        "no_establishment_order",
    )
    stock.assert_unchanged()
    assert files_by_code(client)["ATD"]["purposes"] == []


def test_r_a6_approval_dated_in_the_future_does_not_count_yet(api: Any) -> None:
    order = EstablishmentOrder.objects.get(file__code="ATD", version=1)
    later = timezone.localdate() + datetime.timedelta(days=10)
    order.approvals.filter(body="Bundeskanzleramt").update(approved_on=later)
    client = api("bka.analyst")
    assert_error(
        client.post("/api/v1/records/", person_payload(), format="json"),
        422,
        "no_establishment_order",
    )
    with time_machine.travel(later + datetime.timedelta(days=1), tick=False):
        assert client.post("/api/v1/records/", person_payload(), format="json").status_code == 201


def test_r_a6_gws_order_needs_the_state_interior_ministries(api: Any) -> None:
    EstablishmentOrderApproval.objects.filter(order__file__code="GWS").delete()
    client = api("lka-bw.analyst")
    stock = Stock()
    assert_error(
        client.post("/api/v1/records/", gws_payload(), format="json"),
        422,
        "no_establishment_order",
    )
    stock.assert_unchanged()
    assert files_by_code(client)["GWS"]["purposes"] == []


def _new_version(file_code: str, effective_from: datetime.date, *, approve: bool) -> Any:
    file = File.objects.get(code=file_code)
    order = EstablishmentOrder.objects.create(
        file=file,
        version=2,
        effective_from=effective_from,
        purposes=[{"code": "v2_purpose", "label": "Zweck der Fassung 2"}],
        urgencies=[{"code": "routine", "label": "Routine"}],
        bfdi_heard_on=effective_from - datetime.timedelta(days=30),
    )
    if approve:
        for body in file.required_approvals:
            EstablishmentOrderApproval.objects.create(
                order=order, body=body, approved_on=effective_from - datetime.timedelta(days=7)
            )
    return order


def test_r_a6_unapproved_newer_version_never_applies(api: Any) -> None:
    _new_version("ATD", timezone.localdate() - datetime.timedelta(days=5), approve=False)
    atd = files_by_code(api("bka.analyst"))["ATD"]
    assert atd["order_version"] == 1
    assert "v2_purpose" not in {p["code"] for p in atd["purposes"]}


def test_r_a6_approved_version_with_future_effective_date_applies_only_from_that_date(
    api: Any,
) -> None:
    effective = timezone.localdate() + datetime.timedelta(days=60)
    _new_version("ATD", effective, approve=True)
    client = api("bka.analyst")
    atd = files_by_code(client)["ATD"]
    assert atd["order_version"] == 1
    assert "v2_purpose" not in {p["code"] for p in atd["purposes"]}
    with time_machine.travel(effective - datetime.timedelta(days=1), tick=False):
        assert files_by_code(client)["ATD"]["order_version"] == 1
    with time_machine.travel(effective, tick=False):
        atd = files_by_code(client)["ATD"]
        assert atd["order_version"] == 2
        assert [p["code"] for p in atd["purposes"]] == ["v2_purpose"]


@pytest.mark.parametrize("body", ["Bundesministerium des Innern", "Innenministerien der Länder"])
def test_r_a6_each_required_consent_is_needed(api: Any, body: str) -> None:
    EstablishmentOrderApproval.objects.filter(order__file__code="ATD", body=body).delete()
    assert_error(
        api("lfv-nw.analyst").post("/api/v1/records/", person_payload(), format="json"),
        422,
        "no_establishment_order",
    )
