"""GWS records in the API: incident report, measures, direct retrieval, no intelligence services.

R-M2 (record fields, the incident report), R-M3 (measures noted against the entry), R-M6
(no intelligence service enters or retrieves), R-M7 (direct retrieval without a request);
issue 18 "Bad input": an entry by an agency the order does not let enter → 403.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.verbund.records.support import Stock, assert_error
from verbund.models import File, LegalBasis, Record
from verbund.models.files import EstablishmentOrder
from verbund.services.searches import allowed_search_modes

RECORDS = "/api/v1/records/"
SEARCHES = "/api/v1/searches/"

INCIDENT: dict[str, Any] = {
    "date": "2007-06-02",
    "event": "Regionalliga Süd, 34. Spieltag",
    "venue": "Wildparkstadion Karlsruhe",
    "match": "Karlsruher SC II – SSV Reutlingen",
    "clubs": ["Karlsruher SC II", "SSV Reutlingen"],
    "report_reference": "VB-KA-2007-0602-17",
    "suspected_offence": "Landfriedensbruch (§ 125 StGB)",
    "fan_group": "Ultras Reutlingen",
    "description": "In Gewahrsam genommen nach Ausschreitungen im Gästeblock.",
    "proceedings": {
        "prosecutor_file_number": "84 Js 12345/07",
        "status": "pending",
        "authority": "Staatsanwaltschaft Karlsruhe",
    },
    "measures": [
        {
            "kind": "stadium_ban",
            "from": "2007-07-01",
            "until": "2010-06-30",
            "authority": "Deutscher Fußball-Bund",
            "reference": "SV-2007-881",
        }
    ],
}


def gws_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "file": "GWS",
        "kind": "person",
        "basic": {"surname": "Reutlinger", "given_names": "Karl", "date_of_birth": "1985-04-02"},
        "reference": {"file_number": "LKA-BW-GWS-1"},
        "incident": INCIDENT,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def enter(api: Any, username: str = "lka-bw.analyst", **overrides: Any) -> dict[str, Any]:
    response = api(username).post(RECORDS, gws_body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def name_search(client: Any, surname: str, file: str = "GWS") -> Any:
    return client.post(
        SEARCHES,
        {
            "file": file,
            "mode": "name",
            "purpose": "event_danger" if file == "GWS" else "ct_task",
            "urgency": "urgent",
            "criteria": {"surname": surname},
        },
        format="json",
    )


# ---------------------------------------------------------------- R-M2 incident report


def test_r_m2_incident_report_is_stored_and_shown(api: Any) -> None:
    body = enter(api)
    assert body["incident"] == INCIDENT
    record = Record.objects.get(pk=body["id"])
    assert record.incident == INCIDENT
    # GWS: no ATD keys in the answer; the owner sees source and the legal-basis flag.
    assert "extended" not in body and "case_group" not in body
    assert body["source"] is None
    assert body["stored_without_legal_basis"] is False
    event = AuditEvent.objects.filter(action="record.create").latest("seq")
    assert event.details["after"]["incident"] == INCIDENT


def test_r_m2_incident_fields_are_all_optional(api: Any) -> None:
    body = enter(api, incident={"match": "KSC II – SSV Reutlingen"})
    assert body["incident"] == {"match": "KSC II – SSV Reutlingen"}
    bare = enter(api, incident=None, reference={"file_number": "LKA-BW-GWS-2"})
    assert bare["incident"] == {}


@pytest.mark.parametrize(
    ("incident", "code", "field"),
    [
        ({"date": "2007-02-30"}, "invalid_date", "incident.date"),
        ({"date": "02.06.2007"}, "invalid_date", "incident.date"),
        (
            {"date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
            "invalid_date",
            "incident.date",
        ),
        ({"weather": "Regen"}, "unknown_field", "incident.weather"),
        ({"proceedings": {"court": "AG Karlsruhe"}}, "unknown_field", "incident.proceedings.court"),
        ({"proceedings": {"status": "forgotten"}}, "invalid_choice", "incident.proceedings.status"),
        (
            {
                "measures": [
                    {
                        "kind": "stadium_ban",
                        "from": "2008-06-30",
                        "until": "2008-06-20",
                        "authority": "DFB",
                    }
                ]
            },
            "until_before_from",
            "incident.measures[0].until",
        ),
        (
            {
                "measures": [
                    {"kind": "entry_refused", "from": "2008-06-20", "authority": "Grenzwachtkorps"}
                ]
            },
            "required",
            "incident.measures[0].country",
        ),
        (
            {"measures": [{"kind": "curfew", "from": "2008-06-20", "authority": "Stadt"}]},
            "invalid_choice",
            "incident.measures[0].kind",
        ),
        (
            {
                "measures": [
                    {"kind": "exit_ban", "from": "2008-06-20", "authority": "BPOL", "colour": "rot"}
                ]
            },
            "unknown_field",
            "incident.measures[0].colour",
        ),
        ({"clubs": "KSC"}, "invalid", "incident.clubs"),
    ],
)
def test_r_m2_bad_incident_is_refused_naming_the_field(
    api: Any, incident: dict[str, Any], code: str, field: str
) -> None:
    stock = Stock()
    response = api("lka-bw.analyst").post(RECORDS, gws_body(incident=incident), format="json")
    body = assert_error(response, 400, code, field)
    assert body["code"] == code
    stock.assert_unchanged()


def test_r_m2_incident_in_the_atd_is_refused(api: Any) -> None:
    from tests.conftest import person_payload

    stock = Stock()
    response = api("bka.analyst").post(
        RECORDS, person_payload(incident={"match": "KSC – VfB"}), format="json"
    )
    assert_error(response, 400, "incident_not_allowed", "incident")
    stock.assert_unchanged()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"extended": {"phones": ["+49 721 1"]}}, "extended_not_allowed", "extended"),
        ({"case_group": "1a"}, "case_group_not_allowed", "case_group"),
        (
            {
                "storage": "restricted",
                "storage_decision": {"decided_by": "lka-bw.head", "reasons": "Gründe"},
            },
            "storage_not_allowed",
            "storage",
        ),
        (
            {
                "storage": "covert",
                "storage_decision": {"decided_by": "lka-bw.head", "reasons": "Gründe"},
            },
            "storage_not_allowed",
            "storage",
        ),
    ],
)
def test_r_m2_gws_takes_no_atd_only_data(
    api: Any, overrides: dict[str, Any], code: str, field: str
) -> None:
    stock = Stock()
    response = api("lka-bw.analyst").post(RECORDS, gws_body(**overrides), format="json")
    assert_error(response, 400, code, field)
    stock.assert_unchanged()


# ---------------------------------------------------------------- R-M3 measures


def test_r_m3_measures_are_noted_and_shown_to_retrieving_participants(api: Any) -> None:
    exit_ban = {
        "kind": "exit_ban",
        "from": "2008-06-20",
        "until": "2008-06-30",
        "authority": "Bundespolizeidirektion Stuttgart",
    }
    refused = {
        "kind": "entry_refused",
        "from": "2008-06-08",
        "authority": "Schweizer Grenzwachtkorps",
        "country": "CH",
        "note": "EM 2008",
    }
    body = enter(api, incident={**INCIDENT, "measures": [exit_ban, refused]})
    seen = api("lka-by.analyst").get(f"{RECORDS}{body['id']}/")
    assert seen.status_code == 200
    shown = seen.json()
    assert shown["incident"]["measures"] == [exit_ban, refused]
    assert shown["incident"]["proceedings"]["status"] == "pending"
    # Owner-only keys stay with the owner.
    for key in ("source", "stored_without_legal_basis", "findings_basis", "version"):
        assert key not in shown


def test_r_m3_owner_patches_measures_the_list_replaced_whole(api: Any) -> None:
    body = enter(api)
    client = api("lka-bw.analyst")
    reporting = {"kind": "reporting_duty", "from": "2008-06-07", "authority": "Polizei Reutlingen"}
    response = client.patch(
        f"{RECORDS}{body['id']}/",
        {"incident": {"measures": [reporting], "proceedings": {"status": "discontinued"}}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    incident = response.json()["incident"]
    # RFC 7396: the list is replaced, nested objects merge, other keys stay.
    assert incident["measures"] == [reporting]
    assert incident["proceedings"] == {**INCIDENT["proceedings"], "status": "discontinued"}
    assert incident["match"] == INCIDENT["match"]
    # null removes a key.
    response = client.patch(
        f"{RECORDS}{body['id']}/",
        {"incident": {"fan_group": None, "measures": None}},
        format="json",
    )
    assert response.status_code == 200
    assert "fan_group" not in response.json()["incident"]
    assert "measures" not in response.json()["incident"]
    assert Record.objects.get(pk=body["id"]).incident.get("fan_group") is None


def test_r_m3_bad_measure_in_a_patch_changes_nothing(api: Any) -> None:
    body = enter(api)
    before = Record.objects.get(pk=body["id"])
    response = api("lka-bw.analyst").patch(
        f"{RECORDS}{body['id']}/",
        {"incident": {"measures": [{"kind": "exit_ban", "from": "2008-13-01", "authority": "X"}]}},
        format="json",
    )
    assert_error(response, 400, "invalid_date", "incident.measures[0].from")
    after = Record.objects.get(pk=body["id"])
    assert after.incident == before.incident and after.version == before.version


def test_r_m3_only_the_owner_patches_the_incident(api: Any) -> None:
    body = enter(api)
    patch: dict[str, Any] = {"incident": {"measures": []}}
    # A retrieving participant sees the record: 403, not its owner (R-H1).
    assert_error(
        api("lka-by.analyst").patch(f"{RECORDS}{body['id']}/", patch, format="json"),
        403,
        "not_owner",
    )
    # An agency that may not know the record: 404.
    assert_error(
        api("bfv.analyst").patch(f"{RECORDS}{body['id']}/", patch, format="json"),
        404,
        "not_found",
    )
    assert Record.objects.get(pk=body["id"]).incident["measures"] == INCIDENT["measures"]


# ---------------------------------------------------------------- R-M7 direct retrieval


def test_r_m7_participant_finds_by_name_and_reads_without_any_request(api: Any) -> None:
    body = enter(api, basic={"surname": "Stadionmann", "given_names": "Uwe"})
    reader = api("lka-by.analyst")
    search = name_search(reader, "Stadionmann")
    assert search.status_code == 201, search.json()
    hits = search.json()["hits"]
    assert [h["record"] for h in hits] == [body["id"]]
    response = reader.get(f"{RECORDS}{body['id']}/")
    assert response.status_code == 200
    assert response.json()["basic"]["surname"] == "Stadionmann"
    assert response.json()["incident"]["match"] == INCIDENT["match"]
    # No request or Eilfall was needed; the search carries purpose and urgency, the read
    # is logged.
    from verbund.models import AccessRequest, EmergencyAccess

    assert not AccessRequest.objects.exists() and not EmergencyAccess.objects.exists()
    logged = AuditEvent.objects.filter(action="search", officer_username="lka-by.analyst").latest(
        "seq"
    )
    assert (logged.file, logged.purpose, logged.urgency) == ("GWS", "event_danger", "urgent")
    read = AuditEvent.objects.get(
        action="record.view", officer_username="lka-by.analyst", object_id=body["id"]
    )
    # The read carries the purpose and urgency of the search that showed the record.
    assert (read.purpose, read.urgency) == ("event_danger", "urgent")
    assert read.details == {"purpose_from": "search"}


def test_r_m7_a_direct_read_may_state_its_own_purpose_and_urgency(api: Any) -> None:
    body = enter(api, basic={"surname": "Zweckmann"})
    reader = api("lka-by.analyst")
    url = f"{RECORDS}{body['id']}/"
    stated = reader.get(f"{url}?purpose=prosecution&urgency=routine")
    assert stated.status_code == 200, stated.content
    read = AuditEvent.objects.filter(action="record.view", object_id=body["id"]).latest("seq")
    assert (read.purpose, read.urgency, read.details) == (
        "prosecution",
        "routine",
        {"purpose_from": "stated"},
    )
    before = AuditEvent.objects.count()
    assert_error(
        reader.get(f"{url}?purpose=gossip&urgency=routine"), 400, "invalid_choice", "purpose"
    )
    assert_error(reader.get(f"{url}?purpose=prosecution"), 400, "invalid_choice", "urgency")
    # The owner reads its own record without a purpose (it is no retrieval).
    own = api("lka-bw.analyst").get(f"{url}?purpose=prosecution&urgency=routine")
    assert_error(own, 400, "not_allowed", "purpose")
    assert AuditEvent.objects.count() == before  # a refused read is not logged


def test_r_m7_request_or_eilfall_on_a_gws_hit_is_refused(api: Any) -> None:
    enter(api, basic={"surname": "Ordnungsstoerer"})
    reader = api("lka-by.analyst")
    hit = name_search(reader, "Ordnungsstoerer").json()["hits"][0]["hit"]
    stock = Stock()
    assert_error(
        reader.post(
            "/api/v1/access-requests/",
            {"hit": hit, "justification": "Prüfung der Identität"},
            format="json",
        ),
        400,
        "not_in_gws",
        "hit",
    )
    assert_error(
        reader.post(
            "/api/v1/emergency-accesses/",
            {
                "hit": hit,
                "danger": "life",
                "facts": "Drohende Ausschreitung",
                "why_no_request": "Keine Zeit",
                "decided_by": "lka-by.head",
            },
            format="json",
        ),
        400,
        "not_in_gws",
        "hit",
    )
    # Whatever else the body lacks or names: the GWS hit decides first.
    for partial in ({"hit": hit}, {"hit": hit, "decided_by": "lka-by.analyst"}):
        assert_error(
            reader.post("/api/v1/emergency-accesses/", partial, format="json"),
            400,
            "not_in_gws",
            "hit",
        )
    stock.assert_unchanged()


def test_r_m7_non_participant_gets_403_on_search_and_404_on_the_record(api: Any) -> None:
    body = enter(api, basic={"surname": "Fanblock"})
    bfv = api("bfv.analyst")
    assert_error(name_search(bfv, "Fanblock"), 403, "not_authorised")
    assert_error(bfv.get(f"{RECORDS}{body['id']}/"), 404, "not_found")


def test_r_m7_gws_searches_follow_the_order_modes(api: Any) -> None:
    gws = File.objects.get(code="GWS")
    order = EstablishmentOrder.objects.get(file=gws, version=1)
    assert order.search_modes == ["name"]
    assert allowed_search_modes(gws, order) == ("name",)
    reader = api("lka-by.analyst")
    for mode, criteria in (
        ("feature", {"phones": "+49 721 1"}),
        ("object", {"kind": "phone", "identifier": "1"}),
    ):
        response = reader.post(
            SEARCHES,
            {
                "file": "GWS",
                "mode": mode,
                "purpose": "event_danger",
                "urgency": "routine",
                "criteria": criteria,
            },
            format="json",
        )
        assert_error(response, 400, "invalid_mode", "mode")
    # The order, not a fixed rule, decides: a version allowing no mode falls back to name.
    order.search_modes = []
    order.save(update_fields=["search_modes"])
    assert allowed_search_modes(gws, order) == ("name",)


# ---------------------------------------------------------------- entry refused: 403


def test_r_m1_entry_by_a_participant_the_order_does_not_let_enter_is_403(api: Any) -> None:
    # BKA takes part in GWS and retrieves, but the order does not let it enter.
    order = EstablishmentOrder.objects.get(file__code="GWS", version=1)
    assert "BKA" in order.participants["retrieve"]
    assert "BKA" not in order.participants["enter"]
    stock = Stock()
    response = api("bka.analyst").post(RECORDS, gws_body(), format="json")
    assert_error(response, 403, "not_participant")
    stock.assert_unchanged()


def test_r_m5_missing_legal_basis_stays_422(api: Any) -> None:
    eo = LegalBasis.objects.get(kind="establishment_order", citation__contains="Gewalttäter")
    File.objects.filter(code="GWS").update(legal_basis=eo)
    stock = Stock()
    assert_error(
        api("lka-bw.analyst").post(RECORDS, gws_body(), format="json"), 422, "no_legal_basis"
    )
    stock.assert_unchanged()


def test_r_m5_owner_sees_the_flag_while_no_ordinance_carries_the_file(api: Any) -> None:
    body = enter(api)
    eo = LegalBasis.objects.get(kind="establishment_order", citation__contains="Gewalttäter")
    gws = File.objects.get(code="GWS")
    ordinance = gws.legal_basis
    File.objects.filter(pk=gws.pk).update(legal_basis=eo)
    shown = api("lka-bw.analyst").get(f"{RECORDS}{body['id']}/").json()
    assert shown["stored_without_legal_basis"] is True
    other = api("lka-by.analyst").get(f"{RECORDS}{body['id']}/").json()
    assert "stored_without_legal_basis" not in other
    File.objects.filter(pk=gws.pk).update(legal_basis=ordinance)
    assert (
        api("lka-bw.analyst").get(f"{RECORDS}{body['id']}/").json()["stored_without_legal_basis"]
        is False
    )


def test_r_m1_owner_sees_the_releasing_state_system(api: Any) -> None:
    body = enter(api)
    Record.objects.filter(pk=body["id"]).update(
        source_system="POLAS-BW", source_reference="BW-2007-4711", legacy=True
    )
    shown = api("lka-bw.analyst").get(f"{RECORDS}{body['id']}/").json()
    assert shown["source"] == {"system": "POLAS-BW", "reference": "BW-2007-4711", "legacy": True}
    assert "source" not in api("lka-by.analyst").get(f"{RECORDS}{body['id']}/").json()


# ---------------------------------------------------------------- R-M6 no intelligence service


INTELLIGENCE = ["bfv.analyst", "lfv-bw.analyst", "bnd.analyst", "mad.analyst"]


@pytest.mark.parametrize("username", INTELLIGENCE)
def test_r_m6_no_intelligence_service_enters_or_retrieves_gws(api: Any, username: str) -> None:
    body = enter(api, basic={"surname": "Pyrotechniker"})
    client = api(username)
    stock = Stock()
    assert_error(client.post(RECORDS, gws_body(), format="json"), 403, "not_authorised")
    assert_error(name_search(client, "Pyrotechniker"), 403, "not_authorised")
    assert_error(client.get(f"{RECORDS}{body['id']}/"), 404, "not_found")
    stock.assert_unchanged()
    listed = client.get(RECORDS, {"file": "GWS"})
    assert body["id"] not in listed.content.decode()


def _order_v2(**participants: list[str]) -> EstablishmentOrder:
    return EstablishmentOrder(
        file=File.objects.get(code="GWS"),
        version=2,
        effective_from=timezone.localdate(),
        text="Fassung 2",
        purposes=[{"code": "event_danger", "label": "Gefahrenabwehr"}],
        urgencies=[{"code": "routine", "label": "Routine"}],
        participants={"enter": ["LKA-BW"], "retrieve": ["LKA-BW"], **participants},
    )


@pytest.mark.parametrize("agency", ["BFV", "LFV-BW", "BND", "MAD"])
def test_r_m6_an_order_naming_an_intelligence_service_is_refused_by_the_model(
    reference: Any, agency: str
) -> None:
    from django.core.exceptions import ValidationError

    for role in ("enter", "retrieve"):
        order = _order_v2(**{role: ["LKA-BW", agency]})
        with pytest.raises(ValidationError) as refused:
            order.full_clean()
        assert "participants" in refused.value.message_dict
    assert not EstablishmentOrder.objects.filter(file__code="GWS", version=2).exists()


def test_r_m6_the_admin_refuses_an_order_naming_an_intelligence_service(
    reference: Any, admin_client: Any
) -> None:
    import json

    gws = File.objects.get(code="GWS")
    data = {
        "file": str(gws.pk),
        "version": "2",
        "effective_from": timezone.localdate().isoformat(),
        "text": "Fassung 2",
        "purposes": json.dumps([{"code": "event_danger", "label": "Gefahrenabwehr"}]),
        "urgencies": json.dumps([{"code": "routine", "label": "Routine"}]),
        "hit_limit": "200",
        "searches_per_minute": "30",
        "participants": json.dumps({"enter": ["LKA-BW", "BFV"], "retrieve": ["LKA-BW"]}),
        "review_months": json.dumps({"adult": 60, "juvenile": 24, "child": 24}),
        "storage_months": json.dumps({"adult": 60, "juvenile": 24, "child": 24}),
        "bfdi_heard_on": "",
        "approvals-TOTAL_FORMS": "0",
        "approvals-INITIAL_FORMS": "0",
        "approvals-MIN_NUM_FORMS": "0",
        "approvals-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post("/admin/verbund/establishmentorder/add/", data)
    assert response.status_code == 200  # the form again, with the error
    assert "Nachrichtendienste nehmen an dieser Datei nicht teil." in response.content.decode()
    assert not EstablishmentOrder.objects.filter(file=gws, version=2).exists()
    # The same order without the intelligence service is accepted, once its search modes
    # are known ones (R-A1: the order says how data are searched and to whom transferred).
    data["participants"] = json.dumps({"enter": ["LKA-BW"], "retrieve": ["LKA-BW"]})
    data["search_modes"] = json.dumps(["name", "similarity"])
    response = admin_client.post("/admin/verbund/establishmentorder/add/", data)
    assert response.status_code == 200
    assert "Liste der Suchformen erwartet" in response.content.decode()
    data["search_modes"] = json.dumps(["name"])
    data["transfer_recipients"] = json.dumps(["LKA-BW", "LKA-BY"])
    response = admin_client.post("/admin/verbund/establishmentorder/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = EstablishmentOrder.objects.get(file=gws, version=2)
    assert order.search_modes == ["name"] and order.transfer_recipients == ["LKA-BW", "LKA-BY"]


def test_r_m5_the_owners_gws_list_costs_no_query_per_record_for_the_legal_basis_flag(
    api: Any,
) -> None:
    """The stored-without-legal-basis flag is answered once per file and owner per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api("lka-bw.analyst")
    client.post(RECORDS, gws_body(), format="json")
    client.get("/api/v1/me/")  # warm the token
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"{RECORDS}?file=GWS")
    assert first.status_code == 200 and first.json()["count"] == 1
    for n in range(5):
        made = client.post(
            RECORDS,
            gws_body(reference={"file_number": f"LKA-BW-GWS-{n + 2}"}),
            format="json",
        )
        assert made.status_code == 201, made.content
    with CaptureQueriesContext(connection) as six:
        page = client.get(f"{RECORDS}?file=GWS")
    assert page.json()["count"] == 6
    assert all(r["stored_without_legal_basis"] is False for r in page.json()["results"])
    flag_queries = [q for q in six.captured_queries if 'FROM "verbund_participation"' in q["sql"]]
    assert len(flag_queries) <= 1, [q["sql"] for q in flag_queries]
    assert len(six.captured_queries) <= len(one.captured_queries) + 1


def test_r_m2_an_incident_before_the_persons_birth_is_400(api: Any) -> None:
    stock = Stock()
    response = api("lka-bw.analyst").post(
        RECORDS,
        gws_body(
            basic={"surname": "Spätgeboren", "date_of_birth": "1990-05-01"},
            incident={**INCIDENT, "date": "1950-06-02"},
        ),
        format="json",
    )
    assert_error(response, 400, "invalid_date", "incident.date")
    stock.assert_unchanged()
