"""Concurrent changes of one record on PostgreSQL: one applies, the other gets 412 (R-H1);
concurrent answers to one correction notice: one applies, the other gets 409 (R-H2).

Real threads with their own database connections, committed data (``transaction=True``),
so the row lock and the version check are exercised as in production. Kept in a module of
its own: a transactional test cannot share the record tests' module-wide reference data.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from verbund.models import Record

ROUNDS = 4


def _send_concurrently(
    method: str,
    url: str,
    token: str,
    bodies: list[dict[str, Any]],
    if_match: str | None = None,
) -> list[Any]:
    """Send every body at once (``method``: ``patch`` or ``post``), each from its own thread
    and database connection; return the responses (or the exception a thread raised)."""
    start = threading.Barrier(len(bodies))
    responses: list[Any] = [None] * len(bodies)

    def worker(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            start.wait(timeout=10)
            headers = {"If-Match": if_match} if if_match else None
            send = getattr(client, method)
            responses[index] = send(url, bodies[index], format="json", headers=headers)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            responses[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@pytest.mark.django_db(transaction=True)
def test_r_h1_concurrent_patches_on_one_version_give_one_200_and_one_412(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    from knox.models import AuthToken

    from agencies.models import Officer

    _, token = AuthToken.objects.create(user=Officer.objects.get(username="bka.analyst"))
    for _round in range(ROUNDS):
        record = make_record(extended={"phones": ["+49 30 1"], "emails": ["a@example.org"]})
        url = f"/api/v1/records/{record.pk}/"
        responses = _send_concurrently(
            "patch",
            url,
            token,
            [
                {"extended": {"phones": ["+49 30 2"]}},
                {"extended": {"emails": ["b@example.org"]}},
            ],
            if_match='"1"',
        )
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200, 412], [getattr(r, "content", r) for r in responses]
        loser = next(r for r in responses if r.status_code == 412)
        assert loser.json()["code"] == "version_conflict"
        assert loser.json()["current_version"] == 2
        fresh = Record.objects.get(pk=record.pk)
        assert fresh.version == 2
        # Exactly one change was applied, and nothing of the other.
        changed = (fresh.extended["phones"] == ["+49 30 2"]) + (
            fresh.extended["emails"] == ["b@example.org"]
        )
        assert changed == 1


@pytest.mark.django_db(transaction=True)
def test_r_h1_concurrent_patches_without_if_match_both_apply_and_lose_nothing(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    from knox.models import AuthToken

    from agencies.models import Officer

    _, token = AuthToken.objects.create(user=Officer.objects.get(username="bka.analyst"))
    record = make_record(extended={"phones": ["+49 30 1"], "emails": ["a@example.org"]})
    responses = _send_concurrently(
        "patch",
        f"/api/v1/records/{record.pk}/",
        token,
        [{"extended": {"phones": ["+49 30 2"]}}, {"extended": {"emails": ["b@example.org"]}}],
    )
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200]
    fresh = Record.objects.get(pk=record.pk)
    # The row lock serialises the two merges: both changes are kept.
    assert fresh.version == 3
    assert fresh.extended == {"phones": ["+49 30 2"], "emails": ["b@example.org"]}


@pytest.mark.django_db(transaction=True)
def test_r_h2_concurrent_decisions_on_one_notice_give_one_200_and_one_409(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    from knox.models import AuthToken

    from agencies.models import Officer
    from verbund.models import InboxItem
    from verbund.services.records import correction_notice_create

    _, token = AuthToken.objects.create(user=Officer.objects.get(username="lka-bw.analyst"))
    sender = Officer.objects.get(username="lka-by.analyst")
    for _round in range(ROUNDS):
        record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
        item = correction_notice_create(actor=sender, record_id=record.pk, text="Prüfen.")
        responses = _send_concurrently(
            "post",
            f"/api/v1/correction-notices/{item.pk}/decision/",
            token,
            [
                {"outcome": "corrected", "reasons": "Berichtigt."},
                {"outcome": "rejected", "reasons": "Richtig."},
            ],
        )
        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200, 409], [getattr(r, "content", r) for r in responses]
        assert next(r for r in responses if r.status_code == 409).json()["code"] == (
            "already_decided"
        )
        # Exactly one answer reached the sender.
        assert InboxItem.objects.filter(kind="correction_outcome", subject_id=item.pk).count() == 1
