"""Eilfall: direct access in an emergency, the owner's consent and the duty after refusal
(R-G1-G4, R-B2, R-L6)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from agencies.models import Agency, Officer
from audit.models import AuditEvent
from tests.verbund.records.support import assert_error
from verbund.models import EmergencyAccess, InboxItem
from verbund.models.transfers import Transfer, TransferBasis

URL = "/api/v1/emergency-accesses/"
FACTS = "Anschlag auf Bahnhof in Stuttgart für heute Abend angekündigt; Person ist Kontakt."
WHY = "Das Ersuchen würde erst morgen beschieden; der Anschlag droht heute."
CONTACT = {"surname": "Kontaktmann", "given_names": "Otto", "date_of_birth": "1970-05-05"}


def search(api: Any, username: str, criteria: dict[str, str], **extra: Any) -> Any:
    body = {
        "file": extra.get("file", "ATD"),
        "mode": extra.get("mode", "name"),
        "purpose": extra.get("purpose", "ct_task"),
        "urgency": extra.get("urgency", "immediate"),
        "criteria": criteria,
    }
    response = api(username).post("/api/v1/searches/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def body(hit_id: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "hit": hit_id,
        "danger": "life",
        "facts": FACTS,
        "why_no_request": WHY,
        "decided_by": "lka-bw.head",
    }
    data.update(overrides)
    return data


@pytest.fixture
def bfv_record(make_record: Any) -> Any:
    """An open ATD person of BfV with a contact person and a phone number."""
    return make_record(
        "bfv.analyst",
        basic={"surname": "Eilmann", "given_names": "Karim", "date_of_birth": "1990-01-02"},
        extended={"contact_persons": [CONTACT], "phones": ["+49 711 555123"]},
    )


@pytest.fixture
def hit(api: Any, bfv_record: Any) -> str:
    """LKA-BW's name hit on the BfV record."""
    answer = search(api, "lka-bw.analyst", {"surname": "Eilmann"})
    (found,) = answer["hits"]
    return str(found["hit"])


@pytest.fixture
def eilfall(api: Any, hit: str) -> dict[str, Any]:
    response = api("lka-bw.analyst").post(URL, body(hit), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_r_g1_r_g4_eilfall_shows_extended_data_at_once_marked_for_eilfall_use(
    api: Any, hit: str, bfv_record: Any
) -> None:
    client = api("lka-bw.analyst")
    assert client.get(f"/api/v1/records/{bfv_record.pk}/").status_code == 404
    sent = body(hit, consent="granted", requester="BKA", duty_steps={"x": 1})
    response = client.post(URL, sent, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    # Fields the server sets are ignored: consent starts pending.
    assert answer["consent"] == "pending" and answer["requester"] == "LKA-BW"
    assert answer["owner"] == "BFV" and answer["officer"] == "lka-bw.analyst"
    assert answer["decided_by"] == "lka-bw.head" and answer["danger"] == "life"
    assert answer["facts"] == FACTS and answer["why_no_request"] == WHY
    assert answer["duty_steps"] is None and answer["duty_due_at"] is None
    record = answer["record"]
    assert record["id"] == str(bfv_record.pk)
    assert record["basic"]["surname"] == "Eilmann"
    assert record["extended"]["phones"] == ["+49 711 555123"]
    assert record["reference"]["agency"] == "BFV"
    assert record["use_markings"] == ["use_eilfall"]
    assert "storage" not in record and "findings_basis" not in record
    # The access layer lets the requester see the record while consent is not refused.
    seen = client.get(f"/api/v1/records/{bfv_record.pk}/")
    assert seen.status_code == 200 and seen.json()["use_markings"] == ["use_eilfall"]
    ea = EmergencyAccess.objects.get(pk=answer["id"])
    assert ea.consent == "pending" and ea.record_id == bfv_record.pk


def test_r_b2_eilfall_shows_the_contact_persons(api: Any, hit: str) -> None:
    response = api("lka-bw.analyst").post(URL, body(hit), format="json")
    assert response.status_code == 201, response.content
    (contact,) = response.json()["record"]["extended"]["contact_persons"]
    assert contact["surname"] == "Kontaktmann" and contact["given_names"] == "Otto"


def test_r_g4_eilfall_from_an_inverse_search_hit(api: Any, bfv_record: Any) -> None:
    answer = search(api, "lka-bw.analyst", {"phones": "+49 711 555123"}, mode="feature")
    (found,) = answer["hits"]
    assert "record" not in found  # reference only (R-E4)
    response = api("lka-bw.analyst").post(URL, body(found["hit"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["record"]["id"] == str(bfv_record.pk)
    assert EmergencyAccess.objects.get().hit_id is not None


def test_r_g4_eilfall_from_a_contact_person_hit(api: Any, bfv_record: Any) -> None:
    answer = search(api, "lka-bw.analyst", {"surname": "Kontaktmann", "given_names": "Otto"})
    (found,) = answer["hits"]
    assert found["matched_in"] == "extended"
    response = api("lka-bw.analyst").post(URL, body(found["hit"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["record"]["basic"]["surname"] == "Eilmann"


def test_r_g2_analyst_cannot_decide_an_eilfall(api: Any, hit: str) -> None:
    before = AuditEvent.objects.count()
    for decider in ("lka-bw.analyst", "bfv.head", "bka.head", "nobody"):
        response = api("lka-bw.analyst").post(URL, body(hit, decided_by=decider), format="json")
        assert_error(response, 403, "decision_not_authorised", "decided_by")
    assert not EmergencyAccess.objects.exists() and not InboxItem.objects.exists()
    assert AuditEvent.objects.count() == before


def test_r_g2_inactive_head_cannot_decide(api: Any, hit: str) -> None:
    Officer.objects.filter(username="lka-bw.head").update(is_active=False)
    response = api("lka-bw.analyst").post(URL, body(hit), format="json")
    assert_error(response, 403, "decision_not_authorised", "decided_by")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"danger": "property"}, "invalid_choice", "danger"),
        ({"danger": ""}, "required", "danger"),
        ({"danger": None}, "required", "danger"),
        ({"danger": 3}, "invalid", "danger"),
        ({"facts": ""}, "required", "facts"),
        ({"facts": "   "}, "required", "facts"),
        ({"facts": None}, "required", "facts"),
        ({"facts": "x" * 4001}, "too_long", "facts"),
        ({"facts": ["a"]}, "invalid", "facts"),
        ({"why_no_request": ""}, "required", "why_no_request"),
        ({"why_no_request": "a\x00b"}, "invalid_characters", "why_no_request"),
        ({"decided_by": ""}, "required", "decided_by"),
        ({"decided_by": None}, "required", "decided_by"),
        ({"hit": None}, "required", "hit"),
    ],
)
def test_r_g1_bad_input_names_the_field_and_stores_nothing(
    api: Any, hit: str, overrides: dict[str, Any], code: str, field: str
) -> None:
    before = AuditEvent.objects.count()
    data = body(hit, **overrides)
    data = {k: v for k, v in data.items() if v is not None}
    response = api("lka-bw.analyst").post(URL, data, format="json")
    assert_error(response, 400, code, field)
    assert not EmergencyAccess.objects.exists() and not InboxItem.objects.exists()
    assert AuditEvent.objects.count() == before


def test_r_g1_unknown_foreign_deleted_or_blocked_hit_is_404(
    api: Any, hit: str, bfv_record: Any
) -> None:
    client = api("lka-bw.analyst")
    for bad in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        assert_error(client.post(URL, body(bad), format="json"), 404, "not_found")
    # Another agency's hit: LKA-BY's own search of the same record.
    (other,) = search(api, "lka-by.analyst", {"surname": "Eilmann"})["hits"]
    assert_error(client.post(URL, body(other["hit"]), format="json"), 404, "not_found")
    blocked = api("bfv.analyst").post(
        f"/api/v1/records/{bfv_record.pk}/block/",
        {"reason": "Schutzwürdige Interessen des Betroffenen."},
        format="json",
    )
    assert blocked.status_code == 200, blocked.content
    assert_error(client.post(URL, body(hit), format="json"), 404, "not_found")
    # A blocked record is deleted through the owner's review decision (R-L3).
    deleted = api("bfv.analyst").post(
        f"/api/v1/records/{bfv_record.pk}/review/",
        {"outcome": "deleted", "reasons": "Erledigt.", "ground": "not_necessary"},
        format="json",
    )
    assert deleted.status_code == 200, deleted.content
    assert_error(client.post(URL, body(hit), format="json"), 404, "not_found")
    assert not EmergencyAccess.objects.exists()


def test_r_g1_own_record_and_gws_hits_are_refused(api: Any, make_record: Any) -> None:
    make_record("lka-bw.analyst", basic={"surname": "Eigenmann", "given_names": "Ida"})
    (own,) = search(api, "lka-bw.analyst", {"surname": "Eigenmann"})["hits"]
    response = api("lka-bw.analyst").post(URL, body(own["hit"]), format="json")
    assert_error(response, 400, "own_record", "hit")
    make_record(
        "lka-by.analyst",
        file="GWS",
        case_group="",
        findings_basis="",
        basic={"surname": "Gwsmann", "given_names": "Ida"},
    )
    answer = search(
        api, "lka-bw.analyst", {"surname": "Gwsmann"}, file="GWS", purpose="prosecution"
    )
    (gws,) = answer["hits"]
    response = api("lka-bw.analyst").post(URL, body(gws["hit"]), format="json")
    assert_error(response, 400, "not_in_gws", "hit")
    assert not EmergencyAccess.objects.exists()


@override_settings(VERBUND_EILFALL_CONSENT_HOURS=2, VERBUND_EILFALL_DUTY_HOURS=24)
def test_r_g3_r_l6_owner_is_asked_for_consent_at_once_with_a_due_time(
    api: Any, hit: str, bfv_record: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = api("lka-bw.analyst").post(URL, body(hit), format="json")
    assert response.status_code == 201
    answer = response.json()
    due = start + datetime.timedelta(hours=2)
    assert datetime.datetime.fromisoformat(answer["consent_due_at"]) == due
    inbox = api("bfv.analyst").get("/api/v1/inbox/?kind=emergency_consent").json()
    (item,) = inbox["results"]
    assert item["subject_id"] == answer["id"] and item["done_at"] is None
    assert datetime.datetime.fromisoformat(item["due_at"]) == due
    assert item["payload"] == {
        "eilfall": answer["id"],
        "requester": "LKA-BW",
        "officer": "lka-bw.analyst",
        "decided_by": "lka-bw.head",
        "danger": "life",
        "facts": FACTS,
        "why_no_request": WHY,
        "file_number": bfv_record.file_number,
        "record": str(bfv_record.pk),
    }


def test_r_g3_only_the_owner_decides_consent(api: Any, eilfall: dict[str, Any]) -> None:
    url = f"{URL}{eilfall['id']}/consent/"
    decision = {"grant": False, "reasons": "Quellenschutz."}
    assert_error(api("lka-by.analyst").post(url, decision, format="json"), 404, "not_found")
    assert_error(api("lka-bw.analyst").post(url, decision, format="json"), 403, "not_owner")
    assert_error(api("lka-bw.head").post(url, decision, format="json"), 403, "not_owner")
    assert_error(api("bfv.analyst").post(url, {"reasons": "x"}, format="json"), 400, "required")
    assert_error(
        api("bfv.analyst").post(url, {"grant": "no", "reasons": "x"}, format="json"),
        400,
        "invalid",
        "grant",
    )
    assert_error(
        api("bfv.analyst").post(url, {"grant": True, "reasons": " "}, format="json"),
        400,
        "required",
        "reasons",
    )
    assert EmergencyAccess.objects.get().consent == "pending"
    assert api("bfv.analyst").post(url, decision, format="json").status_code == 200
    again = api("bfv.analyst").post(url, {"grant": True, "reasons": "Doch."}, format="json")
    assert_error(again, 409, "already_decided")
    assert EmergencyAccess.objects.get().consent == "refused"


@override_settings(VERBUND_EILFALL_DUTY_HOURS=6)
def test_r_g3_refused_consent_ends_access_and_creates_the_duty(
    api: Any, eilfall: dict[str, Any], bfv_record: Any
) -> None:
    Transfer.objects.create(
        record=bfv_record,
        file=bfv_record.file,
        file_number=bfv_record.file_number,
        sender=Agency.objects.get(code="LKA-BW"),
        officer=Officer.objects.get(username="lka-bw.analyst"),
        recipient_body="Polizeipräsidium Stuttgart",
        basis=TransferBasis.EILFALL,
        provision="§ 42 PolG BW",
        items=["basic"],
    )
    requester = api("lka-bw.analyst")
    assert requester.get(f"/api/v1/records/{bfv_record.pk}/").status_code == 200
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = api("bfv.analyst").post(
            f"{URL}{eilfall['id']}/consent/",
            {"grant": False, "reasons": "Gefährdung einer Quelle."},
            format="json",
        )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["consent"] == "refused" and answer["consent_by"] == "bfv.analyst"
    assert answer["consent_reasons"] == "Gefährdung einer Quelle."
    due = start + datetime.timedelta(hours=6)
    assert datetime.datetime.fromisoformat(answer["duty_due_at"]) == due
    # The access ends: the record is 404 again.
    assert_error(requester.get(f"/api/v1/records/{bfv_record.pk}/"), 404, "not_found")
    owner_item = InboxItem.objects.get(kind="emergency_consent")
    assert owner_item.done_at is not None and owner_item.payload["consent"] == "refused"
    (duty,) = requester.get("/api/v1/inbox/?kind=emergency_refused").json()["results"]
    assert duty["subject_id"] == eilfall["id"] and duty["done_at"] is None
    assert datetime.datetime.fromisoformat(duty["due_at"]) == due
    assert duty["payload"]["duties"] == ["delete_or_block", "inform_third_parties"]
    assert duty["payload"]["third_parties"] == ["Polizeipräsidium Stuttgart"]
    assert duty["payload"]["owner"] == "BFV" and duty["payload"]["reasons"]


def test_r_g3_granted_consent_keeps_access(
    api: Any, eilfall: dict[str, Any], bfv_record: Any
) -> None:
    response = api("bfv.analyst").post(
        f"{URL}{eilfall['id']}/consent/",
        {"grant": True, "reasons": "Weitere Verwendung nach § 19 BVerfSchG."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["consent"] == "granted"
    assert response.json()["duty_due_at"] is None
    seen = api("lka-bw.analyst").get(f"/api/v1/records/{bfv_record.pk}/")
    assert seen.status_code == 200 and seen.json()["use_markings"] == ["use_eilfall"]
    assert not InboxItem.objects.filter(kind="emergency_refused").exists()
    duty = api("lka-bw.analyst").post(
        f"{URL}{eilfall['id']}/duty/",
        {"deleted_or_blocked": "deleted", "third_parties_informed": True},
        format="json",
    )
    assert_error(duty, 409, "not_refused")


def _make_covert(api: Any, record: Any) -> None:
    patched = api("bfv.analyst").patch(
        f"/api/v1/records/{record.pk}/",
        {
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz."},
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content


def _block(api: Any, record: Any) -> None:
    from verbund.services.records import record_block

    record_block(
        actor=Officer.objects.get(username="bfv.analyst"),
        record_id=record.pk,
        reason="Schutzwürdige Interessen des Betroffenen.",
    )


def _delete(api: Any, record: Any) -> None:
    deleted = api("bfv.analyst").delete(f"/api/v1/records/{record.pk}/?reason=Zweck%20erreicht")
    assert deleted.status_code == 204, deleted.content


@pytest.mark.parametrize(
    ("change", "code"),
    [(_make_covert, "record_covert"), (_block, "record_blocked"), (_delete, "record_deleted")],
)
def test_r_g3_no_consent_on_a_record_made_covert_blocked_or_deleted_since(
    api: Any, eilfall: dict[str, Any], bfv_record: Any, change: Any, code: str
) -> None:
    """Only a refusal remains; a grant answers 409 and changes nothing."""
    change(api, bfv_record)
    owner = api("bfv.analyst")
    url = f"{URL}{eilfall['id']}/consent/"
    granted = owner.post(url, {"grant": True, "reasons": "Einverstanden."}, format="json")
    assert_error(granted, 409, code)
    assert "Datensatz" in granted.json()["detail"]
    ea = EmergencyAccess.objects.get()
    assert ea.consent == "pending" and ea.consent_by is None
    assert not AuditEvent.objects.filter(action="emergency.consent").exists()
    refused = owner.post(url, {"grant": False, "reasons": "Nicht mehr."}, format="json")
    assert refused.status_code == 200, refused.content
    assert refused.json()["consent"] == "refused"
    assert InboxItem.objects.filter(kind="emergency_refused").count() == 1


def test_r_g3_closing_the_duty_confirms_each_step(api: Any, eilfall: dict[str, Any]) -> None:
    api("bfv.analyst").post(
        f"{URL}{eilfall['id']}/consent/", {"grant": False, "reasons": "Nein."}, format="json"
    )
    url = f"{URL}{eilfall['id']}/duty/"
    requester = api("lka-bw.analyst")
    assert_error(
        requester.post(url, {"third_parties_informed": True}, format="json"),
        400,
        "required",
        "deleted_or_blocked",
    )
    assert_error(
        requester.post(
            url, {"deleted_or_blocked": "shredded", "third_parties_informed": True}, format="json"
        ),
        400,
        "invalid_choice",
        "deleted_or_blocked",
    )
    for informed in ({}, {"third_parties_informed": False}):
        assert_error(
            requester.post(url, {"deleted_or_blocked": "blocked", **informed}, format="json"),
            400,
            "required",
            "third_parties_informed",
        )
    steps = {"deleted_or_blocked": "blocked", "third_parties_informed": True}
    assert_error(api("bfv.analyst").post(url, steps, format="json"), 403, "not_requester")
    assert_error(api("lka-by.analyst").post(url, steps, format="json"), 404, "not_found")
    assert EmergencyAccess.objects.get().duty_done_at is None
    response = requester.post(url, {**steps, "note": "Im Vorgangssystem gesperrt."}, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["duty_done_at"] is not None
    assert answer["duty_steps"]["deleted_or_blocked"] == "blocked"
    assert answer["duty_steps"]["third_parties_informed"] is True
    assert answer["duty_steps"]["closed_by"] == "lka-bw.analyst"
    # Times in the local zone like every other time of the answer.
    assert answer["duty_steps"]["closed_at"][-6:] == answer["duty_done_at"][-6:]
    assert InboxItem.objects.get(kind="emergency_refused").done_at is not None
    assert_error(requester.post(url, steps, format="json"), 409, "already_done")


def test_r_g2_every_step_is_logged_with_officer_agency_purpose_and_decision(
    api: Any, eilfall: dict[str, Any], bfv_record: Any
) -> None:
    api("bfv.analyst").post(
        f"{URL}{eilfall['id']}/consent/", {"grant": False, "reasons": "Nein."}, format="json"
    )
    api("lka-bw.analyst").post(
        f"{URL}{eilfall['id']}/duty/",
        {"deleted_or_blocked": "deleted", "third_parties_informed": True},
        format="json",
    )
    lka_bw, bfv = Agency.objects.get(code="LKA-BW"), Agency.objects.get(code="BFV")
    create = AuditEvent.objects.get(action="emergency.create")
    assert create.officer_username == "lka-bw.analyst" and create.agency_id == lka_bw.pk
    assert create.purpose == "ct_task" and create.urgency == "immediate"
    assert create.object_id == eilfall["id"]
    assert create.details["eilfall"] == eilfall["id"]
    assert create.details["decided_by"] == "lka-bw.head" and create.details["danger"] == "life"
    assert create.references[0]["record"] == str(bfv_record.pk)
    consent = AuditEvent.objects.get(action="emergency.consent")
    assert consent.officer_username == "bfv.analyst" and consent.agency_id == bfv.pk
    assert consent.purpose == "ct_task"
    assert consent.details["consent"] == "refused" and consent.details["reasons"] == "Nein."
    duty = AuditEvent.objects.get(action="emergency.duty")
    assert duty.officer_username == "lka-bw.analyst" and duty.agency_id == lka_bw.pk
    assert duty.details["deleted_or_blocked"] == "deleted"
    # The competent supervisors read each step.
    bw = api("lfd-bw.supervisor").get("/api/v1/audit/events/").json()["results"]
    assert {"emergency.create", "emergency.duty"} <= {e["action"] for e in bw}
    fed = api("bfdi.supervisor").get("/api/v1/audit/events/?agency=BFV").json()["results"]
    assert "emergency.consent" in {e["action"] for e in fed}


def test_r_g3_eilfall_list_and_detail_for_requester_and_owner_only(
    api: Any, eilfall: dict[str, Any]
) -> None:
    out = api("lka-bw.analyst").get(f"{URL}?direction=outgoing").json()
    assert [e["id"] for e in out["results"]] == [eilfall["id"]]
    assert out["results"][0]["record"] == eilfall["record"]["id"]
    assert api("lka-bw.analyst").get(f"{URL}?direction=incoming").json()["count"] == 0
    incoming = api("bfv.analyst").get(f"{URL}?direction=incoming").json()
    assert [e["id"] for e in incoming["results"]] == [eilfall["id"]]
    assert api("bfv.analyst").get(URL).json()["count"] == 1
    assert_error(api("bfv.analyst").get(f"{URL}?direction=sideways"), 400, "invalid_choice")
    assert api("lka-by.analyst").get(URL).json()["count"] == 0
    for who in ("lka-bw.analyst", "bfv.analyst"):
        detail = api(who).get(f"{URL}{eilfall['id']}/")
        assert detail.status_code == 200 and detail.json()["id"] == eilfall["id"]
        assert "no-store" in detail["Cache-Control"]
    assert_error(api("lka-by.analyst").get(f"{URL}{eilfall['id']}/"), 404, "not_found")
    assert_error(api("bfv.analyst").get(f"{URL}nonsense/"), 404, "not_found")


def test_r_g2_end_to_end_as_in_the_readme(api: Any, bfv_record: Any) -> None:
    """The README calls: analyst 403, head 201, owner refuses, record 404, duty in inbox."""
    (found,) = search(api, "lka-bw.analyst", {"surname": "Eilmann"})["hits"]
    client = api("lka-bw.analyst")
    denied = client.post(URL, body(found["hit"], decided_by="lka-bw.analyst"), format="json")
    assert_error(denied, 403, "decision_not_authorised", "decided_by")
    created = client.post(URL, body(found["hit"]), format="json")
    assert created.status_code == 201
    ea_id = created.json()["id"]
    (item,) = api("bfv.analyst").get("/api/v1/inbox/?kind=emergency_consent").json()["results"]
    refused = api("bfv.analyst").post(
        f"{URL}{item['payload']['eilfall']}/consent/",
        {"grant": False, "reasons": "Quellenschutz."},
        format="json",
    )
    assert refused.status_code == 200
    assert client.get(f"/api/v1/records/{bfv_record.pk}/").status_code == 404
    (duty,) = client.get("/api/v1/inbox/?kind=emergency_refused").json()["results"]
    assert duty["subject_id"] == ea_id and duty["due_at"]
