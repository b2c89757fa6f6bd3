"""Read searches and inbox items for an officer; visibility from ``verbund.access``."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from agencies.models import Officer
from verbund.access.records import authorised_files, current_order, in_use, records_for
from verbund.errors import NotFound
from verbund.models import EmergencyAccess, Hit, InboxItem, Search
from verbund.models.records import Storage
from verbund.services.searches import allowed_search_modes


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


def hit_records(*, actor: Officer, search: Search) -> dict[str, dict[str, Any]]:
    """Return, per hit id of a search, the record behind it where the officer may open it.

    Each value is ``{"record": id, "own": bool}``. Own records are opened from every hit.
    Another agency's record only from a hit that shows it — a basic-data name hit or an
    object hit — and only where the officer may see the record (a GWS participant that
    retrieves directly, a grant): an extended-data or feature hit gives the reference only
    (R-E3, R-E4), so it never leads to a record. Covert records of other agencies never
    appear (``records_for``).
    """
    if actor.agency_id is None:
        return {}
    rows = (
        Hit.objects.filter(search=search, record__in=records_for(actor, "view"))
        .values_list("id", "record_id", "record__owner_id", "kind", "matched_in")
        .order_by("position")
    )
    out: dict[str, dict[str, Any]] = {}
    for hit_id, record_id, owner_id, kind, matched_in in rows:
        own = owner_id == actor.agency_id
        shows_record = kind == "object" or (kind == "name" and matched_in == "basic")
        if own or shows_record:
            out[str(hit_id)] = {"record": str(record_id), "own": own}
    return out


def hit_next_steps(*, actor: Officer, search: Search) -> dict[str, dict[str, bool]]:
    """Return, per hit id of the caller's search, which next steps its row offers.

    ``{"requestable": bool, "eilfall": bool}`` for a hit on another agency's record in the
    ATD that is still in use (active, before its deletion date, not covert: R-F1, R-G1,
    R-L2, R-L3); an Eilfall only where the agency has none on that record yet (one per
    record and agency, none after a refused consent, R-G3). Two queries for the whole page,
    whatever the number of hits; the services check everything again when a step is taken.
    """
    if actor.agency_id is None or search.agency_id != actor.agency_id or not search.file.is_atd:
        return {}
    rows = list(
        Hit.objects.filter(search=search)
        .filter(in_use(via="record"))
        .exclude(Q(record__owner_id=actor.agency_id) | Q(record__storage=Storage.COVERT))
        .values_list("id", "record_id")
    )
    taken = set(
        EmergencyAccess.objects.filter(
            requester_id=actor.agency_id, record_id__in={record for _hit, record in rows}
        ).values_list("record_id", flat=True)
    )
    return {str(hit): {"requestable": True, "eilfall": record not in taken} for hit, record in rows}


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
                # R-A1: the search modes the order allows (GWS: name only).
                "modes": list(allowed_search_modes(file, order)),
                "purposes": order.purposes,
                "urgencies": order.urgencies,
            }
        )
    return out
