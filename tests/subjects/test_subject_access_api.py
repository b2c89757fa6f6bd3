"""Subject access through the API (api.md "Subject access"; R-K1-K5, R-K3a, R-D5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from audit.models import AuditEvent
from subjects.models import Challenge, Consultation, Decision, SubjectRequest
from tests.subjects.conftest import COVERT_BFV, applicant, request_body
from verbund.models import InboxItem
from verbund.models.inbox import InboxKind

URL = "/api/v1/subject-requests/"


def _decide(api: Any, user: str, consultation: str, **body: Any) -> Any:
    return api(user).post(
        f"/api/v1/subject-consultations/{consultation}/decision/", body, format="json"
    )


def _answer(api: Any, desk: str, request_id: str) -> dict[str, Any]:
    response = api(desk).post(f"{URL}{request_id}/answer/")
    assert response.status_code == 200, response.json()
    data: dict[str, Any] = response.json()
    return data


# ------------------------------------------------------------------ R-K1 / R-D5


def test_r_k1_bka_desk_records_request_and_owners_of_open_records_get_items(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    record = make_record("lka-bw.analyst")
    made = subject_request()
    assert made["status"] == "pending"
    assert made["scope"] == "not_covert"
    [consultation] = made["consultations"]
    assert consultation["agency"] == "LKA-BW"
    assert consultation["file_number"] == record.file_number
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    assert item.agency.code == "LKA-BW"
    assert item.due_at is not None
    inbox = api("lka-bw.analyst").get("/api/v1/inbox/?kind=subject_request").json()
    assert inbox["count"] == 1
    payload = inbox["results"][0]["payload"]
    assert payload["consultation"] == consultation["id"]
    assert payload["asks"] == ["access"]
    event = AuditEvent.objects.get(action="subject_request.create")
    assert event.references[0]["record"] == str(record.pk)
    assert event.covert == []


def test_r_k1_answer_covers_only_not_covert_data_and_says_so(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("lka-bw.analyst")
    made = subject_request()
    cid = made["consultations"][0]["id"]
    assert _decide(api, "lka-bw.analyst", cid, ask="access", outcome="agree").status_code == 200
    pending = api("bka.auskunft").get(f"{URL}{made['id']}/").json()
    assert pending["answer"] is None
    answered = _answer(api, "bka.auskunft", made["id"])
    assert answered["status"] == "answered"
    text = answered["answer"]["text"]
    assert answered["answer"]["covers"] == "not_covert"
    assert "nur auf Daten, die nicht verdeckt gespeichert sind" in text
    assert "weder bestätigen noch verneinen" in text
    assert "an jede teilnehmende Behörde einzeln" in text
    assert "Al-Masri" in text and "Landeskriminalamt Baden-Württemberg" in text
    assert AuditEvent.objects.filter(action="subject_request.answer").count() == 1
    again = api("bka.auskunft").post(f"{URL}{made['id']}/answer/")
    assert again.status_code == 409 and again.json()["code"] == "already_answered"


def test_r_k1_answer_waits_for_every_owner(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("lka-bw.analyst")
    made = subject_request()
    response = api("bka.auskunft").post(f"{URL}{made['id']}/answer/")
    assert response.status_code == 409
    assert response.json()["code"] == "consultations_pending"


def test_r_d5_bka_letter_identical_with_and_without_covert_records(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    """The BKA's letter is word for word the same whether covert records exist or not."""
    make_record("lka-bw.analyst")

    def letter() -> tuple[str, int, int, int]:
        items_before = InboxItem.objects.count()
        log_before = AuditEvent.objects.count()
        made = subject_request()
        cid = made["consultations"][0]["id"]
        _decide(api, "lka-bw.analyst", cid, ask="access", outcome="agree")
        answered = _answer(api, "bka.auskunft", made["id"])
        return (
            answered["answer"]["text"],
            len(answered["consultations"]),
            InboxItem.objects.count() - items_before,
            AuditEvent.objects.count() - log_before,
        )

    without = letter()
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    with_covert = letter()
    assert without == with_covert
    assert not InboxItem.objects.filter(agency__code="BFV").exists()
    assert not Consultation.objects.filter(owner__code="BFV").exists()
    # The BKA forwards nothing to the covert owner: no log row names it either.
    assert not AuditEvent.objects.filter(action__startswith="subject_request", agency__code="BFV")
    for event in AuditEvent.objects.filter(action__startswith="subject_request"):
        assert event.covert == []


def test_r_d5_bka_request_finds_no_covert_record_even_alone(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    made = subject_request()
    assert made["consultations"] == []
    answered = _answer(api, "bka.auskunft", made["id"])
    assert "keine Daten gespeichert" in answered["answer"]["text"]
    assert not InboxItem.objects.filter(kind=InboxKind.SUBJECT_REQUEST).exists()


# ------------------------------------------------------------------ R-K2


def test_r_k2_agency_desk_answers_for_its_own_covert_data(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    record = make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    make_record("lka-bw.analyst")
    made = subject_request("bfv.auskunft")
    assert made["scope"] == "own"
    [consultation] = made["consultations"]
    assert consultation["agency"] == "BFV"
    event = AuditEvent.objects.get(action="subject_request.create")
    # R-I5: the covert record goes to the covert column only.
    assert event.references == []
    assert event.covert[0]["record"] == str(record.pk)
    decided = _decide(api, "bfv.analyst", consultation["id"], ask="access", outcome="agree")
    assert decided.status_code == 200
    text = _answer(api, "bfv.auskunft", made["id"])["answer"]["text"]
    assert "Bundesamt für Verfassungsschutz" in text
    assert "nicht verdeckt" not in text
    assert "unentgeltlich" in text and "§ 15 Abs. 3 BVerfSchG" in text


def test_r_k2_other_desk_and_officers_do_not_see_the_request(
    api: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    made = subject_request("bfv.auskunft")
    assert api("bka.auskunft").get(f"{URL}{made['id']}/").status_code == 404
    assert api("bfv.analyst").get(f"{URL}{made['id']}/").status_code == 403
    assert api("bfdi.supervisor").get(URL).status_code == 403
    listed = api("bka.auskunft").get(URL).json()
    assert listed["count"] == 0


# ------------------------------------------------------------------ R-K3


def test_r_k3_refusal_without_ground_or_reasons_is_400_and_stores_nothing(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("lka-bw.analyst")
    cid = subject_request()["consultations"][0]["id"]
    no_ground = _decide(api, "lka-bw.analyst", cid, ask="access", outcome="refuse", reasons="x")
    assert no_ground.status_code == 400
    assert no_ground.json()["code"] == "required" and "ground" in no_ground.json()["fields"]
    no_reasons = _decide(api, "lka-bw.analyst", cid, ask="access", outcome="refuse", ground="tasks")
    assert no_reasons.status_code == 400 and "reasons" in no_reasons.json()["fields"]
    foreign = _decide(
        api, "lka-bw.analyst", cid, ask="access", outcome="refuse", ground="s15_tasks", reasons="x"
    )
    assert foreign.status_code == 400 and foreign.json()["code"] == "invalid_choice"
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action="subject_request.decide").exists()
    assert InboxItem.objects.get(subject_id=cid).done_at is None


def test_r_k3_refusal_with_ground_and_reasons_goes_into_the_letter(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("bka.analyst")
    made = subject_request()
    cid = made["consultations"][0]["id"]
    grounds = api("bka.analyst").get("/api/v1/subject-refusal-grounds/").json()
    assert {g["code"] for g in grounds} == {"tasks", "security", "secrecy"}
    assert all("BKAG" in g["citation"] for g in grounds)
    decided = _decide(
        api,
        "bka.analyst",
        cid,
        ask="access",
        outcome="refuse",
        ground="tasks",
        reasons="Laufendes Ermittlungsverfahren würde gefährdet.",
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["decisions"][0]["ground"] == "tasks"
    text = _answer(api, "bka.auskunft", made["id"])["answer"]["text"]
    assert "Die Auskunft wird verweigert" in text
    assert "§ 19 Abs. 4 Nr. 1 BDSG" in text
    assert "Laufendes Ermittlungsverfahren" in text
    event = AuditEvent.objects.get(action="subject_request.decide")
    assert event.details["ground"] == "tasks"
    again = _decide(api, "bka.analyst", cid, ask="access", outcome="agree")
    assert again.status_code == 409


def test_r_k3_only_the_owner_decides(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("lka-bw.analyst")
    cid = subject_request()["consultations"][0]["id"]
    for user in ("lka-by.analyst", "bka.auskunft", "bka.analyst", "bfdi.supervisor"):
        response = _decide(api, user, cid, ask="access", outcome="agree")
        assert response.status_code in (403, 404), user
    assert not Decision.objects.exists()


# ------------------------------------------------------------------ R-K3a


def test_r_k3a_bfv_refusal_not_by_head_is_403(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("bfv.analyst")
    cid = subject_request("bfv.auskunft")["consultations"][0]["id"]
    body = {"ask": "access", "outcome": "refuse", "ground": "s15_sources", "reasons": "Quelle"}
    response = _decide(api, "bfv.analyst", cid, **body)
    assert response.status_code == 403 and response.json()["code"] == "not_head"
    assert not Decision.objects.exists()
    assert _decide(api, "bfv.head", cid, **body).status_code == 200


def test_r_k3a_bfv_catalogue_has_the_four_grounds(api: Any) -> None:
    grounds = api("bfv.head").get("/api/v1/subject-refusal-grounds/").json()
    assert sorted(g["citation"] for g in grounds) == [
        f"§ 15 Abs. 2 Nr. {n} BVerfSchG" for n in "1234"
    ]
    assert not any(g["project_decision"] for g in grounds)
    lfv = api("lfv-bw.head").get("/api/v1/subject-refusal-grounds/").json()
    assert len(lfv) == 4 and all(g["project_decision"] for g in lfv)


def test_r_k3a_withheld_reasons_stay_on_file_and_letter_names_basis_and_bfdi(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    made = subject_request("bfv.auskunft")
    cid = made["consultations"][0]["id"]
    response = _decide(
        api,
        "bfv.head",
        cid,
        ask="access",
        outcome="refuse",
        ground="s15_sources",
        reasons="Geheime Quellenführung X",
        withhold_reasons=True,
    )
    assert response.status_code == 200, response.json()
    decision = Decision.objects.get()
    assert decision.reasons == "Geheime Quellenführung X" and decision.reasons_withheld
    text = _answer(api, "bfv.auskunft", made["id"])["answer"]["text"]
    assert "Geheime Quellenführung X" not in text
    assert "§ 15 Abs. 4 Satz 1 BVerfSchG" in text
    assert "Bundesbeauftragten für den Datenschutz" in text


def test_r_k3a_bfv_desk_needs_concrete_matter_and_special_interest(
    api: Any,
) -> None:
    for missing in ("concrete_matter", "special_interest"):
        body = request_body(**{missing: None})
        response = api("bfv.auskunft").post(URL, body, format="json")
        assert response.status_code == 400
        assert list(response.json()["fields"]) == [missing]
    assert not SubjectRequest.objects.exists()


def test_r_k3a_withholding_reasons_only_under_s15(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("lka-bw.analyst")
    cid = subject_request()["consultations"][0]["id"]
    response = _decide(
        api,
        "lka-bw.head",
        cid,
        ask="access",
        outcome="refuse",
        ground="tasks",
        reasons="x",
        withhold_reasons=True,
    )
    assert response.status_code == 400 and "withhold_reasons" in response.json()["fields"]


# ------------------------------------------------------------------ R-K4


def test_r_k4_request_without_asks_is_400_and_stores_nothing(api: Any) -> None:
    for asks in (None, [], ["everything"]):
        body = request_body(asks=asks)
        if asks is None:
            body.pop("asks", None)
        response = api("bka.auskunft").post(URL, body, format="json")
        assert response.status_code == 400, asks
        assert "asks" in response.json()["fields"]
    assert not SubjectRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="subject_request.create").exists()


def test_r_k4_bad_applicant_dates_are_400(api: Any) -> None:
    for born, code in (
        ("1985-W11-4", "invalid_date"),
        ("1985-073", "invalid_date"),
        ("1985", "incomplete_data"),
    ):
        body = request_body(applicant=applicant(date_of_birth=born))
        response = api("bka.auskunft").post(URL, body, format="json")
        assert response.status_code == 400, born
        assert response.json()["code"] == code
        assert "applicant.date_of_birth" in response.json()["fields"]
    missing = api("bka.auskunft").post(
        URL, request_body(applicant={"surname": "X", "given_names": "Y"}), format="json"
    )
    assert missing.status_code == 400 and "applicant.date_of_birth" in missing.json()["fields"]
    assert not SubjectRequest.objects.exists()


def test_r_k4_only_a_desk_records_requests(api: Any) -> None:
    for user in ("bka.analyst", "bka.head", "bfdi.supervisor"):
        assert api(user).post(URL, request_body(), format="json").status_code == 403
    assert api(None).post(URL, request_body(), format="json").status_code == 401


def test_r_k4_deletion_goes_through_record_erase_with_reasons(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    from verbund.models import Record

    record = make_record("lka-bw.analyst")
    made = subject_request(asks=["access", "deletion"])
    cid = made["consultations"][0]["id"]
    no_reasons = _decide(api, "lka-bw.analyst", cid, ask="deletion", outcome="delete")
    assert no_reasons.status_code == 400 and "reasons" in no_reasons.json()["fields"]
    assert Record.objects.filter(pk=record.pk).exists()
    agreed = _decide(api, "lka-bw.analyst", cid, ask="access", outcome="agree")
    assert agreed.status_code == 200
    deleted = _decide(
        api,
        "lka-bw.analyst",
        cid,
        ask="deletion",
        outcome="delete",
        reasons="Speicherung nicht mehr erforderlich.",
    )
    assert deleted.status_code == 200, deleted.json()
    assert not Record.objects.filter(pk=record.pk).exists()
    tombstone = AuditEvent.objects.get(action="record.delete")
    assert tombstone.details["tombstone"]["ground"] == "not_necessary"
    assert InboxItem.objects.get(subject_id=cid).done_at is not None
    text = _answer(api, "bka.auskunft", made["id"])["answer"]["text"]
    assert "Die Daten wurden gelöscht" in text


def test_r_k4_correction_through_record_update_and_challenge(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    from verbund.models import Record

    record = make_record("lka-bw.analyst")
    made = subject_request(asks=["correction"])
    cid = made["consultations"][0]["id"]
    bad = _decide(
        api,
        "lka-bw.analyst",
        cid,
        ask="correction",
        outcome="correct",
        reasons="Geburtsort",
        changes={"basic": {"sex": "nonsense"}},
    )
    assert bad.status_code == 400
    assert any(k.startswith("changes.") for k in bad.json()["fields"])
    assert Record.objects.get(pk=record.pk).version == 1
    assert not Decision.objects.exists()
    ok = _decide(
        api,
        "lka-bw.analyst",
        cid,
        ask="correction",
        outcome="correct",
        reasons="Geburtsort ergänzt.",
        changes={"basic": {"place_of_birth": "Kairo"}},
    )
    assert ok.status_code == 200, ok.json()
    assert Record.objects.get(pk=record.pk).basic["place_of_birth"] == "Kairo"
    early = api("bka.auskunft").post(f"{URL}{made['id']}/challenge/", {"text": "x"}, format="json")
    assert early.status_code == 409
    _answer(api, "bka.auskunft", made["id"])
    empty = api("bka.auskunft").post(f"{URL}{made['id']}/challenge/", {}, format="json")
    assert empty.status_code == 400 and "text" in empty.json()["fields"]
    challenged = api("bka.auskunft").post(
        f"{URL}{made['id']}/challenge/",
        {"text": "Widerspruch gegen die Entscheidung", "consultation": cid},
        format="json",
    )
    assert challenged.status_code == 201, challenged.json()
    assert challenged.json()["challenges"][0]["consultation"] == cid
    assert Challenge.objects.count() == 1
    assert AuditEvent.objects.filter(action="subject_request.challenge").count() == 1


# ------------------------------------------------------------------ R-K5


@pytest.mark.parametrize("storage", ["open", "covert"])
def test_r_k5_creating_or_deleting_a_record_sends_the_subject_nothing(
    api: Any, make_record: Any, mailoutbox: list[Any], storage: str
) -> None:
    extra: dict[str, Any] = (
        {"storage": "covert", "storage_decision": COVERT_BFV} if storage == "covert" else {}
    )
    record = make_record("bfv.analyst", **extra)
    response = api("bfv.analyst").delete(f"/api/v1/records/{record.pk}/")
    assert response.status_code in (200, 204), response.content
    assert mailoutbox == []
    assert not SubjectRequest.objects.exists()
    assert not Consultation.objects.exists()
    assert not InboxItem.objects.filter(kind=InboxKind.SUBJECT_REQUEST).exists()


def test_r_d5_bka_request_costs_the_same_queries_with_a_covert_record(
    api: Any, make_record: Any
) -> None:
    """No extra query, row or log entry depends on a covert record (timing oracle)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_record("lka-bw.analyst")
    client = api("bka.auskunft")

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(URL, request_body(), format="json")
        assert response.status_code == 201
        return [q["sql"] for q in captured.captured_queries]

    queries()  # warm caches (catalogue, content types)
    without = queries()
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    with_covert = queries()
    assert len(without) == len(with_covert)


# ------------------------------------------------------------------ the log (R-I4, R-I5)


def test_r_i4_supervisors_read_subject_request_entries_in_the_log(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("lka-bw.analyst")
    made = subject_request(asks=["access", "deletion"])
    cid = made["consultations"][0]["id"]
    for ask in ("access", "deletion"):
        body = {"ask": ask, "outcome": "agree" if ask == "access" else "delete"}
        if ask == "deletion":
            body["reasons"] = "Speicherung nicht mehr erforderlich."
        assert _decide(api, "lka-bw.head", cid, **body).status_code == 200
    _answer(api, "bka.auskunft", made["id"])
    for user, query in (
        ("lfd-bw.supervisor", "?agency=LKA-BW"),
        ("bfdi.supervisor", "?agency=BKA"),
        ("bfdi.supervisor", ""),
    ):
        answer = api(user).get(f"/api/v1/audit/events/{query}")
        assert answer.status_code == 200, answer.content[:300]
    rows = api("bfdi.supervisor").get("/api/v1/audit/events/?action=subject_request.create")
    assert rows.json()["count"] == 1
    [ref] = rows.json()["results"][0]["references"]
    assert ref["consultation"] == cid and ref["agency"] == "LKA-BW"
    decided = api("lfd-bw.supervisor").get("/api/v1/audit/events/?action=subject_request.decide")
    assert decided.status_code == 200 and decided.json()["count"] == 2
    # After the deletion the consultation names no record id any more (R-L5); the entries
    # still tie the steps to the request through the consultation.
    answered = api("bfdi.supervisor").get("/api/v1/audit/events/?action=subject_request.answer")
    [ref] = answered.json()["results"][0]["references"]
    assert "record" not in ref and ref["consultation"] == cid


def test_r_i5_operators_see_no_step_of_a_desk_answering_for_covert_data(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    made = subject_request("bfv.auskunft")
    cid = made["consultations"][0]["id"]
    refused = _decide(
        api,
        "bfv.head",
        cid,
        ask="access",
        outcome="refuse",
        ground="s15_sources",
        reasons="Ausforschung des Erkenntnisstandes zu befürchten.",
    )
    assert refused.status_code == 200, refused.json()
    _answer(api, "bfv.auskunft", made["id"])
    assert AuditEvent.objects.filter(action__startswith="subject_request.").count() >= 3
    seen = api("bka.betrieb").get("/api/v1/audit/operations/?since=2000-01-01T00:00:00Z")
    assert seen.status_code == 200
    actions = {row["action"] for row in seen.json()["results"]}
    assert not any(a.startswith("subject_request.") for a in actions), actions
    # The competent supervisor and the owner's head still see them.
    supervised = api("bfdi.supervisor").get("/api/v1/audit/events/?agency=BFV").json()
    assert any(r["action"] == "subject_request.decide" for r in supervised["results"])


def test_r_k1_a_birth_date_in_the_future_is_400_and_nothing_is_stored(api: Any) -> None:
    response = api("bka.auskunft").post(
        URL, request_body(applicant=applicant(date_of_birth="2999-01-01")), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"
    assert "applicant.date_of_birth" in response.json()["fields"]
    assert not SubjectRequest.objects.exists()


def test_r_k2_an_agency_desks_letter_names_the_agency_in_words_and_shows_no_codes(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    made = subject_request("bfv.auskunft")
    cid = made["consultations"][0]["id"]
    assert _decide(api, "bfv.head", cid, ask="access", outcome="agree").status_code == 200
    text = _answer(api, "bfv.auskunft", made["id"])["answer"]["text"]
    assert "Die Behörde „Bundesamt für Verfassungsschutz“ erteilt Ihnen" in text
    assert " BFV " not in text and "von BFV" not in text
    assert "Geschlecht: männlich" in text and "Geschlecht: m\n" not in text
    assert "14.03.1985" in text and "1985-03-14" not in text
