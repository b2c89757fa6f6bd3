"""The data subject's claims on GWS records (issue 18 item 7; R-K4, R-K5, R-M5, R-L5).

The entering state police (LKA-BW) answers and decides through its own desk
(``lka-bw.auskunft``, scope "own"); deletion for lack of a legal basis is granted while the
GWS ordinance is not in force (2010-06-04) and no longer counts from that day; challenges
(objection, court action) end with reasons, and a court's deletion order deletes the record
whatever the owner decided, the log rows and decisions staying.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from agencies.models import Officer
from audit.models import AuditEvent
from subjects import services
from subjects.models import Challenge, Consultation, Decision, SubjectRequest
from verbund.models import InboxItem, Record, Release, StateSystem
from verbund.models.inbox import InboxKind
from verbund.services.legal_bases import stored_without_legal_basis
from verbund.services.records import record_create, record_delete

URL = "/api/v1/subject-requests/"
DESK = "lka-bw.auskunft"
OWNER = "lka-bw.analyst"
BEFORE_ORDINANCE = datetime.datetime(2010, 4, 14, 10, 0, tzinfo=datetime.UTC)
AFTER_ORDINANCE = datetime.datetime(2010, 6, 4, 10, 0, tzinfo=datetime.UTC)
APPLICANT = {"surname": "Steiner", "given_names": "Jonas", "date_of_birth": "1984-05-12"}


def gws_record(number: str = "GWS-BW-1", **basic: Any) -> Record:
    """A GWS person record of LKA-BW (entered today, the ordinance in force)."""
    data = {
        "file": "GWS",
        "kind": "person",
        "basic": {**APPLICANT, **basic},
        "reference": {"file_number": number},
        "incident": {
            "date": "2007-06-02",
            "event": "Regionalliga",
            "match": "Karlsruher SC II – SSV Reutlingen",
            "description": "Ingewahrsamnahme",
        },
    }
    return record_create(actor=Officer.objects.get(username=OWNER), data=data)


def _officer(username: str) -> Officer:
    return Officer.objects.get(username=username)


def _request(api: Any, **body: Any) -> Any:
    data = {"applicant": dict(APPLICANT), "asks": ["access", "deletion"], **body}
    return api(DESK).post(URL, data, format="json")


def _decide(api: Any, consultation: str, **body: Any) -> Any:
    return api(OWNER).post(
        f"/api/v1/subject-consultations/{consultation}/decision/", body, format="json"
    )


# ------------------------------------------------------------------ R-K4 the entering LKA


def test_r_k4_gws_own_desk_finds_its_gws_record_by_name_and_birth_date(
    api: Any, reference: Any
) -> None:
    record = gws_record()
    gws_record("GWS-BW-2", date_of_birth="1990-01-01")  # another person of the same name
    response = _request(api, asks=["access", "correction", "deletion"])
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made["scope"] == "own" and made["agency"] == "LKA-BW"
    assert made["asks"] == ["access", "correction", "deletion"]
    assert made["deletion_ground"] is None
    [consultation] = made["consultations"]
    assert consultation["agency"] == "LKA-BW" and consultation["file"] == "GWS"
    assert consultation["file_number"] == record.file_number
    stored = SubjectRequest.objects.get(pk=made["id"])
    assert stored.asks == ["access", "correction", "deletion"]
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    assert item.agency.code == "LKA-BW" and item.file.code == "GWS"
    assert item.payload["asks"] == ["access", "correction", "deletion"]


def test_r_k4_gws_record_of_lka_bw_not_found_for_another_birth_date(
    api: Any, reference: Any
) -> None:
    gws_record()
    response = _request(api, applicant={**APPLICANT, "date_of_birth": "1984-05-13"})
    assert response.status_code == 201
    assert response.json()["consultations"] == []


def test_r_k4_gws_another_lka_desk_does_not_find_lka_bw_records(api: Any, reference: Any) -> None:
    gws_record()
    body = {"applicant": dict(APPLICANT), "asks": ["access"]}
    response = api("lka-by.auskunft").post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["consultations"] == []


def test_r_k4_gws_request_records_the_deletion_ground_asked(api: Any, reference: Any) -> None:
    gws_record()
    made = _request(api, deletion_ground="unlawful").json()
    assert made["deletion_ground"] == "unlawful"
    assert SubjectRequest.objects.get(pk=made["id"]).deletion_ground == "unlawful"
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    assert item.payload["deletion_ground"] == "unlawful"
    bad = _request(api, asks=["access"], deletion_ground="unlawful")
    assert bad.status_code == 400 and bad.json()["code"] == "not_allowed"
    assert "deletion_ground" in bad.json()["fields"]
    unknown = _request(api, deletion_ground="weil")
    assert unknown.status_code == 400
    assert "deletion_ground" in unknown.json()["fields"]
    assert SubjectRequest.objects.count() == 1


def test_r_k4_gws_decision_without_reasons_is_400(api: Any, reference: Any) -> None:
    gws_record()
    made = _request(api).json()
    cid = made["consultations"][0]["id"]
    response = _decide(api, cid, ask="deletion", outcome="refuse")
    assert response.status_code == 400 and "reasons" in response.json()["fields"]
    assert not Decision.objects.exists()


def _answered_with_refusal(api: Any) -> tuple[dict[str, Any], str, Record]:
    """A GWS request answered: access agreed (with the data), deletion refused."""
    record = gws_record()
    made = _request(api, deletion_ground="unlawful").json()
    cid = made["consultations"][0]["id"]
    agreed = _decide(api, cid, ask="access", outcome="agree")
    assert agreed.status_code == 200, agreed.json()
    refused = _decide(
        api, cid, ask="deletion", outcome="refuse", reasons="Gewaltbereitschaft belegt."
    )
    assert refused.status_code == 200, refused.json()
    answered = api(DESK).post(f"{URL}{made['id']}/answer/")
    assert answered.status_code == 200, answered.json()
    assert "Steiner" in answered.json()["answer"]["text"]
    return made, cid, record


def test_r_k4_gws_objection_is_decided_by_the_owner_with_reasons(api: Any, reference: Any) -> None:
    made, cid, record = _answered_with_refusal(api)
    response = api(DESK).post(
        f"{URL}{made['id']}/challenge/",
        {"text": "Widerspruch gegen die Ablehnung der Löschung", "consultation": cid},
        format="json",
    )
    assert response.status_code == 201, response.json()
    [challenge] = response.json()["challenges"]
    assert challenge["kind"] == "objection" and challenge["outcome"] is None
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    assert item.done_at is None and item.payload["objection"]["challenge"] == challenge["id"]
    inbox = api(OWNER).get("/api/v1/inbox/?kind=subject_request")
    assert inbox.status_code == 200, inbox.content
    shown = inbox.json()["results"][0]["payload"]
    assert shown["objection"]["text"].startswith("Widerspruch")
    assert shown["deletion_ground"] == "unlawful"
    url = f"/api/v1/subject-challenges/{challenge['id']}/decision/"
    # Only the owner's officers: the desk and another LKA get 404.
    body = {"outcome": "rejected", "reasons": "x"}
    assert api(DESK).post(url, body, format="json").status_code == 404
    other = api("lka-by.analyst").post(url, body, format="json")
    assert other.status_code == 404
    missing = api(OWNER).post(url, {"outcome": "rejected"}, format="json")
    assert missing.status_code == 400 and "reasons" in missing.json()["fields"]
    bad = api(OWNER).post(url, {"outcome": "deletion_ordered", "reasons": "x"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()["fields"]
    decided = api(OWNER).post(
        url, {"outcome": "rejected", "reasons": "Speicherung weiter erforderlich."}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["outcome"] == "rejected"
    assert decided.json()["decided_by"] == OWNER
    again = api(OWNER).post(url, {"outcome": "upheld", "reasons": "doch"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert Record.objects.filter(pk=record.pk).exists()
    item.refresh_from_db()
    assert item.done_at is not None
    event = AuditEvent.objects.get(action="subject_request.challenge_decide")
    assert event.details["outcome"] == "rejected"
    assert event.references[0]["file_number"] == record.file_number
    seen = api(DESK).get(f"{URL}{made['id']}/").json()
    assert seen["challenges"][0]["reasons"] == "Speicherung weiter erforderlich."


def test_r_k4_gws_upheld_objection_against_refused_deletion_deletes(
    api: Any, reference: Any
) -> None:
    made, cid, record = _answered_with_refusal(api)
    challenge = services.subject_request_challenge(
        actor=_officer(DESK),
        request_id=made["id"],
        data={"text": "Widerspruch", "consultation": cid},
    )
    decided = services.challenge_decide(
        actor=_officer(OWNER),
        challenge_id=challenge.pk,
        data={"outcome": "upheld", "reasons": "Erforderlichkeit entfallen."},
    )
    assert decided.record_deleted and decided.deletion_ground == "unlawful"
    assert not Record.objects.filter(pk=record.pk).exists()
    tombstone = AuditEvent.objects.get(action="record.delete").details["tombstone"]
    assert tombstone["ground"] == "unlawful"


def test_r_k4_gws_court_ordered_deletion_overrides_the_refusal_and_keeps_the_record_of_it(
    api: Any, reference: Any
) -> None:
    made, cid, record = _answered_with_refusal(api)
    recorded = api(DESK).post(
        f"{URL}{made['id']}/challenge/",
        {"text": "Klage vor dem VG Karlsruhe", "consultation": cid, "kind": "court_action"},
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()
    challenge = recorded.json()["challenges"][0]
    assert challenge["kind"] == "court_action"
    # The owner does not decide a court action.
    owner_try = api(OWNER).post(
        f"/api/v1/subject-challenges/{challenge['id']}/decision/",
        {"outcome": "rejected", "reasons": "x"},
        format="json",
    )
    assert owner_try.status_code == 409 and owner_try.json()["code"] == "not_an_objection"
    url = f"/api/v1/subject-challenges/{challenge['id']}/ruling/"
    ruling = {
        "court": "Verwaltungsgericht Karlsruhe",
        "file_number": "3 K 2345/09",
        "date": "2010-04-14",
        "outcome": "deletion_ordered",
        "reasons": "Die nach § 7 Abs. 6 BKAG erforderliche Rechtsverordnung fehlt.",
    }
    missing = api(DESK).post(url, ruling, format="json")
    assert missing.status_code == 400 and "deletion_ground" in missing.json()["fields"]
    no_reasons = api(DESK).post(
        url, {**ruling, "deletion_ground": "unlawful", "reasons": ""}, format="json"
    )
    assert no_reasons.status_code == 400
    assert api(OWNER).post(url, ruling, format="json").status_code == 403
    assert Record.objects.filter(pk=record.pk).exists()
    done = api(DESK).post(url, {**ruling, "deletion_ground": "no_legal_basis"}, format="json")
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["outcome"] == "deletion_ordered" and body["record_deleted"] is True
    assert body["ruling"] == {
        "court": "Verwaltungsgericht Karlsruhe",
        "file_number": "3 K 2345/09",
        "date": "2010-04-14",
    }
    # R-L5: the record is gone; the decisions, the consultation's file number and the log stay.
    assert not Record.objects.filter(pk=record.pk).exists()
    consultation = Consultation.objects.get(pk=cid)
    assert consultation.record_id is None and consultation.file_number == record.file_number
    assert set(consultation.decisions.values_list("ask", "outcome")) == {
        ("access", "agree"),
        ("deletion", "refuse"),
    }
    assert AuditEvent.objects.filter(action="record.create", object_id=str(record.pk)).exists()
    tombstone = AuditEvent.objects.get(action="record.delete").details["tombstone"]
    assert tombstone["ground"] == "no_legal_basis" and tombstone["owner"] == "LKA-BW"
    event = AuditEvent.objects.get(action="subject_request.court_ruling")
    assert event.details["owner_refused"] == ["deletion"]
    assert event.details["file_number"] == "3 K 2345/09"
    assert event.references[0]["record"] == str(record.pk)
    again = api(DESK).post(url, {**ruling, "outcome": "dismissed"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    shown = api(DESK).get(f"{URL}{made['id']}/").json()
    assert shown["consultations"][0]["file_number"] == record.file_number
    assert shown["challenges"][0]["record_deleted"] is True


def test_r_k4_gws_court_action_names_the_consultation_and_rulings_are_for_court_actions(
    api: Any, reference: Any
) -> None:
    made, cid, _record = _answered_with_refusal(api)
    no_consultation = api(DESK).post(
        f"{URL}{made['id']}/challenge/", {"text": "Klage", "kind": "court_action"}, format="json"
    )
    assert no_consultation.status_code == 400
    assert "consultation" in no_consultation.json()["fields"]
    objection = services.subject_request_challenge(
        actor=_officer(DESK), request_id=made["id"], data={"text": "W", "consultation": cid}
    )
    response = api(DESK).post(
        f"/api/v1/subject-challenges/{objection.pk}/ruling/",
        {
            "court": "VG",
            "file_number": "1",
            "date": "2010-01-01",
            "outcome": "dismissed",
            "reasons": "unbegründet",
        },
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "not_a_court_action"


def test_r_k4_gws_dismissed_action_keeps_the_record(api: Any, reference: Any) -> None:
    made, cid, record = _answered_with_refusal(api)
    action = services.subject_request_challenge(
        actor=_officer(DESK),
        request_id=made["id"],
        data={"text": "Klage", "consultation": cid, "kind": "court_action"},
    )
    ruled = services.challenge_ruling_record(
        actor=_officer(DESK),
        challenge_id=action.pk,
        data={
            "court": "VG Karlsruhe",
            "file_number": "3 K 1/09",
            "date": "2010-01-01",
            "outcome": "dismissed",
            "reasons": "Speicherung rechtmäßig.",
        },
    )
    assert ruled.outcome == "dismissed" and not ruled.record_deleted
    assert Record.objects.filter(pk=record.pk).exists()
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    other = services.subject_request_challenge(
        actor=_officer(DESK),
        request_id=made["id"],
        data={"text": "Klage 2", "consultation": cid, "kind": "court_action"},
    )
    response = api(DESK).post(
        f"/api/v1/subject-challenges/{other.pk}/ruling/",
        {
            "court": "VG",
            "file_number": "2",
            "date": future,
            "outcome": "dismissed",
            "reasons": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "date" in response.json()["fields"]
    assert Challenge.objects.get(pk=other.pk).outcome == ""


# ------------------------------------------------------------------ R-M5 the legal-basis gate


def test_r_m5_refusing_deletion_for_lack_of_legal_basis_before_the_ordinance_is_422(
    api: Any, reference: Any
) -> None:
    record = gws_record()
    with time_machine.travel(BEFORE_ORDINANCE, tick=False):
        assert stored_without_legal_basis(Record.objects.get(pk=record.pk))
        made = _request(api, deletion_ground="no_legal_basis").json()
        cid = made["consultations"][0]["id"]
        refused = _decide(api, cid, ask="deletion", outcome="refuse", reasons="erforderlich")
        assert refused.status_code == 422, refused.json()
        assert refused.json()["code"] == "deletion_required"
        assert "Rechtsgrundlage" in refused.json()["detail"]
        assert not Decision.objects.exists()
        granted = _decide(api, cid, ask="deletion", outcome="delete", reasons="Keine Verordnung.")
        assert granted.status_code == 200, granted.json()
    assert not Record.objects.filter(pk=record.pk).exists()
    tombstone = AuditEvent.objects.get(action="record.delete").details["tombstone"]
    assert tombstone["ground"] == "no_legal_basis"
    assert AuditEvent.objects.filter(action="record.create", object_id=str(record.pk)).exists()
    assert Decision.objects.get().outcome == "delete"


def test_r_m5_another_ground_may_still_be_refused_before_the_ordinance(
    api: Any, reference: Any
) -> None:
    gws_record()
    with time_machine.travel(BEFORE_ORDINANCE, tick=False):
        made = _request(api, deletion_ground="not_necessary").json()
        cid = made["consultations"][0]["id"]
        refused = _decide(api, cid, ask="deletion", outcome="refuse", reasons="erforderlich")
        assert refused.status_code == 200, refused.json()


def test_r_m5_the_ground_no_longer_applies_once_the_ordinance_is_in_force(
    api: Any, reference: Any
) -> None:
    record = gws_record()
    with time_machine.travel(AFTER_ORDINANCE, tick=False):
        assert not stored_without_legal_basis(Record.objects.get(pk=record.pk))
        made = _request(api, deletion_ground="no_legal_basis").json()
        cid = made["consultations"][0]["id"]
        # The default ground is the one invoked: it no longer applies.
        granted = _decide(api, cid, ask="deletion", outcome="delete", reasons="Antrag")
        assert granted.status_code == 422, granted.json()
        assert granted.json()["code"] == "legal_basis_in_force"
        assert "deletion_ground" in granted.json()["fields"]
        assert Record.objects.filter(pk=record.pk).exists()
        # The owner may refuse with reasons ...
        refused = _decide(api, cid, ask="deletion", outcome="refuse", reasons="Rechtmäßig.")
        assert refused.status_code == 200, refused.json()


def test_r_m5_after_the_ordinance_the_owner_may_delete_on_another_ground(
    api: Any, reference: Any
) -> None:
    record = gws_record()
    with time_machine.travel(AFTER_ORDINANCE, tick=False):
        made = _request(api, deletion_ground="no_legal_basis").json()
        cid = made["consultations"][0]["id"]
        granted = _decide(
            api,
            cid,
            ask="deletion",
            outcome="delete",
            reasons="Nicht mehr erforderlich.",
            deletion_ground="not_necessary",
        )
        assert granted.status_code == 200, granted.json()
    assert not Record.objects.filter(pk=record.pk).exists()
    tombstone = AuditEvent.objects.get(action="record.delete").details["tombstone"]
    assert tombstone["ground"] == "not_necessary"


def test_r_m5_rejecting_an_objection_to_a_deletion_asked_for_lack_of_basis_is_422(
    api: Any, reference: Any
) -> None:
    """A refusal made once the basis was in force (today) meets an objection when the
    record would have none: checked on the day of the decision on the objection."""
    record = gws_record()
    made = _request(api, deletion_ground="no_legal_basis").json()
    cid = made["consultations"][0]["id"]
    desk, owner = _officer(DESK), _officer(OWNER)
    services.consultation_decide(
        actor=owner,
        consultation_id=cid,
        data={"ask": "access", "outcome": "agree"},
    )
    services.consultation_decide(
        actor=owner,
        consultation_id=cid,
        data={"ask": "deletion", "outcome": "refuse", "reasons": "Verordnung in Kraft."},
    )
    services.subject_request_answer(actor=desk, request_id=made["id"])
    objection = services.subject_request_challenge(
        actor=desk, request_id=made["id"], data={"text": "W", "consultation": cid}
    )
    from verbund.models import File, LegalBasis

    gws = File.objects.get(code="GWS")
    LegalBasis.objects.filter(pk=gws.legal_basis_id).update(
        in_force_from=datetime.date.today() + datetime.timedelta(days=365)
    )
    response = api(OWNER).post(
        f"/api/v1/subject-challenges/{objection.pk}/decision/",
        {"outcome": "rejected", "reasons": "Speicherung erforderlich."},
        format="json",
    )
    assert response.status_code == 422 and response.json()["code"] == "deletion_required"
    upheld = api(OWNER).post(
        f"/api/v1/subject-challenges/{objection.pk}/decision/",
        {"outcome": "upheld", "reasons": "Keine Rechtsgrundlage."},
        format="json",
    )
    assert upheld.status_code == 200, upheld.json()
    assert not Record.objects.filter(pk=record.pk).exists()
    tombstone = AuditEvent.objects.get(action="record.delete").details["tombstone"]
    assert tombstone["ground"] == "no_legal_basis"


def test_r_m5_no_legal_basis_ground_refused_for_an_atd_record(
    api: Any, make_record: Any, reference: Any
) -> None:
    """The tombstone tells the truth: ATD rests on its statute."""
    make_record("lka-bw.analyst")
    body = {
        "applicant": {
            "surname": "Al-Masri",
            "given_names": "Mohammed",
            "date_of_birth": "1985-03-14",
        },
        "asks": ["deletion"],
    }
    made = api(DESK).post(URL, body, format="json").json()
    cid = made["consultations"][0]["id"]
    response = _decide(
        api, cid, ask="deletion", outcome="delete", reasons="x", deletion_ground="no_legal_basis"
    )
    assert response.status_code == 422 and response.json()["code"] == "legal_basis_in_force"


# ------------------------------------------------------------------ R-K5 no notification


def test_r_k5_gws_entering_releasing_and_deleting_notifies_nobody(
    reference: Any, mailoutbox: list[Any]
) -> None:
    owner = _officer(OWNER)
    entered = gws_record()
    released = gws_record("GWS-BW-9", surname="Weber")
    system = StateSystem.objects.get(code="POLAS-BW")
    Release.objects.create(system=system, officer=owner, channel="command", format="json")
    Record.objects.filter(pk=released.pk).update(
        source_system=system.code, source_reference="POLAS-4711", legacy=True
    )
    record_delete(actor=owner, record_id=entered.pk, reason="Erledigt.")
    record_delete(actor=owner, record_id=released.pk, reason="Erledigt.")
    assert mailoutbox == []
    assert not SubjectRequest.objects.exists()
    assert not Consultation.objects.exists()
    assert not Challenge.objects.exists()
    assert not InboxItem.objects.filter(kind=InboxKind.SUBJECT_REQUEST).exists()
    assert not AuditEvent.objects.filter(action__startswith="subject_request").exists()


@pytest.mark.parametrize("ask", ["access", "correction", "deletion"])
def test_r_k4_gws_each_ask_alone_is_recorded(api: Any, reference: Any, ask: str) -> None:
    gws_record()
    made = _request(api, asks=[ask]).json()
    assert made["asks"] == [ask]
    assert InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST).payload["asks"] == [ask]


# ------------------------------------------------------------------ browser (German)


def test_r_k4_gws_challenges_in_the_browser(browser: Any, api: Any, reference: Any) -> None:
    from django.test import Client

    from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id

    made, cid, record = _answered_with_refusal(api)
    desk: Client = browser(DESK)
    page = desk.get(f"/auskunft/{made['id']}/")
    html = page.content.decode()
    assert "Rechtsbehelf erfassen" in html and "Klage" in html
    assert "Speicherung unzulässig" in html  # the ground the applicant invoked
    missing = desk.post(f"/auskunft/{made['id']}/", {"kind": "court_action", "text": "Klage"})
    assert missing.status_code == 400
    for kind, text in (("objection", "Widerspruch vom 2. Mai"), ("court_action", "Klage VG")):
        posted = desk.post(
            f"/auskunft/{made['id']}/", {"kind": kind, "text": text, "consultation": cid}
        )
        assert posted.status_code == 302, posted.content.decode()[:3000]
    objection, action = Challenge.objects.order_by("recorded_at", "text")
    if objection.kind != "objection":
        objection, action = action, objection

    owner: Client = browser(OWNER)
    decision_page = owner.get(f"/auskunft/beteiligung/{cid}/").content.decode()
    assert "Über den Widerspruch entscheiden" in decision_page
    assert_no_requirement_id(decision_page, "decision page")
    url = f"/auskunft/rechtsbehelf/{objection.pk}/entscheidung/"
    form = owner.get(url)
    assert form.status_code == 200
    assert "Widerspruch: Entscheidung" in form.content.decode()
    assert desk.get(url).status_code == 404
    no_reasons = owner.post(url, {"outcome": "rejected"})
    assert no_reasons.status_code == 400
    done = owner.post(url, {"outcome": "rejected", "reasons": "Weiter erforderlich."})
    assert done.status_code == 302
    assert Challenge.objects.get(pk=objection.pk).outcome == "rejected"

    ruling_url = f"/auskunft/rechtsbehelf/{action.pk}/urteil/"
    ruling_page = desk.get(ruling_url).content.decode()
    assert "Klage: Entscheidung des Gerichts" in ruling_page
    assert_no_requirement_id(ruling_page, "ruling page")
    assert owner.get(ruling_url).status_code == 403
    ruled = desk.post(
        ruling_url,
        {
            "court": "Verwaltungsgericht Karlsruhe",
            "file_number": "3 K 2345/09",
            "date": "2010-04-14",
            "outcome": "deletion_ordered",
            "deletion_ground": "no_legal_basis",
            "reasons": "Rechtsverordnung fehlt.",
        },
    )
    assert ruled.status_code == 302, ruled.content.decode()[:3000]
    assert not Record.objects.filter(pk=record.pk).exists()
    final = desk.get(f"/auskunft/{made['id']}/").content.decode()
    assert "Löschung angeordnet" in final and "Der Datensatz wurde gelöscht" in final
    assert "Widerspruch zurückgewiesen" in final
    assert_no_requirement_id(final, "request detail")


def test_r_k4_gws_letter_discloses_the_incident_report_and_cites_no_atd_basis_for_it(
    reference: Any,
) -> None:
    """The letter tells the applicant what a GWS entry holds — the incident report, its
    proceedings and the measures noted — in words, and cites the ATDG only for the ATD."""
    from subjects.models import SubjectRequest as Stored
    from verbund.services.records import record_update

    record = gws_record()
    owner = _officer(OWNER)
    record_update(
        actor=owner,
        record_id=record.pk,
        data={
            "incident": {
                "proceedings": {"status": "discontinued"},
                "measures": [
                    {
                        "kind": "stadium_ban",
                        "from": "2007-07-01",
                        "until": "2010-06-30",
                        "authority": "Deutscher Fußball-Bund",
                    }
                ],
            }
        },
    )
    desk = _officer(DESK)
    request = services.subject_request_create(
        actor=desk, data={"applicant": dict(APPLICANT), "asks": ["access"]}
    )
    consultation = request.consultations.get()
    services.consultation_decide(
        actor=owner, consultation_id=consultation.pk, data={"ask": "access", "outcome": "agree"}
    )
    services.subject_request_answer(actor=desk, request_id=request.pk)
    letter = Stored.objects.get(pk=request.pk).answer_text
    assert "Vorkommnisbericht:" in letter
    assert "Karlsruher SC II – SSV Reutlingen" in letter
    assert "02.06.2007" in letter
    assert "Stadionverbot" in letter and "01.07.2007" in letter and "30.06.2010" in letter
    assert "Deutscher Fußball-Bund" in letter
    assert "stadium_ban" not in letter and "discontinued" not in letter
    assert "(für die Antiterrordatei: § 10 Abs. 2 Satz 2 ATDG)" in letter
    assert "(§ 10 Abs. 2 Satz 2 ATDG)" not in letter
