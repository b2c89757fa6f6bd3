"""The third-party rule (R-N3) in subject access: the letter and the desk's view read word
for word as if the marked items had never been stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.international.intlts_support import EMAILS, PHONES, mark
from tests.subjects import conftest as subject_fixtures
from verbund.models import Record

URL = "/api/v1/subject-requests/"

# The subject-access fixtures: module reference data with the desks, and a request maker.
reference = subject_fixtures.reference
subject_request = subject_fixtures.subject_request


def _letter(
    api: Any, subject_request: Callable[..., dict[str, Any]], *, mark_after: Any = None
) -> str:
    made = subject_request()
    (consultation,) = made["consultations"]
    decided = api("lka-bw.analyst").post(
        f"/api/v1/subject-consultations/{consultation['id']}/decision/",
        {"ask": "access", "outcome": "agree"},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    if mark_after is not None:
        mark_after()
    answered = api("bka.auskunft").post(f"{URL}{made['id']}/answer/")
    assert answered.status_code == 200, answered.content
    text: str = answered.json()["answer"]["text"]
    # The desk's view shows the same letter.
    shown = api("bka.auskunft").get(f"{URL}{made['id']}/").json()
    assert shown["answer"]["text"] == text
    return text


def test_r_n3_subject_letter_reads_as_if_marked_items_never_existed(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    record = make_record("lka-bw.analyst", extended={"phones": PHONES, "emails": EMAILS})
    full = _letter(api, subject_request)
    assert "quelle@example.org" in full
    mark(api, record, ["emails"])
    marked = _letter(api, subject_request)
    # The same letter as for the record without the items.
    Record.objects.filter(pk=record.pk).update(extended={"phones": PHONES})
    record.originator_markings.all().delete()
    plain = _letter(api, subject_request)
    assert marked == plain
    assert "quelle@example.org" not in marked and "+49 711 555123" in marked
    assert full != marked


def test_r_n3_marking_recorded_after_the_owners_decision_still_keeps_items_out(
    api: Any, make_record: Any, subject_request: Callable[..., dict[str, Any]]
) -> None:
    record = make_record("lka-bw.analyst", extended={"phones": PHONES, "emails": EMAILS})
    marked = _letter(api, subject_request, mark_after=lambda: mark(api, record, ["emails"]))
    assert "quelle@example.org" not in marked and "+49 711 555123" in marked
