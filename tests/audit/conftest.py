"""Fixtures of the audit tests: the partition set of the log table (PostgreSQL)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from audit import partitions


def name_month(name: str) -> datetime.date:
    """Return the month of a partition named ``audit_auditevent_pYYYYMM``."""
    return datetime.date(int(name[-6:-2]), int(name[-2:]), 1)


@pytest.fixture
def partitions_restored(django_db_blocker: Any) -> Iterator[None]:
    """A transactional test keeps its DDL: put the partition set back as it was.

    Partitions the test created are dropped (with their rows; the flush empties the rest),
    partitions its purge dropped are created again, empty.
    """
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        before = {name for name, _ in partitions.monthly_partitions(cursor)}
    yield
    with django_db_blocker.unblock(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        now = {name for name, _ in partitions.monthly_partitions(cursor)}
        for name in sorted(now - before):
            cursor.execute(f"DROP TABLE {name}")
        for name in sorted(before - now):
            partitions.partition_create(cursor, name_month(name))
