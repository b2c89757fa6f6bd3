"""The chain head row and the one-statement append (issue 19; R-I1, R-I4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from audit.models import AuditEvent, ChainHead
from audit.services import compute_hash, log_event, verify_chain


@pytest.mark.django_db
def test_r_i4_fixed_sql_append_stores_what_the_event_says(reference: Any, officer: Any) -> None:
    actor = officer("lka-bw.analyst")
    made = log_event(
        actor=actor,
        action="search",
        object_type="search",
        object_id="x1",
        file="ATD",
        purpose="ct_task",
        urgency="routine",
        references=[{"record": "r1", "agency": "LKA-BW", "file_number": "Ä-1"}],
        covert=[{"record": "r2", "art10": True}],
        details={"mode": "name", "criteria": {"surname": "Müller"}, "n": 1},
        outcome="ok",
    )
    stored = AuditEvent.objects.get(pk=made.pk)
    for field in AuditEvent._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(made, field.attname), field.name
    assert stored.agency_id == actor.agency_id and stored.officer_id == actor.pk
    assert compute_hash(stored.prev_hash, stored) == stored.hash
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (stored.seq, stored.hash)
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_r_i4_missing_head_is_rebuilt_from_the_newest_event(reference: Any) -> None:
    first = log_event(actor=None, action="probe")
    ChainHead.objects.all().delete()
    second = log_event(actor=None, action="probe")
    assert (second.seq, second.prev_hash) == (first.seq + 1, first.hash)
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_r_i1_failed_append_rolls_back_the_callers_work(reference: Any) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(TypeError), transaction.atomic():
        log_event(actor=None, action="probe")
        log_event(actor=None, action="probe", details={"bad": object()})
    assert AuditEvent.objects.count() == before


# Concurrent appends: tests/audit/test_chain_concurrency.py (four writers, one chain).
