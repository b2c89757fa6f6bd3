"""Subject access in the browser: desk pages, the owner's decision from the inbox, the letter."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from subjects.models import Decision, SubjectRequest
from tests.subjects.conftest import COVERT_BFV
from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "surname": "Al-Masri",
        "given_names": "Mohammed",
        "date_of_birth": "1985-03-14",
        "asks": ["access"],
        "concrete_matter": "Einreise",
        "special_interest": "Reisen",
    }
    data.update(overrides)
    return data


def test_r_k1_desk_records_request_owner_decides_from_inbox_and_letter_prints(
    browser: Callable[..., Client], make_record: Any
) -> None:
    make_record("lka-bw.analyst")
    desk = browser("bka.auskunft")
    listed = desk.get("/auskunft/")
    assert listed.status_code == 200
    assert "Auskunftsersuchen" in listed.content.decode()
    created = desk.post("/auskunft/neu/", _form())
    assert created.status_code == 302, created.content.decode()[:2000]
    request = SubjectRequest.objects.get()
    detail = desk.get(created["Location"]).content.decode()
    assert "LKA-BW" in detail
    assert_no_requirement_id(detail, "request detail")

    owner = browser("lka-bw.analyst")
    inbox = owner.get("/eingang/?kind=subject_request").content.decode()
    match = re.search(r'href="(/auskunft/beteiligung/[^"]+/)"', inbox)
    assert match, inbox
    # The applicant's birth date in German form, like every other date (not ISO).
    born = request.date_of_birth
    assert f"{born:%d.%m.%Y}" in inbox and born.isoformat() not in inbox
    page = owner.get(match.group(1))
    assert page.status_code == 200
    assert_no_requirement_id(page.content.decode(), "decision page")
    refused = owner.post(match.group(1), {"ask": "access", "outcome": "refuse", "reasons": "x"})
    assert refused.status_code == 400
    assert not Decision.objects.exists()
    agreed = owner.post(match.group(1), {"ask": "access", "outcome": "agree"})
    assert agreed.status_code == 302
    assert Decision.objects.get().outcome == "agree"

    answered = desk.post(f"/auskunft/{request.pk}/antwort/")
    assert answered.status_code == 302
    letter = desk.get(f"/auskunft/{request.pk}/schreiben/")
    assert letter.status_code == 200
    text = letter.content.decode()
    assert "subjects/letter.css" in text
    assert "weder bestätigen noch verneinen" in text
    assert_no_requirement_id(text, "letter")


def test_r_k3a_bfv_decision_page_explains_s15_and_refusal_needs_the_head(
    browser: Callable[..., Client], make_record: Any, subject_request: Callable[..., Any]
) -> None:
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    made = subject_request("bfv.auskunft")
    url = f"/auskunft/beteiligung/{made['consultations'][0]['id']}/"
    analyst = browser("bfv.analyst")
    page = analyst.get(url).content.decode()
    assert "§ 15" in page
    body = {"ask": "access", "outcome": "refuse", "ground": "s15_tasks", "reasons": "Gefährdung"}
    assert analyst.post(url, body).status_code == 403
    assert browser("bfv.head").post(url, body).status_code == 302
    lfv_page = browser("lka-bw.analyst").get(url)
    assert lfv_page.status_code == 404


def test_r_k4_request_form_without_asks_shows_the_error_and_stores_nothing(
    browser: Callable[..., Client],
) -> None:
    response = browser("bka.auskunft").post("/auskunft/neu/", _form(asks=[]))
    assert response.status_code == 400
    assert "Auskunft, Berichtigung, Löschung" in response.content.decode()
    assert not SubjectRequest.objects.exists()
    assert browser("bka.analyst").get("/auskunft/").status_code == 403
