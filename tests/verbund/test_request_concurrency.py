"""Concurrent requests and decisions on PostgreSQL (R-F1): one applies, the other gets 409.

Real threads with their own connections and committed data, as in
tests/verbund/test_record_concurrency.py (whose sender this module reuses).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.verbund.test_record_concurrency import ROUNDS, _send_concurrently
from verbund.models import AccessRequest, InboxItem


@pytest.mark.django_db(transaction=True)
def test_r_f1_concurrent_requests_for_one_record_give_one_201_and_one_409(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    from knox.models import AuthToken

    from agencies.models import Officer
    from verbund.services.searches import search_run

    officer = Officer.objects.get(username="lka-bw.analyst")
    _, token = AuthToken.objects.create(user=officer)
    for n in range(ROUNDS):
        make_record("bfv.analyst", basic={"surname": f"Parallel{n}", "given_names": "Paul"})
        hits = [
            search_run(
                actor=officer,
                file="ATD",
                mode="name",
                purpose="ct_task",
                urgency="routine",
                criteria={"surname": f"Parallel{n}"},
            ).answer["hits"][0]["hit"]  # type: ignore[attr-defined]
            for _ in range(2)
        ]
        responses = _send_concurrently(
            "post",
            "/api/v1/access-requests/",
            token,
            [{"hit": hit, "justification": "Abgleich."} for hit in hits],
        )
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [201, 409], [getattr(r, "content", r) for r in responses]
        assert next(r for r in responses if r.status_code == 409).json()["code"] == (
            "already_pending"
        )
    assert AccessRequest.objects.count() == ROUNDS
    assert InboxItem.objects.filter(kind="access_request").count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_r_f1_concurrent_decisions_on_one_request_give_one_200_and_one_409(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    from knox.models import AuthToken

    from agencies.models import Officer
    from verbund.services.requests import access_request_create
    from verbund.services.searches import search_run

    requester = Officer.objects.get(username="lka-bw.analyst")
    _, token = AuthToken.objects.create(user=Officer.objects.get(username="bfv.analyst"))
    for n in range(ROUNDS):
        make_record("bfv.analyst", basic={"surname": f"Zugleich{n}", "given_names": "Paul"})
        found = search_run(
            actor=requester,
            file="ATD",
            mode="name",
            purpose="ct_task",
            urgency="routine",
            criteria={"surname": f"Zugleich{n}"},
        )
        made = access_request_create(
            actor=requester,
            hit=found.answer["hits"][0]["hit"],  # type: ignore[attr-defined]
            justification="Abgleich.",
        )
        responses = _send_concurrently(
            "post",
            f"/api/v1/access-requests/{made.pk}/decision/",
            token,
            [
                {"grant": True, "reasons": "Erforderlich.", "provision": "§ 19 BVerfSchG"},
                {"grant": False, "reasons": "Quellenschutz.", "provision": "§ 23 BVerfSchG"},
            ],
        )
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200, 409], [getattr(r, "content", r) for r in responses]
        assert next(r for r in responses if r.status_code == 409).json()["code"] == (
            "already_decided"
        )
        assert InboxItem.objects.filter(kind="access_decision", subject_id=made.pk).count() == 1
