"""Read Eilfälle for interfaces: the requester's and the owner's, in authorised files."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from agencies.models import Officer, Role
from audit.services import log_event
from verbund.access.records import authorised_files, visible_record_ids
from verbund.models import EmergencyAccess


def emergencies_for(*, actor: Any, direction: str = "") -> QuerySet[EmergencyAccess]:
    """Return the Eilfälle of the officer's agency, newest first.

    ``outgoing``: those it took as requester; ``incoming``: those on its records (owner);
    anything else: both.
    """
    if not getattr(actor, "agency_id", None):
        return EmergencyAccess.objects.none()
    if direction == "outgoing":
        scope = Q(requester_id=actor.agency_id)
    elif direction == "incoming":
        scope = Q(owner_id=actor.agency_id)
    else:
        scope = Q(requester_id=actor.agency_id) | Q(owner_id=actor.agency_id)
    return (
        EmergencyAccess.objects.filter(scope, file__in=authorised_files(actor))
        .select_related("file", "requester", "owner", "officer", "decided_by", "consent_by")
        .order_by("-created_at", "id")
    )


def emergencies_log_view(*, actor: Any, items: list[EmergencyAccess]) -> None:
    """Log a page of Eilfälle shown to an officer (R-I1)."""
    if not items:
        return
    log_event(
        actor=actor,
        action="emergency.list",
        object_type="emergency_access",
        references=[{"agency": e.owner.code, "file_number": e.file_number} for e in items],
        details={"emergencies": [str(e.pk) for e in items]},
    )


def deciding_heads(*, actor: Any) -> list[Officer]:
    """Return the active heads (or authorised senior officers) of the officer's agency."""
    if not getattr(actor, "agency_id", None):
        return []
    return list(
        Officer.objects.filter(agency_id=actor.agency_id, role=Role.HEAD, is_active=True).order_by(
            "last_name", "username"
        )
    )


def with_record_ids(*, actor: Any, items: list[EmergencyAccess]) -> list[EmergencyAccess]:
    """Set ``record_shown`` on each Eilfall: its record's id while the caller may open it.

    A record deleted, blocked or stored covert since then, or no longer open to the
    requester after a refused consent, reads the same — no id (R-D3, R-G3). One query.
    """
    visible = visible_record_ids(actor, [ea.record_id for ea in items])
    for ea in items:
        ea.record_shown = ea.record_id if ea.record_id in visible else None  # type: ignore[attr-defined]
    return items
