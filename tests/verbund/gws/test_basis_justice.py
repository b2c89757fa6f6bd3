"""Justice reports about a GWS record's subject (R-M4): browser form, automated interface.

A final acquittal, a final refusal to open the main proceedings or a non-provisional
discontinuation (e.g. § 170 Abs. 2 StPO) with its main reasons reaches the owner LKA and
opens a review in its inbox; it never deletes. Missing decision kind or reasons → 400 /
rejected naming the field.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from tests.verbund.gws.support_basis import gws_record, today
from verbund.models import InboxItem, Record

REASONS = "Verfahren mangels hinreichenden Tatverdachts eingestellt."


def with_proceedings(make_record: Any, number: str, username: str = "lka-bw.analyst") -> Record:
    record: Record = gws_record(
        make_record,
        username,
        incident={
            "date": "2007-06-02",
            "event": "Regionalliga",
            "match": "Karlsruher SC II – SSV Reutlingen",
            "proceedings": {"prosecutor_file_number": number, "status": "pending"},
        },
    )
    return record


def reviews(record: Any) -> list[InboxItem]:
    return list(InboxItem.objects.filter(record_id=record.pk, kind="review_due"))


# ---------------------------------------------------------------- browser form


def test_r_m4_the_record_page_links_the_justice_form_for_the_owner(
    browser: Any, make_record: Any
) -> None:
    record = gws_record(make_record)
    owner = browser("lka-bw.analyst").get(f"/datensaetze/{record.pk}/").content.decode()
    assert f"/datensaetze/{record.pk}/justiz/" in owner
    assert "Mitteilung der Justiz erfassen" in owner
    # A retrieving participant reads the record but gets no link and no form (403).
    other = browser("lka-by.analyst")
    assert "/justiz/" not in other.get(f"/datensaetze/{record.pk}/").content.decode()
    assert other.get(f"/datensaetze/{record.pk}/justiz/").status_code == 403
    assert browser("bfv.analyst").get(f"/datensaetze/{record.pk}/justiz/").status_code == 404


def test_r_m4_the_owner_records_a_discontinuation_in_the_browser(
    browser: Any, make_record: Any
) -> None:
    record = gws_record(make_record)
    client = browser("lka-bw.analyst")
    page = client.get(f"/datensaetze/{record.pk}/justiz/")
    assert page.status_code == 200
    html = page.content.decode()
    for words in (
        "Mitteilung der Justiz erfassen",
        "Freispruch",
        "Ablehnung der Eröffnung des Hauptverfahrens",
        "Einstellung (nicht nur vorläufig)",
        "Wesentliche Gründe",
    ):
        assert words in html
    response = client.post(
        f"/datensaetze/{record.pk}/justiz/",
        {
            "kind": "discontinuation",
            "decided_on": today().isoformat(),
            "provision": "§ 170 Abs. 2 StPO",
            "reasons": REASONS,
            "final": "on",
        },
    )
    assert response.status_code == 302
    (item,) = reviews(record)
    (cause,) = item.payload["causes"]
    assert cause["cause"] == "justice_decision"
    assert cause["details"]["provision"] == "§ 170 Abs. 2 StPO"
    assert cause["details"]["reasons"] == REASONS
    assert cause["details"]["reported_by"] == "lka-bw.analyst"
    assert Record.objects.filter(pk=record.pk, status="active").exists()
    # The owner's record page shows the review with the decision and its reasons.
    detail = client.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "§ 170 Abs. 2 StPO" in detail and REASONS in detail


@pytest.mark.parametrize(
    ("missing", "field"),
    [("kind", "kind"), ("reasons", "reasons"), ("final", "final"), ("decided_on", "decided_on")],
)
def test_r_m4_the_form_refuses_a_report_without_kind_or_reasons(
    browser: Any, make_record: Any, missing: str, field: str
) -> None:
    record = gws_record(make_record)
    body = {
        "kind": "acquittal",
        "decided_on": today().isoformat(),
        "reasons": REASONS,
        "final": "on",
    }
    body.pop(missing)
    response = browser("lka-bw.analyst").post(f"/datensaetze/{record.pk}/justiz/", body)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert reviews(record) == []
    assert not AuditEvent.objects.filter(action="record.review_open").exists()


# ---------------------------------------------------------------- API


def test_r_m4_the_api_takes_the_provision_and_refuses_missing_reasons(
    api: Any, make_record: Any
) -> None:
    record = gws_record(make_record)
    client = api("lka-bw.analyst")
    address = f"/api/v1/records/{record.pk}/justice-decisions/"
    body = {
        "kind": "refusal_to_open_trial",
        "final": True,
        "decided_on": today().isoformat(),
        "provision": "§ 204 StPO",
    }
    refused = client.post(address, body, format="json")
    assert refused.status_code == 400 and "reasons" in refused.json()["fields"]
    refused = client.post(address, {**body, "reasons": REASONS, "kind": None}, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()["fields"]
    assert reviews(record) == []
    response = client.post(address, {**body, "reasons": REASONS}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["payload"]["causes"][0]["details"]["provision"] == "§ 204 StPO"


# ---------------------------------------------------------------- automated interface


def receive(tmp_path: Path, reports: Any, officer: str = "lka-bw.analyst") -> str:
    path = tmp_path / "justiz.json"
    path.write_text(json.dumps(reports), encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("receive_justice_decisions", str(path), "--officer", officer, stdout=out)
    except CommandError as exc:
        assert "abgelehnt" in str(exc)
        return out.getvalue().rstrip("\n") + "\n(exit 1)"
    return out.getvalue()


def test_r_m4_the_automated_interface_opens_reviews_and_reports_rejections(
    tmp_path: Path, make_record: Any
) -> None:
    by_number = with_proceedings(make_record, "21 Js 1234/07")
    by_id = gws_record(make_record)
    twins = [with_proceedings(make_record, "21 Js 9999/07") for _ in range(2)]
    foreign = with_proceedings(make_record, "31 Js 5/08", username="lka-by.analyst")
    base = {"kind": "discontinuation", "final": True, "decided_on": "2008-02-07"}
    out = receive(
        tmp_path,
        [
            {
                **base,
                "prosecutor_file_number": "21 Js 1234/07",
                "reasons": REASONS,
                "provision": "§ 170 Abs. 2 StPO",
            },
            {**base, "record": str(by_id.pk), "reasons": REASONS},
            {
                "final": True,
                "decided_on": "2008-02-07",
                "record": str(by_id.pk),
                "reasons": REASONS,
            },
            {**base, "record": str(by_id.pk)},
            {**base, "prosecutor_file_number": "21 Js 0000/07", "reasons": REASONS},
            {**base, "prosecutor_file_number": "21 Js 9999/07", "reasons": REASONS},
            {**base, "prosecutor_file_number": "31 Js 5/08", "reasons": REASONS},
            {**base, "record": str(by_id.pk), "reasons": REASONS, "delete": True},
            "kein Objekt",
        ],
    )
    assert out.endswith("(exit 1)")
    lines = out.strip().splitlines()[:-1]
    assert lines[-1] == "2 angenommen, 7 abgelehnt"
    assert lines[0].startswith("angenommen #1:") and by_number.file_number in lines[0]
    assert lines[1].startswith("angenommen #2:")
    assert lines[2].startswith("abgelehnt #3: kind:")
    assert lines[3].startswith("abgelehnt #4: reasons:")
    assert lines[4].startswith("abgelehnt #5: prosecutor_file_number:")
    assert lines[5].startswith("abgelehnt #6: prosecutor_file_number:") and "Mehrere" in lines[5]
    assert lines[6].startswith("abgelehnt #7: prosecutor_file_number:")  # another LKA's record
    assert lines[7].startswith("abgelehnt #8: delete:")
    assert lines[8].startswith("abgelehnt #9:")
    (item,) = reviews(by_number)
    assert item.payload["causes"][0]["details"]["provision"] == "§ 170 Abs. 2 StPO"
    assert item.payload["causes"][0]["details"]["decided_on"] == "2008-02-07"
    assert len(reviews(by_id)) == 1 and len(reviews(by_id)[0].payload["causes"]) == 1
    assert all(reviews(r) == [] for r in [*twins, foreign])
    # All accepted: exit 0.
    assert "(exit 1)" not in receive(
        tmp_path, [{**base, "record": str(by_id.pk), "reasons": "Zweite Mitteilung."}]
    )
    # Never deletes.
    assert Record.objects.filter(status="active").count() == 5
    assert AuditEvent.objects.filter(action="record.review_open").count() == 3


def test_r_m4_the_automated_interface_refuses_an_unreadable_file(
    tmp_path: Path, reference: Any
) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{nicht json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("receive_justice_decisions", str(path), "--officer", "lka-bw.analyst")
    path.write_text('{"kind": "acquittal"}', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("receive_justice_decisions", str(path), "--officer", "lka-bw.analyst")
    with pytest.raises(CommandError):
        call_command("receive_justice_decisions", str(path), "--officer", "niemand")
