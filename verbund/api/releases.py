"""REST endpoints of the state systems and their releases into GWS ("Freigabe", R-M1).

Thin: ``verbund.services.releases`` checks the delivery, the officer and the gate, enters
each row through ``record_create`` and keeps the report. The formats are documented in
docs/gws.md ("Freigabe aus Landessystemen") and in ``RELEASE_FORMATS`` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.filters import StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.parsers import JSONParser, TooLarge
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import (
    AbsentKeysSerializer,
    BasicSerializer,
    ErrorSerializer,
    ReferenceSerializer,
    RequestSerializer,
)
from verbund.models import Release
from verbund.models.states import ReleaseChannel
from verbund.services.record_rules import (
    MAX_CLUBS,
    MAX_MEASURES,
    MEASURE_KINDS,
    PROCEEDINGS_STATUSES,
)
from verbund.services.releases import (
    CSV_COLUMNS,
    CSV_REQUIRED,
    MAX_ROWS,
    RELEASE_DOCUMENT,
    SOURCE_REFERENCE_MAX,
    release_data,
    release_find,
    release_run,
    releases_for,
    state_system_find,
    state_systems,
)

RELEASE_FORMATS = (
    'A delivery of the state system (docs/gws.md, "Freigabe aus Landessystemen"), at most '
    f"{MAX_ROWS} rows (400 `too_large`; a body over the server's upload bound is 413). "
    '`application/json`: `{"system": "POLAS-BW", "rows": [...]}` or a bare list of rows; '
    "a row is a GWS record body without `file` plus `source_reference` (the row's reference "
    "in the state system, 1-80 characters). `text/csv` (UTF-8, comma or semicolon "
    "separated): a header line, then one row per line; columns "
    + ", ".join(f"`{c}`" for c in CSV_COLUMNS)
    + " (required: "
    + ", ".join(f"`{c}`" for c in CSV_REQUIRED)
    + "); `nationalities` and `incident_clubs` are lists separated by `;`; an unknown "
    "column is 400 `unknown_columns`. Every row is checked with the entry rules of "
    "POST /records/ and entered all or nothing; a rejected row (also one of the wrong JSON "
    "types) is listed in the report with its reason, the others are imported. The entering "
    "state police owns the records (R-H1)."
)
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="The delivery cannot be read; nothing is stored: `too_large`, "
        "`invalid_json`, `invalid_encoding`, `invalid_characters`, `invalid_document`, "
        "`unknown_field` (document keys), `required` (`rows`), `system_mismatch`, "
        "`invalid_csv`, `missing_columns`, `unknown_columns`, `duplicate_columns`, `no_rows`",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="`forbidden`: not an officer of the system's state police; "
        "`not_authorised`: not authorised for the file; `not_participant`: the order in "
        "force does not let the agency enter, or an intelligence service (R-M6)",
    ),
    404: OpenApiResponse(ErrorSerializer, description="`unknown_system` / `not_found`"),
    422: OpenApiResponse(
        ErrorSerializer,
        description="`no_legal_basis`: the file has no legal basis carrying entries today "
        "(R-A3, R-M5) — no row is released; `no_establishment_order`",
    ),
}


class CSVParser(BaseParser):
    """Take a ``text/csv`` body as bytes (bounded like JSON; the service reads it)."""

    media_type = "text/csv"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Return the raw body; larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit is not None else -1) if stream else b""
        if limit is not None and len(raw) > limit:
            raise TooLarge(f"Der Inhalt ist größer als {limit} Bytes.", code="request_too_large")
        return raw


# ---------------------------------------------------------------------------- request


class MeasureInSerializer(serializers.Serializer):
    """A measure noted against the entry (R-M3)."""

    kind = serializers.ChoiceField(choices=list(MEASURE_KINDS))
    from_ = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    authority = serializers.CharField(required=False)
    country = serializers.CharField(required=False, max_length=40, help_text="ISO 3166 alpha-2")
    reference = serializers.CharField(required=False)
    note = serializers.CharField(required=False)

    def get_fields(self) -> dict[str, Any]:
        """``from`` is a Python keyword: declared as ``from_``, named ``from``."""
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ProceedingsInSerializer(serializers.Serializer):
    """The proceedings of the incident (R-M2, R-M4)."""

    prosecutor_file_number = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=list(PROCEEDINGS_STATUSES), required=False)
    authority = serializers.CharField(required=False)


class IncidentInSerializer(serializers.Serializer):
    """The incident report (Vorkommnisbericht, R-M2); every field optional."""

    date = serializers.DateField(required=False, help_text="Not in the future")
    event = serializers.CharField(required=False)
    venue = serializers.CharField(required=False)
    match = serializers.CharField(required=False)
    clubs = serializers.ListField(
        child=serializers.CharField(), max_length=MAX_CLUBS, required=False
    )
    report_reference = serializers.CharField(required=False)
    suspected_offence = serializers.CharField(required=False)
    fan_group = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    proceedings = ProceedingsInSerializer(required=False)
    measures = MeasureInSerializer(many=True, required=False, max_length=MAX_MEASURES)  # type: ignore[call-arg]


class ReleaseRowSerializer(serializers.Serializer):
    """One row: a GWS record body without ``file``, with its reference in the state system."""

    source_reference = serializers.CharField(max_length=SOURCE_REFERENCE_MAX)
    basic = BasicSerializer()
    reference = ReferenceSerializer()
    incident = IncidentInSerializer(required=False)
    review_date = serializers.DateField(required=False)
    deletion_date = serializers.DateField(required=False)


class ReleaseDocumentSerializer(RequestSerializer):
    """Body of POST /state-systems/{code}/releases/ as JSON (a bare list of rows too)."""

    shape = RELEASE_DOCUMENT

    system = serializers.CharField(
        max_length=20, required=False, help_text="The system's code; another one: 400"
    )
    rows = ReleaseRowSerializer(many=True, min_length=1, max_length=MAX_ROWS)  # type: ignore[call-arg]


# ---------------------------------------------------------------------------- answers


class StateSystemSerializer(serializers.Serializer):
    """A state police system that releases into a file (R-M1)."""

    code = serializers.CharField(help_text="e.g. POLAS-BW")
    name = serializers.CharField()
    state = serializers.CharField(help_text="State code, e.g. BW")
    agency = serializers.CharField(source="agency.code", help_text="Owner of what it releases")
    file = serializers.CharField(source="file.code")


class ImportedRowSerializer(AbsentKeysSerializer):
    """A row entered as a record."""

    strict_keys = True

    row = serializers.IntegerField(help_text="Row number (from 1, in delivery order)")
    id = serializers.UUIDField(help_text="The record's id")
    source_reference = serializers.CharField()


class RejectedRowSerializer(AbsentKeysSerializer):
    """A row not entered, with its reason."""

    strict_keys = True

    row = serializers.IntegerField()
    source_reference = serializers.CharField(help_text="Empty when the row has none")
    code = serializers.CharField(
        help_text="The entry rule's code (e.g. `required`, `invalid_date`), `invalid_row`, "
        "`unknown_field`, `already_released` or `released_and_deleted` (the record an "
        "earlier release of the reference became is deleted: it does not come back)"
    )
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )
    record = serializers.CharField(
        required=False,
        help_text="`already_released`: the record stored for the reference; "
        "`released_and_deleted`: the deleted record it was",
    )


class ReleaseReportSerializer(AbsentKeysSerializer):
    """The per-row report."""

    strict_keys = True

    imported = ImportedRowSerializer(many=True)
    rejected = RejectedRowSerializer(many=True)


class ReleaseSerializer(AbsentKeysSerializer):
    """A release and its report."""

    strict_keys = True

    id = serializers.UUIDField()
    system = serializers.CharField()
    file = serializers.CharField()
    agency = serializers.CharField(help_text="Owner of the released records")
    channel = serializers.ChoiceField(choices=ReleaseChannel.values)
    format = serializers.ChoiceField(choices=["json", "csv"])
    legacy = serializers.BooleanField(help_text="Legacy stock (command only)")
    officer = serializers.CharField(help_text="Username of the releasing officer")
    rows = serializers.IntegerField()
    imported = serializers.IntegerField()
    rejected = serializers.IntegerField()
    finished = serializers.BooleanField(
        help_text="false: the delivery was cut short (or still runs); `imported` counts the "
        "records it entered so far, the report is empty"
    )
    report = ReleaseReportSerializer()
    created_at = serializers.DateTimeField()


class ReleaseFilter(django_filters.FilterSet):
    """No filters: only ``page`` and ``page_size`` (anything else is 400)."""

    class Meta:
        model = Release
        fields: list[str] = []


# ---------------------------------------------------------------------------- views


class StateSystemListView(APIView):
    """The state systems (reference data)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: StateSystemSerializer(many=True)}, summary="List state systems")
    def get(self, request: Request) -> Response:
        """Return the state systems as a bare array (a reference list)."""
        return Response(StateSystemSerializer(state_systems(), many=True).data)


class StateSystemReleaseListView(GenericAPIView):
    """Release a delivery of a state system; list the agency's releases from it."""

    permission_classes = [IsOfficer]
    parser_classes = [JSONParser, CSVParser]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = ReleaseFilter
    serializer_class = ReleaseSerializer

    def get_queryset(self) -> Any:
        """The caller's agency's releases."""
        if getattr(self, "swagger_fake_view", False):
            return Release.objects.none()
        return releases_for(as_officer(self.request.user))

    @extend_schema(
        responses={200: ReleaseSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
        summary="The agency's releases from a state system (paged; other agencies: none)",
    )
    def get(self, request: Request, code: str) -> Response:
        """Return a page of the caller's agency's releases from the system."""
        system = state_system_find(code)
        found = self.filter_queryset(self.get_queryset()).filter(system=system)
        page = self.paginate_queryset(found) or []
        return self.get_paginated_response(
            ReleaseSerializer([release_data(r) for r in page], many=True).data
        )

    @extend_schema(
        request={
            "application/json": ReleaseDocumentSerializer,
            "text/csv": OpenApiTypes.STR,
        },
        responses={201: ReleaseSerializer, **ERRORS},
        summary="Release records from a state system into its file (Freigabe, R-M1)",
        description=RELEASE_FORMATS,
        examples=[
            OpenApiExample(
                "POLAS-BW delivery",
                request_only=True,
                media_type="application/json",
                value={
                    "system": "POLAS-BW",
                    "rows": [
                        {
                            "source_reference": "BW-2025-0001",
                            "basic": {
                                "surname": "Krämer",
                                "given_names": "Tobias",
                                "date_of_birth": "1994-03-12",
                                "nationalities": ["DE"],
                            },
                            "reference": {"file_number": "LKA-BW 431-2025-0001"},
                            "incident": {
                                "date": "2025-10-04",
                                "match": "Karlsruher SC – 1. FC Kaiserslautern",
                                "clubs": ["Karlsruher SC", "1. FC Kaiserslautern"],
                                "suspected_offence": "Landfriedensbruch (§ 125 StGB)",
                            },
                        }
                    ],
                },
            )
        ],
    )
    def post(self, request: Request, code: str) -> Response:
        """Run the release; 201 with its report (rejected rows included)."""
        csv = (request.content_type or "").split(";")[0].strip().lower() == "text/csv"
        release = release_run(
            system_code=code,
            payload=request.data,
            fmt="csv" if csv else "json",
            actor=as_officer(request.user),
            channel=ReleaseChannel.API,
        )
        return Response(ReleaseSerializer(release_data(release)).data, status=201)


class ReleaseDetailView(APIView):
    """One release of the caller's agency."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: ReleaseSerializer, 404: ERRORS[404]},
        summary="Read a release (own agency only; 404 for every other)",
    )
    def get(self, request: Request, release_id: str) -> Response:
        """Return the release with its report."""
        release = release_find(as_officer(request.user), release_id)
        return Response(ReleaseSerializer(release_data(release)).data)
