"""Block and delete pages: owner only, reason required, audited (R-H1, R-L3, R-L5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from audit.models import AuditEvent
from verbund.models import Record


def _login(username: str) -> Client:
    client = Client()
    client.force_login(Officer.objects.get(username=username))
    return client


@pytest.mark.django_db
def test_r_l3_owner_blocks_record_through_the_page(make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    client = _login("lka-bw.analyst")
    url = f"/datensaetze/{record.pk}/sperren/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Record.objects.get(pk=record.pk).status == "active"
    response = client.post(url, {"reason": "Schutzwürdige Interessen des Betroffenen"})
    assert response.status_code == 302
    assert Record.objects.get(pk=record.pk).status == "blocked"
    assert AuditEvent.objects.filter(action="record.block", object_id=str(record.pk)).exists()


@pytest.mark.django_db
def test_r_l5_owner_deletes_record_through_the_page_with_confirmation(make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    client = _login("lka-bw.analyst")
    url = f"/datensaetze/{record.pk}/loeschen/"
    unconfirmed = client.post(url, {"reason": "Speicherung nicht mehr erforderlich"})
    assert unconfirmed.status_code == 400
    assert Record.objects.filter(pk=record.pk).exists()
    response = client.post(url, {"reason": "Speicherung nicht mehr erforderlich", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/datensaetze/"
    assert not Record.objects.filter(pk=record.pk).exists()
    assert AuditEvent.objects.filter(action="record.delete").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["sperren", "loeschen"])
def test_r_h1_other_agency_cannot_block_or_delete_through_the_page(
    make_record: Any, action: str
) -> None:
    record = make_record("lka-bw.analyst")
    client = _login("lka-by.analyst")
    url = f"/datensaetze/{record.pk}/{action}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    assert Record.objects.get(pk=record.pk).status == "active"
