"""Read requests for extended data for an officer: the requester's or the owner's view."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.access.records import visible_record_ids
from verbund.access.requests import access_requests_for, hit_for_request
from verbund.errors import NotFound
from verbund.models import AccessRequest
from verbund.selectors.records import record_reference

DIRECTIONS = ("incoming", "outgoing")


def access_request_list(*, actor: Any) -> QuerySet[AccessRequest]:
    """Return the requests the officer's agency made or received, newest first."""
    return (
        access_requests_for(actor)
        .select_related("file", "requester", "owner", "officer", "decided_by", "record")
        .order_by("-created_at", "id")
    )


def access_requests_data(requests: list[AccessRequest], *, actor: Any) -> list[dict[str, Any]]:
    """Return a page of requests as ``access_request_data`` shapes them, in one query."""
    visible = visible_record_ids(actor, [r.record_id for r in requests])
    return [access_request_data(r, actor=actor, visible=visible) for r in requests]


def access_request_data(
    request: AccessRequest, *, actor: Any, visible: set[Any] | None = None
) -> dict[str, Any]:
    """Return a request as the officer's agency may see it.

    The record's id only while the caller may open the record: always for the owner; for
    the requester once a grant opened it (before, an extended-data or feature hit showed
    it no record id, R-E3, R-E4) and only while it stays open — deleted, blocked or stored
    covert since then all read the same, without an id. ``visible``: the ids
    ``visible_record_ids`` gave for a whole page (else one query for this request).
    """
    if visible is None:
        visible = visible_record_ids(actor, [request.record_id])
    shows_record = request.record_id is not None and request.record_id in visible
    return {
        "id": str(request.pk),
        "kind": request.kind,
        "status": request.status,
        "file": request.file.code,
        "file_number": request.file_number,
        "record": str(request.record_id) if shows_record else None,
        "requester": request.requester.code,
        "owner": request.owner.code,
        "officer": request.officer.username,
        "justification": request.justification,
        "use_ground": request.use_ground,
        "use_purpose": request.use_purpose,
        "crosses_separation": request.crosses_separation,
        "provision": request.provision,
        "reasons": request.reasons,
        "decided_by": request.decided_by.username if request.decided_by else None,
        "decided_at": request.decided_at,
        "use_markings": list(request.use_markings or []),
        "created_at": request.created_at,
        "due_at": request.due_at,
    }


def _ref(request: AccessRequest) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "access_request": str(request.pk),
        "agency": request.owner.code,
        "file_number": request.file_number,
    }
    if request.record_id:
        ref["record"] = str(request.record_id)
    return ref


def log_requests_shown(
    *, actor: Any, requests: Iterable[AccessRequest], action: str = "access_request.list"
) -> None:
    """Log requests shown to an officer: they carry file references (R-I1)."""
    with transaction.atomic():
        log_event(
            actor=actor,
            action=action,
            object_type="access_request",
            references=[_ref(r) for r in requests],
        )


def access_request_get(*, actor: Any, request_id: Any, log: bool = True) -> AccessRequest:
    """Return one request of the officer's agency (requester or owner), or raise 404."""
    try:
        pk = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFound() from None
    request = access_request_list(actor=actor).filter(pk=pk).first()
    if request is None:
        raise NotFound()
    if log:
        with transaction.atomic():
            log_event(
                actor=actor,
                action="access_request.view",
                object_type="access_request",
                object_id=str(request.pk),
                file=request.file.code,
                purpose=request.purpose,
                references=[_ref(request)],
            )
    return request


def hit_reference(*, actor: Any, hit_id: Any) -> dict[str, Any]:
    """Return the reference a hit of the officer's agency showed, for the request form.

    404 like ``hit_for_request``; the showing is logged (R-I1).
    """
    hit, record = hit_for_request(actor, hit_id)
    reference = record_reference(record)
    with transaction.atomic():
        log_event(
            actor=actor,
            action="hit.view",
            object_type="hit",
            object_id=str(hit.pk),
            file=record.file.code,
            purpose=hit.search.purpose,
            references=[{"hit": str(hit.pk), "record": str(record.pk), **log_ref(record)}],
        )
    return {
        "hit": str(hit.pk),
        "reference": reference,
        "file": record.file.code,
        "is_atd": record.file.is_atd,
        "own": record.owner_id == actor.agency_id,
    }
