"""Monthly range partitions of the audit log on PostgreSQL (R-I3; ATDG § 9(1)).

Why plain SQL and no library such as django-postgres-extra: no extra dependency, and
``AuditEvent`` stays a normal Django model (queries, admin and migrations unchanged). The
table ``audit_auditevent`` is ``PARTITION BY RANGE (time)``; every partition holds one
calendar month **in UTC**, ``[first day 00:00 UTC, first day of next month 00:00 UTC)``, and is
named ``audit_auditevent_pYYYYMM``. A DEFAULT partition ``audit_auditevent_default`` takes any
row no monthly partition covers, so an insert never fails (tests travel years ahead).

Consequences of partitioning that the model cannot express:

* the primary key is ``(id, time)`` (a key must include the partition key); Django still uses
  ``id`` as ``pk``, UUIDs keep it unique in practice;
* ``seq`` is ``UNIQUE (seq, time)`` plus a plain btree index on ``seq`` per partition; the
  chain lock (``audit.services._CHAIN_LOCK``) is what keeps ``seq`` unique;
* row triggers on the parent (``audit_append_only``) are cloned onto every partition by
  PostgreSQL; statement triggers are not, so each monthly partition gets its own
  ``audit_no_truncate`` that refuses a TRUNCATE unless the parent's ``audit_no_truncate`` is
  switched off (what ``tests/conftest.py audit_truncate_allowed`` does for a test flush).

Nothing here runs on SQLite (``make run``): there the log stays one table and the purge keeps
the prefix delete.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

PARENT = "audit_auditevent"
DEFAULT = "audit_auditevent_default"
_NAME = re.compile(r"^audit_auditevent_p(\d{4})(\d{2})$")

# Refuses TRUNCATE of a partition or of a checkpoint table unless the parent's
# audit_no_truncate trigger is disabled (only the table owner can do that: a test flush).
GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_trigger
             WHERE tgrelid = 'audit_auditevent'::regclass
               AND tgname = 'audit_no_truncate' AND tgenabled = 'D') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit log is append-only (% refused on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def month_start(moment: datetime.datetime | datetime.date) -> datetime.date:
    """Return the first day of the UTC month containing ``moment``."""
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(datetime.UTC).date()
    return moment.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    """Return the first day of the month ``n`` months after ``month`` (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the partition's ``[lower, upper)`` bounds as aware UTC datetimes."""
    nxt = add_months(month, 1)
    return (
        datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC),
        datetime.datetime(nxt.year, nxt.month, 1, tzinfo=datetime.UTC),
    )


def partition_name(month: datetime.date) -> str:
    """Return ``audit_auditevent_pYYYYMM``."""
    return f"{PARENT}_p{month.year:04d}{month.month:02d}"


def _literal(moment: datetime.datetime) -> str:
    # Built from integers only, so safe to inline (DDL takes no bind parameters).
    return f"'{moment.strftime('%Y-%m-%d %H:%M:%S')}+00'"


def is_partitioned(cursor: Any) -> bool:
    """Return whether ``audit_auditevent`` is a partitioned table (PostgreSQL only)."""
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
    row = cursor.fetchone()
    return bool(row and row[0] == "p")


def monthly_partitions(cursor: Any, parent: str = PARENT) -> list[tuple[str, datetime.date]]:
    """Return ``[(name, month)]`` of the monthly partitions, oldest first (from pg_inherits)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s)",
        [parent],
    )
    found = []
    for (name,) in cursor.fetchall():
        match = _NAME.match(name)
        if match:
            found.append((name, datetime.date(int(match[1]), int(match[2]), 1)))
    return sorted(found, key=lambda item: item[1])


def _exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return bool(cursor.fetchone()[0])


def _add_truncate_guard(cursor: Any, name: str) -> None:
    cursor.execute(
        f"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {name} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
    )


def default_create(cursor: Any, parent: str = PARENT) -> None:
    """Create the DEFAULT partition with its TRUNCATE guard."""
    cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {parent} DEFAULT")
    _add_truncate_guard(cursor, DEFAULT)


def partition_create(cursor: Any, month: datetime.date, parent: str = PARENT) -> bool:
    """Create the partition of ``month`` unless it exists; return whether it was created.

    If the DEFAULT partition already holds rows of that month (written before the partition
    existed), they are moved first, in the caller's transaction: the new table is created
    standalone, the rows go over by ``DELETE ... RETURNING`` with ``verbund.audit_purge`` on
    for that statement only, then the table is attached. Rows keep their content, so the
    chain is untouched.
    """
    name = partition_name(month)
    if _exists(cursor, name):
        return False
    lower, upper = bounds(month)
    spec = f"FOR VALUES FROM ({_literal(lower)}) TO ({_literal(upper)})"
    has_default = _exists(cursor, DEFAULT)
    moving = False
    if has_default:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE time >= %s AND time < %s)",
            [lower, upper],
        )
        moving = bool(cursor.fetchone()[0])
    if not moving:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {parent} {spec}")
    else:
        cursor.execute(f"CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS)")
        cursor.execute("SELECT set_config('verbund.audit_purge', 'on', true)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE time >= %s AND time < %s "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved",
            [lower, upper],
        )
        cursor.execute("SELECT set_config('verbund.audit_purge', 'off', true)")
        cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {name} {spec}")
    _add_truncate_guard(cursor, name)
    return True
