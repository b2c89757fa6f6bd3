"""Concurrent appends never fork the hash chain (architecture "Hash-chained logs")."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import log_event, verify_chain


@pytest.mark.django_db(transaction=True)
def test_r_i1_concurrent_appends_keep_one_unbroken_chain(audit_truncate_allowed: Any) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with transaction.atomic():
                    log_event(actor=None, action="concurrency.test", details={"w": n, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == 100
    assert seqs == list(range(seqs[0], seqs[0] + 100))
    assert verify_chain() == {"ok": True, "checked": 100, "first_bad": None}
