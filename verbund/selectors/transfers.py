"""Read recorded transfers for their sender and their recipient (R-F3, R-C7)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from verbund.access.records import authorised_files
from verbund.errors import NotFound
from verbund.models import Transfer
from verbund.services.searches import require_officer

DIRECTIONS = ("sent", "received")


def transfers_for(*, actor: Any, direction: str = "") -> QuerySet[Transfer]:
    """Return the transfers the officer's agency sent or received, in its authorised files.

    ``direction``: ``sent``, ``received`` or empty (both). Newest first; the id breaks ties
    so that pages never overlap.
    """
    if actor is None or getattr(actor, "agency_id", None) is None:
        return Transfer.objects.none()
    if direction == "sent":
        scope = Q(sender_id=actor.agency_id)
    elif direction == "received":
        scope = Q(recipient_agency_id=actor.agency_id)
    else:
        scope = Q(sender_id=actor.agency_id) | Q(recipient_agency_id=actor.agency_id)
    return (
        Transfer.objects.filter(scope, file__in=authorised_files(actor))
        .select_related("file", "sender", "recipient_agency", "officer", "record__owner")
        .order_by("-created_at", "pk")
    )


def transfer_find(*, actor: Any, transfer_id: Any) -> Transfer:
    """Return one transfer to its sender or recipient; 404 for everybody else."""
    require_officer(actor)
    try:
        pk = uuid.UUID(str(transfer_id))
    except ValueError:
        raise NotFound() from None
    transfer = transfers_for(actor=actor).filter(pk=pk).first()
    if transfer is None:
        raise NotFound()
    return transfer


def transfer_data(transfer: Transfer, *, actor: Any) -> dict[str, Any]:
    """Return a transfer as the caller may see it.

    The sender sees the record id and the task (R-C8); the recipient sees what it received
    and the markings that stay with it (R-C7), never the record id: it holds the findings
    transferred, not access to the record.
    """
    sender = transfer.sender_id == actor.agency_id
    data: dict[str, Any] = {
        "id": str(transfer.pk),
        "file": transfer.file.code,
        "file_number": transfer.file_number,
        "sender": transfer.sender.code,
        "recipient": (
            {"agency": transfer.recipient_agency.code}
            if transfer.recipient_agency
            else {"body": transfer.recipient_body}
        ),
        "basis": transfer.basis,
        "access_request": str(transfer.access_request_id) if transfer.access_request_id else None,
        "emergency_access": (
            str(transfer.emergency_access_id) if transfer.emergency_access_id else None
        ),
        "provision": transfer.provision,
        "purpose": transfer.purpose,
        "items": list(transfer.items),
        "markings": list(transfer.markings),
        "created_at": transfer.created_at,
    }
    if sender:
        data["record"] = str(transfer.record_id) if transfer.record_id else None
        data["task"] = transfer.task
    return data
