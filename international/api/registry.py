"""REST endpoints of the partner registry, the legal bases and foreign requests (R-N1, R-E5).

Thin: reads come from ``international.services.registry`` and ``.partners``; recording a
request is ``partner_request_create``. The registry (partners, legal bases) is public to
every officer authorised for a file and to the supervisors (read-only); foreign requests
belong to the agency that recorded them — another agency's answers 404 like an invented id.
Filters are django-filter ``FilterSet``s through the project's ``StrictFilterBackend``
(unknown parameters and invalid values 400).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from audit.services import log_event
from international.models import (
    LegalBasis,
    Partner,
    PartnerKind,
    PartnerRequest,
    PartnerRequestStatus,
)
from international.services.partners import (
    PARTNER_REQUEST_CREATE,
    partner_request_create,
    partner_request_get,
    partner_requests_for,
)
from international.services.registry import legal_bases, partner_get, partners
from verbund.access.records import authorised_files
from verbund.api.filters import StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.permissions import NOT_OFFICERS
from verbund.api.schemas import ErrorSerializer, RequestSerializer
from verbund.errors import NotFound


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


def _officer_with_file(user: Any) -> bool:
    return bool(
        user
        and user.is_authenticated
        and getattr(user, "agency_id", None)
        and getattr(user, "role", "") not in NOT_OFFICERS
        and authorised_files(user).exists()
    )


class ReadsRegistry(BasePermission):
    """Officers authorised for a file, and the data-protection supervisors (read-only)."""

    message = "Nur für Bedienstete mit Berechtigung für eine Datei und die Datenschutzaufsicht."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user and user.is_authenticated and getattr(user, "role", "") == "supervisor":
            return request.method in ("GET", "HEAD", "OPTIONS")
        return _officer_with_file(user)


class RecordsPartnerRequests(BasePermission):
    """Officers of an agency authorised for a file: their agency's foreign requests."""

    message = "Nur für Bedienstete teilnehmender Behörden mit Berechtigung für eine Datei."

    def has_permission(self, request: Request, view: Any) -> bool:
        return _officer_with_file(request.user)


AUTH_ERRORS = {
    401: _error("`not_authenticated` / `token_expired`"),
    403: _error(
        "`forbidden`: not an officer authorised for a file (or a supervisor, read-only); "
        "`foreign_access_refused`: the account is flagged foreign (logged)"
    ),
}


# ------------------------------------------------------------------------------ registry


class PartnerSerializer(serializers.ModelSerializer):
    """A foreign partner or channel (a registry row, never a user)."""

    # ``parent`` is also an attribute of every DRF field; the metaclass takes the field out.
    parent: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=PartnerKind.choices)

    class Meta:
        model = Partner
        fields = (
            "code",
            "name",
            "kind",
            "country",
            "sender",
            "host",
            "parent",
            "case_by_case",
            "source",
        )
        read_only_fields = fields


class LegalBasisSerializer(serializers.ModelSerializer):
    """A legal basis of international exchange with its citation, source and agencies."""

    agencies = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the agencies that may use it"
    )

    class Meta:
        model = LegalBasis
        fields = ("code", "citation", "title", "source", "agencies", "covers_art10_art13")
        read_only_fields = fields


class PartnerFilter(django_filters.FilterSet):
    """Filters of ``GET /partners/``."""

    kind = django_filters.ChoiceFilter(choices=PartnerKind.choices, help_text="Partner kind.")
    country = django_filters.CharFilter(
        field_name="country",
        lookup_expr="iexact",
        max_length=2,
        help_text="ISO 3166-1 alpha-2 code of the partner's state, e.g. `US`.",
    )

    class Meta:
        model = Partner
        fields: list[str] = []


class PartnerListView(GenericAPIView):
    """The partner registry (R-N1)."""

    permission_classes = [ReadsRegistry]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = PartnerFilter
    serializer_class = PartnerSerializer

    def get_queryset(self) -> Any:
        """The active partners."""
        return partners().order_by("kind", "code")

    @extend_schema(
        responses={
            200: PartnerSerializer(many=True),
            400: _error("`invalid_choice` (kind), `invalid` (country, page), `unknown_parameter`"),
            **AUTH_ERRORS,
        },
        summary="Foreign partners and channels (paged; filter by kind, country)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of partners."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(PartnerSerializer(page, many=True).data)


class PartnerDetailView(APIView):
    """One partner by its public code."""

    permission_classes = [ReadsRegistry]

    @extend_schema(
        responses={200: PartnerSerializer, **AUTH_ERRORS, 404: _error("`not_found`")},
        summary="One foreign partner or channel",
    )
    def get(self, request: Request, code: str) -> Response:
        """Return the partner; an unknown or inactive code is 404."""
        partner = partner_get(code)
        if partner is None:
            raise NotFound("Unbekannter Partner.")
        return Response(PartnerSerializer(partner).data)


class LegalBasisListView(GenericAPIView):
    """The legal bases of international exchange (R-N1, R-F3)."""

    permission_classes = [ReadsRegistry]
    pagination_class = Pagination
    serializer_class = LegalBasisSerializer

    def get_queryset(self) -> Any:
        """The active legal bases."""
        return legal_bases().order_by("code")

    @extend_schema(
        responses={
            200: LegalBasisSerializer(many=True),
            400: _error("`invalid` (page)"),
            **AUTH_ERRORS,
        },
        summary="Legal bases of international exchange with citation, source and agencies",
    )
    def get(self, request: Request) -> Response:
        """Return a page of legal bases."""
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response(LegalBasisSerializer(page, many=True).data)


# ------------------------------------------------------------------- partner requests


class PartnerRequestCreateSerializer(RequestSerializer):
    """Body of POST /partner-requests/: a request a foreign partner made."""

    shape = PARTNER_REQUEST_CREATE

    partner = serializers.CharField(max_length=40, help_text="Code of an active partner")
    received_on = serializers.DateField(help_text="Day the request came in; not in the future")
    topic = serializers.CharField(
        max_length=40, help_text="A tag (slug: letters, digits, - and _), e.g. `antifa-ost`"
    )
    reference = serializers.CharField(
        max_length=80, required=False, help_text="The partner's reference"
    )
    subject = serializers.CharField(max_length=4000, help_text="What the partner asks")


class PartnerRequestSerializer(serializers.ModelSerializer):
    """A foreign request recorded by the caller's agency."""

    partner: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    officer: Any = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.ChoiceField(choices=PartnerRequestStatus.choices)

    class Meta:
        model = PartnerRequest
        fields = (
            "id",
            "partner",
            "agency",
            "officer",
            "received_on",
            "topic",
            "reference",
            "subject",
            "status",
            "created_at",
        )
        read_only_fields = fields


def _partner_codes() -> list[tuple[str, str]]:
    codes = Partner.objects.order_by("code").values_list("code", flat=True)
    return [(code, code) for code in codes]


class PartnerRequestFilter(django_filters.FilterSet):
    """Filters of ``GET /partner-requests/``."""

    partner = django_filters.ChoiceFilter(
        field_name="partner__code", choices=_partner_codes, help_text="Partner code."
    )
    topic = django_filters.CharFilter(
        field_name="topic", max_length=40, help_text="Topic tag (exact)."
    )
    status = django_filters.ChoiceFilter(
        choices=PartnerRequestStatus.choices, help_text="`open` or `answered`."
    )

    class Meta:
        model = PartnerRequest
        fields: list[str] = []


def _log_view(actor: Any, rows: list[PartnerRequest]) -> None:
    log_event(
        actor=actor,
        action="partner_request.view",
        object_type="international.partnerrequest",
        object_id=str(rows[0].pk) if len(rows) == 1 else "",
        details={"ids": [str(r.pk) for r in rows]},
    )


class PartnerRequestListView(GenericAPIView):
    """Foreign requests of the caller's agency; and recording one (R-N1, R-E5)."""

    permission_classes = [RecordsPartnerRequests]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = PartnerRequestFilter
    serializer_class = PartnerRequestSerializer

    def get_queryset(self) -> Any:
        """The caller's agency's requests, newest first."""
        if getattr(self, "swagger_fake_view", False):
            return PartnerRequest.objects.none()
        return partner_requests_for(self.request.user).order_by("-received_on", "-created_at", "pk")

    @extend_schema(
        responses={
            200: PartnerRequestSerializer(many=True),
            400: _error(
                "`invalid_choice` (partner, status), `invalid` (topic, page), `unknown_parameter`"
            ),
            **AUTH_ERRORS,
        },
        summary="Foreign requests the caller's agency recorded (paged; partner/topic/status)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of requests; the page shown is logged."""
        page = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        if page:
            _log_view(as_officer(request.user), page)
        return self.get_paginated_response(PartnerRequestSerializer(page, many=True).data)

    @extend_schema(
        request=PartnerRequestCreateSerializer,
        responses={
            201: PartnerRequestSerializer,
            400: _error(
                "`unknown_partner` (unknown or inactive partner); `invalid` naming each field "
                "(required, not text, not a date, a future date, a topic that is no tag, too "
                "long); `unknown_field`. Nothing is stored."
            ),
            **AUTH_ERRORS,
        },
        summary="Record a request a foreign partner made",
    )
    def post(self, request: Request) -> Response:
        """Record the request for the caller's agency; logged."""
        body = PartnerRequestCreateSerializer.declared(request.data)
        row = partner_request_create(actor=as_officer(request.user), data=body)
        return Response(PartnerRequestSerializer(row).data, status=201)


class PartnerRequestDetailView(APIView):
    """One foreign request of the caller's agency."""

    permission_classes = [RecordsPartnerRequests]

    @extend_schema(
        responses={
            200: PartnerRequestSerializer,
            **AUTH_ERRORS,
            404: _error("`not_found`: unknown, or another agency's"),
        },
        summary="One foreign request of the caller's agency",
    )
    def get(self, request: Request, partner_request_id: str) -> Response:
        """Return the request; another agency's answers like an invented id. Logged."""
        actor = as_officer(request.user)
        row = partner_request_get(actor, partner_request_id)
        _log_view(actor, [row])
        return Response(PartnerRequestSerializer(row).data)
