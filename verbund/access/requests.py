"""Decide who may ask for what after a hit, and which requests an officer may see.

The permission side of requests for extended data (R-F1, R-F2), of the purpose category
"on behalf of the Federal Prosecutor General" (R-F4) and of the line between intelligence
services and police (R-A5). Records themselves are still reached only through
``verbund.access.records``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from agencies.models import AgencyKind
from verbund.access.records import authorised_files, searchable_for
from verbund.errors import NotFound
from verbund.models import AccessRequest, Hit, Record
from verbund.models.requests import RequestKind, RequestStatus

# R-F4: the ATD purpose category of queries on behalf of the Federal Prosecutor General.
GBA_PURPOSE = "gba"


def may_query_for_gba(actor: Any) -> bool:
    """Return whether the officer's agency may query on behalf of the GBA (R-F4).

    ATDG § 6(4) names the BKA and the state criminal police offices (LKA) only.
    """
    agency = getattr(actor, "agency", None)
    code = getattr(agency, "code", "") or ""
    return code == "BKA" or code.startswith("LKA-")


def purposes_for(actor: Any, purposes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the purpose categories of an order the officer may choose (R-E1, R-F4)."""
    if may_query_for_gba(actor):
        return list(purposes)
    return [p for p in purposes if p.get("code") != GBA_PURPOSE]


def crosses_separation(requester: Any, owner: Any) -> bool:
    """Return whether a request crosses the line between intelligence services and police.

    R-A5: MAD counts as an intelligence service (its kind is ``intelligence``); police and
    customs stand on the other side. The owner's transfer law sets a qualified threshold
    for such requests (002 Rn. 123-126).
    """
    return (requester.kind == AgencyKind.INTELLIGENCE) != (owner.kind == AgencyKind.INTELLIGENCE)


def hit_for_request(actor: Any, hit_id: Any) -> tuple[Hit, Record]:
    """Return a hit of the officer's own agency and the record behind it, or raise 404.

    Hit ids are bound to the agency that searched (api.md conventions): an unknown or
    malformed id, another agency's hit, a hit in a file the officer is not authorised for,
    and a hit whose record was deleted, blocked (R-L3) or made covert since all answer the
    same 404 ``not_found``.
    """
    try:
        pk = uuid.UUID(str(hit_id))
    except ValueError:
        raise NotFound() from None
    agency_id = getattr(actor, "agency_id", None)
    if agency_id is None:
        raise NotFound()
    hit = (
        Hit.objects.filter(
            pk=pk, search__agency_id=agency_id, search__file__in=authorised_files(actor)
        )
        .select_related("search__file")
        .first()
    )
    if hit is None:
        raise NotFound()
    return hit, _still_searchable(actor, hit)


def _still_searchable(actor: Any, hit: Hit) -> Record:
    """Return the record behind an own hit while a search could still show it, or 404."""
    record = (
        searchable_for(actor, hit.search.file)
        .filter(pk=hit.record_id)
        .select_related("owner", "file")
        .first()
    )
    if record is None:
        raise NotFound()
    return record


def _shows_record() -> Q:
    """Hits that showed the record itself: basic-data name hits and object hits (R-E2, R-E7).

    Extended-data and feature hits give the reference only (R-E3, R-E4).
    """
    return Q(kind="object") | Q(kind="name", matched_in="basic")


def hit_showing_record(actor: Any, hit_id: Any) -> tuple[Hit, Record]:
    """Return a hit of the officer's agency that showed its record, and the record, or 404.

    The agency saw the record's data lawfully there, so it may tell the owner of
    indications of inaccuracy (R-H2). Everything ``hit_for_request`` refuses is 404, and so
    is a reference-only hit.
    """
    hit, record = hit_for_request(actor, hit_id)
    if not Hit.objects.filter(_shows_record(), pk=hit.pk).exists():
        raise NotFound()
    return hit, record


def record_seen_in_hit(actor: Any, record_id: Any) -> Record:
    """Return a record a hit of the officer's agency showed, or raise 404 (R-H2).

    The record must still be searchable for the officer (active; covert only its own), so
    a record blocked, deleted or made covert since the hit answers 404 like an invented id.
    """
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        raise NotFound() from None
    agency_id = getattr(actor, "agency_id", None)
    if agency_id is None:
        raise NotFound()
    hit = (
        Hit.objects.filter(
            _shows_record(),
            record_id=pk,
            search__agency_id=agency_id,
            search__file__in=authorised_files(actor),
        )
        .select_related("search__file")
        .first()
    )
    if hit is None:
        raise NotFound()
    return _still_searchable(actor, hit)


def record_for_further_use(actor: Any, record_id: Any) -> Record:
    """Return a record whose hit data the officer's agency may use further, or raise 404.

    R-F2: with the owner's consent to a further use (a granted ``further_use`` request,
    § 6(1) S. 2) the agency may use — and pass on — the data the hit gave it; the record
    stays closed to it otherwise. The record must still be searchable (active, not covert
    for others): deleted, blocked or stored covert since, it answers 404 like any other.
    """
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        raise NotFound() from None
    agency_id = getattr(actor, "agency_id", None)
    if agency_id is None:
        raise NotFound()
    granted = (
        AccessRequest.objects.filter(
            record_id=pk,
            requester_id=agency_id,
            kind=RequestKind.FURTHER_USE,
            status=RequestStatus.GRANTED,
            file__in=authorised_files(actor),
        )
        .select_related("file")
        .first()
    )
    if granted is None:
        raise NotFound()
    record = (
        searchable_for(actor, granted.file).filter(pk=pk).select_related("owner", "file").first()
    )
    if record is None:
        raise NotFound()
    return record


def access_requests_for(actor: Any) -> QuerySet[AccessRequest]:
    """Return the requests the officer's agency made or received, in authorised files."""
    agency_id = getattr(actor, "agency_id", None)
    if agency_id is None:
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(
        Q(requester_id=agency_id) | Q(owner_id=agency_id), file__in=authorised_files(actor)
    )
