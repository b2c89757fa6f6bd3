"""Requests for extended data after a hit and the owner's decision (R-F1, R-F2, R-H3, R-C7,
R-D2, R-A5, R-M7)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from tests.verbund.records.support import assert_error
from verbund.models import AccessRequest, InboxItem, Transfer

EXTENDED = {
    "phones": ["+49 30 7654321"],
    "emails": ["kontakt@example.org"],
    "profession": "Chemiker",
}


def _person(
    make_record: Any, username: str = "bfv.analyst", surname: str = "Offen", **kw: Any
) -> Any:
    kw.setdefault("extended", dict(EXTENDED))
    return make_record(
        username,
        basic={"surname": surname, "given_names": "Karl", "date_of_birth": "1980-01-02"},
        **kw,
    )


class Stock:
    """Counts that prove a rejected request stored nothing."""

    def __init__(self) -> None:
        self.requests = AccessRequest.objects.count()
        self.items = InboxItem.objects.count()
        self.audit = AuditEvent.objects.count()

    def assert_unchanged(self) -> None:
        assert AccessRequest.objects.count() == self.requests
        assert InboxItem.objects.count() == self.items
        assert AuditEvent.objects.count() == self.audit


# ---------------------------------------------------------------------------- end to end


def test_r_f1_end_to_end_request_grant_and_read(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    """api.md flow: bfv enters, lka-bw finds and requests, bfv grants, lka-bw reads."""
    record = _person(make_record, markings=[])
    hit = hit_of("lka-bw.analyst", {"surname": "Offen"})
    assert hit["record"] == str(record.pk)

    created = ask("lka-bw.analyst", hit["hit"])
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "pending"
    assert body["requester"] == "LKA-BW" and body["owner"] == "BFV"
    assert body["officer"] == "lka-bw.analyst"
    assert body["kind"] == "extended_data"
    assert body["crosses_separation"] is True
    assert body["decided_at"] is None and body["decided_by"] is None
    assert body["file_number"] == record.file_number
    # Before a grant the requester holds no record id through the request.
    assert body["record"] is None
    assert body["due_at"] is not None

    requester = api("lka-bw.analyst")
    assert requester.get(f"/api/v1/records/{record.pk}/").status_code == 404

    # The owner's inbox holds the request with everything it decides on.
    inbox = api("bfv.analyst").get("/api/v1/inbox/?kind=access_request").json()
    assert inbox["count"] == 1
    item = inbox["results"][0]
    assert item["subject_id"] == body["id"] and item["due_at"] is not None
    assert item["payload"] == {
        "access_request": body["id"],
        "requester": "LKA-BW",
        "officer": "lka-bw.analyst",
        "justification": "Prüfung für Verfahren 1 Js 1/26",
        "file_number": record.file_number,
        "record": str(record.pk),
        "kind": "extended_data",
        "use_ground": "",
        "use_purpose": "",
        "crosses_separation": True,
    }

    granted = decide("bfv.analyst", body["id"], provision="§ 19 BVerfSchG")
    assert granted.status_code == 200, granted.content
    decided = granted.json()
    assert decided["status"] == "granted"
    assert decided["provision"] == "§ 19 BVerfSchG"
    assert decided["decided_by"] == "bfv.analyst" and decided["decided_at"]
    assert decided["use_markings"] == ["use_check_only"]

    shown = requester.get(f"/api/v1/records/{record.pk}/")
    assert shown.status_code == 200, shown.content
    data = shown.json()
    assert data["extended"] == {**EXTENDED}
    assert data["basic"]["surname"] == "Offen"
    assert data["reference"]["agency"] == "BFV"
    assert data["use_markings"] == ["use_check_only"]
    assert data["markings"] == []
    # Owner-only facts stay with the owner.
    assert "findings_basis" not in data and "storage" not in data

    # The requester's inbox learns the decision; the owner's item is done.
    outcome = requester.get("/api/v1/inbox/?kind=access_decision").json()["results"][0]
    assert outcome["payload"]["status"] == "granted"
    assert outcome["payload"]["record"] == str(record.pk)
    assert outcome["payload"]["provision"] == "§ 19 BVerfSchG"
    assert outcome["payload"]["use_markings"] == ["use_check_only"]
    assert InboxItem.objects.get(kind="access_request", subject_id=body["id"]).done_at
    # Now the requester's view of the request names the record.
    again = requester.get(f"/api/v1/access-requests/{body['id']}/").json()
    assert again["record"] == str(record.pk)

    actions = list(AuditEvent.objects.filter(object_id=body["id"]).values_list("action", "purpose"))
    assert ("access_request.create", "ct_task") in actions
    assert ("access_request.decide", "ct_task") in actions
    # The supervisors read every step in the log (R-I1; the rows render through the API).
    lka_log = api("lfd-bw.supervisor").get("/api/v1/audit/events/?agency=LKA-BW")
    assert lka_log.status_code == 200, lka_log.content
    assert {"access_request.create", "access_request.view"} <= {
        e["action"] for e in lka_log.json()["results"]
    }
    bfv_log = api("bfdi.supervisor").get("/api/v1/audit/events/?agency=BFV")
    assert bfv_log.status_code == 200, bfv_log.content
    assert "access_request.decide" in {e["action"] for e in bfv_log.json()["results"]}


def test_r_f1_grant_never_shows_another_records_data(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    first = _person(make_record, surname="Erster")
    second = _person(make_record, surname="Zweiter")
    one = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Erster"})["hit"]).json()
    hit_of("lka-bw.analyst", {"surname": "Zweiter"})
    assert decide("bfv.analyst", one["id"]).status_code == 200
    client = api("lka-bw.analyst")
    assert client.get(f"/api/v1/records/{first.pk}/").status_code == 200
    refused = client.get(f"/api/v1/records/{second.pk}/")
    assert_error(refused, 404, "not_found")
    # A third agency sees neither.
    assert api("lka-by.analyst").get(f"/api/v1/records/{first.pk}/").status_code == 404


def test_r_d2_grant_shows_only_entered_extended_data(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    record = _person(
        make_record,
        surname="Beschraenkt",
        storage="restricted",
        storage_decision={"decided_by": "bfv.head", "reasons": "Quellenschutz im Einzelfall."},
        withheld=["emails", "profession"],
        extended={"phones": ["+49 30 1111111"]},
    )
    request = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Beschraenkt"})["hit"])
    assert request.status_code == 201, request.content
    assert decide("bfv.analyst", request.json()["id"]).status_code == 200
    data = api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").json()
    assert data["extended"] == {"phones": ["+49 30 1111111"]}
    # Withheld fields do not exist for the recipient, not even as a list of names.
    assert "withheld" not in data
    assert "emails" not in str(data) and "profession" not in str(data)


def test_r_f1_refusal_keeps_the_record_closed(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    record = _person(make_record, surname="Abgelehnt")
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Abgelehnt"})["hit"]).json()
    refused = decide("bfv.analyst", made["id"], grant=False, reasons="Quellenschutz überwiegt.")
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused" and refused.json()["use_markings"] == []
    assert api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 404
    outcome = api("lka-bw.analyst").get("/api/v1/inbox/?kind=access_decision").json()
    payload = outcome["results"][0]["payload"]
    assert payload["status"] == "refused" and "record" not in payload
    # After a refusal a new request may be made.
    again = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Abgelehnt"})["hit"])
    assert again.status_code == 201


def test_r_f1_feature_hit_request_names_the_record_only_after_the_grant(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    record = _person(make_record, surname="Merkmalig", extended={"phones": ["+49 30 2222222"]})
    hit = hit_of("lka-bw.analyst", {"phones": "+49 30 2222222"}, mode="feature")
    assert "record" not in hit
    made = ask("lka-bw.analyst", hit["hit"])
    assert made.status_code == 201, made.content
    assert made.json()["record"] is None
    assert str(record.pk) not in made.content.decode()
    granted = decide("bfv.analyst", made.json()["id"]).json()
    assert granted["record"] == str(record.pk)  # the owner's view
    view = api("lka-bw.analyst").get(f"/api/v1/access-requests/{made.json()['id']}/").json()
    assert view["record"] == str(record.pk)
    assert api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 200


def test_r_f1_contact_person_hit_can_be_requested(make_record: Any, hit_of: Any, ask: Any) -> None:
    _person(
        make_record,
        surname="Hauptperson",
        extended={
            "contact_persons": [
                {"surname": "Kontaktmann", "given_names": "Otto", "date_of_birth": "1970-05-05"}
            ]
        },
    )
    hit = hit_of("lka-bw.analyst", {"surname": "Kontaktmann"})
    assert hit["matched_in"] == "extended" and "record" not in hit
    assert ask("lka-bw.analyst", hit["hit"]).status_code == 201


def test_r_f1_object_hit_can_be_requested(make_record: Any, hit_of: Any, ask: Any) -> None:
    person = _person(make_record, surname="Objekthalter")
    make_record(
        "bfv.analyst",
        kind="phone",
        case_group="",
        basic=None,
        object={"identifier": "+49 170 9999999", "description": "Prepaid"},
        linked_person=str(person.pk),
    )
    hit = hit_of(
        "lka-bw.analyst", {"kind": "phone", "identifier": "+49 170 9999999"}, mode="object"
    )
    assert ask("lka-bw.analyst", hit["hit"]).status_code == 201


# ---------------------------------------------------------------------------- separation


@pytest.mark.parametrize(
    ("owner", "requester", "crosses"),
    [
        ("bfv", "lka-bw", True),
        ("bka", "bfv", True),
        ("bka", "mad", True),  # R-A5: MAD is an intelligence service
        ("bfv", "mad", False),
        ("bka", "zka", False),  # customs and police stand on the same side
        ("bka", "lka-by", False),
    ],
)
def test_r_f1_crossing_the_line_between_intelligence_and_police_is_flagged(
    make_record: Any, hit_of: Any, ask: Any, owner: str, requester: str, crosses: bool
) -> None:
    _person(make_record, f"{owner}.analyst", surname=f"Trenn{owner}{requester}".replace("-", ""))
    hit = hit_of(f"{requester}.analyst", {"surname": f"Trenn{owner}{requester}".replace("-", "")})
    made = ask(f"{requester}.analyst", hit["hit"])
    assert made.status_code == 201, made.content
    assert made.json()["crosses_separation"] is crosses


# ---------------------------------------------------------------------------- bad input


def test_r_h3_justification_is_required(make_record: Any, hit_of: Any, ask: Any) -> None:
    _person(make_record, surname="Begruendet")
    hit = hit_of("lka-bw.analyst", {"surname": "Begruendet"})["hit"]
    stock = Stock()
    assert_error(ask("lka-bw.analyst", hit, ""), 400, "required", "justification")
    assert_error(ask("lka-bw.analyst", hit, "   "), 400, "required", "justification")
    assert_error(ask("lka-bw.analyst", hit, None), 400, "required", "justification")
    assert_error(ask("lka-bw.analyst", hit, 42), 400, "invalid", "justification")
    assert_error(ask("lka-bw.analyst", hit, "a\x00b"), 400, "invalid_characters", "justification")
    stock.assert_unchanged()


def test_r_f1_hit_is_required_and_bound_to_the_searching_agency(
    make_record: Any, hit_of: Any, ask: Any, api: Any
) -> None:
    record = _person(make_record, surname="Gebunden")
    hit = hit_of("lka-bw.analyst", {"surname": "Gebunden"})["hit"]
    stock = Stock()
    assert_error(ask("lka-bw.analyst", None), 400, "required", "hit")
    assert_error(ask("lka-bw.analyst", "kein-treffer"), 404, "not_found")
    assert_error(ask("lka-bw.analyst", "00000000-0000-0000-0000-000000000000"), 404, "not_found")
    # Another agency's hit answers exactly like an invented one.
    assert_error(ask("lka-by.analyst", hit), 404, "not_found")
    stock.assert_unchanged()
    # A blocked record's hit is gone (R-L3), as is a deleted one's.
    blocked = api("bfv.analyst").post(
        f"/api/v1/records/{record.pk}/block/",
        {"reason": "Schutzwürdige Interessen."},
        format="json",
    )
    assert blocked.status_code == 200, blocked.content
    stock = Stock()
    assert_error(ask("lka-bw.analyst", hit), 404, "not_found")
    other = _person(make_record, surname="Geloescht")
    gone = hit_of("lka-bw.analyst", {"surname": "Geloescht"})["hit"]
    assert (
        api("bfv.analyst")
        .delete(f"/api/v1/records/{other.pk}/?reason=Zweck%20erreicht")
        .status_code
        == 204
    )
    stock = Stock()
    assert_error(ask("lka-bw.analyst", gone), 404, "not_found")
    stock.assert_unchanged()


def test_r_f1_own_record_cannot_be_requested(make_record: Any, hit_of: Any, ask: Any) -> None:
    _person(make_record, "lka-bw.analyst", surname="Eigen")
    hit = hit_of("lka-bw.analyst", {"surname": "Eigen"})["hit"]
    stock = Stock()
    assert_error(ask("lka-bw.analyst", hit), 400, "own_record", "hit")
    stock.assert_unchanged()


def test_r_f1_gws_hit_cannot_be_requested(make_record: Any, hit_of: Any, ask: Any) -> None:
    make_record(
        "lka-bw.analyst",
        file="GWS",
        case_group="",
        findings_basis="",
        basic={"surname": "Gewalttaeter", "given_names": "Max"},
    )
    hit = hit_of("lka-by.analyst", {"surname": "Gewalttaeter"}, file="GWS", purpose="prosecution")
    stock = Stock()
    assert_error(ask("lka-by.analyst", hit["hit"]), 400, "not_in_gws", "hit")
    stock.assert_unchanged()


def test_r_f1_server_set_fields_are_ignored(
    make_record: Any, hit_of: Any, ask: Any, api: Any
) -> None:
    record = _person(make_record, surname="Ignoriert")
    hit = hit_of("lka-bw.analyst", {"surname": "Ignoriert"})["hit"]
    made = ask(
        "lka-bw.analyst",
        hit,
        status="granted",
        grant=True,
        consent="granted",
        decided_at="2026-01-01T00:00:00Z",
        decided_by="bfv.head",
        owner="LKA-BW",
        use_markings=["use_further_use"],
        provision="§ 19 BVerfSchG",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "pending" and body["owner"] == "BFV"
    assert body["decided_at"] is None and body["use_markings"] == [] and body["provision"] == ""
    assert api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 404
    # An unknown key is a mistake, not silently dropped.
    stock = Stock()
    assert_error(ask("lka-bw.analyst", hit, justfication="x"), 400, "unknown_field", "justfication")
    stock.assert_unchanged()


def test_r_f1_second_pending_and_granted_requests_conflict(
    make_record: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    _person(make_record, surname="Doppelt")
    first = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Doppelt"})["hit"])
    assert first.status_code == 201
    stock = Stock()
    # Another hit on the same record, even from a new search: still the same record.
    again = hit_of("lka-bw.analyst", {"surname": "Doppelt"})["hit"]
    stock = Stock()
    assert_error(ask("lka-bw.analyst", again), 409, "already_pending")
    stock.assert_unchanged()
    # Another agency may ask for the same record at the same time.
    assert (
        ask("lka-by.analyst", hit_of("lka-by.analyst", {"surname": "Doppelt"})["hit"]).status_code
        == 201
    )
    assert decide("bfv.analyst", first.json()["id"]).status_code == 200
    stock = Stock()
    assert_error(ask("lka-bw.analyst", again), 409, "already_granted")
    stock.assert_unchanged()


def test_r_f2_further_use_needs_a_ground_and_a_purpose(
    make_record: Any, hit_of: Any, ask: Any
) -> None:
    _person(make_record, surname="Weiter")
    hit = hit_of("lka-bw.analyst", {"surname": "Weiter"})["hit"]
    stock = Stock()
    assert_error(
        ask("lka-bw.analyst", hit, kind="further_use", use_purpose="Anklage"),
        400,
        "required",
        "use_ground",
    )
    assert_error(
        ask("lka-bw.analyst", hit, kind="further_use", use_ground="tax_evasion", use_purpose="x"),
        400,
        "invalid_choice",
        "use_ground",
    )
    assert_error(
        ask("lka-bw.analyst", hit, kind="further_use", use_ground="serious_crime"),
        400,
        "required",
        "use_purpose",
    )
    assert_error(ask("lka-bw.analyst", hit, kind="everything"), 400, "invalid_choice", "kind")
    # A use ground belongs to a request for further use only.
    assert_error(
        ask("lka-bw.analyst", hit, use_ground="serious_crime"), 400, "not_allowed", "use_ground"
    )
    stock.assert_unchanged()


def test_r_f2_granted_further_use_carries_the_section_6_3_marking(
    make_record: Any, hit_of: Any, ask: Any, decide: Any, api: Any
) -> None:
    record = _person(make_record, surname="Schwer")
    hit = hit_of("lka-bw.analyst", {"surname": "Schwer"})["hit"]
    made = ask(
        "lka-bw.analyst",
        hit,
        kind="further_use",
        use_ground="serious_crime",
        use_purpose="Anklage wegen § 129a StGB",
    )
    assert made.status_code == 201, made.content
    assert made.json()["use_ground"] == "serious_crime"
    payload = InboxItem.objects.get(kind="access_request", subject_id=made.json()["id"]).payload
    assert payload["kind"] == "further_use" and payload["use_ground"] == "serious_crime"
    granted = decide("bfv.analyst", made.json()["id"], provision="§ 19 Abs. 1 BVerfSchG")
    assert granted.json()["use_markings"] == ["use_further_use"]
    # Further use alone opens no extended data; with a release both markings travel (R-C7).
    client = api("lka-bw.analyst")
    assert client.get(f"/api/v1/records/{record.pk}/").status_code == 404
    release = ask("lka-bw.analyst", hit)
    assert release.status_code == 201, release.content
    assert decide("bfv.analyst", release.json()["id"]).status_code == 200
    data = client.get(f"/api/v1/records/{record.pk}/").json()
    assert data["use_markings"] == ["use_check_only", "use_further_use"]


def test_r_c7_legal_markings_travel_to_the_recipient(
    make_record: Any, hit_of: Any, ask: Any, decide: Any, api: Any
) -> None:
    record = _person(make_record, surname="Markiert", markings=["other_law"])
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Markiert"})["hit"])
    assert made.status_code == 201, made.content
    decide("bfv.analyst", made.json()["id"])
    data = api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").json()
    assert data["markings"] == ["other_law"]
    assert data["use_markings"] == ["use_check_only"]


# ---------------------------------------------------------------------------- decisions


@pytest.fixture
def pending(make_record: Any, hit_of: Any, ask: Any) -> dict[str, Any]:
    _person(make_record, surname="Entscheidung")
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Entscheidung"})["hit"])
    assert made.status_code == 201, made.content
    body: dict[str, Any] = made.json()
    return body


@pytest.mark.parametrize(
    ("field", "body", "code"),
    [
        ("grant", {"grant": ...}, "required"),
        ("grant", {"grant": "yes"}, "invalid"),
        ("reasons", {"reasons": ""}, "required"),
        ("reasons", {"reasons": ...}, "required"),
        ("provision", {"provision": ""}, "required"),
        ("provision", {"provision": ...}, "required"),
        ("provision", {"provision": " "}, "required"),
    ],
)
def test_r_f1_decision_needs_grant_reasons_and_provision(
    pending: dict[str, Any], decide: Any, field: str, body: dict[str, Any], code: str
) -> None:
    stock = Stock()
    assert_error(decide("bfv.analyst", pending["id"], **body), 400, code, field)
    stock.assert_unchanged()
    assert AccessRequest.objects.get(pk=pending["id"]).status == "pending"


def test_r_f1_decision_permission_matrix(pending: dict[str, Any], decide: Any, api: Any) -> None:
    url = f"/api/v1/access-requests/{pending['id']}/decision/"
    body = {"grant": True, "reasons": "r", "provision": "p"}
    assert_error(api(None).post(url, body, format="json"), 401, "not_authenticated")
    assert_error(api("bfdi.supervisor").post(url, body, format="json"), 403, "forbidden")
    assert_error(decide("lka-by.analyst", pending["id"]), 404, "not_found")
    assert_error(decide("lka-bw.analyst", pending["id"]), 403, "not_owner")
    assert_error(decide("lka-bw.head", pending["id"]), 403, "not_owner")
    assert_error(decide("bfv.analyst", "nicht-da"), 404, "not_found")
    assert AccessRequest.objects.get(pk=pending["id"]).status == "pending"
    assert decide("bfv.head", pending["id"]).status_code == 200
    assert_error(decide("bfv.analyst", pending["id"], grant=False), 409, "already_decided")


def test_r_f1_read_permission_matrix(pending: dict[str, Any], api: Any) -> None:
    url = f"/api/v1/access-requests/{pending['id']}/"
    assert_error(api(None).get(url), 401, "not_authenticated")
    assert_error(api("bfdi.supervisor").get(url), 403, "forbidden")
    assert_error(api("lka-by.analyst").get(url), 404, "not_found")
    assert api("lka-bw.analyst").get(url).status_code == 200
    owner_view = api("bfv.analyst").get(url).json()
    assert owner_view["record"] is not None
    assert_error(api(None).get("/api/v1/access-requests/"), 401, "not_authenticated")
    assert_error(api("bfdi.supervisor").get("/api/v1/access-requests/"), 403, "forbidden")
    assert_error(
        api(None).post(
            "/api/v1/access-requests/", {"hit": "x", "justification": "y"}, format="json"
        ),
        401,
        "not_authenticated",
    )


def test_r_f1_lists_by_direction_and_status(pending: dict[str, Any], api: Any, decide: Any) -> None:
    requester = api("lka-bw.analyst")
    owner = api("bfv.analyst")
    out = requester.get("/api/v1/access-requests/?direction=outgoing").json()
    assert set(out) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in out["results"]] == [pending["id"]]
    assert requester.get("/api/v1/access-requests/?direction=incoming").json()["count"] == 0
    assert requester.get("/api/v1/access-requests/").json()["count"] == 1
    assert owner.get("/api/v1/access-requests/?direction=incoming").json()["count"] == 1
    assert owner.get("/api/v1/access-requests/?direction=outgoing").json()["count"] == 0
    assert owner.get("/api/v1/access-requests/?status=pending").json()["count"] == 1
    assert owner.get("/api/v1/access-requests/?status=granted").json()["count"] == 0
    assert api("lka-by.analyst").get("/api/v1/access-requests/").json()["count"] == 0
    assert_error(
        requester.get("/api/v1/access-requests/?direction=sideways"),
        400,
        "invalid_choice",
        "direction",
    )
    assert_error(
        requester.get("/api/v1/access-requests/?state=open"), 400, "unknown_parameter", "state"
    )
    decide("bfv.analyst", pending["id"])
    assert owner.get("/api/v1/access-requests/?status=granted").json()["count"] == 1
    assert AuditEvent.objects.filter(action="access_request.list").exists()


def test_r_f1_request_on_a_record_made_covert_is_404(
    make_record: Any, hit_of: Any, ask: Any, api: Any
) -> None:
    """A record made covert after the hit is out of reach, as if it did not exist (R-D3)."""
    record = _person(make_record, surname="Spaeterverdeckt")
    hit = hit_of("lka-bw.analyst", {"surname": "Spaeterverdeckt"})["hit"]
    changed = api("bfv.analyst").patch(
        f"/api/v1/records/{record.pk}/",
        {
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz."},
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    stock = Stock()
    assert_error(ask("lka-bw.analyst", hit), 404, "not_found")
    stock.assert_unchanged()
    assert not Transfer.objects.exists()


def test_r_f1_create_permission_matrix_and_query_budget(
    make_record: Any,
    hit_of: Any,
    ask: Any,
    decide: Any,
    api: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _person(make_record, surname="Budget")
    hit = hit_of("lka-bw.analyst", {"surname": "Budget"})["hit"]
    body = {"hit": hit, "justification": "Abgleich."}
    stock = Stock()
    assert_error(
        api(None).post("/api/v1/access-requests/", body, format="json"), 401, "not_authenticated"
    )
    assert_error(
        api("bfdi.supervisor").post("/api/v1/access-requests/", body, format="json"),
        403,
        "forbidden",
    )
    stock.assert_unchanged()
    client = api("lka-bw.analyst")
    with django_assert_max_num_queries(40):
        made = client.post("/api/v1/access-requests/", body, format="json")
    assert made.status_code == 201, made.content
    event = AuditEvent.objects.get(action="access_request.create", object_id=made.json()["id"])
    assert event.officer is not None and event.officer.username == "lka-bw.analyst"
    assert event.agency is not None and event.agency.code == "LKA-BW"
    assert event.references[0]["hit"] == hit
    assert event.details["justification"] == "Abgleich."
    with django_assert_max_num_queries(40):
        decided = decide("bfv.analyst", made.json()["id"])
    assert decided.status_code == 200
    with django_assert_max_num_queries(30):
        listed = client.get("/api/v1/access-requests/")
    assert listed.json()["count"] == 1


def test_r_f1_deleting_the_record_takes_pending_requests_and_keeps_decisions(
    make_record: Any, hit_of: Any, ask: Any, decide: Any, api: Any
) -> None:
    record = _person(make_record, surname="Vergaenglich")
    granted = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Vergaenglich"})["hit"])
    assert decide("bfv.analyst", granted.json()["id"]).status_code == 200
    pending = ask("lka-by.analyst", hit_of("lka-by.analyst", {"surname": "Vergaenglich"})["hit"])
    assert pending.status_code == 201
    deleted = api("bfv.analyst").delete(f"/api/v1/records/{record.pk}/?reason=Zweck%20erreicht")
    assert deleted.status_code == 204, deleted.content
    assert_error(
        api("lka-by.analyst").get(f"/api/v1/access-requests/{pending.json()['id']}/"),
        404,
        "not_found",
    )
    assert not InboxItem.objects.filter(subject_id=pending.json()["id"]).exists()
    kept = api("lka-bw.analyst").get(f"/api/v1/access-requests/{granted.json()['id']}/").json()
    assert kept["status"] == "granted" and kept["record"] is None
    assert kept["file_number"] == record.file_number and kept["provision"] == "§ 19 BVerfSchG"


def test_r_f1_blocking_the_record_closes_a_granted_access(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    """R-L3: a blocked record is frozen; a grant made before no longer opens it."""
    from agencies.models import Officer
    from verbund.services.records import record_block

    record = _person(make_record, surname="Gesperrt")
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Gesperrt"})["hit"]).json()
    assert decide("bfv.analyst", made["id"]).status_code == 200
    client = api("lka-bw.analyst")
    assert client.get(f"/api/v1/records/{record.pk}/").status_code == 200
    record_block(
        actor=Officer.objects.get(username="bfv.analyst"),
        record_id=record.pk,
        reason="Schutzwürdige Interessen des Betroffenen.",
    )
    assert_error(client.get(f"/api/v1/records/{record.pk}/"), 404, "not_found")
    # The owner still sees its blocked record.
    assert api("bfv.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 200


def test_r_f1_no_grant_of_a_record_stored_covert_since_the_request(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    """A grant would open nothing and tell the requester the record went covert (R-D3)."""
    record = _person(make_record, surname="Spaeterverdeckt")
    made = ask(
        "lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Spaeterverdeckt"})["hit"]
    ).json()
    owner = api("bfv.analyst")
    patched = owner.patch(
        f"/api/v1/records/{record.pk}/",
        {
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz."},
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert_error(decide("bfv.analyst", made["id"]), 409, "record_covert")
    assert AccessRequest.objects.get(pk=made["id"]).status == "pending"
    assert not InboxItem.objects.filter(kind="access_decision").exists()
    refused = decide("bfv.analyst", made["id"], grant=False)
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    item = InboxItem.objects.get(kind="access_decision")
    assert "record" not in item.payload and item.payload["status"] == "refused"
    assert_error(api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/"), 404, "not_found")


@pytest.mark.parametrize("change", ["delete", "covert", "block"])
def test_r_d3_request_and_eilfall_name_the_record_only_while_it_is_open(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any, change: str
) -> None:
    """Deleted, blocked or stored covert since: the requester reads the same — no id."""
    from agencies.models import Officer
    from verbund.services.records import record_block, record_delete

    record = _person(make_record, surname="Spurlos")
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Spurlos"})["hit"]).json()
    assert decide("bfv.analyst", made["id"]).status_code == 200
    taken = api("lka-he.analyst").post(
        "/api/v1/emergency-accesses/",
        {
            "hit": hit_of("lka-he.analyst", {"surname": "Spurlos"})["hit"],
            "danger": "life",
            "facts": "Anschlag angekündigt.",
            "why_no_request": "Ein Ersuchen käme zu spät.",
            "decided_by": "lka-he.head",
        },
        format="json",
    )
    assert taken.status_code == 201, taken.content
    requester = api("lka-bw.analyst")
    eilfall = api("lka-he.analyst")
    request_url = f"/api/v1/access-requests/{made['id']}/"
    eilfall_url = f"/api/v1/emergency-accesses/{taken.json()['id']}/"
    assert requester.get(request_url).json()["record"] == str(record.pk)
    assert eilfall.get(eilfall_url).json()["record"] == str(record.pk)
    owner = Officer.objects.get(username="bfv.analyst")
    if change == "delete":
        record_delete(actor=owner, record_id=record.pk)
    elif change == "block":
        record_block(actor=owner, record_id=record.pk, reason="Schutzwürdige Interessen.")
    else:
        patched = api("bfv.analyst").patch(
            f"/api/v1/records/{record.pk}/",
            {
                "storage": "covert",
                "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz."},
            },
            format="json",
        )
        assert patched.status_code == 200, patched.content
    assert requester.get(request_url).json()["record"] is None
    assert eilfall.get(eilfall_url).json()["record"] is None
    listed = requester.get("/api/v1/access-requests/?direction=outgoing").json()["results"]
    assert [r["record"] for r in listed if r["id"] == made["id"]] == [None]
    listed = eilfall.get("/api/v1/emergency-accesses/?direction=outgoing").json()["results"]
    assert [e["record"] for e in listed if e["id"] == taken.json()["id"]] == [None]
    # The owner still reads its own record's id, unless the record is gone.
    expected = None if change == "delete" else str(record.pk)
    assert api("bfv.analyst").get(request_url).json()["record"] == expected


def test_r_f2_a_consented_further_use_lets_the_hit_data_be_passed_on(
    make_record: Any, api: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    """§ 6(1) S. 2: with the owner's consent the hit data may be used — and passed on."""
    record = _person(make_record, surname="Weiterverwendet")
    made = ask(
        "lka-nw.analyst",
        hit_of("lka-nw.analyst", {"surname": "Weiterverwendet"})["hit"],
        kind="further_use",
        use_ground="serious_crime",
        use_purpose="Strafverfahren wegen Mordes.",
    ).json()
    client = api("lka-nw.analyst")
    transfer = {
        "record": str(record.pk),
        "recipient": {"agency": "BKA"},
        "provision": "§ 14 BKAG",
        "items": ["basic", "reference"],
        "purpose": "Strafverfolgung.",
    }
    # Before the consent the agency holds nothing it may pass on: as if unknown.
    assert_error(client.post("/api/v1/transfers/", transfer, format="json"), 404, "not_found")
    assert decide("bfv.analyst", made["id"]).status_code == 200
    # The record itself stays closed: a further use is no release of the extended data.
    assert_error(client.get(f"/api/v1/records/{record.pk}/"), 404, "not_found")
    extended = client.post("/api/v1/transfers/", {**transfer, "items": ["phones"]}, format="json")
    assert_error(extended, 400, "unknown_item", "items")
    sent = client.post("/api/v1/transfers/", transfer, format="json")
    assert sent.status_code == 201, sent.content
    assert sent.json()["basis"] == "grant" and sent.json()["markings"] == ["use_further_use"]
    received = InboxItem.objects.get(kind="transfer_received", subject_id=sent.json()["id"])
    assert received.payload["markings"] == ["use_further_use"]
