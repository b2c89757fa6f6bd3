"""Who may read a record's log history: the head of the owning agency only (R-I5, R-I4).

The owner agency's head reads every log entry about the agency's own records, covert ones
included (``audit.readers.record_history_events``). Anyone who may not know the record
exists gets 404 (covert records of other agencies, unknown ids); an officer who may see it
but is not the owner's head gets 403 ``not_head``.
"""

from __future__ import annotations

from typing import Any

from verbund.access.records import access_record
from verbund.errors import Forbidden
from verbund.models import Record


def history_record(actor: Any, record_id: Any) -> Record:
    """Return the record if the actor is the head of its owning agency; else 404/403."""
    record = access_record(actor, record_id, "view")
    if record.owner_id != actor.agency_id or getattr(actor, "role", "") != "head":
        raise Forbidden(
            "Nur die Leitung der eingebenden Behörde liest den Protokollverlauf.",
            code="not_head",
        )
    return record
