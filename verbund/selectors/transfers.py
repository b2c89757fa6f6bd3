"""Read recorded transfers for their sender and their recipient (R-F3, R-C7)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from verbund.access.records import authorised_files
from verbund.errors import NotFound
from verbund.models import InboxItem, Transfer
from verbund.models.inbox import InboxKind
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
        .select_related(
            "file",
            "sender",
            "recipient_agency",
            "officer",
            "record__owner",
            "partner",
            "legal_basis",
            "consent_by",
            "approved_by",
            "sent_by",
            "facts",
        )
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
        # Issue 20 (R-F2): the owner asked to consent to a transfer abroad reads it too.
        transfer = (
            Transfer.objects.filter(
                pk=pk,
                file__in=authorised_files(actor),
                pk__in=InboxItem.objects.filter(
                    kind=InboxKind.TRANSFER_CONSENT, agency_id=actor.agency_id
                ).values("subject_id"),
            )
            .select_related("file", "sender", "recipient_agency", "officer", "record__owner")
            .first()
        )
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
        "recipient": _recipient(transfer),
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
    data["status"] = transfer.status
    if transfer.partner_id is not None:
        data.update(_abroad(transfer))
    return data


def _recipient(transfer: Transfer) -> dict[str, Any]:
    """The recipient: an agency's code, a named body, or a foreign partner (R-G3 ledger)."""
    if transfer.recipient_agency:
        return {"agency": transfer.recipient_agency.code}
    if transfer.partner_id is not None and transfer.partner is not None:
        return {"partner": transfer.partner.code, "name": transfer.partner.name}
    return {"body": transfer.recipient_body}


def _abroad(transfer: Transfer) -> dict[str, Any]:
    """The steps of a transfer abroad (issue 20): channel, basis, consent, approval, sent."""
    facts = getattr(transfer, "facts", None)
    basis = transfer.legal_basis
    return {
        "channel": transfer.channel,
        "legal_basis": basis.code if basis else "",
        "hit": str(transfer.hit_id) if transfer.hit_id else None,
        "red_notice": str(facts.red_notice_id) if facts and facts.red_notice_id else None,
        "consent": _step(transfer.consent_at, transfer.consent_by, transfer.consent_reasons),
        "approval": _step(transfer.approved_at, transfer.approved_by, transfer.approval_reasons),
        "sent": (
            {
                "at": transfer.sent_at,
                "by": transfer.sent_by.username if transfer.sent_by else "",
                "channel": transfer.sent_channel,
                "reference": transfer.sent_reference,
            }
            if transfer.sent_at
            else None
        ),
    }


def _step(at: Any, by: Any, reasons: str) -> dict[str, Any] | None:
    if at is None:
        return None
    return {"at": at, "by": by.username if by else "", "reasons": reasons}
