"""Read the log for supervisors, within their jurisdiction or delegation (R-J1-J3, R-I5)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, Delegation, DelegationScope
from audit.models import AuditEvent


def supervised_agencies(actor: Any, power: str = "log") -> QuerySet[Agency]:
    """Return the agencies a supervisor controls: own jurisdiction plus delegations (R-J2).

    ``power`` is a ``DelegationScope`` code (``log``, ``records``, ``controls``): a delegation
    counts only if it passes that power on, from ``valid_from`` to ``valid_until`` (inclusive,
    local dates) and not revoked. Anyone but a supervisor controls nothing.
    """
    if getattr(actor, "role", "") != "supervisor" or not actor.jurisdiction:
        return Agency.objects.none()
    today = timezone.localdate()
    if actor.jurisdiction == "federal":
        own = Q(level="federal")
    else:
        own = Q(level="state", state=actor.jurisdiction)
    delegated = Delegation.objects.filter(
        to_jurisdiction=actor.jurisdiction,
        valid_from__lte=today,
        valid_until__gte=today,
        revoked_at__isnull=True,
        **{f"scope_{DelegationScope(power).value}": True},
    )
    return Agency.objects.filter(own | Q(pk__in=delegated.values("agency_id")))


def audit_events_for(
    *,
    actor: Any,
    agency_code: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Return log events of the supervised agencies, newest first."""
    agencies = supervised_agencies(actor)
    qs = AuditEvent.objects.filter(agency__in=agencies).select_related("agency")
    if agency_code:
        qs = qs.filter(agency__code=agency_code)
    if since:
        qs = qs.filter(time__gte=since)
    if until:
        qs = qs.filter(time__lt=until)
    return qs.order_by("-seq")


def event_view(event: AuditEvent, *, supervised_codes: set[str]) -> dict[str, Any]:
    """Shape one event; covert references only for the competent supervisor (R-I5, R-J3).

    A covert reference is shown when the supervisor controls its owner, or, for records
    from Art. 10 measures, when it controls either the owner or the querying agency.
    """
    covert = [
        ref for ref in event.covert if ref.get("agency") in supervised_codes or ref.get("art10")
    ]
    return {
        "id": str(event.id),
        "seq": event.seq,
        "time": event.time.isoformat(),
        "agency": event.agency.code if event.agency else None,
        "officer": event.officer_username,
        "action": event.action,
        "object": event.object_id or None,
        "file": event.file,
        "purpose": event.purpose,
        "urgency": event.urgency,
        "references": event.references,
        "covert": covert,
        "details": event.details,
        "outcome": event.outcome,
        "request_id": event.request_id,
    }
