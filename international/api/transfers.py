"""REST endpoints of the steps of a transfer abroad: consent, approval, sent (R-F2, R-F3, R-N1).

Thin: ``international.services.transfers`` applies every rule; the answer is the updated
transfer (api.md "Conventions": decisions answer 200 with the updated object).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from international.services.transfers import (
    APPROVAL,
    DECISION,
    REFERENCE_MAX,
    SENT,
    TEXT_MAX,
    Channel,
    transfer_approve,
    transfer_consent_decide,
    transfer_mark_sent,
)
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer, RequestSerializer
from verbund.api.transfers import TransferSerializer
from verbund.selectors.transfers import transfer_data


class TransferConsentSerializer(RequestSerializer):
    """Body of POST /transfers/{id}/consent/: the owner's decision (R-F2)."""

    shape = DECISION

    granted = serializers.BooleanField(help_text="true: consent; false: refuse")
    reasons = serializers.CharField(max_length=TEXT_MAX)


class TransferApprovalSerializer(RequestSerializer):
    """Body of POST /transfers/{id}/approval/: the sending agency head's decision."""

    shape = APPROVAL

    approved = serializers.BooleanField(help_text="true: approve; false: refuse")
    reasons = serializers.CharField(max_length=TEXT_MAX)


class TransferSentInSerializer(RequestSerializer):
    """Body of POST /transfers/{id}/sent/: how the transfer went out."""

    shape = SENT

    channel = serializers.ChoiceField(
        choices=list(Channel.values), help_text="Must reach the partner's kind"
    )
    reference = serializers.CharField(
        max_length=REFERENCE_MAX, help_text="The file reference of the transfer as sent"
    )


def _errors(extra: dict[int, str]) -> dict[int, OpenApiResponse]:
    base = {
        400: "Invalid input: `required` (naming the field), `invalid` (a type), "
        "`too_long`, `invalid_characters`",
        401: "`not_authenticated`",
        403: "Supervisor or account without agency (`forbidden`); an account flagged "
        "foreign (`foreign_access_refused`, R-N1)",
        404: "`not_found`: unknown, not a transfer abroad, or not visible to the caller",
    }
    for status, text in extra.items():
        base[status] = f"{base[status]}; {text}" if status in base else text
    return {
        status: OpenApiResponse(ErrorSerializer, description=text) for status, text in base.items()
    }


def _answer(request: Request, transfer: object) -> Response:
    actor = as_officer(request.user)
    return Response(TransferSerializer(transfer_data(transfer, actor=actor)).data)  # type: ignore[arg-type]


class TransferConsentView(APIView):
    """The owner of the record consents to another agency's transfer abroad, or refuses."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=TransferConsentSerializer,
        responses={
            200: TransferSerializer,
            **_errors(
                {
                    403: "`not_owner`: the sending agency reads the transfer but the owner decides",
                    404: "also for agencies other than the owner asked and the sender",
                    409: "`already_decided`; granting only: `record_blocked`, "
                    "`record_deleted` (the record was blocked or deleted since)",
                }
            ),
        },
        summary="Owner's consent to a transfer abroad (R-F2)",
    )
    def post(self, request: Request, transfer_id: str) -> Response:
        """Record the decision; the inbox item is done, the step logged."""
        data = TransferConsentSerializer.declared(request.data)
        transfer = transfer_consent_decide(
            actor=as_officer(request.user),
            transfer_id=transfer_id,
            granted=data.get("granted"),
            reasons=data.get("reasons"),
        )
        return _answer(request, transfer)


class TransferApprovalView(APIView):
    """The head of the sending agency approves a transfer abroad, or refuses it."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=TransferApprovalSerializer,
        responses={
            200: TransferSerializer,
            **_errors(
                {
                    403: "`not_head`: an officer of the sending agency who is not its head; "
                    "`not_sender`: the owner asked for consent",
                    409: "`already_decided`",
                    422: "`owner_consent_required`: the owner's consent is still pending",
                }
            ),
        },
        summary="Head approval of a transfer abroad (per file, on by default)",
    )
    def post(self, request: Request, transfer_id: str) -> Response:
        """Record the decision; the step is logged."""
        data = TransferApprovalSerializer.declared(request.data)
        transfer = transfer_approve(
            actor=as_officer(request.user),
            transfer_id=transfer_id,
            approved=data.get("approved"),
            reasons=data.get("reasons"),
        )
        return _answer(request, transfer)


class TransferSentView(APIView):
    """An officer of the sending agency records that the transfer went out."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=TransferSentInSerializer,
        responses={
            200: TransferSerializer,
            **_errors(
                {
                    400: "`invalid_choice` (`channel`: does not reach the partner)",
                    403: "`not_sender`: the owner asked for consent",
                    409: "`already_sent`; `transfer_refused`; `record_blocked`, "
                    "`record_deleted` (the record was blocked or deleted since)",
                    422: "`owner_consent_required`; `approval_required` (head approval pending)",
                }
            ),
        },
        summary="Record that a transfer abroad was sent (channel, reference)",
    )
    def post(self, request: Request, transfer_id: str) -> Response:
        """Record channel and reference; the step is logged."""
        data = TransferSentInSerializer.declared(request.data)
        transfer = transfer_mark_sent(
            actor=as_officer(request.user),
            transfer_id=transfer_id,
            channel=data.get("channel"),
            reference=data.get("reference"),
        )
        return _answer(request, transfer)
