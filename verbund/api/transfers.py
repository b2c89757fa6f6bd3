"""REST endpoints for recorded transfers of findings (api.md "Transfers", R-F3, R-C7, R-C8)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from international.services.transfers import TRANSFER, Channel, transfer_submit
from verbund.api.filters import StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import AbsentKeysSerializer, ErrorSerializer, RequestSerializer
from verbund.errors import Invalid
from verbund.models import Transfer
from verbund.models.transfers import TransferBasis, TransferStatus
from verbund.selectors.transfers import transfer_data, transfer_find, transfers_for
from verbund.services.transfers import (
    KNOWN_MARKINGS,
    PROVISION_MAX,
    TEXT_MAX,
    transfers_log_view,
)

MARKINGS_HELP = (
    "Markings that travel with the items (R-C7): legal markings (`art10`, `art13`, "
    "`it_system`, `other_law`) and use markings (`use_check_only`, `use_further_use`, "
    "`use_eilfall`, `use_gba`)."
)
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input: `required` (`recipient`, `provision`, `purpose`, `items`; "
        "abroad every missing one of `recipient.partner`, `record`/`hit`, `channel`, "
        "`legal_basis`, `items`, `purpose` at once), "
        "`invalid` (a type; `recipient` with none or both keys; own agency as recipient), "
        "`unknown_field` (also `hit`, `channel`, `legal_basis`, `red_notice` on a domestic "
        "transfer), `unknown_agency` / `not_participant` (`recipient.agency`), "
        "`unknown_partner` (`recipient.partner`), `single_case_only` (`record`/`hit`: a list, "
        "or both), `invalid_choice` (`channel`: not one that reaches the partner's kind), "
        "`unknown_legal_basis` (`legal_basis`), `unknown_notice` (`red_notice`), "
        "`unknown_item` (`items`, domestic path: an item the record does not hold — kept as "
        "it was) / `unknown_items` (`items`, abroad: an item the record does not hold or the "
        "caller may not see, the third-party rule's included — both answer alike), "
        "`invalid_choice` / `marking_dropped` / `covert_required` (`markings`), "
        "`task_required` (`task`), `invalid` (`Idempotency-Key` longer than 80 or not "
        "printable), "
        "`too_long`, `too_many`, `invalid_characters`",
    ),
    403: OpenApiResponse(ErrorSerializer, description="Supervisor or account without agency"),
    404: OpenApiResponse(
        ErrorSerializer,
        description="`not_found`: unknown, or not visible to the caller",
    ),
}


class TransferRecipientInSerializer(serializers.Serializer):
    """Exactly one of ``agency`` or ``partner`` (a one-of; 400 ``invalid`` otherwise)."""

    agency = serializers.CharField(
        required=False, max_length=40, help_text="Code of a domestic agency, e.g. `LKA-BY`."
    )
    partner = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Code of a foreign partner (`GET /api/v1/partners/`, R-N1): a transfer "
        "abroad; an unknown or inactive code is 400 `unknown_partner`.",
    )


class TransferCreateSerializer(RequestSerializer):
    """Body of POST /transfers/: the sender records a transfer it made (not the document).

    ``items`` names what was transferred: `basic`, `reference`, `object` and the extended-data
    fields the record holds (withheld fields do not exist, R-D2). ``markings``, when given,
    must keep every marking of the record and every use marking of the sender's access
    (400 `marking_dropped`); absent, they are set to exactly those. ``task`` is required for
    data from Art. 10 / Art. 13 GG measures or IT-system intrusion (R-C8): the task for which
    such a collection would itself be lawful.
    """

    shape = TRANSFER

    record = serializers.CharField(
        max_length=40,
        required=False,
        help_text="The record's id; abroad one record or one `hit` (a list, or both: 400 "
        "`single_case_only`). Required on the domestic path.",
    )
    hit = serializers.CharField(
        max_length=40,
        required=False,
        help_text="Abroad only: one hit of the caller's agency; the transfer concerns its "
        "record (as for `record`, another agency's record only with a lawful holding).",
    )
    recipient = TransferRecipientInSerializer()
    provision = serializers.CharField(
        max_length=PROVISION_MAX,
        required=False,
        help_text="The sender's transfer provision relied on, e.g. § 19 BVerfSchG (R-F3). "
        "Required on the domestic path; abroad optional (the legal basis's citation when "
        "absent).",
    )
    channel = serializers.ChoiceField(
        choices=list(Channel.values),
        required=False,
        help_text="Abroad, required: how the transfer travels; it must reach the partner's "
        "kind (interpol → `interpol`, europol → `europol`, liaison_officer → "
        "`liaison_officer`, foreign_agency → any, foreign_service → `liaison_officer` or "
        "`direct`).",
    )
    legal_basis = serializers.CharField(
        max_length=40,
        required=False,
        help_text="Abroad, required: code of a legal basis for international exchange (R-N1); "
        "422 `legal_basis_not_applicable` when inactive or not listed for the sender.",
    )
    red_notice = serializers.UUIDField(
        required=False,
        help_text="Abroad, optional: an Interpol Red Notice this transfer forwards; only an "
        "accepted one (422 `notice_not_accepted`, R-N2).",
    )
    purpose = serializers.CharField(max_length=TEXT_MAX)
    items = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=200, min_length=1
    )
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=list(KNOWN_MARKINGS)),
        max_length=200,
        required=False,
        help_text=MARKINGS_HELP,
    )
    task = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        help_text="Required for Art. 10 / Art. 13 GG / IT-system data (R-C8, Rn. 225).",
    )


class TransferRecipientSerializer(AbsentKeysSerializer):
    """A domestic agency (``agency``), a named body outside the file (``body``), or a
    foreign partner (``partner`` and its ``name``)."""

    strict_keys = True

    agency = serializers.CharField(required=False, help_text="Agency code")
    body = serializers.CharField(required=False, help_text="A body outside the file")
    partner = serializers.CharField(required=False, help_text="Code of the foreign partner")
    name = serializers.CharField(required=False, help_text="The foreign partner's name")


class TransferStepSerializer(AbsentKeysSerializer):
    """A decision on a transfer abroad: the owner's consent or the head's approval."""

    strict_keys = True

    at = serializers.DateTimeField()
    by = serializers.CharField(help_text="Username of the deciding officer")
    reasons = serializers.CharField()


class TransferSentSerializer(AbsentKeysSerializer):
    """How and when a transfer abroad went out."""

    strict_keys = True

    at = serializers.DateTimeField()
    by = serializers.CharField()
    channel = serializers.ChoiceField(choices=list(Channel.values))
    reference = serializers.CharField()


class TransferSerializer(AbsentKeysSerializer):
    """A recorded transfer (``verbund.selectors.transfers.transfer_data``)."""

    strict_keys = True

    id = serializers.UUIDField()
    file = serializers.CharField()
    file_number = serializers.CharField()
    record = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Sender only (absent for the recipient); null after the record's deletion.",
    )
    sender = serializers.CharField(help_text="Agency code of the sender")
    recipient = TransferRecipientSerializer()
    basis = serializers.ChoiceField(
        choices=TransferBasis.values,
        help_text="`own_initiative`, `grant` (a granted request), `eilfall` (consent granted)",
    )
    access_request = serializers.UUIDField(allow_null=True)
    emergency_access = serializers.UUIDField(allow_null=True)
    provision = serializers.CharField()
    purpose = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=list(KNOWN_MARKINGS)), help_text=MARKINGS_HELP
    )
    task = serializers.CharField(required=False, allow_blank=True, help_text="Sender only (R-C8).")
    created_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=TransferStatus.values,
        help_text="`recorded` (domestic: recorded as made); abroad `consent_pending`, "
        "`approval_pending`, `approved`, `sent` or `refused`",
    )
    channel = serializers.ChoiceField(
        choices=list(Channel.values), required=False, help_text="Abroad only"
    )
    legal_basis = serializers.CharField(required=False, help_text="Abroad only: basis code")
    hit = serializers.UUIDField(required=False, allow_null=True, help_text="Abroad only")
    red_notice = serializers.UUIDField(
        required=False, allow_null=True, help_text="Abroad only: the notice forwarded"
    )
    consent = TransferStepSerializer(
        required=False, allow_null=True, help_text="Abroad only: the owner's decision (R-F2)"
    )
    approval = TransferStepSerializer(
        required=False, allow_null=True, help_text="Abroad only: the head's decision"
    )
    sent = TransferSentSerializer(required=False, allow_null=True, help_text="Abroad only")


class TransferFilter(django_filters.FilterSet):
    """Filters of ``GET /transfers/``."""

    direction = django_filters.ChoiceFilter(
        choices=[("sent", "sent"), ("received", "received")],
        method="filter_direction",
        help_text="`sent` or `received`; absent: both.",
    )

    class Meta:
        model = Transfer
        fields: list[str] = []

    def filter_direction(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Keep the caller's sent or received transfers."""
        agency_id = getattr(self.request.user, "agency_id", None) if self.request else None
        if value == "sent":
            return queryset.filter(sender_id=agency_id)
        return queryset.filter(recipient_agency_id=agency_id)


def _body(request: Request) -> Any:
    return request.data


class TransferListView(GenericAPIView):
    """Record a transfer; list the transfers sent and received."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = TransferFilter
    serializer_class = TransferSerializer

    def get_queryset(self) -> Any:
        """The caller's agency's transfers in its authorised files."""
        if getattr(self, "swagger_fake_view", False):
            return Transfer.objects.none()
        return transfers_for(actor=as_officer(self.request.user))

    @extend_schema(
        responses={200: TransferSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        summary="Transfers the agency sent or received (paged)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of transfers; the page shown is logged (R-I1)."""
        actor = as_officer(request.user)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        if page:
            transfers_log_view(actor=actor, transfers=page, action="transfer.list")
        return self.get_paginated_response(
            TransferSerializer([transfer_data(t, actor=actor) for t in page], many=True).data
        )

    @extend_schema(
        request=TransferCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Optional, at most 80 printable characters, per sending agency: "
                "the same key with the same body answers the transfer the first request made "
                "(200, same id; concurrent duplicates create one); with another body 422 "
                "`idempotency_key_reused`.",
            )
        ],
        responses={
            200: OpenApiResponse(
                TransferSerializer,
                description="A repeat of an earlier request with the same `Idempotency-Key` "
                "and body: that transfer, unchanged",
            ),
            201: TransferSerializer,
            **ERRORS,
            403: OpenApiResponse(
                ErrorSerializer,
                description="Supervisor or account without agency; `use_limited`: the caller "
                "holds the data only through a release of the extended data, which may be used "
                "to check the match and prepare a request, not passed on (R-F2)",
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="`not_found`: the record or hit is unknown or not visible to the "
                "caller",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`consent_pending`: the caller holds the data only through an "
                "Eilfall whose consent is still pending (R-G3); `record_blocked`",
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description="`recipient_not_permitted` (`recipient.agency` / "
                "`recipient.partner`): the order in force does not list the recipient among "
                "those data may be transferred to (R-A1, 004 Rn. 31; a partner is listed by "
                "its code or kind); abroad: `legal_basis_not_applicable` (`legal_basis`), "
                "`marked_data_not_covered` (`legal_basis`: Art. 10 / 13 GG or IT-system data "
                "under a basis not flagged for them), `originator_release_required` "
                "(`items`: third-party rule without a recorded release for the partner; "
                "under a comprehensive restriction none can be asked), "
                "`notice_not_accepted` (`red_notice`); `idempotency_key_reused`",
            ),
        },
        summary="Record a transfer of findings (markings travel, R-C7; R-C8 task)",
        examples=[
            OpenApiExample(
                "Transfer to a state police office",
                request_only=True,
                value={
                    "record": "00000000-0000-0000-0000-000000000000",
                    "recipient": {"agency": "LKA-BY"},
                    "provision": "§ 25 Abs. 1 BKAG",
                    "purpose": "Gefahrenabwehr im Zusammenhang mit einer Veranstaltung",
                    "items": ["basic", "reference"],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Record the transfer: domestic, the recipient's inbox gets a ``transfer_received``
        item; abroad (``recipient.partner``) it starts the consent / approval steps."""
        data = TransferCreateSerializer.checked(_body(request))
        unknown = sorted(set(data) - set(TransferCreateSerializer().fields))
        if unknown:
            # Fields the server sets (basis, sender, ...) are refused, never applied.
            detail = "Unbekanntes Feld."
            raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
        actor = as_officer(request.user)
        transfer, created = transfer_submit(
            actor=actor, body=data, idempotency_key=request.headers.get("Idempotency-Key", "")
        )
        if not created:
            transfers_log_view(actor=actor, transfers=[transfer], action="transfer.view")
        return Response(
            TransferSerializer(transfer_data(transfer, actor=actor)).data,
            status=201 if created else 200,
        )


class TransferDetailView(APIView):
    """One transfer, for its sender or its recipient."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: TransferSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        summary="Read a transfer (sender or recipient; 404 for everybody else)",
    )
    def get(self, request: Request, transfer_id: str) -> Response:
        """Return the transfer; the access is logged (R-I1)."""
        actor = as_officer(request.user)
        transfer = transfer_find(actor=actor, transfer_id=transfer_id)
        transfers_log_view(actor=actor, transfers=[transfer], action="transfer.view")
        return Response(TransferSerializer(transfer_data(transfer, actor=actor)).data)
