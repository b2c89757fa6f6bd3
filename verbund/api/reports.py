"""The BKA's public report on data stock and use (R-J5): ``GET /reports/statistics/``.

No login. The figures, their period semantics and what each costs are described in
``verbund.selectors.statistics``. The answer carries no personal data, no file reference
and no record id, so it is not logged (``report.read`` stays unwritten: logging anonymous
public reads would only let anyone fill the chain) and, read without cookies or
credentials, may be cached for five minutes (``public, max-age=300``,
``verbund.middleware.PUBLIC_API_PATHS``). The server keeps no cache of its own: every
answer is computed from the data by a handful of aggregate queries.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from verbund.api.openapi import error
from verbund.errors import Invalid
from verbund.selectors.statistics import report_period, report_statistics

PARAMETERS = ("from", "to")


class RecordsByStorageOut(serializers.Serializer):
    """Records stored at the end of the period, by storage mode."""

    open = serializers.IntegerField(help_text="Stored openly (R-D1)")
    restricted = serializers.IntegerField(help_text="Stored with extended data withheld (R-D2)")
    covert = serializers.IntegerField(
        help_text="Stored covertly (R-D3): the only figure covert records enter"
    )


class DecisionsOut(serializers.Serializer):
    """Requests for extended data or further use decided within the period (R-F1, R-F2)."""

    granted = serializers.IntegerField()
    refused = serializers.IntegerField()


class SubjectRequestsOut(serializers.Serializer):
    """Subject access requests (R-K1) received and answered within the period."""

    received = serializers.IntegerField()
    answered = serializers.IntegerField()


class FileFiguresOut(serializers.Serializer):
    """The figures of one file. Stock: at the end of ``to``; flows: within the period."""

    records = RecordsByStorageOut()
    persons = serializers.IntegerField(help_text="Person records, open and restricted")
    objects = serializers.IntegerField(help_text="Object records, open and restricted")
    contact_persons = serializers.IntegerField(
        help_text="Contact persons in open person records (R-B2)"
    )
    searches = serializers.IntegerField(help_text="Searches within the period")
    searches_per_week = serializers.FloatField(help_text="Searches per 7 days of the period")
    hits_shown = serializers.IntegerField(
        help_text="Hits the searchers saw, on records not stored covertly"
    )
    mean_hits_per_search = serializers.FloatField(
        help_text="`hits_shown` per answered search (searches refused for too many hits "
        "excluded); covert matches never change it"
    )
    access_requests = DecisionsOut()
    emergency_accesses = serializers.IntegerField(help_text="Eilfälle (R-G1) within the period")
    consents_refused = serializers.IntegerField(
        help_text="Eilfälle whose subsequent consent the owner refused (R-G3)"
    )
    deletions = serializers.IntegerField(help_text="Records deleted (not stored covertly)")
    blocks = serializers.IntegerField(
        help_text="Records blocked instead of deleted (not stored covertly, R-L3)"
    )
    subject_requests = SubjectRequestsOut(help_text="Subject requests logged with this file's code")


class FilesOut(serializers.Serializer):
    """The figures per file."""

    ATD = FileFiguresOut()
    GWS = FileFiguresOut()


PeriodOut = type(
    "ReportPeriodOut",
    (serializers.Serializer,),
    {
        "__doc__": "The period: both days included (Europe/Berlin).",
        "from": serializers.DateField(help_text="First day"),
        "to": serializers.DateField(help_text="Last day; the stock is counted at its end"),
    },
)


class StatisticsOut(serializers.Serializer):
    """The published figures of one period (api.md "Supervision", R-J5)."""

    period = PeriodOut()
    files = FilesOut()
    subject_requests = SubjectRequestsOut(
        help_text="All subject requests of the period, whatever file they name"
    )


def period_of(params: Any) -> Any:
    """Return the period of the query parameters, or 400 (unknown or repeated parameter)."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        detail = "Unbekannter Parameter; zulässig: from, to."
        raise Invalid(detail, code="unknown_parameter", fields={n: [detail] for n in unknown})
    for name in PARAMETERS:
        if len(params.getlist(name)) > 1:
            detail = "Parameter nur einmal angeben."
            raise Invalid(detail, code="invalid", fields={name: [detail]})
    return report_period(params.get("from"), params.get("to"))


class StatisticsView(APIView):
    """The published figures per file and period (R-J5); no login needed."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                str,
                required=False,
                description="First day `YYYY-MM-DD` (default: 1 January of `to`'s year)",
            ),
            OpenApiParameter(
                "to",
                str,
                required=False,
                description="Last day `YYYY-MM-DD`, not after today (default: today)",
            ),
        ],
        responses={
            200: StatisticsOut,
            400: error(
                "`invalid_date` (from, to: not `YYYY-MM-DD`), `invalid_period` (from after "
                "to; to after today), `unknown_parameter`, `invalid` (a parameter repeated)"
            ),
        },
        auth=[],
        summary="Published figures on data stock and use per file (R-J5)",
    )
    def get(self, request: Request) -> Response:
        """Return the figures of the period, computed from the data."""
        period = period_of(request.query_params)
        return Response(StatisticsOut(report_statistics(period)).data)
