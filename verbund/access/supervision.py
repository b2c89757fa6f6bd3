"""Which records a supervisor may act on, within jurisdiction or delegation (R-J1, R-J2, R-J6).

Supervision is not limited in substance: a supervisor reaches the records entered by the
agencies it supervises, covert ones included, and the records those agencies queried (a hit
of one of their searches). Anything else answers 404, as if unknown.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, Q

from audit.selectors import supervised_agencies
from verbund.errors import NotFound
from verbund.models import Record
from verbund.models.searches import Hit


def supervised_record(actor: Any, record_id: Any) -> Record:
    """Return a record within the supervisor's jurisdiction or delegation, else 404."""
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        raise NotFound() from None
    agencies = supervised_agencies(actor, power="records")
    queried = Hit.objects.filter(record=OuterRef("pk"), search__agency__in=agencies)
    record = (
        Record.objects.filter(Q(owner__in=agencies) | Q(Exists(queried)), pk=pk)
        .select_related("file", "owner")
        .first()
    )
    if record is None:
        raise NotFound()
    return record
