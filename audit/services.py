"""Write audit events: hash-chained, in the caller's transaction, failing closed.

Also the log's retention (R-I3, R-J7; ATDG § 9(1)): ``partitions_ensure`` keeps monthly
partitions ahead on PostgreSQL, ``purge_expired`` removes rows older than 18 months (dropping
whole partitions where it can) and leaves append-only ``PurgedPeriod`` checkpoints that
``verify_chain`` checks the remaining chain against.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Max, Min, OuterRef
from django.utils import timezone

from audit import partitions
from audit.models import AuditEvent, Checkpoint, MandatoryControl, PurgedPeriod
from verbund.middleware import current_request_id

GENESIS = "0" * 64
_CHAIN_LOCK = 7_310_001  # advisory lock key that serialises appends on PostgreSQL


def _canonical(event: AuditEvent) -> str:
    """Return the canonical text of an event's content that the hash covers."""
    payload = {
        "id": str(event.id),
        "seq": event.seq,
        "time": event.time.isoformat(),
        "agency": str(event.agency_id) if event.agency_id else None,
        "officer": str(event.officer_id) if event.officer_id else None,
        "officer_username": event.officer_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "file": event.file,
        "purpose": event.purpose,
        "urgency": event.urgency,
        "references": event.references,
        "covert": event.covert,
        "details": event.details,
        "request_id": event.request_id,
        "outcome": event.outcome,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    """Return the chained hash of an event."""
    return hashlib.sha256((prev_hash + _canonical(event)).encode()).hexdigest()


_EVENT_COLUMNS = (
    "id", "seq", "time", "agency_id", "officer_id", "officer_username", "action",
    "object_type", "object_id", "file", "purpose", "urgency", "references", "covert",
    "details", "request_id", "outcome", "prev_hash", "hash",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"references", "covert", "details"})
# One statement appends the event and moves the head (issue 19: fixed SQL on the hot path;
# tests/audit/test_chain_head.py checks it writes what the ORM would).
_APPEND_SQL = (
    "WITH e AS (INSERT INTO audit_auditevent ("
    + ", ".join(f'"{c}"' for c in _EVENT_COLUMNS)
    + ") VALUES ("
    + ", ".join("%s::jsonb" if c in _JSON_COLUMNS else "%s" for c in _EVENT_COLUMNS)
    + ") RETURNING seq, hash) "
    "UPDATE audit_chainhead SET seq = e.seq, hash = e.hash FROM e WHERE audit_chainhead.id = 1"
)
_HEAD_SQL = "SELECT seq, hash FROM audit_chainhead WHERE id = 1 FOR UPDATE"


def lock_chain(cursor: Any) -> tuple[int, str]:
    """Lock the chain on PostgreSQL and return its head ``(seq, hash)``; genesis is ``(0, …)``.

    The lock is the row lock on ``audit_chainhead`` (held to the end of the transaction):
    every append and the retention purge take it, so the chain never forks. A missing head
    (fresh or flushed database) is rebuilt from the newest event under the advisory chain
    lock, so two first appends cannot both rebuild it.
    """
    cursor.execute(_HEAD_SQL)
    row = cursor.fetchone()
    if row is None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, hash_ = last if last else (0, GENESIS)
        cursor.execute(
            "INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO NOTHING",
            [seq, hash_],
        )
        cursor.execute(_HEAD_SQL)
        row = cursor.fetchone()
    return int(row[0]), str(row[1])


def log_event(
    *,
    actor: Any | None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    file: str = "",
    purpose: str = "",
    urgency: str = "",
    references: Iterable[dict[str, Any]] = (),
    covert: Iterable[dict[str, Any]] = (),
    details: dict[str, Any] | None = None,
    outcome: str = "ok",
    agency: Any | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the current transaction (R-I1).

    Appends are serialised (the chain head's row lock on PostgreSQL, ``lock_chain``;
    SQLite serialises writers itself), so the chain never forks. An exception here aborts
    the caller's transaction: no log, no answer. Runs inside the caller's transaction (every
    caller's ``transaction.atomic``, or its own); on PostgreSQL it costs two statements and no
    savepoint. ``agency`` (an Agency) overrides the actor's agency; the actor's agency is
    taken by id, never loaded.
    """
    agency_id = agency.pk if agency is not None else getattr(actor, "agency_id", None)
    officer_id = getattr(actor, "pk", None)
    event = AuditEvent(
        seq=0,
        time=timezone.now(),
        agency_id=agency_id,
        officer_id=officer_id or None,
        officer_username=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        file=file,
        purpose=purpose,
        urgency=urgency,
        references=list(references),
        covert=list(covert),
        details=details or {},
        request_id=current_request_id() or "",
        outcome=outcome,
    )
    # No savepoint inside the caller's transaction: a failure here aborts all of it.
    with transaction.atomic(savepoint=False):
        if connection.vendor != "postgresql":
            last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
            event.seq, event.prev_hash = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
            event.hash = compute_hash(event.prev_hash, event)
            event.save(force_insert=True)
            return event
        _append(event)
    return event


def _append(event: AuditEvent) -> None:
    """Chain and insert an event on PostgreSQL (two statements: lock/read head, append)."""
    with connection.cursor() as cursor:
        prev_seq, prev_hash = lock_chain(cursor)
        event.seq, event.prev_hash = prev_seq + 1, prev_hash
        event.hash = compute_hash(prev_hash, event)
        values = []
        for column in _EVENT_COLUMNS:
            value = getattr(event, column)
            values.append(json.dumps(value) if column in _JSON_COLUMNS else value)
        cursor.execute(_APPEND_SQL, values)
    event._state.adding = False
    event._state.db = connection.alias


def verify_chain(batch: int = 5000) -> dict[str, Any]:
    """Recompute the chain; return ``{"ok", "checked", "first_bad"}``.

    ``checked`` counts the remaining rows verified; ``first_bad`` is the id (str) of the first
    row that fails, or None when the failure is not a row (a cut tail or head).

    What the retention purge removed (R-I3) is accounted for by its ``PurgedPeriod``
    checkpoints: they must form one contiguous chain from seq 1 (the oldest one's
    ``first_prev_hash`` is the genesis hash, each next one starts where the previous one's
    head ends), and the first remaining row must follow the newest of them (its ``seq`` is the
    next position, its ``prev_hash`` the newest checkpoint's ``head_hash``); without any
    purge the first row is seq 1 after the genesis hash. So a cut head, a dropped middle and
    a cut tail (below the latest ``Checkpoint``) are all detected; a live row at the seq of
    any ``Checkpoint`` must still carry that checkpoint's hash. ``verify_chain_detail`` is
    the same check with the reason of a failure.
    """
    result = verify_chain_detail(batch)
    return {key: result[key] for key in ("ok", "checked", "first_bad")}


def verify_chain_detail(
    batch: int = 5000, *, wrap: Callable[..., Any] | None = None
) -> dict[str, Any]:
    """``verify_chain`` plus ``reason``: what failed (``purged_periods``, ``link``, ``gap``,
    ``hash``, ``all_rows_gone``, ``cut_tail``, ``checkpoint``; empty when ok).

    ``wrap(rows, total)`` may wrap the rows walked (a progress bar: ``verify_audit``).
    """

    def bad(checked: int, event: AuditEvent | None, reason: str) -> dict[str, Any]:
        first_bad = str(event.id) if event is not None else None
        return {"ok": False, "checked": checked, "first_bad": first_bad, "reason": reason}

    expected_seq, expected_prev = 1, GENESIS
    for period in PurgedPeriod.objects.order_by("first_seq"):
        if period.first_seq != expected_seq or period.first_prev_hash != expected_prev:
            return bad(0, None, "purged_periods")
        expected_seq, expected_prev = period.last_seq + 1, period.head_hash
    checked = 0
    prev: str | None = None
    last_seq = 0
    qs = AuditEvent.objects.order_by("seq")
    rows: Any = qs.iterator(chunk_size=batch)
    if wrap is not None:
        rows = wrap(rows, AuditEvent.objects.count())
    for event in rows:
        if prev is None:
            if event.seq != expected_seq or event.prev_hash != expected_prev:
                return bad(checked, event, "link")
        elif event.seq != last_seq + 1:
            return bad(checked, event, "gap")
        elif event.prev_hash != prev:
            return bad(checked, event, "link")
        if compute_hash(event.prev_hash, event) != event.hash:
            return bad(checked, event, "hash")
        prev = event.hash
        last_seq = event.seq
        checked += 1
    if prev is None and expected_seq != 1:
        # Everything after the last purge is gone.
        return bad(0, None, "all_rows_gone")
    anchor = Checkpoint.objects.order_by("-seq").first()
    if anchor is not None and (anchor.seq > last_seq):
        return bad(checked, None, "cut_tail")
    if checked:
        # One join over the anchors: a live row at a checkpoint's seq keeps its hash.
        forged = (
            AuditEvent.objects.filter(seq__in=Checkpoint.objects.values("seq"))
            .exclude(hash__in=Checkpoint.objects.filter(seq=OuterRef("seq")).values("hash"))
            .order_by("seq")
            .first()
        )
        if forged is not None:
            return bad(checked, forged, "checkpoint")
    return {"ok": True, "checked": checked, "first_bad": None, "reason": ""}


def checkpoint_write() -> Checkpoint | None:
    """Store the current head of the chain as an anchor."""
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if last is None:
        return None
    return Checkpoint.objects.create(
        seq=last["seq"], hash=last["hash"], count=AuditEvent.objects.count()
    )


RETENTION = datetime.timedelta(days=548)  # 18 months (R-I3), as 548 days: never less
_PARTITION_LOCK = 7_310_002  # serialises partition creation (partitions_ensure)
PURGE_LOCK_TIMEOUT = "2s"  # longest wait of the purge for the log table's exclusive lock


def partitions_ensure(*, months_ahead: int = 3, now: datetime.datetime | None = None) -> list[str]:
    """Create the monthly log partitions from ``now``'s month to ``months_ahead`` ahead.

    PostgreSQL only (returns ``[]`` elsewhere, or if the table is not partitioned). Returns
    the names created, e.g. ``["audit_auditevent_p202702"]``; idempotent. Rows that already
    sit in the DEFAULT partition for such a month are moved into it in the same transaction
    (``audit.partitions.partition_create``). Months are UTC months. Rows of earlier months
    that no partition covers stay in DEFAULT until the purge deletes them. Raises
    ``django.db.OperationalError`` (nothing created) if the table stays locked longer than
    ``PURGE_LOCK_TIMEOUT``.
    """
    if connection.vendor != "postgresql":
        return []
    first = partitions.month_start(now or timezone.now())
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PARTITION_LOCK])
        if not partitions.is_partitioned(cursor):
            return []
        # Creating or attaching a partition locks the log table exclusively for a moment:
        # wait at most PURGE_LOCK_TIMEOUT for it (OperationalError; the task retries).
        cursor.execute("SHOW lock_timeout")
        lock_timeout = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [PURGE_LOCK_TIMEOUT])
        for n in range(months_ahead + 1):
            month = partitions.add_months(first, n)
            if partitions.partition_create(cursor, month):
                created.append(partitions.partition_name(month))
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
    return created


def _partition_stats(cursor: Any, table: str) -> Any:
    """Return ``(count, min_seq, max_seq)`` of one partition's rows (PostgreSQL)."""
    cursor.execute(f"SELECT count(*), min(seq), max(seq) FROM {table}")
    return cursor.fetchone()


def _checkpoint_purged(
    cursor: Any,
    *,
    first_seq: int,
    last_seq: int,
    count: int,
    period: tuple[datetime.datetime, datetime.datetime],
    partition: str,
    now: datetime.datetime,
) -> PurgedPeriod:
    """Write the append-only checkpoint of a range about to be removed."""
    first = AuditEvent.objects.filter(seq=first_seq).values("prev_hash").get()
    last = AuditEvent.objects.filter(seq=last_seq).values("hash").get()
    return PurgedPeriod.objects.create(
        period_from=period[0],
        period_to=period[1],
        first_seq=first_seq,
        last_seq=last_seq,
        count=count,
        head_hash=last["hash"],
        first_prev_hash=first["prev_hash"],
        partition=partition,
        purged_at=now,
    )


def _uncontrolled(periods: list[PurgedPeriod], *, today: datetime.date) -> list[dict[str, str]]:
    """Name, per agency taking part in a file, each purged period no done control covered.

    R-J7. A completed ``MandatoryControl`` (``done_on`` set, not after ``today``) of the
    agency covers a period
    when its dates include the period's first and last day (UTC dates of ``period_from`` and
    of the last moment before ``period_to``). Shape: ``[{"agency": code, "from": ISO date,
    "to": ISO date}]`` (dates inclusive, adjacent uncovered periods joined), sorted by agency
    code and date.
    """
    if not periods:
        return []
    participation = apps.get_model("verbund", "Participation")
    agencies = dict(participation.objects.values_list("agency_id", "agency__code").distinct())
    controls: dict[Any, list[tuple[datetime.date, datetime.date]]] = {}
    for agency_id, start, end in MandatoryControl.objects.filter(
        agency_id__in=list(agencies), done_on__lte=today
    ).values_list("agency_id", "period_from", "period_to"):
        controls.setdefault(agency_id, []).append((start, end))
    days = sorted(
        (
            p.period_from.astimezone(datetime.UTC).date(),
            (p.period_to - datetime.timedelta(microseconds=1)).astimezone(datetime.UTC).date(),
        )
        for p in periods
    )
    found = []
    for agency_id, code in sorted(agencies.items(), key=lambda item: item[1]):
        span: list[datetime.date] | None = None
        for start, end in days:
            if any(a <= start and end <= b for a, b in controls.get(agency_id, [])):
                continue
            if span and start <= span[1] + datetime.timedelta(days=1):
                span[1] = max(span[1], end)  # adjacent uncovered periods join
                continue
            if span:
                found.append({"agency": code, "from": str(span[0]), "to": str(span[1])})
            span = [start, end]
        if span:
            found.append({"agency": code, "from": str(span[0]), "to": str(span[1])})
    return found


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Remove log rows older than 18 months (R-I3; ATDG § 9(1)); return how many went.

    The cutoff is ``now - 548 days`` (18 months never rounded down); a row whose ``time`` is
    before it goes, a row at the cutoff stays. Only a contiguous prefix of the chain goes (up
    to the first row at or after the cutoff, by ``seq``), so the rest still verifies.

    PostgreSQL, partitioned log: under the chain lock, each monthly partition whose upper
    bound is at or before the cutoff is dropped, oldest first, if its rows are exactly the
    next part of that prefix (time and seq are monotone in production); the first one that is
    not stops the drops, and its rows, the rows of the month spanning the cutoff and any in the
    DEFAULT partition go by the small prefix DELETE (with ``verbund.audit_purge`` on). So
    nothing waits past 18 months. SQLite (or an unpartitioned table): the prefix DELETE only,
    with the ``audit_purgeflag`` row.

    Before anything is removed an append-only ``PurgedPeriod`` checkpoint is written for each
    dropped partition and for the prefix delete. The purge writes one ``audit.purge`` entry:
    ``details = {"cutoff", "deleted", "periods": [{"partition", "from", "to", "first_seq",
    "last_seq", "count"}], "dropped_empty": [names], "uncontrolled": [{"agency", "from",
    "to"}]}`` (R-J7: periods purged before a completed mandatory control covered them).
    Idempotent: a second run drops nothing and deletes 0. Errors roll everything back; if a
    transaction holds the log table open for more than ``PURGE_LOCK_TIMEOUT`` the purge fails
    with ``django.db.OperationalError`` (lock timeout) and changes nothing.
    """
    now = now or timezone.now()
    cutoff = now - RETENTION
    deleted = 0
    written: list[PurgedPeriod] = []
    dropped_empty: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            # The chain lock first, like log_event: appends wait, the chain cannot move.
            lock_chain(cursor)
        first_kept = (
            AuditEvent.objects.filter(time__gte=cutoff).order_by("seq").values("seq").first()
        )
        if first_kept is not None:
            boundary = first_kept["seq"]
        else:
            last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
            boundary = (last or 0) + 1
        next_seq = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
        if postgres and partitions.is_partitioned(cursor):
            cursor.execute("SHOW lock_timeout")
            lock_timeout = cursor.fetchone()[0]
            # DROP refuses while this transaction has deferred FK checks pending (rows
            # written before the purge in the same transaction): run them now, and defer
            # again afterwards (every deferrable constraint here is INITIALLY DEFERRED).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # A DROP needs ACCESS EXCLUSIVE on the log table while appends wait on the chain
            # lock: give up after a short wait (OperationalError; the task retries) rather
            # than stall every append behind a transaction that holds the table open.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [PURGE_LOCK_TIMEOUT])
            for name, month in partitions.monthly_partitions(cursor):
                lower, upper = partitions.bounds(month)
                if upper > cutoff:
                    break
                count, low, high = _partition_stats(cursor, name)
                if count == 0:
                    cursor.execute(f"DROP TABLE {name}")
                    dropped_empty.append(name)
                    continue
                if low != next_seq or high >= boundary or count != high - low + 1:
                    break  # not monotone: the prefix delete below takes its part
                written.append(
                    _checkpoint_purged(
                        cursor,
                        first_seq=low,
                        last_seq=high,
                        count=count,
                        period=(lower, upper),
                        partition=name,
                        now=now,
                    )
                )
                cursor.execute(f"DROP TABLE {name}")
                deleted += count
                next_seq = high + 1
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        prefix = AuditEvent.objects.filter(seq__lt=boundary).aggregate(
            count=Count("pk"), low=Min("seq"), high=Max("seq"), oldest=Min("time")
        )
        count, low, high, oldest = prefix["count"], prefix["low"], prefix["high"], prefix["oldest"]
        if count:
            written.append(
                _checkpoint_purged(
                    cursor,
                    first_seq=low,
                    last_seq=high,
                    count=count,
                    period=(oldest, cutoff),
                    partition="",
                    now=now,
                )
            )
            if postgres:
                cursor.execute("SELECT set_config('verbund.audit_purge', 'on', true)")
                cursor.execute("DELETE FROM audit_auditevent WHERE seq < %s", [boundary])
                deleted += cursor.rowcount
                cursor.execute("SELECT set_config('verbund.audit_purge', 'off', true)")
            else:
                cursor.execute("INSERT INTO audit_purgeflag (id) VALUES (1)")
                cursor.execute("DELETE FROM audit_auditevent WHERE seq < %s", [boundary])
                deleted += cursor.rowcount
                cursor.execute("DELETE FROM audit_purgeflag")
        log_event(
            actor=None,
            action="audit.purge",
            details={
                "cutoff": cutoff.isoformat(),
                "deleted": deleted,
                "periods": [
                    {
                        "partition": p.partition,
                        "from": p.period_from.isoformat(),
                        "to": p.period_to.isoformat(),
                        "first_seq": p.first_seq,
                        "last_seq": p.last_seq,
                        "count": p.count,
                    }
                    for p in written
                ],
                "dropped_empty": dropped_empty,
                "uncontrolled": _uncontrolled(written, today=now.date()),
            },
        )
    return deleted


def retention_enforce(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Run the daily log retention: coming partitions first, then the 18-month purge (R-I3).

    Returns ``{"partitions_created", "partitions_purged", "rows_purged"}``: the monthly
    partitions made ahead, the partitions dropped whole (each with its ``PurgedPeriod``
    checkpoint) and every row removed, dropped or deleted. Idempotent: a second run the same
    day returns zeros. Raises ``OperationalError`` when the table lock is not had in time
    (nothing changed; the caller retries).
    """
    created = partitions_ensure(now=now)
    before = PurgedPeriod.objects.order_by("-last_seq").values_list("last_seq", flat=True).first()
    rows = purge_expired(now=now)
    dropped = PurgedPeriod.objects.filter(last_seq__gt=before or 0).exclude(partition="").count()
    return {
        "partitions_created": len(created),
        "partitions_purged": dropped,
        "rows_purged": rows,
    }
