"""The record a court ordered deleted (R-K4): found through the court's order, not a role.

A court's deletion order binds the owner; the subject desk that records the ruling has no
access to the record under ``records_for`` (a desk reads no records). This is the one read
that order allows: the record of the challenged consultation, locked (its own row only, as
``verbund.services.records._lock``) for ``record_erase``. Callers: ``subjects.services.
challenge_ruling_record`` only, after checking the ruling and the desk's challenge.
"""

from __future__ import annotations

from typing import Any

from verbund.models import Record


def record_ordered_deleted(record_id: Any) -> Record | None:
    """Lock and return the record a recorded deletion order names, or None if it is gone."""
    if record_id is None:
        return None
    return (
        Record.objects.select_for_update(of=("self",))
        .select_related("file", "owner")
        .filter(pk=record_id)
        .first()
    )
