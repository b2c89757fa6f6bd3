"""Who reads the log besides the supervisors (R-I2, R-I5): BKA operators and owners' heads.

* **BKA IT operators** (``Role.OPERATOR``) read the log for proper operation and data
  security only (R-I2) and must not recognise covert data (R-I5; ATDG § 9(1)): an entry
  whose only subject is covert — covert references, no open reference and no open object —
  is left out **in the database query** (``operations_events``), so no page, no count and no
  ``next`` link betrays it; ``covert_hit.*`` entries likewise. What remains is shaped by
  ``operation_view``: never the covert column, never ``seq`` (gaps would count the hidden
  entries), and of ``details`` only the keys in ``OPERATOR_DETAIL_KEYS`` (operational
  scalars; no criteria, no counts of hits or rows, which could include covert ones).
* **The owner agency's head** reads every entry about one of its own records, covert ones
  included, on the record's history (``record_history_events``: the GIN-indexed
  containment ``references @> [{"record": id}]`` / ``covert @> [...]`` plus the
  ``(object_type, object_id)`` index — no scan). Each entry shows only the references to
  that record; ``details`` only where the entry is about that record alone.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from audit.jsonq import list_holds
from audit.models import AuditEvent

# Operational scalars an operator may read in ``details`` (R-I2); anything else is dropped.
OPERATOR_DETAIL_KEYS = frozenset(
    {"mode", "username", "role", "jurisdiction", "field", "valid_from", "at", "duty", "scope"}
)


# Queries and lists: shown even when every result was covert (without the covert column), so
# that a missing entry never tells an operator that a search or list met only covert data.
QUERY_ACTIONS = ("search", "record.list", "inbox.view")
# Left out whole: the covert-hit procedure, and the data subjects' requests — each agency's
# own desk answers for its covert data, so whether a step of a request exists (an owner's
# decision, an answer) depends on covert storage (R-K2, R-D5); the requests serve neither
# operation nor security (R-I2).
HIDDEN_PREFIXES = ("covert_hit.", "subject_request.")


def operations_events() -> QuerySet[AuditEvent]:
    """Return the log entries an operator may read, newest first (R-I5, in SQL)."""
    open_subject = Q(covert=[]) | ~Q(references=[]) | ~Q(object_id="") | Q(action__in=QUERY_ACTIONS)
    hidden = Q()
    for prefix in HIDDEN_PREFIXES:
        hidden |= Q(action__startswith=prefix)
    return (
        AuditEvent.objects.filter(open_subject)
        .exclude(hidden)
        .select_related("agency")
        .order_by("-seq")
    )


def operation_view(event: AuditEvent) -> dict[str, Any]:
    """Shape one entry for an operator: no covert column, no seq, allowlisted details."""
    return {
        "id": str(event.id),
        "time": event.time.isoformat(),
        "agency": event.agency.code if event.agency else None,
        "officer": event.officer_username,
        "action": event.action,
        "object_type": event.object_type,
        "object": event.object_id or None,
        "file": event.file,
        "open_references": len(event.references),
        "details": {
            key: value
            for key, value in (event.details or {}).items()
            if key in OPERATOR_DETAIL_KEYS and isinstance(value, str | int | bool)
        },
        "outcome": event.outcome,
        "request_id": event.request_id,
    }


def record_history_events(record_id: Any) -> QuerySet[AuditEvent]:
    """Return every log entry about one record, covert column included, newest first.

    PostgreSQL: JSON containment on the GIN indexes of ``references`` and ``covert`` (audit
    migration 0004) and the ``(object_type, object_id)`` btree, combined by a BitmapOr.
    SQLite (``make run``) has no JSON containment: the ids are matched in the JSON text.
    """
    rid = str(record_id)
    if connection.vendor == "postgresql":
        about = list_holds("references", {"record": rid}) | list_holds("covert", {"record": rid})
    else:
        about = Q(references__icontains=f'"{rid}"') | Q(covert__icontains=f'"{rid}"')
    return (
        AuditEvent.objects.filter(about | Q(object_type="record", object_id=rid))
        .select_related("agency")
        .order_by("-seq")
    )


def history_view(event: AuditEvent, record_id: Any) -> dict[str, Any]:
    """Shape one entry of a record's history for its owner's head."""
    rid = str(record_id)
    refs = [*event.references, *event.covert]
    mine = [ref for ref in refs if ref.get("record") == rid]
    alone = event.object_id == rid or (not event.object_id and len(mine) == len(refs))
    return {
        "id": str(event.id),
        "time": event.time.isoformat(),
        "agency": event.agency.code if event.agency else None,
        "officer": event.officer_username,
        "action": event.action,
        "object_type": event.object_type,
        "object": event.object_id or None,
        "file": event.file,
        "purpose": event.purpose,
        "urgency": event.urgency,
        "covert": any(ref.get("record") == rid for ref in event.covert),
        "references": mine,
        "details": event.details if alone else {},
        "outcome": event.outcome,
    }
