"""Supervision API: the log within jurisdiction, and the chain check (api.md "Supervision")."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from audit.selectors import audit_events_for, event_view, supervised_agencies
from audit.services import log_event, verify_chain
from verbund.api.pagination import Pagination
from verbund.api.params import choice_param
from verbund.api.permissions import IsSupervisor
from verbund.errors import Invalid

EventOut = inline_serializer(
    "AuditEventOut",
    {
        "id": serializers.UUIDField(),
        "seq": serializers.IntegerField(),
        "time": serializers.DateTimeField(),
        "agency": serializers.CharField(allow_null=True),
        "officer": serializers.CharField(),
        "action": serializers.CharField(),
        "object": serializers.CharField(allow_null=True),
        "file": serializers.CharField(),
        "purpose": serializers.CharField(),
        "urgency": serializers.CharField(),
        "references": serializers.ListField(child=serializers.DictField()),
        "covert": serializers.ListField(child=serializers.DictField()),
        "details": serializers.DictField(),
        "outcome": serializers.CharField(),
        "request_id": serializers.CharField(),
    },
)


def _when(value: str | None, name: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            "ISO-8601-Zeitpunkt erwartet.", code="invalid", fields={name: ["invalid"]}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


class AuditEventListView(APIView):
    """Log events of the agencies the supervisor controls (R-J1, R-J2, R-I4)."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "agency", str, description="acting agency code (unknown: 400 invalid_choice)"
            ),
            OpenApiParameter("since", str, description="ISO 8601"),
            OpenApiParameter("until", str, description="ISO 8601"),
        ],
        responses={200: EventOut},
        summary="Audit events within jurisdiction (paged)",
    )
    def get(self, request: Request) -> Response:
        """Return the events; the read itself is logged."""
        agency_code = request.query_params.get("agency") or None
        if agency_code is not None:
            # Compared in Python: a NUL byte never reaches the database (400, not 500).
            known = Agency.objects.order_by("code").values_list("code", flat=True)
            agency_code = choice_param(request, "agency", known)
        qs = audit_events_for(
            actor=request.user,
            agency_code=agency_code,
            since=_when(request.query_params.get("since"), "since"),
            until=_when(request.query_params.get("until"), "until"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        codes = set(supervised_agencies(request.user).values_list("code", flat=True))
        with transaction.atomic():
            log_event(
                actor=request.user,
                action="audit.read",
                details={"events": [e.seq for e in page], "query": dict(request.query_params)},
            )
        return paginator.get_paginated_response(
            [event_view(e, supervised_codes=codes) for e in page]
        )


class AuditVerifyView(APIView):
    """Recompute the hash chain."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        responses={
            200: inline_serializer(
                "AuditVerify",
                {
                    "ok": serializers.BooleanField(),
                    "checked": serializers.IntegerField(),
                    "first_bad": serializers.UUIDField(allow_null=True),
                },
            )
        },
        summary="Verify the audit chain",
    )
    def get(self, request: Request) -> Response:
        """Return the result of the chain check."""
        result: dict[str, Any] = verify_chain()
        return Response(result)
