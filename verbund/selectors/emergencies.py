"""Read Eilfälle for interfaces: the requester's and the owner's, in authorised files."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from audit.services import log_event
from verbund.access.records import authorised_files
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
