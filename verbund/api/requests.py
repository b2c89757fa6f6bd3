"""REST endpoints for requests for extended data and further use (api.md "Requests for
extended data", R-F1, R-F2, R-H3): thin, rules live in ``verbund.services.requests``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.filters import StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer, RequestSerializer
from verbund.errors import Invalid
from verbund.models import AccessRequest
from verbund.models.requests import USE_MARKINGS, RequestKind, RequestStatus, UseGround
from verbund.selectors.requests import (
    access_request_data,
    access_request_get,
    access_request_list,
    access_requests_data,
    log_requests_shown,
)
from verbund.services.requests import (
    ACCESS_DECISION,
    ACCESS_REQUEST,
    MAX_PROVISION,
    MAX_TEXT,
    SERVER_SET,
    access_request_create,
    access_request_decide,
)

ERRORS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="`forbidden` (supervisor or account without agency); on a decision "
        "`not_owner` (the requesting agency may not decide its own request)",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="`not_found`: unknown, another agency's or a deleted record's hit; a "
        "request neither made nor received by the caller's agency",
    ),
}


class AccessRequestCreateSerializer(RequestSerializer):
    """A request for extended data (R-F1) or for a further use of hit data (R-F2).

    Fields the server sets (`status`, `grant`, `consent`, `decided_at`, `owner`, ...) are
    ignored when sent: the request always starts `pending`.
    """

    shape = ACCESS_REQUEST

    hit = serializers.UUIDField(help_text="The opaque id of a hit of the caller's own agency.")
    justification = serializers.CharField(
        max_length=MAX_TEXT,
        help_text="Why the request is lawful and needed; the requesting agency answers for it "
        "(R-H3).",
    )
    kind = serializers.ChoiceField(
        choices=RequestKind.values,
        required=False,
        help_text="`extended_data` (default): release of the extended data; `further_use`: "
        "another use of the hit data (needs `use_ground` and `use_purpose`).",
    )
    use_ground = serializers.ChoiceField(
        choices=UseGround.values,
        required=False,
        help_text="For `further_use` only: `serious_crime` (prosecution of an especially "
        "serious crime) or `danger_to_person` (danger to life, limb, health or freedom).",
    )
    use_purpose = serializers.CharField(
        max_length=MAX_TEXT,
        required=False,
        help_text="For `further_use` only: what the data are to be used for.",
    )


class AccessDecisionSerializer(RequestSerializer):
    """The owner's decision under its own transfer law (R-F1)."""

    shape = ACCESS_DECISION

    grant = serializers.BooleanField(help_text="true: grant; false: refuse.")
    reasons = serializers.CharField(max_length=MAX_TEXT)
    provision = serializers.CharField(
        max_length=MAX_PROVISION,
        help_text="The owner's transfer provision relied on, e.g. `§ 19 BVerfSchG`.",
    )


class AccessRequestSerializer(serializers.Serializer):
    """A request as the requesting or the owning agency sees it."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RequestKind.values)
    status = serializers.ChoiceField(choices=RequestStatus.values)
    file = serializers.CharField()
    file_number = serializers.CharField()
    record = serializers.UUIDField(
        allow_null=True,
        help_text="The record's id: for the owner; for the requester once granted.",
    )
    requester = serializers.CharField(help_text="Code of the requesting agency")
    owner = serializers.CharField(help_text="Code of the owning agency that decides")
    officer = serializers.CharField(help_text="Username of the requesting officer")
    justification = serializers.CharField()
    use_ground = serializers.CharField(
        allow_blank=True, help_text="`serious_crime`, `danger_to_person`, or empty"
    )
    use_purpose = serializers.CharField(allow_blank=True)
    crosses_separation = serializers.BooleanField(
        help_text="true: requester and owner stand on different sides of the line between "
        "intelligence services and police (R-A5); the owner's law sets a qualified threshold."
    )
    provision = serializers.CharField(allow_blank=True)
    reasons = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    use_markings = serializers.ListField(
        child=serializers.ChoiceField(choices=list(USE_MARKINGS)),
        help_text="Use markings the released data carry (R-C7, § 6(3) ATDG).",
    )
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)


class AccessRequestFilter(django_filters.FilterSet):
    """Filters of ``GET /access-requests/``."""

    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")],
        method="filter_direction",
        help_text="`incoming`: requests to the caller's agency; `outgoing`: its own. "
        "Default: both.",
    )
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, help_text="Status.")

    class Meta:
        model = AccessRequest
        fields: list[str] = []

    def filter_direction(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        """Keep the requests received (incoming) or made (outgoing) by the caller's agency."""
        agency_id = getattr(self.request.user, "agency_id", None) if self.request else None
        if value == "incoming":
            return queryset.filter(owner_id=agency_id)
        return queryset.filter(requester_id=agency_id)


def _create_body(data: Any) -> dict[str, Any]:
    """Return the create body; server-set fields are dropped, unknown ones refused."""
    body = AccessRequestCreateSerializer.checked(data)
    declared = set(AccessRequestCreateSerializer().fields)
    unknown = sorted(k for k in body if k not in declared and k not in SERVER_SET)
    if unknown:
        detail = "Unbekanntes Feld."
        raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
    return {k: v for k, v in body.items() if k in declared}


class AccessRequestListView(GenericAPIView):
    """Requests made or received by the caller's agency; make a request."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = AccessRequestFilter
    serializer_class = AccessRequestSerializer

    def get_queryset(self) -> Any:
        """The caller's agency's requests, both directions."""
        if getattr(self, "swagger_fake_view", False):
            return AccessRequest.objects.none()
        return access_request_list(actor=as_officer(self.request.user))

    @extend_schema(
        responses={
            200: AccessRequestSerializer(many=True),
            403: ERRORS[403],
        },
        summary="Requests made (outgoing) or received (incoming) by the caller's agency",
    )
    def get(self, request: Request) -> Response:
        """Return a page of requests; the page shown is logged (R-I1)."""
        actor = as_officer(request.user)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        log_requests_shown(actor=actor, requests=page)
        return self.get_paginated_response(
            AccessRequestSerializer(access_requests_data(list(page), actor=actor), many=True).data
        )

    @extend_schema(
        request=AccessRequestCreateSerializer,
        responses={
            201: AccessRequestSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required` (`hit`, `justification`, `use_ground`, "
                "`use_purpose`), `invalid_choice` (`kind`, `use_ground`), `not_in_gws` (a "
                "GWS hit, R-M7), `own_record`, `not_allowed`, `unknown_field`, `invalid`, "
                "`too_long`, `invalid_characters`",
            ),
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`already_pending` (a pending request of the agency for the "
                "record) or `already_granted`",
            ),
        },
        summary="Request the extended data of a hit's record, or a further use (R-F1, R-F2)",
    )
    def post(self, request: Request) -> Response:
        """Make a request from a hit of the caller's agency; it starts pending."""
        body = _create_body(request.data)
        actor = as_officer(request.user)
        made = access_request_create(
            actor=actor,
            hit=body.get("hit"),
            justification=body.get("justification"),
            kind=body.get("kind") or RequestKind.EXTENDED_DATA.value,
            use_ground=body.get("use_ground") or "",
            use_purpose=body.get("use_purpose") or "",
        )
        return Response(
            AccessRequestSerializer(access_request_data(made, actor=actor)).data, status=201
        )


class AccessRequestDetailView(APIView):
    """One request of the caller's agency."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: AccessRequestSerializer, **ERRORS},
        summary="A request made or received by the caller's agency",
    )
    def get(self, request: Request, request_id: str) -> Response:
        """Return the request (404 for any other agency); the showing is logged."""
        actor = as_officer(request.user)
        found = access_request_get(actor=actor, request_id=request_id)
        return Response(AccessRequestSerializer(access_request_data(found, actor=actor)).data)


class AccessDecisionView(APIView):
    """The owner's decision on a request (R-F1)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=AccessDecisionSerializer,
        responses={
            200: AccessRequestSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required` (`grant`, `reasons`, `provision`), `invalid`, "
                "`too_long`, `invalid_characters`, `unknown_field`",
            ),
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`already_decided`; `record_blocked`, `record_covert` (no grant of a "
                "blocked record, nor of one stored covert since the request)",
            ),
        },
        summary="Owner's decision on a request: grant or refuse, provision and reasons",
        examples=[
            OpenApiExample(
                "Grant",
                request_only=True,
                value={
                    "grant": True,
                    "reasons": "Abgleich im Ermittlungsverfahren erforderlich.",
                    "provision": "§ 19 BVerfSchG",
                },
            )
        ],
    )
    def post(self, request: Request, request_id: str) -> Response:
        """Decide and answer with the updated request."""
        body = AccessDecisionSerializer.declared(request.data)
        actor = as_officer(request.user)
        decided = access_request_decide(
            actor=actor,
            request_id=request_id,
            grant=body.get("grant"),
            reasons=body.get("reasons"),
            provision=body.get("provision"),
        )
        return Response(AccessRequestSerializer(access_request_data(decided, actor=actor)).data)
