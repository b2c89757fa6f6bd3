"""Reads of subject access for the desks and owners (always with ``actor``)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from subjects.models import Challenge, Consultation, RefusalGround, SubjectRequest
from subjects.services import challenge_payload, decision_payload, owner_pk, require_desk
from verbund.access.records import authorised_files
from verbund.errors import NotFound


def requests_for(*, actor: Any) -> QuerySet[SubjectRequest]:
    """Return the requests of the desk's own agency, newest first (403 for anybody else)."""
    require_desk(actor)
    return SubjectRequest.objects.filter(agency_id=actor.agency_id).select_related(
        "agency", "created_by", "answered_by"
    )


def request_for(*, actor: Any, request_id: Any) -> SubjectRequest:
    """Return one request of the desk's agency, or 404."""
    try:
        pk = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFound() from None
    request = requests_for(actor=actor).filter(pk=pk).first()
    if request is None:
        raise NotFound()
    return request


def consultation_for_owner(*, actor: Any, consultation_id: Any) -> Consultation:
    """Return a consultation of the caller's agency in a file it is authorised for, or 404."""
    pk = owner_pk(actor, consultation_id)
    consultation = (
        Consultation.objects.filter(
            pk=pk, owner_id=actor.agency_id, file__in=authorised_files(actor)
        )
        .select_related("request__agency", "owner", "file")
        .first()
    )
    if consultation is None:
        raise NotFound()
    return consultation


def challenges_of(consultation: Consultation) -> list[dict[str, Any]]:
    """Return the challenges of a consultation's decisions, as its owner sees them (R-K4)."""
    return [
        challenge_payload(ch)
        for ch in consultation.challenges.select_related("recorded_by", "decided_by")
    ]


def challenge_for_owner(*, actor: Any, challenge_id: Any) -> Challenge:
    """Return a challenge of a consultation the caller's agency owns, or 404."""
    pk = owner_pk(actor, challenge_id)
    challenge = (
        Challenge.objects.filter(
            pk=pk,
            consultation__owner_id=actor.agency_id,
            consultation__file__in=authorised_files(actor),
        )
        .select_related("request", "consultation__owner", "consultation__file", "recorded_by")
        .first()
    )
    if challenge is None:
        raise NotFound()
    return challenge


def challenge_for_desk(*, actor: Any, challenge_id: Any) -> Challenge:
    """Return a challenge of a request of the desk's agency, or 404 (403 for a non-desk)."""
    require_desk(actor)
    try:
        pk = uuid.UUID(str(challenge_id))
    except ValueError:
        raise NotFound() from None
    challenge = (
        Challenge.objects.filter(pk=pk, request__agency_id=actor.agency_id)
        .select_related("request", "consultation__owner", "consultation__file", "recorded_by")
        .first()
    )
    if challenge is None:
        raise NotFound()
    return challenge


def grounds_of(*, agency_id: Any) -> QuerySet[RefusalGround]:
    """Return an agency's catalogue of refusal grounds (R-K3)."""
    return RefusalGround.objects.filter(agency_id=agency_id).order_by("code")


def _decision_shown(decision: Any, consultation: Consultation, desk_agency_id: Any) -> Any:
    """A decision; reasons withheld under § 15(4) stay with the owner (on file, R-K3a)."""
    out = decision_payload(decision)
    if decision.reasons_withheld and desk_agency_id != consultation.owner_id:
        out.pop("reasons", None)
    return out


def consultation_view(consultation: Consultation, *, desk_agency_id: Any) -> dict[str, Any]:
    """Return a consultation as its owner and the requesting desk see it."""
    return {
        "id": str(consultation.pk),
        "agency": consultation.owner.code,
        "file": consultation.file.code,
        "file_number": consultation.file_number,
        "due_at": consultation.due_at,
        "done_at": consultation.done_at,
        "decisions": [
            _decision_shown(d, consultation, desk_agency_id)
            for d in consultation.decisions.select_related("ground", "decided_by")
        ],
    }


def request_view(request: SubjectRequest, *, desk_agency_id: Any) -> dict[str, Any]:
    """Return a request as its desk sees it; ``answer`` is null until issued."""
    consultations = list(
        request.consultations.select_related("owner", "file").order_by(
            "file__code", "owner__code", "file_number", "id"
        )
    )
    answer = None
    if request.answered_at is not None:
        answer = {
            "text": request.answer_text,
            "issued_at": request.answered_at,
            "issued_by": request.answered_by.username if request.answered_by else "",
            "covers": request.scope,
        }
    return {
        "id": str(request.pk),
        "status": request.status,
        "agency": request.agency.code,
        "scope": request.scope,
        "applicant": {
            "surname": request.surname,
            "given_names": request.given_names,
            "date_of_birth": request.date_of_birth.isoformat(),
        },
        "asks": list(request.asks),
        "concrete_matter": request.concrete_matter,
        "special_interest": request.special_interest,
        "deletion_ground": request.deletion_ground or None,
        "created_at": request.created_at,
        "created_by": request.created_by.username,
        "consultations": [
            consultation_view(c, desk_agency_id=desk_agency_id) for c in consultations
        ],
        "challenges": [
            challenge_payload(ch)
            for ch in request.challenges.select_related("recorded_by", "decided_by")
        ],
        "answer": answer,
    }
