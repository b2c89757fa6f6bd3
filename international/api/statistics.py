"""The international figures (issue 20 "Build" 6): ``GET /reports/international/``.

Who may read: as the BKA's report (``verbund.api.reports``, R-J5) — public, no login, not
logged: the figures carry no personal data, no file reference, no record id, no username,
and the intelligence services' exchange is „keine Angabe“ (000 Q9). JSON by default; CSV
with ``format=csv`` or ``Accept: text/csv`` (the same rows as the page's download).
"""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from international.selectors.statistics import (
    FORMATS,
    GROUP_BY,
    csv_rows,
    international_period,
    international_statistics,
)
from verbund.api.openapi import error
from verbund.errors import Invalid


class LiaisonOut(serializers.Serializer):
    sender = serializers.CharField()
    host = serializers.CharField()
    count = serializers.IntegerField()


class RequestsOut(serializers.Serializer):
    key = serializers.CharField(help_text="Partner code or country, by `group_by`")
    name = serializers.CharField(help_text="Partner name, country or citation")
    topic = serializers.CharField()
    count = serializers.IntegerField()


class TransfersOut(serializers.Serializer):
    key = serializers.CharField(help_text="Partner code, country or legal basis code")
    name = serializers.CharField(help_text="Partner name, country or citation")
    year = serializers.IntegerField()
    count = serializers.IntegerField()


class NoticesOut(serializers.Serializer):
    country = serializers.CharField()
    year = serializers.IntegerField(help_text="Year of receipt")
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    in_review = serializers.IntegerField()


class LoginsOut(serializers.Serializer):
    total = serializers.IntegerField()
    by_channel = serializers.DictField(child=serializers.IntegerField())


PeriodOut = type(
    "InternationalPeriodOut",
    (serializers.Serializer,),
    {
        "__doc__": "The period: both days included (Europe/Berlin).",
        "from": serializers.DateField(),
        "to": serializers.DateField(),
    },
)


class InternationalStatisticsOut(serializers.Serializer):
    """Figures on international exchange (docs/international.md)."""

    period = PeriodOut()
    group_by = serializers.ChoiceField(choices=list(GROUP_BY))
    liaison_officers = LiaisonOut(many=True, help_text="Active liaison officers now (000 Q4)")
    foreign_requests = RequestsOut(many=True, help_text="Received in the period (000 Q9)")
    transfers = TransfersOut(
        many=True, help_text="Transfers abroad sent in the period, by year of sending"
    )
    red_notices = NoticesOut(many=True, help_text="Received in the period, status now (000 Q5)")
    foreign_logins = LoginsOut(help_text="Refused foreign login attempts (R-N1)")
    intelligence_services = serializers.CharField(
        help_text="Always „keine Angabe“: intelligence services' exchange is never counted"
    )


class CSVRenderer(BaseRenderer):
    """Lets content negotiation pick CSV (``format=csv`` or ``Accept: text/csv``); the view
    writes the rows itself (``csv_response``), so this renders only what never reaches it."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return b""


class InternationalStatisticsView(APIView):
    """Figures on international exchange per period; no login needed (as R-J5)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    renderer_classes = [JSONRenderer, CSVRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """An unknown ``format`` is 400 naming it (not DRF's 404)."""
        fmt = request.query_params.get("format")
        if not force and fmt is not None and fmt not in FORMATS:
            detail = "Zulässig: " + ", ".join(FORMATS) + "."
            raise Invalid(detail, code="invalid_choice", fields={"format": [detail]})
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Errors always answer in JSON (api.md error shape), whatever was negotiated."""
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=False, description="First day `YYYY-MM-DD`"),
            OpenApiParameter(
                "to", str, required=False, description="Last day, not after today (default)"
            ),
            OpenApiParameter(
                "group_by",
                str,
                required=False,
                enum=list(GROUP_BY),
                description="Key of requests and transfers (default `partner`)",
            ),
            OpenApiParameter(
                "format", str, required=False, enum=["json", "csv"], description="`csv`: CSV"
            ),
        ],
        responses={
            (200, "application/json"): InternationalStatisticsOut,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV rows"),
            400: error(
                "`invalid_date` (from, to), `invalid_period`, `invalid_choice` (group_by, "
                "format), `unknown_parameter`, `invalid` (a parameter repeated)"
            ),
        },
        auth=[],
        summary="Figures on international exchange (R-J5 style; 000 Q4, Q5, Q9)",
    )
    def get(self, request: Request) -> Response | HttpResponse:
        """Return the figures of the period, computed from the data."""
        period, group_by = international_period(request.query_params)
        data = international_statistics(period, group_by)
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return csv_response(data)
        return Response(InternationalStatisticsOut(data).data)


def csv_response(data: dict[str, Any]) -> HttpResponse:
    """The figures as a CSV download (UTF-8, CRLF)."""
    period = data["period"]
    name = f"verbund-international-{period['from'].isoformat()}-{period['to'].isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response, lineterminator="\r\n")
    for row in csv_rows(data):
        writer.writerow(row)
    return response
