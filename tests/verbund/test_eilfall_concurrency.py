"""Concurrent Eilfälle on one record on PostgreSQL (R-G3): one applies, the others get 409.

Real threads with their own connections and committed data, as in
tests/verbund/test_request_concurrency.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.verbund.test_record_concurrency import ROUNDS, _send_concurrently
from verbund.models import EmergencyAccess, InboxItem

PARALLEL = 6


@pytest.mark.django_db(transaction=True)
def test_r_g3_concurrent_eilfaelle_on_one_record_give_one_201_and_409_already_taken(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    from knox.models import AuthToken

    from agencies.models import Officer
    from verbund.services.searches import search_run

    officer = Officer.objects.get(username="lka-bw.analyst")
    _, token = AuthToken.objects.create(user=officer)
    for n in range(ROUNDS):
        make_record("bfv.analyst", basic={"surname": f"Eilig{n}", "given_names": "Paul"})
        found = search_run(
            actor=officer,
            file="ATD",
            mode="name",
            purpose="ct_task",
            urgency="immediate",
            criteria={"surname": f"Eilig{n}"},
        )
        hit = found.answer["hits"][0]["hit"]  # type: ignore[attr-defined]
        body = {
            "hit": hit,
            "danger": "life",
            "facts": "Anschlag heute Abend angekündigt.",
            "why_no_request": "Ein Ersuchen käme zu spät.",
            "decided_by": "lka-bw.head",
        }
        responses = _send_concurrently(
            "post", "/api/v1/emergency-accesses/", token, [body] * PARALLEL
        )
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [201] + [409] * (PARALLEL - 1), [
            getattr(r, "content", r) for r in responses
        ]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_taken"}
    assert EmergencyAccess.objects.count() == ROUNDS
    assert InboxItem.objects.filter(kind="emergency_consent").count() == ROUNDS
