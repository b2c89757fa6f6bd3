"""Red Notices (R-N2, 000 Q5): receipt in review whatever the country, one row per
reference and version, the checklist review, 409, the import command, the permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from international.models import NoticeCriterion, NoticeStatus, RedNotice
from tests.international.helpers import FOREIGN, decision, foreign_officer, notice_body

URL = "/api/v1/red-notices/"


def _decide(api: Any, notice_id: Any, body: dict[str, Any], who: str = "bka.head") -> Any:
    return api(who).post(f"{URL}{notice_id}/decision/", body, format="json")


def test_r_n2_notice_delivered_twice_creates_one(api: Any) -> None:
    body = notice_body()
    first = api("bka.analyst").post(URL, body, format="json")
    second = api("bka.analyst").post(URL, body, format="json")
    assert first.status_code == 201, first.content
    assert second.status_code == 200, second.content
    assert first.json()["id"] == second.json()["id"]
    assert RedNotice.objects.filter(interpol_reference=body["interpol_reference"]).count() == 1
    assert first.json()["status"] == "in_review"
    outcomes = list(
        AuditEvent.objects.filter(action="red_notice.receive", object_id=first.json()["id"])
        .order_by("seq")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["ok", "duplicate"]


def test_r_n2_new_version_reopens_review(api: Any) -> None:
    body = notice_body()
    v1 = api("bka.analyst").post(URL, body, format="json").json()
    assert _decide(api, v1["id"], decision(True)).status_code == 200
    v2 = api("bka.analyst").post(URL, {**body, "version": 2}, format="json")
    assert v2.status_code == 201
    assert v2.json()["id"] != v1["id"]
    assert v2.json()["status"] == "in_review"
    # The accepted first version no longer passes the gate: the review is open again.
    shown = api("lka-bw.analyst").get(f"{URL}{v1['id']}/").json()
    assert shown["status"] == "accepted"
    assert shown["superseded_by"] == 2
    from international.services.notices import require_accepted
    from verbund.errors import Refused

    with pytest.raises(Refused) as refused:
        require_accepted(notice_id=v1["id"])
    assert refused.value.code == "notice_not_accepted"


def test_r_n2_superseded_version_is_not_decided(api: Any) -> None:
    # Outside test: once a newer version arrived, the older one still in review must not be
    # accepted (the statistics would count an acceptance no gate honours).
    body = notice_body()
    v1 = api("bka.analyst").post(URL, body, format="json").json()
    v2 = api("bka.analyst").post(URL, {**body, "version": 2}, format="json").json()
    refused = _decide(api, v1["id"], decision(True))
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "notice_superseded"
    assert RedNotice.objects.get(pk=v1["id"]).status == NoticeStatus.IN_REVIEW
    assert _decide(api, v2["id"], decision(True)).status_code == 200


@pytest.mark.parametrize("country", ["US", "RU", "TR", "FR", "CN", "DE"])
def test_r_n2_every_country_in_review(api: Any, country: str) -> None:
    answer = api("bka.analyst").post(URL, notice_body(country=country), format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "in_review"
    assert RedNotice.objects.get(pk=answer.json()["id"]).status == NoticeStatus.IN_REVIEW


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"interpol_reference": "1234/2024"}, "interpol_reference", "invalid_reference"),
        ({"interpol_reference": None}, "interpol_reference", "required"),
        ({"version": 0}, "version", "invalid_version"),
        ({"country": "us"}, "country", "invalid_country"),
        ({"country": "U1"}, "country", "invalid_country"),
        ({"subject": {"given_names": "John"}}, "subject.surname", "required"),
        (
            {"subject": {"surname": "Doe", "date_of_birth": "1980-13"}},
            "subject.date_of_birth",
            "invalid_date",
        ),
        (
            {"subject": {"surname": "Doe", "date_of_birth": "1980-W01-1"}},
            "subject.date_of_birth",
            "invalid_date",
        ),
        ({"subject": {"surname": "Doe", "born": "1980"}}, "subject.born", "unknown_field"),
        ({"status": "accepted"}, "status", "unknown_field"),
        ({"issued_on": "2024-02-30"}, "issued_on", "invalid_date"),
    ],
)
def test_r_n2_bad_notice_is_400_with_field_errors(
    api: Any, change: dict[str, Any], field: str, code: str
) -> None:
    body = {k: v for k, v in {**notice_body(), **change}.items() if v is not None}
    answer = api("bka.analyst").post(URL, body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code
    assert field in answer.json()["fields"]
    assert not RedNotice.objects.exists()


def test_r_n2_partial_birth_dates_are_stored_as_given(api: Any) -> None:
    for born in ("1980", "1980-05", "1980-05-17"):
        body = notice_body(subject={"surname": "Doe", "date_of_birth": born})
        answer = api("bka.analyst").post(URL, body, format="json")
        assert answer.status_code == 201
        assert answer.json()["subject"]["date_of_birth"] == born


def test_r_n2_checklist_seeded_once_with_source(reference: Any) -> None:
    from verbund.services.reference import reference_data_ensure

    reference_data_ensure()
    seeded = NoticeCriterion.objects.get(code="political_prosecution")
    assert "21/4196" in seeded.source
    assert NoticeCriterion.objects.count() == 1


def test_r_n2_checklist_every_active_criterion_answered(api: Any) -> None:
    NoticeCriterion.objects.create(
        code="death_penalty", text="Keine drohende Todesstrafe.", source="Nr. 123 RiVASt"
    )
    NoticeCriterion.objects.create(
        code="retired", text="Nicht mehr geprüft.", source="alt", active=False
    )
    notice = api("bka.analyst").post(URL, notice_body(), format="json").json()
    missing = _decide(api, notice["id"], decision(True))
    assert missing.status_code == 400
    assert missing.json()["code"] == "checklist_incomplete"
    assert list(missing.json()["fields"]) == ["checklist.death_penalty"]
    unknown = decision(True)
    unknown["checklist"].update({"death_penalty": "met", "retired": "met"})
    answer = _decide(api, notice["id"], unknown)
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_criterion"
    full = decision(True)
    full["checklist"]["death_penalty"] = "met"
    answer = _decide(api, notice["id"], full)
    assert answer.status_code == 200, answer.content
    stored = RedNotice.objects.get(pk=notice["id"])
    assert stored.status == NoticeStatus.ACCEPTED
    assert stored.checklist["death_penalty"] == {
        "answer": "met",
        "text": "Keine drohende Todesstrafe.",
        "source": "Nr. 123 RiVASt",
    }


def test_r_n2_reasons_required(api: Any) -> None:
    notice = api("bka.analyst").post(URL, notice_body(), format="json").json()
    answer = _decide(api, notice["id"], decision(False, reasons="  "))
    assert answer.status_code == 400
    assert answer.json()["code"] == "required"
    assert "reasons" in answer.json()["fields"]
    assert RedNotice.objects.get(pk=notice["id"]).status == NoticeStatus.IN_REVIEW


def test_r_n2_criterion_not_met_cannot_be_accepted(api: Any) -> None:
    notice = api("bka.analyst").post(URL, notice_body(), format="json").json()
    answer = _decide(api, notice["id"], decision(True, answer="not_met"))
    assert answer.status_code == 422
    assert answer.json()["code"] == "criterion_not_met"
    assert RedNotice.objects.get(pk=notice["id"]).status == NoticeStatus.IN_REVIEW
    rejected = _decide(api, notice["id"], decision(False, answer="not_met"))
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["checklist"]["political_prosecution"]["answer"] == "not_met"
    assert rejected.json()["decided_by"] == "bka.head"


def test_r_n2_second_decision_is_409_already_decided(api: Any) -> None:
    notice = api("bka.analyst").post(URL, notice_body(), format="json").json()
    assert _decide(api, notice["id"], decision(False)).status_code == 200
    again = _decide(api, notice["id"], decision(True))
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    assert RedNotice.objects.get(pk=notice["id"]).status == NoticeStatus.REJECTED
    assert AuditEvent.objects.filter(action="red_notice.decide").count() == 1


def test_r_n2_list_filters_status_and_country(api: Any) -> None:
    us = api("bka.analyst").post(URL, notice_body(country="US"), format="json").json()
    api("bka.analyst").post(URL, notice_body(country="TR"), format="json")
    _decide(api, us["id"], decision(False))
    rows = api("lka-bw.analyst").get(f"{URL}?status=rejected").json()["results"]
    assert [r["id"] for r in rows] == [us["id"]]
    rows = api("lka-bw.analyst").get(f"{URL}?country=TR").json()["results"]
    assert [r["country"] for r in rows] == ["TR"]
    assert api("lka-bw.analyst").get(f"{URL}?status=maybe").status_code == 400
    assert (
        api("lka-bw.analyst").get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404
    )


# ---------------------------------------------------------------------------- permissions

WHO = [
    "anonymous",
    "lka-bw.analyst",
    "bka.analyst",
    "bka.head",
    "bfdi.supervisor",
    "bka.auskunft",
    FOREIGN,
]
RECEIVE = {"bka.analyst": 201, "bka.head": 201}
READ = {"lka-bw.analyst": 200, "bka.analyst": 200, "bka.head": 200}
DECIDE = {"bka.head": 200}


def _client(api: Any, who: str) -> Any:
    if who == FOREIGN:
        foreign_officer()
    return api(None if who == "anonymous" else who)


def _refused(answer: Any, who: str) -> None:
    assert answer.status_code in ((401, 403) if who == "anonymous" else (403,)), answer.content


@pytest.mark.parametrize("who", WHO)
def test_r_n2_permission_matrix_receive(api: Any, who: str) -> None:
    answer = _client(api, who).post(URL, notice_body(), format="json")
    if who in RECEIVE:
        assert answer.status_code == RECEIVE[who], answer.content
    else:
        _refused(answer, who)
        assert not RedNotice.objects.exists()


@pytest.mark.parametrize("who", WHO)
def test_r_n2_permission_matrix_list_and_detail(api: Any, who: str) -> None:
    notice = api("bka.analyst").post(URL, notice_body(), format="json").json()
    client = _client(api, who)
    for url in (URL, f"{URL}{notice['id']}/"):
        answer = client.get(url)
        if who in READ:
            assert answer.status_code == 200, answer.content
        else:
            _refused(answer, who)


@pytest.mark.parametrize("who", WHO)
def test_r_n2_permission_matrix_decision(api: Any, who: str) -> None:
    notice = api("bka.analyst").post(URL, notice_body(), format="json").json()
    answer = _client(api, who).post(
        f"{URL}{notice['id']}/decision/", decision(False), format="json"
    )
    if who in DECIDE:
        assert answer.status_code == 200, answer.content
    else:
        _refused(answer, who)
        assert RedNotice.objects.get(pk=notice["id"]).status == NoticeStatus.IN_REVIEW


@pytest.mark.parametrize("who", WHO)
def test_r_n2_permission_matrix_review_page(browser: Any, who: str) -> None:
    from django.test import Client

    notice = RedNotice.objects.create(
        interpol_reference="A-1/1-2024", country="US", subject={"surname": "Doe"}
    )
    if who == FOREIGN:
        foreign_officer()
    client = Client() if who == "anonymous" else browser(who)
    pages = ("/international/red-notices/", f"/international/red-notices/{notice.pk}/")
    # A foreign account is refused (403) and its session ended: later requests go to the login.
    refused = (302, 403) if who == FOREIGN else (403,)
    for page in pages:
        answer = client.get(page)
        if who == "anonymous":
            assert answer.status_code == 302
        elif who in READ:
            assert answer.status_code == 200
        else:
            assert answer.status_code in refused
    posted = client.post(
        pages[1],
        {"checklist_political_prosecution": "met", "decision": "reject", "reasons": "Nein."},
    )
    if who in DECIDE:
        assert posted.status_code == 302
        assert RedNotice.objects.get(pk=notice.pk).status == NoticeStatus.REJECTED
    else:
        assert posted.status_code in ((302, 403) if who == "anonymous" else refused)
        assert RedNotice.objects.get(pk=notice.pk).status == NoticeStatus.IN_REVIEW


# ---------------------------------------------------------------------------- import


def test_r_n2_import_command_reports_each_row(reference: Any, tmp_path: Any, capsys: Any) -> None:
    good = notice_body()
    rows = [
        good,
        notice_body(country="usa"),
        good,
        {**good, "version": 2},
        notice_body(subject={"given_names": "Ohne Namen"}),
    ]
    source = tmp_path / "notices.json"
    source.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(CommandError) as failed:
        call_command("import_red_notices", str(source), "--as", "bka.analyst")
    assert failed.value.returncode == 1
    out, err = capsys.readouterr()
    assert "row 1: created" in out
    assert "row 3: existing" in out
    assert "row 4: created" in out
    assert "row 2: rejected" in err and "country" in err
    assert "row 5: rejected" in err and "subject.surname" in err
    assert "2 created, 1 existing, 2 rejected." in out
    assert RedNotice.objects.count() == 2
    assert set(RedNotice.objects.values_list("status", flat=True)) == {"in_review"}


def test_r_n2_import_command_all_good_exits_0(reference: Any, tmp_path: Any, capsys: Any) -> None:
    source = tmp_path / "notices.json"
    source.write_text(json.dumps([notice_body(), notice_body(country="IR")]), encoding="utf-8")
    call_command("import_red_notices", str(source))
    assert "2 created, 0 existing, 0 rejected." in capsys.readouterr().out
    assert RedNotice.objects.filter(received_by=None).count() == 2


def test_r_n2_import_command_refuses_other_agencies_and_bad_files(
    reference: Any, tmp_path: Any
) -> None:
    source = tmp_path / "notices.json"
    source.write_text(json.dumps([notice_body()]), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_red_notices", str(source), "--as", "lka-bw.analyst")
    source.write_text(json.dumps(notice_body()), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_red_notices", str(source))
    with pytest.raises(CommandError):
        call_command("import_red_notices", str(tmp_path / "missing.json"))
    assert not RedNotice.objects.exists()
