"""Overdue "without delay" duties: the agency head's list and the supervisor's (R-L6).

``GET /overdue/`` — the head of an agency: its own agency's overdue duties in the files it is
authorised for (other officers 403 ``not_head``, supervisors 403 ``forbidden``).
``GET /supervision/overdue/`` — a supervisor: the duties of the agencies in its jurisdiction
or delegation (R-J1, R-J2), covert hits included (R-J6); ``agency`` narrows the list.
Both are pages, ordered by due time; each page shown is logged (R-I1).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency, as_officer
from verbund.api.filters import StrictFilterBackend, _agency_codes
from verbund.api.openapi import error
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer, IsSupervisor
from verbund.api.schemas import AbsentKeysSerializer
from verbund.selectors.duties import (
    OVERDUE_KINDS,
    overdue_for_head,
    overdue_for_supervisor,
    overdue_view,
)
from verbund.services.duties import overdue_log_view


class OverdueItemSerializer(AbsentKeysSerializer):
    """One overdue duty (``verbund.selectors.duties.overdue_view``)."""

    strict_keys = True

    id = serializers.CharField(help_text="`<kind>:<subject>`, unique in the list")
    kind = serializers.ChoiceField(
        choices=list(OVERDUE_KINDS),
        help_text="`covert_hit`: contact decision (R-D3); `access_request`: decision on a "
        "request for extended data (R-F1); `emergency_consent`: consent to an Eilfall access; "
        "`emergency_refused`: deletion or blocking after a refused consent (R-G3); "
        "`correction_notice`: review of a correction notice (R-H2); `review_due`: review of a "
        "record at its review date or opened at once (R-L4).",
    )
    agency = serializers.CharField(help_text="Code of the agency that owes the duty")
    file = serializers.CharField(help_text="File code")
    file_number = serializers.CharField(allow_blank=True)
    due_at = serializers.DateTimeField()
    overdue_since = serializers.DateTimeField(help_text="The due time")
    reminded_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the reminder job marked it (for `review_due`: when the deadline sweep "
        "escalated it); null if it has not yet run",
    )
    subject = serializers.UUIDField(
        help_text="Id of the covert hit, request, Eilfall access, correction notice or review "
        "(inbox item)"
    )


class SupervisionOverdueFilter(django_filters.FilterSet):
    """Filters of ``GET /supervision/overdue/`` (narrow the jurisdiction, never widen it)."""

    agency = django_filters.ChoiceFilter(
        field_name="code", choices=_agency_codes, help_text="Code of the agency owing the duty."
    )

    class Meta:
        model = Agency
        fields: list[str] = []


class HeadOverdueFilter(django_filters.FilterSet):
    """``GET /overdue/`` takes no filters: any parameter but the page is 400."""

    class Meta:
        model = Agency
        fields: list[str] = []


class _OverdueList(GenericAPIView):
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]

    def get_queryset(self) -> Any:
        """The agencies the list may cover (the filters narrow them)."""
        return Agency.objects.all()

    def items(self, request: Request, agencies: Any) -> Any:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        """Return a page of overdue duties; the page shown is logged."""
        agencies = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(self.items(request, agencies)) or []
        shown = [overdue_view(row) for row in page]
        overdue_log_view(
            actor=request.user,
            items=shown,
            query={k: request.query_params.getlist(k) for k in request.query_params},
        )
        return self.get_paginated_response(OverdueItemSerializer(shown, many=True).data)


class SupervisionOverdueView(_OverdueList):
    """Overdue duties of the agencies the supervisor controls (R-L6, R-J1, R-J2, R-J6)."""

    permission_classes = [IsSupervisor]
    filterset_class = SupervisionOverdueFilter

    def items(self, request: Request, agencies: Any) -> Any:
        """The supervisor's list, narrowed to the filtered agencies."""
        return overdue_for_supervisor(actor=request.user, agencies=agencies)

    @extend_schema(
        responses={
            200: OverdueItemSerializer(many=True),
            400: error("`invalid_choice` (agency), `invalid` (page), `unknown_parameter`"),
            403: error("`forbidden`: supervisors only"),
        },
        summary="Overdue duties within jurisdiction or delegation (paged)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of the supervisor's list; the read is logged."""
        return super().get(request)


class HeadOverdueView(_OverdueList):
    """Overdue duties of the head's own agency (R-L6)."""

    permission_classes = [IsOfficer]
    filterset_class = HeadOverdueFilter

    def items(self, request: Request, agencies: Any) -> Any:
        """The head's list (403 ``not_head`` for any other officer)."""
        return overdue_for_head(actor=as_officer(request.user))

    @extend_schema(
        responses={
            200: OverdueItemSerializer(many=True),
            400: error("`invalid` (page), `unknown_parameter`"),
            403: error("`not_head`: agency heads only; `forbidden`: supervisors"),
        },
        summary="Overdue duties of the own agency, for its head (paged)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of the head's list; the read is logged."""
        return super().get(request)
