"""The requester's decision item outlives the record's deletion; the decision body is strict
(R-F1, R-L5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Officer
from tests.verbund.records.support import assert_error
from tests.verbund.requests.test_access_requests import _person
from verbund.models import AccessRequest, InboxItem


def _inbox_page(username: str) -> str:
    client = Client()
    client.force_login(Officer.objects.get(username=username))
    page = client.get("/eingang/?kind=access_decision")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize("grant", [True, False])
def test_r_f1_r_l5_access_decision_survives_the_records_deletion(
    make_record: Any, hit_of: Any, ask: Any, decide: Any, api: Any, grant: bool
) -> None:
    record = _person(make_record, surname="Bleibend")
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Bleibend"})["hit"])
    assert made.status_code == 201, made.content
    assert decide("bfv.analyst", made.json()["id"], grant=grant).status_code == 200
    link = reverse("record_detail", args=[record.pk])
    # While granted the file number links to the record; a refusal never links.
    assert (link in _inbox_page("lka-bw.analyst")) is grant
    deleted = api("bfv.analyst").delete(f"/api/v1/records/{record.pk}/?reason=Zweck%20erreicht")
    assert deleted.status_code == 204, deleted.content
    item = InboxItem.objects.get(kind="access_decision", subject_id=made.json()["id"])
    assert item.payload["file_number"] == record.file_number
    inbox = api("lka-bw.analyst").get("/api/v1/inbox/?kind=access_decision")
    assert inbox.status_code == 200, inbox.content
    [shown] = inbox.json()["results"]
    assert shown["payload"]["status"] == ("granted" if grant else "refused")
    assert shown["payload"]["file_number"] == record.file_number
    # The page still shows the decision, without a link to the deleted record.
    html = _inbox_page("lka-bw.analyst")
    assert record.file_number in html and link not in html


def test_r_f1_unknown_key_in_a_decision_is_400(
    make_record: Any, hit_of: Any, ask: Any, decide: Any
) -> None:
    _person(make_record, surname="Streng")
    made = ask("lka-bw.analyst", hit_of("lka-bw.analyst", {"surname": "Streng"})["hit"])
    assert made.status_code == 201, made.content
    assert_error(decide("bfv.analyst", made.json()["id"], zz=1), 400, "unknown_field", "zz")
    assert_error(
        decide("bfv.analyst", made.json()["id"], status="granted"), 400, "unknown_field", "status"
    )
    assert AccessRequest.objects.get(pk=made.json()["id"]).status == "pending"
    assert not InboxItem.objects.filter(kind="access_decision").exists()
