"""REST endpoints of originator markings and releases (R-N3; issue 20 "Build" 4, intlts).

Thin: ``international.services.originator`` checks, stores and logs. Only the record's owner
sees a record's markings; for anybody else the record answers 404, exactly as an invented id
— the markings' existence is as confidential as the data they protect (000 Q9).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from international.models import OriginatorKind
from international.services.originator import (
    MARKING,
    RELEASE,
    TEXT_MAX,
    covert_storage_proposed,
    marking_create,
    marking_data,
    marking_list,
    release_create,
    release_data,
)
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer, RequestSerializer

ITEMS_HELP = (
    "Names of the record's items as the transfer path names them: `basic` (persons), "
    "`object` (objects) and the extended-data fields the record holds (ATD persons). The "
    "file reference is the owner's own and cannot be marked. Unknown names: 400 "
    "`unknown_items`."
)
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="`invalid`, `required`, `invalid_choice`, `unknown_partner`, "
        "`unknown_agency`, `unknown_items`, `unknown_field`, `invalid_date`: `fields` names "
        "the field; nothing is stored",
    ),
    403: OpenApiResponse(ErrorSerializer, description="Supervisor or account without agency"),
    404: OpenApiResponse(
        ErrorSerializer,
        description="`not_found`: not a record (or marking) of the caller's agency — "
        "answered exactly like an invented id",
    ),
}


class OriginatorMarkingCreateSerializer(RequestSerializer):
    """Body of POST /records/{id}/originator-markings/."""

    shape = MARKING

    partner = serializers.CharField(max_length=40, help_text="Code of a registry partner")
    kind = serializers.ChoiceField(choices=OriginatorKind.values)
    items = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=200, help_text=ITEMS_HELP
    )


class OriginatorRecipientInSerializer(serializers.Serializer):
    """Exactly one of ``agency`` or ``partner`` (400 ``invalid`` otherwise)."""

    agency = serializers.CharField(required=False, max_length=40, help_text="Agency code")
    partner = serializers.CharField(required=False, max_length=40, help_text="Partner code")


class OriginatorReleaseCreateSerializer(RequestSerializer):
    """Body of POST /records/{id}/originator-markings/{mid}/releases/."""

    shape = RELEASE

    recipient = OriginatorRecipientInSerializer()
    purpose = serializers.CharField(max_length=TEXT_MAX)
    expires_on = serializers.DateField(help_text="Last day the release holds (`YYYY-MM-DD`)")


class OriginatorRecipientSerializer(serializers.Serializer):
    agency = serializers.CharField(required=False)
    partner = serializers.CharField(required=False)


class OriginatorReleaseSerializer(serializers.Serializer):
    """A recorded release: for this recipient, purpose and until ``expires_on``."""

    id = serializers.UUIDField()
    recipient = OriginatorRecipientSerializer()
    purpose = serializers.CharField()
    expires_on = serializers.DateField()
    expired = serializers.BooleanField(help_text="Past its expiry: the items are absent again")
    recorded_by = serializers.CharField()
    created_at = serializers.DateTimeField()


class OriginatorMarkingSerializer(serializers.Serializer):
    """Items of the record a foreign body passed on in confidence (owner's view)."""

    id = serializers.UUIDField()
    partner = serializers.CharField()
    partner_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OriginatorKind.values)
    items = serializers.ListField(child=serializers.CharField())
    release_offered = serializers.BooleanField(
        help_text="false for `comprehensive_restriction`: no release is asked (000 Q9)"
    )
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    releases = OriginatorReleaseSerializer(many=True)


class OriginatorMarkingsSerializer(serializers.Serializer):
    """The record's markings and whether covert storage is proposed to the head."""

    markings = OriginatorMarkingSerializer(many=True)
    covert_storage_proposed = serializers.BooleanField(
        help_text="Markings exist but the record is not stored covertly: the head decides on "
        "covert storage through the storage decision of the record (PATCH /records/{id}/ "
        "with `storage` and `storage_decision`, R-D4; 002 Rn. 10)"
    )


class OriginatorMarkingCreatedSerializer(OriginatorMarkingSerializer):
    covert_storage_proposed = serializers.BooleanField()


class OriginatorMarkingListView(APIView):
    """The owner's originator markings of one record."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: OriginatorMarkingsSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        summary="Originator markings of an own record (R-N3)",
    )
    def get(self, request: Request, record_id: str) -> Response:
        """Return the markings with their releases; the reading is logged."""
        data = marking_list(actor=as_officer(request.user), record_id=record_id)
        return Response(OriginatorMarkingsSerializer(data).data)

    @extend_schema(
        request=OriginatorMarkingCreateSerializer,
        responses={201: OriginatorMarkingCreatedSerializer, **ERRORS},
        summary="Record that items came from a foreign body in confidence (R-N3)",
        examples=[
            OpenApiExample(
                "Third-party rule",
                request_only=True,
                value={"partner": "dhs", "kind": "third_party_rule", "items": ["basic"]},
            )
        ],
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Store the marking: from now on its items are absent for anyone but the owner."""
        body = OriginatorMarkingCreateSerializer.declared(request.data)
        marking = marking_create(actor=as_officer(request.user), record_id=record_id, data=body)
        out = {
            **marking_data(marking),
            "covert_storage_proposed": covert_storage_proposed(marking.record, marked=True),
        }
        return Response(OriginatorMarkingCreatedSerializer(out).data, status=201)


class OriginatorReleaseListView(APIView):
    """Releases of one marking."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=OriginatorReleaseCreateSerializer,
        responses={
            201: OriginatorReleaseSerializer,
            **ERRORS,
            422: OpenApiResponse(
                ErrorSerializer,
                description="`comprehensive_restriction`: the originator attached an express "
                "comprehensive use restriction; no release is asked (000 Q9)",
            ),
        },
        summary="Record the originator's release for one recipient and purpose (R-N3)",
        examples=[
            OpenApiExample(
                "Release for a state police office",
                request_only=True,
                value={
                    "recipient": {"agency": "LKA-BY"},
                    "purpose": "Abgleich im eigenen Ermittlungsverfahren",
                    "expires_on": "2999-12-31",
                },
            )
        ],
    )
    def post(self, request: Request, record_id: str, marking_id: str) -> Response:
        """Store the release: the items appear for that recipient until ``expires_on``."""
        from django.utils import timezone

        body = OriginatorReleaseCreateSerializer.declared(request.data)
        release = release_create(
            actor=as_officer(request.user), record_id=record_id, marking_id=marking_id, data=body
        )
        shaped = release_data(release, today=timezone.localdate())
        return Response(OriginatorReleaseSerializer(shaped).data, status=201)
