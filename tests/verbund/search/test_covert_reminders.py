"""Overdue covert-hit decisions are reminded once, in the owner's inbox and the log (R-D3)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.verbund.search.conftest import covert_payload
from verbund.models import CovertHit, InboxItem
from verbund.services.searches import covert_hits_deliver, covert_hits_remind


@pytest.mark.django_db
def test_r_d3_overdue_covert_hit_is_reminded_once(make_record, run_search):
    make_record(
        "bfv.analyst", basic={"surname": "Verdeckt", "given_names": "A"}, **covert_payload("BFV")
    )
    search = run_search("lka-bw.analyst", {"surname": "Verdeckt"}).json()
    assert search["hit_count"] == 0
    assert covert_hits_deliver(search_id=search["id"]) == 1
    hit = CovertHit.objects.get()
    assert covert_hits_remind(now=hit.due_at - datetime.timedelta(minutes=1)) == 0
    later = hit.due_at + datetime.timedelta(minutes=1)
    assert covert_hits_remind(now=later) == 1
    assert covert_hits_remind(now=later) == 0
    item = InboxItem.objects.get(subject_id=hit.pk)
    assert item.payload["overdue"] is True
    event = AuditEvent.objects.get(action="covert_hit.reminder")
    assert event.references == [] and event.covert[0]["covert_hit"] == str(hit.pk)
    assert event.agency.code == "BFV"


@pytest.mark.django_db
def test_r_d3_decided_covert_hit_is_not_reminded(make_record, run_search, officer):
    from verbund.services.searches import covert_hit_decide

    make_record("bfv.analyst", basic={"surname": "Verdeckt"}, **covert_payload("BFV"))
    search = run_search("lka-bw.analyst", {"surname": "Verdeckt"}).json()
    covert_hits_deliver(search_id=search["id"])
    hit = CovertHit.objects.get()
    covert_hit_decide(
        actor=officer("bfv.analyst"), covert_hit_id=hit.pk, contact=True, reasons="Kontakt"
    )
    assert covert_hits_remind(now=timezone.now() + datetime.timedelta(days=30)) == 0


@pytest.mark.django_db
def test_r_j3_covert_hit_log_rows_flag_art10_records(make_record, run_search, officer):
    from verbund.services.searches import covert_hit_decide

    make_record(
        "bfv.analyst", basic={"surname": "Verdeckt"}, markings=["art10"], **covert_payload("BFV")
    )
    search = run_search("lka-bw.analyst", {"surname": "Verdeckt"}).json()
    covert_hits_deliver(search_id=search["id"])
    hit = CovertHit.objects.get()
    covert_hits_remind(now=hit.due_at + datetime.timedelta(minutes=1))
    covert_hit_decide(
        actor=officer("bfv.analyst"), covert_hit_id=hit.pk, contact=False, reasons="Geheimhaltung"
    )
    for action in ("covert_hit.deliver", "covert_hit.reminder", "covert_hit.decide"):
        ref = AuditEvent.objects.get(action=action).covert[0]
        assert ref["art10"] is True and ref["covert_hit"] == str(hit.pk), action
        assert ref["agency"] == "BFV" and ref["search"] == search["id"]
