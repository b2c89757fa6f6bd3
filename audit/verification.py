"""Check the hash chain of the log, one month or all of it, and against exported checkpoints.

R-I1, R-I4, R-I3/R-J7. Three checks, each logged as ``audit.verify``:

* ``audit.services.verify_chain`` walks the whole chain by ``seq`` (what
  ``GET /api/v1/audit/verify/`` answers); here ``verify_run`` adds the first bad entry's
  ``seq``, time and partition and writes the log row.
* ``verify_month`` checks one calendar month (UTC) — on PostgreSQL exactly one monthly
  partition (``audit/partitions.py``), found by partition pruning on ``time`` — in
  O(rows of that month): every row's hash is recomputed, the rows follow each other
  (``seq`` +1, ``prev_hash`` = the previous row's ``hash``), the month's first row links to
  the row before it (``seq`` - 1, wherever it lies: the previous partition's last row), or,
  when that row went with the 18-month purge, to the ``head_hash`` of the ``PurgedPeriod``
  that ends there, or to the genesis hash at ``seq`` 1; the row after the month's last one
  must exist unless the month holds the head, and link back. So a month stays verifiable
  after older partitions were dropped by the purge (R-I3, R-J7), and a row changed behind
  the triggers' back (``ALTER TABLE ... DISABLE TRIGGER``) is named with its month.
* ``checkpoints_export`` / ``checkpoints_check``: a supervisor exports the chain's anchors
  (``Checkpoint``: head ``seq``, head ``hash``, row count, time) as a JSON document and keeps
  it outside the BKA's database. Checking that document later against the live log finds a
  cut tail (the live head is below an exported ``seq``) and a rewritten history (the live
  row at an exported ``seq`` has another hash) even when whoever runs the database rebuilt
  a self-consistent chain: the exported hashes are outside their reach. A checkpoint whose
  row went with the 18-month purge is accounted for by the ``PurgedPeriod`` that covers it
  (its ``head_hash`` must match when the checkpoint is that period's last row).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit import partitions
from audit.models import AuditEvent, Checkpoint, PurgedPeriod
from audit.services import (
    GENESIS,
    checkpoint_write,
    compute_hash,
    log_event,
    verify_chain_detail,
)
from verbund.errors import Invalid

FORMAT = "verbund-audit-checkpoints/1"
_HASH = re.compile(r"^[0-9a-f]{64}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

Wrap = Callable[[Iterable[AuditEvent], int], Iterable[AuditEvent]]


def _unwrapped(items: Iterable[AuditEvent], total: int) -> Iterable[AuditEvent]:
    return items


def partition_of(event_id: Any, time: datetime.datetime) -> str:
    """Return the table that physically holds a row (PostgreSQL), else ``audit_auditevent``."""
    if connection.vendor != "postgresql":
        return partitions.PARENT
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s AND time = %s",
            [event_id, time],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def bad_entry(event_id: Any, reason: str) -> dict[str, Any] | None:
    """Describe a row that failed: id, seq, time, partition and why."""
    row = AuditEvent.objects.filter(pk=event_id).values("id", "seq", "time").first()
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "seq": row["seq"],
        "time": row["time"].isoformat(),
        "partition": partition_of(row["id"], row["time"]),
        "reason": reason,
    }


def parse_month(value: str) -> datetime.date:
    """Return the first day of a ``YYYY-MM`` month; 400 ``invalid`` naming ``month``."""
    match = _MONTH.match(value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        detail = "Monat als JJJJ-MM angeben."
        raise Invalid(detail, code="invalid", fields={"month": [detail]})
    return datetime.date(int(match[1]), int(match[2]), 1)


def _hash_before(seq: int) -> str | None:
    """The hash the row ``seq`` must link to: the live row before it, the purged period's
    head that ends there, or the genesis hash; None when that row is missing."""
    if seq == 1:
        return GENESIS
    row = AuditEvent.objects.filter(seq=seq - 1).values("hash").first()
    if row is not None:
        return str(row["hash"])
    period = PurgedPeriod.objects.filter(last_seq=seq - 1).values("head_hash").first()
    return str(period["head_hash"]) if period else None


def verify_month(
    month: datetime.date, *, wrap: Wrap = _unwrapped, batch: int = 5000
) -> dict[str, Any]:
    """Verify one calendar month (UTC) of the chain; return the ``verify_chain`` shape plus
    ``month``, ``partition``, ``bad`` (the first bad entry described, or None) and
    ``reason`` (why it failed: ``hash``, ``link``, ``gap``, ``previous_missing``,
    ``next_missing``, ``next_link``, ``checkpoint``)."""
    lower, upper = partitions.bounds(month)
    qs = AuditEvent.objects.filter(time__gte=lower, time__lt=upper).order_by("seq")
    total = qs.count()
    anchors = dict(
        Checkpoint.objects.filter(time__gte=lower).values_list("seq", "hash")
    )  # an anchor is taken after its row: only these can point into the month
    result: dict[str, Any] = {
        "ok": True,
        "checked": 0,
        "first_bad": None,
        "bad": None,
        "reason": "",
        "month": f"{month:%Y-%m}",
        "partition": partitions.partition_name(month),
    }

    def fail(event_id: Any, reason: str) -> dict[str, Any]:
        result.update(ok=False, first_bad=str(event_id), reason=reason)
        result["bad"] = bad_entry(event_id, reason)
        return result

    prev: str | None = None
    last_seq = 0
    for event in wrap(qs.iterator(chunk_size=batch), total):
        if prev is None:
            if event.prev_hash != _hash_before(event.seq):
                return fail(event.id, "previous_missing" if event.seq > 1 else "link")
        elif event.seq != last_seq + 1:
            return fail(event.id, "gap")
        elif event.prev_hash != prev:
            return fail(event.id, "link")
        if compute_hash(event.prev_hash, event) != event.hash:
            return fail(event.id, "hash")
        if event.seq in anchors and anchors[event.seq] != event.hash:
            return fail(event.id, "checkpoint")
        prev, last_seq = event.hash, event.seq
        result["checked"] += 1
    if prev is not None:
        following = AuditEvent.objects.filter(seq=last_seq + 1).values("id", "prev_hash").first()
        if following is None:
            later = AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq").first()
            if later is not None:
                return fail(later.id, "next_missing")
        elif following["prev_hash"] != prev:
            return fail(following["id"], "next_link")
    return result


def verify_full(*, wrap: Wrap = _unwrapped, batch: int = 5000) -> dict[str, Any]:
    """``verify_chain`` over the whole log, with the first bad entry described (``bad``)."""
    result = verify_chain_detail(batch, wrap=None if wrap is _unwrapped else wrap)
    result["bad"] = (
        bad_entry(result["first_bad"], result["reason"]) if result["first_bad"] else None
    )
    return result


def verify_run(
    *, actor: Any | None, month: datetime.date | None = None, wrap: Wrap = _unwrapped
) -> dict[str, Any]:
    """Verify the chain (one month, or all of it) and log the run as ``audit.verify``."""
    result = verify_month(month, wrap=wrap) if month else verify_full(wrap=wrap)
    with transaction.atomic():
        log_event(
            actor=actor,
            action="audit.verify",
            details={
                "scope": result.get("month", "all"),
                "ok": result["ok"],
                "checked": result["checked"],
                "first_bad_seq": (result.get("bad") or {}).get("seq"),
            },
        )
    return result


# ---------------------------------------------------------------------------- checkpoints


def _anchor(cp: Checkpoint) -> dict[str, Any]:
    return {"seq": cp.seq, "hash": cp.hash, "count": cp.count, "time": cp.time.isoformat()}


def daily_anchors() -> list[dict[str, Any]]:
    """The last checkpoint of each UTC day, oldest first (the beat writes one every five
    minutes: a day's last one covers all of that day's; the document stays small)."""
    last: dict[datetime.date, dict[str, Any]] = {}
    rows = Checkpoint.objects.order_by("time", "seq").values_list("seq", "hash", "count", "time")
    for seq, value, count, time in rows.iterator(chunk_size=5000):
        day = time.astimezone(datetime.UTC).date()
        last[day] = {"seq": seq, "hash": value, "count": count, "time": time.isoformat()}
    return [last[day] for day in sorted(last)]


def checkpoints_export(*, actor: Any) -> dict[str, Any]:
    """Anchor the current head, log the export (``audit.checkpoint_export``) and return
    the document: ``{"format", "exported_at", "exported_by", "head", "checkpoints"}`` with
    ``head`` and each checkpoint as ``{"seq", "hash", "count", "time"}``, oldest first:
    the last checkpoint of each UTC day (``daily_anchors``; today's is the fresh head).

    ``head`` is the chain's head when the export began (the export's own log row follows
    it). An empty log has no head: ``head`` is null, ``checkpoints`` may be empty.
    """
    with transaction.atomic():
        fresh = checkpoint_write()
        anchors = daily_anchors()
        head = _anchor(fresh) if fresh else None
        log_event(
            actor=actor,
            action="audit.checkpoint_export",
            details={
                "head_seq": head["seq"] if head else None,
                "head_hash": head["hash"] if head else None,
                "checkpoints": len(anchors),
            },
        )
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "exported_by": getattr(actor, "username", "") or "",
        "head": head,
        "checkpoints": anchors,
    }


def _invalid(field: str, detail: str, code: str = "invalid") -> Invalid:
    return Invalid(detail, code=code, fields={field: [detail]})


_MAX_SEQ = 2**63 - 1  # bigint: a larger position cannot be in the log


def _anchors_of(document: dict[str, Any]) -> list[tuple[int, str]]:
    """The (seq, hash) pairs of a document, checked; 400 naming the field otherwise."""
    if document.get("format") != FORMAT:
        raise _invalid("format", f"Unbekanntes Format; erwartet: {FORMAT}.")
    listed = document.get("checkpoints")
    if listed is None:
        raise _invalid("checkpoints", "Pflichtfeld.", "required")
    items: list[tuple[str, int | None, Any]] = [
        ("checkpoints", i, cp) for i, cp in enumerate(listed)
    ]
    if document.get("head") is not None:
        items.append(("head", None, document["head"]))
    if not items:
        raise _invalid("checkpoints", "Mindestens ein Prüfpunkt.", "required")
    found = []
    for name, index, cp in items:
        path = name if index is None else f"{name}[{index}]"
        seq, value = cp.get("seq"), cp.get("hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= _MAX_SEQ:
            raise _invalid(f"{path}.seq", "Positive ganze Zahl (64 Bit) erwartet.")
        if not isinstance(value, str) or not _HASH.match(value):
            raise _invalid(f"{path}.hash", "64 Hexadezimalzeichen (SHA-256) erwartet.")
        count, taken = cp.get("count"), cp.get("time")
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= _MAX_SEQ
        ):
            raise _invalid(f"{path}.count", "Nicht negative ganze Zahl (64 Bit) erwartet.")
        if taken is not None and (
            not isinstance(taken, str) or len(taken) > 40 or parse_datetime(taken) is None
        ):
            raise _invalid(f"{path}.time", "Zeitpunkt nach ISO 8601 erwartet.")
        found.append((seq, value))
    return sorted(set(found))


def checkpoints_check(*, actor: Any | None, document: Any) -> dict[str, Any]:
    """Check an exported checkpoint document against the live log; log ``audit.verify``.

    Returns ``{"ok", "checked", "head": {"seq", "hash"} | null, "first_bad", "results"}``;
    each result is ``{"seq", "hash", "status"}`` with status ``ok`` (the live row at that
    seq has that hash), ``purged`` (the row went with the 18-month purge: a ``PurgedPeriod``
    covers it, and where it ends at that seq its head hash matches), ``rewritten`` (another
    hash lives there), ``missing`` (no row and no purge: deleted) or ``beyond_head`` (the
    live head is below it: a cut tail). ``first_bad`` is the first result that is neither
    ``ok`` nor ``purged``. Raises 400 (``Invalid`` naming the field) for a malformed
    document; nothing is logged then.
    """
    if not isinstance(document, dict):
        raise _invalid("body", "Ein JSON-Objekt erwartet.")
    anchors = _anchors_of(document)
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    head_seq = head["seq"] if head else 0
    if not head_seq:
        head_seq = PurgedPeriod.objects.aggregate(top=Max("last_seq"))["top"] or 0
    live: dict[int, str] = {}
    seqs = [seq for seq, _ in anchors]
    for start in range(0, len(seqs), 1000):
        live.update(
            AuditEvent.objects.filter(seq__in=seqs[start : start + 1000]).values_list("seq", "hash")
        )
    periods = list(PurgedPeriod.objects.order_by("first_seq"))
    results = []
    for seq, value in anchors:
        if seq in live:
            status = "ok" if live[seq] == value else "rewritten"
        elif seq > head_seq:
            status = "beyond_head"
        else:
            period = next((p for p in periods if p.first_seq <= seq <= p.last_seq), None)
            if period is None:
                status = "missing"
            elif period.last_seq == seq and period.head_hash != value:
                status = "rewritten"
            else:
                status = "purged"
        results.append({"seq": seq, "hash": value, "status": status})
    first_bad = next((r for r in results if r["status"] not in ("ok", "purged")), None)
    answer = {
        "ok": first_bad is None,
        "checked": len(results),
        "head": {"seq": head["seq"], "hash": head["hash"]} if head else None,
        "first_bad": first_bad,
        "results": results,
    }
    with transaction.atomic():
        log_event(
            actor=actor,
            action="audit.verify",
            details={
                "scope": "checkpoints",
                "ok": answer["ok"],
                "checked": answer["checked"],
                "first_bad_seq": first_bad["seq"] if first_bad else None,
                "first_bad_status": first_bad["status"] if first_bad else None,
            },
        )
    return answer
