"""Log accesses to and changes of records, keeping covert ones out of BKA view (R-I1, R-I5)."""

from __future__ import annotations

from typing import Any

from audit.models import AuditEvent
from audit.services import log_event
from verbund.models import Record


def log_ref(record: Record) -> dict[str, Any]:
    """Return what identifies a record in a log row; flags Art. 10 data for R-J3."""
    ref: dict[str, Any] = {
        "record": str(record.pk),
        "agency": record.owner.code,
        "file_number": record.file_number,
    }
    if "art10" in (record.markings or []):
        ref["art10"] = True
    return ref


def log_record(
    *,
    actor: Any,
    action: str,
    record: Record,
    details: dict[str, Any] | None = None,
    agency: Any | None = None,
    purpose: str = "",
    urgency: str = "",
) -> AuditEvent:
    """Write one log row about one record; covert records go to the covert column only.

    ``agency`` names the responsible agency where no officer acts (the deadline sweep
    acting for the owner, R-L4); otherwise it is the officer's.
    """
    ref = log_ref(record)
    covert = record.storage == "covert"
    return log_event(
        actor=actor,
        action=action,
        object_type="record",
        object_id="" if covert else str(record.pk),
        file=record.file.code,
        references=[] if covert else [ref],
        covert=[ref] if covert else [],
        details=details or {},
        agency=agency,
        purpose=purpose,
        urgency=urgency,
    )
