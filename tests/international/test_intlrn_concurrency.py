"""Concurrent deliveries of one Red Notice and concurrent decisions on PostgreSQL (R-N2).

Real threads with their own connections and committed data, as in
tests/verbund/test_eilfall_concurrency.py: one delivery creates the notice (201), every
other gets 200 with the same id; one decision applies, the others get 409.
"""

from __future__ import annotations

from typing import Any

import pytest

from international.models import NoticeStatus, RedNotice
from tests.international.helpers import decision, notice_body
from tests.verbund.test_record_concurrency import ROUNDS, _send_concurrently

PARALLEL = 6


def _token(username: str) -> str:
    from knox.models import AuthToken

    from agencies.models import Officer

    return AuthToken.objects.create(user=Officer.objects.get(username=username))[1]


@pytest.mark.django_db(transaction=True)
def test_r_n2_notice_delivered_twice_creates_one_even_concurrently(
    reference: Any, audit_truncate_allowed: Any
) -> None:
    token = _token("bka.analyst")
    for _round in range(ROUNDS):
        body = notice_body()
        responses = _send_concurrently("post", "/api/v1/red-notices/", token, [body] * PARALLEL)
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200] * (PARALLEL - 1) + [201], [
            getattr(r, "content", r) for r in responses
        ]
        assert len({r.json()["id"] for r in responses}) == 1
        assert RedNotice.objects.filter(interpol_reference=body["interpol_reference"]).count() == 1
    assert RedNotice.objects.count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_r_n2_concurrent_decisions_one_applies_others_409(
    reference: Any, audit_truncate_allowed: Any
) -> None:
    from agencies.models import Officer
    from international.services.notices import notice_receive

    token = _token("bka.head")
    receiver = Officer.objects.get(username="bka.analyst")
    for _round in range(ROUNDS):
        notice, _created = notice_receive(actor=receiver, data=notice_body())
        bodies = [decision(accept=i % 2 == 0, reasons=f"Entscheidung {i}") for i in range(PARALLEL)]
        responses = _send_concurrently(
            "post", f"/api/v1/red-notices/{notice.pk}/decision/", token, bodies
        )
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200] + [409] * (PARALLEL - 1), [
            getattr(r, "content", r) for r in responses
        ]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_decided"}
        winner = next(r for r in responses if r.status_code == 200).json()
        stored = RedNotice.objects.get(pk=notice.pk)
        assert stored.reasons == winner["reasons"]
        assert stored.status != NoticeStatus.IN_REVIEW
