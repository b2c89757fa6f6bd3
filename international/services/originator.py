"""The third-party rule: what foreign bodies passed on in confidence (R-N3, 000 Q9).

To anyone but the owner, items under an originator marking are *absent* — not "withheld":
confidentiality covers whether such information exists. Every path that shows or passes on
a record's items to another agency or a partner (grants, Eilfall, transfers, subject access,
statistics) drops the items ``hidden_items`` names. Only a recorded release for that
recipient, unexpired, lifts this; a ``comprehensive_restriction`` is never released.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from international.models import OriginatorKind, OriginatorMarking, OriginatorRelease
from verbund.models import Record


def hidden_items(
    record: Record,
    *,
    agency_id: Any = None,
    partner_id: Any = None,
    on: datetime.date | None = None,
) -> set[str]:
    """Return the record's items hidden from a recipient (an agency or a partner).

    Shape: a set of item names as ``verbund.services.transfers.transferable_items`` names
    them (``basic``, ``reference``, an extended field …). The owner sees everything (empty
    set). One query for the markings, one for releases when any marking is releasable.
    """
    if agency_id is not None and agency_id == record.owner_id:
        return set()
    markings = list(OriginatorMarking.objects.filter(record=record))
    if not markings:
        return set()
    day = on or timezone.localdate()
    released: set[Any] = set()
    releasable = [m.pk for m in markings if m.kind == OriginatorKind.THIRD_PARTY_RULE]
    if releasable and (agency_id is not None or partner_id is not None):
        releases = OriginatorRelease.objects.filter(marking_id__in=releasable, expires_on__gte=day)
        if agency_id is not None:
            releases = releases.filter(recipient_agency_id=agency_id)
        else:
            releases = releases.filter(recipient_partner_id=partner_id)
        released = set(releases.values_list("marking_id", flat=True))
    hidden: set[str] = set()
    for marking in markings:
        if marking.pk not in released:
            hidden.update(str(item) for item in marking.items or [])
    return hidden
