"""What a recipient received, with its markings, stays after the record's deletion (R-C7,
R-L5)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from agencies.models import Officer
from tests.verbund.transfers.support import URL, body
from verbund.models import InboxItem
from verbund.services.records import record_delete


def test_r_c7_r_l5_received_transfer_and_its_markings_survive_the_records_deletion(
    make_record: Any, api: Any
) -> None:
    record = make_record(
        "bka.analyst",
        markings=["other_law"],
        basic={"surname": "Fortbestand", "given_names": "Otto", "date_of_birth": "1980-01-01"},
        extended={"phones": ["+49 611 55501"]},
    )
    sent = api("bka.analyst").post(URL, body(record), format="json")
    assert sent.status_code == 201, sent.content
    record_delete(
        actor=Officer.objects.get(username="bka.analyst"),
        record_id=record.pk,
        reason="Speicherfrist abgelaufen.",
    )
    item = InboxItem.objects.get(kind="transfer_received", subject_id=sent.json()["id"])
    assert item.record_id is None and item.payload["markings"] == ["other_law"]
    inbox = api("lka-by.analyst").get("/api/v1/inbox/?kind=transfer_received")
    assert inbox.status_code == 200, inbox.content
    [shown] = inbox.json()["results"]
    assert shown["payload"]["markings"] == ["other_law"]
    assert shown["payload"]["file_number"] == record.file_number
    browser = Client()
    browser.force_login(Officer.objects.get(username="lka-by.analyst"))
    page = browser.get("/eingang/?kind=transfer_received")
    assert page.status_code == 200
    assert record.file_number in page.content.decode()
