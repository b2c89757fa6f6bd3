"""Read searches and inbox items for an officer; visibility from ``verbund.access``."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from agencies.models import Officer
from verbund.access.records import authorised_files, current_order
from verbund.errors import NotFound
from verbund.models import InboxItem, Search


def search_get(*, actor: Officer, search_id: Any) -> Search:
    """Return a search of the caller's own agency in a file the caller is authorised for.

    Anything else — another agency's search, an unknown or malformed id — is 404.
    """
    try:
        pk = uuid.UUID(str(search_id))
    except ValueError:
        raise NotFound() from None
    if actor.agency_id is None:
        raise NotFound()
    search = (
        Search.objects.filter(pk=pk, agency_id=actor.agency_id, file__in=authorised_files(actor))
        .select_related("file", "agency", "officer")
        .first()
    )
    if search is None:
        raise NotFound()
    return search


def inbox_for(*, actor: Officer, kind: str = "", open_only: bool = False) -> QuerySet[InboxItem]:
    """Return the agency's inbox items in files the officer is authorised for, newest first."""
    if actor.agency_id is None:
        return InboxItem.objects.none()
    items = InboxItem.objects.filter(agency_id=actor.agency_id, file__in=authorised_files(actor))
    if kind:
        items = items.filter(kind=kind)
    if open_only:
        items = items.filter(done_at__isnull=True)
    return items.select_related("file").order_by("-created_at", "id")


def search_options(*, actor: Officer) -> list[dict[str, Any]]:
    """Return the files an officer may search, with the order's purposes and urgencies.

    R-E1: the categories offered are those of the establishment order in force.
    """
    out = []
    agency_code = actor.agency.code if actor.agency else ""
    for file in authorised_files(actor).order_by("code"):
        order = current_order(file)
        if order is None:
            continue
        if not file.is_atd and agency_code not in order.participants.get("retrieve", []):
            continue
        out.append(
            {
                "code": file.code,
                "name": file.name,
                "is_atd": file.is_atd,
                "purposes": order.purposes,
                "urgencies": order.urgencies,
            }
        )
    return out
