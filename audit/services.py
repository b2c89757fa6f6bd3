"""Write audit events: hash-chained, in the caller's transaction, failing closed."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent, Checkpoint
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

    Appends are serialised (advisory lock on PostgreSQL; SQLite serialises writers itself),
    so the chain never forks. An exception here aborts the caller's transaction: no log,
    no answer.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        prev_seq, prev_hash = (last["seq"], last["hash"]) if last else (0, GENESIS)
        actor_agency = agency if agency is not None else getattr(actor, "agency", None)
        event = AuditEvent(
            seq=prev_seq + 1,
            time=timezone.now(),
            agency=actor_agency,
            officer=actor if getattr(actor, "pk", None) else None,
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
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(prev_hash, event)
        event.save(force_insert=True)
    return event


def verify_chain(batch: int = 5000) -> dict[str, Any]:
    """Recompute the chain; return ``{"ok", "checked", "first_bad"}``.

    The first row may follow a retention purge: its ``prev_hash`` is then taken as given,
    and the latest checkpoint must still be covered by the remaining rows.
    """
    checked = 0
    prev: str | None = None
    last_seq = 0
    qs = AuditEvent.objects.order_by("seq")
    for event in qs.iterator(chunk_size=batch):
        expected_prev = event.prev_hash if prev is None else prev
        if event.prev_hash != expected_prev or compute_hash(event.prev_hash, event) != event.hash:
            return {"ok": False, "checked": checked, "first_bad": str(event.id)}
        if prev is not None and event.seq != last_seq + 1:
            return {"ok": False, "checked": checked, "first_bad": str(event.id)}
        prev = event.hash
        last_seq = event.seq
        checked += 1
    anchor = Checkpoint.objects.order_by("-seq").first()
    if anchor is not None and (anchor.seq > last_seq):
        return {"ok": False, "checked": checked, "first_bad": None}
    if anchor is not None and checked:
        row = AuditEvent.objects.filter(seq=anchor.seq).values("hash").first()
        if row is not None and row["hash"] != anchor.hash:
            return {"ok": False, "checked": checked, "first_bad": None}
    return {"ok": True, "checked": checked, "first_bad": None}


def checkpoint_write() -> Checkpoint | None:
    """Store the current head of the chain as an anchor."""
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if last is None:
        return None
    return Checkpoint.objects.create(
        seq=last["seq"], hash=last["hash"], count=AuditEvent.objects.count()
    )


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete log rows older than 18 months (R-I3); the purge itself is logged."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=548)
    with transaction.atomic():
        # Only a contiguous prefix of the chain goes, so the rest still verifies (R-J7).
        first_kept = AuditEvent.objects.filter(time__gte=cutoff).order_by("seq").first()
        if first_kept is not None:
            boundary = first_kept.seq
        else:
            last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
            boundary = (last or 0) + 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL verbund.audit_purge = 'on'")
                cursor.execute("DELETE FROM audit_auditevent WHERE seq < %s", [boundary])
                deleted = cursor.rowcount
        else:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO audit_purgeflag (id) VALUES (1)")
                cursor.execute("DELETE FROM audit_auditevent WHERE seq < %s", [boundary])
                deleted = cursor.rowcount
                cursor.execute("DELETE FROM audit_purgeflag")
        log_event(
            actor=None,
            action="audit.purge",
            details={"cutoff": cutoff.isoformat(), "deleted": deleted},
        )
    return deleted
