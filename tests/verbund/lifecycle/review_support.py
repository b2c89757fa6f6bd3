"""Helpers of the review, blocking and deletion tests (issue 16; R-L1-L5, R-M4, R-M5, R-J6).

Fixtures are plain functions imported by the test modules (no conftest.py of their own, so
the other lifecycle test modules keep theirs).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from verbund.models import InboxItem, Record

RECORDS = "/api/v1/records/"


def url(record: Any, suffix: str = "") -> str:
    """The API address of a record, or of one of its actions."""
    return f"{RECORDS}{record.pk}/{suffix}"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> str:
    """An ISO date ``n`` days from today."""
    return (today() + datetime.timedelta(days=n)).isoformat()


def search(api: Any, username: str, surname: str, file: str = "ATD") -> dict[str, Any]:
    """Run a name search as ``username`` and return the answer."""
    response = api(username).post(
        "/api/v1/searches/",
        {
            "file": file,
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": surname},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    answer: dict[str, Any] = response.json()
    return answer


def person(make_record: Any, username: str, surname: str, **more: Any) -> Record:
    """An ATD person of ``username``'s agency with a surname of its own."""
    record: Record = make_record(
        username,
        basic={
            "surname": surname,
            "given_names": "Karim",
            "sex": "m",
            "date_of_birth": "1984-02-03",
            "nationalities": ["DE"],
        },
        **more,
    )
    return record


def open_review(record: Any) -> InboxItem | None:
    """The record's open review item, if any."""
    return InboxItem.objects.filter(record_id=record.pk, kind="review_due", done_at=None).first()


def due_for_deletion(record: Any) -> None:
    """Make the record due for deletion today (not yet swept)."""
    Record.objects.filter(pk=record.pk).update(deletion_date=today(), review_date=today())


def decide(api: Any, username: str, record: Any, **body: Any) -> Any:
    """POST a review decision as ``username``."""
    return api(username).post(url(record, "review/"), body, format="json")


def shared_record(api: Any, make_record: Any, surname: str) -> dict[str, Any]:
    """A BKA record LKA-BW opened through a granted request, LKA-BY found in a search.

    Returns the record, LKA-BW's search and request ids and LKA-BY's hit id.
    """
    record = person(
        make_record,
        "bka.analyst",
        surname,
        extended={"phones": ["+49 611 5550100"], "profession": "Chemiker"},
    )
    answer = search(api, "lka-bw.analyst", surname)
    (hit,) = answer["hits"]
    made = api("lka-bw.analyst").post(
        "/api/v1/access-requests/",
        {"hit": hit["hit"], "justification": "Abgleich im Verfahren 1 Js 1/26."},
        format="json",
    )
    assert made.status_code == 201, made.content
    decided = api("bka.analyst").post(
        f"/api/v1/access-requests/{made.json()['id']}/decision/",
        {"grant": True, "reasons": "Voraussetzungen liegen vor.", "provision": "§ 19 BVerfSchG"},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    (other,) = search(api, "lka-by.analyst", surname)["hits"]
    return {
        "record": record,
        "search": answer["id"],
        "request": made.json()["id"],
        "hit": hit["hit"],
        "other_hit": other["hit"],
        "surname": surname,
    }


def others_answers(api: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """What other agencies are answered about the shared record on every path."""
    record = shared["record"]
    bw = api("lka-bw.analyst")
    by = api("lka-by.analyst")
    request_view = bw.get(f"/api/v1/access-requests/{shared['request']}/").json()
    transfer = {
        "record": str(record.pk),
        "recipient": {"agency": "LKA-BY"},
        "provision": "§ 25 Abs. 1 BKAG",
        "purpose": "Gefahrenabwehr.",
        "items": ["basic", "reference"],
    }
    eilfall = {
        "hit": shared["other_hit"],
        "danger": "life",
        "facts": "Anschlag angekündigt.",
        "why_no_request": "Ersuchen käme zu spät.",
        "decided_by": "lka-by.head",
    }
    return {
        "get": bw.get(url(record)).status_code,
        "search": len(search(api, "lka-bw.analyst", shared["surname"])["hits"]),
        "stored_search": bw.get(f"/api/v1/searches/{shared['search']}/").json()["hit_count"],
        "request_names_record": bool(request_view.get("record")),
        "new_request": by.post(
            "/api/v1/access-requests/",
            {"hit": shared["other_hit"], "justification": "Abgleich."},
            format="json",
        ).status_code,
        "eilfall": by.post("/api/v1/emergency-accesses/", eilfall, format="json").status_code,
        "transfer": bw.post("/api/v1/transfers/", transfer, format="json").status_code,
        "notice": bw.post(
            url(record, "correction-notices/"), {"text": "prüfen"}, format="json"
        ).status_code,
    }


# What another agency is answered about a record that left every answer (blocked, or due
# for deletion): as if it did not exist.
GONE_FOR_OTHERS = {
    "get": 404,
    "search": 0,
    "stored_search": 0,
    "request_names_record": False,
    "new_request": 404,
    "eilfall": 404,
    "transfer": 404,
    "notice": 404,
}
