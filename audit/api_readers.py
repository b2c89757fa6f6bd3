"""The log for BKA operators, and the chain's exportable checkpoints (R-I2, R-I4, R-I5).

``GET /api/v1/audit/operations/`` — the BKA's IT operators (``Role.OPERATOR``): entries for
operation and security, none about a covert record (``audit.readers``), paged, filtered by
``since``/``until``/``action``; each page read is logged as ``audit.operations_read``.

``GET /api/v1/audit/checkpoints/`` — supervisors: anchors the head and returns every
checkpoint as a JSON document (a download: ``Content-Disposition: attachment``), logged as
``audit.checkpoint_export``. ``POST /api/v1/audit/checkpoints/check/`` — supervisors: such a
document checked against the live log (``audit.verification.checkpoints_check``), logged as
``audit.verify``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEvent
from audit.readers import operation_view, operations_events
from audit.services import log_event
from audit.verification import checkpoints_check, checkpoints_export
from verbund.api.filters import PeriodForm, StrictFilterBackend, UTCDateTimeFilter
from verbund.api.openapi import error
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOperator, IsSupervisor
from verbund.api.schemas import AbsentKeysSerializer, RequestSerializer
from verbund.services import shapes
from verbund.services.date_rules import Int

MAX_CHECKPOINTS = 100_000


class OperationEventSerializer(AbsentKeysSerializer):
    """One log entry as a BKA operator sees it (``audit.readers.operation_view``)."""

    strict_keys = True

    id = serializers.UUIDField()
    time = serializers.DateTimeField()
    agency = serializers.CharField(allow_null=True, help_text="Acting agency; null: system")
    officer = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    object_type = serializers.CharField(allow_blank=True)
    object = serializers.CharField(allow_null=True)
    file = serializers.CharField(allow_blank=True)
    open_references = serializers.IntegerField(
        help_text="How many open (not covert) references the entry holds"
    )
    details = serializers.DictField(
        help_text="Operational details only (mode, username, role ...); never criteria or "
        "counts of hits or rows"
    )
    outcome = serializers.CharField(allow_blank=True)
    request_id = serializers.CharField(allow_blank=True)


class OperationsFilter(django_filters.FilterSet):
    """Filters of ``GET /audit/operations/``."""

    since = UTCDateTimeFilter(
        field_name="time", lookup_expr="gte", help_text="From this time (ISO 8601, inclusive)."
    )
    until = UTCDateTimeFilter(
        field_name="time", lookup_expr="lt", help_text="Before this time (ISO 8601, exclusive)."
    )
    action = django_filters.CharFilter(
        field_name="action", max_length=40, help_text="Action code, e.g. `search`, `auth.login`."
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = PeriodForm


class OperationsListView(GenericAPIView):
    """The log for the BKA's IT operators: operation and security, nothing covert."""

    permission_classes = [IsOperator]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = OperationsFilter

    def get_queryset(self) -> Any:
        """Entries an operator may read (covert-only ones left out in SQL), newest first."""
        return operations_events()

    @extend_schema(
        responses={
            200: OperationEventSerializer(many=True),
            400: error(
                "`invalid` (since, until, action, page), `invalid_range` (`until` not after "
                "`since`), `unknown_parameter`"
            ),
            403: error("`forbidden`: BKA IT operators only"),
        },
        summary="Log entries for operation and security (BKA operators; paged)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of entries; the read itself is logged."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        shown = [operation_view(event) for event in page]
        with transaction.atomic():
            log_event(
                actor=request.user,
                action="audit.operations_read",
                details={
                    "events": [row["id"] for row in shown],
                    "query": {k: request.query_params.getlist(k) for k in request.query_params},
                },
            )
        return self.get_paginated_response(OperationEventSerializer(shown, many=True).data)


# ---------------------------------------------------------------------------- checkpoints

CHECKPOINT = shapes.Obj(
    {"seq": Int(), "hash": shapes.Text(max_len=64), "count": Int(), "time": shapes.Text(max_len=40)}
)
CHECKPOINT_DOCUMENT = shapes.Obj(
    {
        "format": shapes.Text(max_len=60),
        "exported_at": shapes.Text(max_len=40),
        "exported_by": shapes.Text(max_len=150),
        "head": CHECKPOINT,
        "checkpoints": shapes.ListOf(CHECKPOINT, max_items=MAX_CHECKPOINTS),
    }
)


class CheckpointSerializer(serializers.Serializer):
    """One anchor of the chain: the head at a time."""

    # A position or count beyond a 64-bit integer cannot be in the log: 400, not a 500.
    seq = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Position of the head in the chain"
    )
    hash = serializers.RegexField(
        r"^[0-9a-f]{64}$", max_length=64, help_text="SHA-256 of the head (64 hex digits)"
    )
    count = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, help_text="Rows in the live log then"
    )
    # Text, checked as ISO 8601 by ``audit.verification`` (400 naming ``…time``).
    time = serializers.CharField(max_length=40, help_text="When it was taken (ISO 8601)")


class CheckpointDocumentSerializer(RequestSerializer):
    """An exported checkpoint document (``GET /audit/checkpoints/``), as it is sent back."""

    shape = CHECKPOINT_DOCUMENT

    format = serializers.CharField(max_length=60, help_text="`verbund-audit-checkpoints/1`")
    exported_at = serializers.CharField(max_length=40, required=False)
    exported_by = serializers.CharField(max_length=150, required=False)
    head = CheckpointSerializer(
        allow_null=True, required=False, help_text="The head when exported; null: empty log"
    )
    checkpoints = serializers.ListField(child=CheckpointSerializer(), max_length=MAX_CHECKPOINTS)


class CheckpointResultSerializer(serializers.Serializer):
    """How one exported checkpoint fares against the live log."""

    seq = serializers.IntegerField()
    hash = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["ok", "purged", "rewritten", "missing", "beyond_head"],
        help_text="`ok`: the live row has that hash; `purged`: removed by the 18-month purge "
        "(a purged period covers it); `rewritten`: another hash lives there; `missing`: "
        "deleted without a purge; `beyond_head`: the live head is below it (cut tail)",
    )


class HeadSerializer(serializers.Serializer):
    """The live head of the chain."""

    seq = serializers.IntegerField()
    hash = serializers.CharField()


class CheckpointCheckSerializer(serializers.Serializer):
    """Result of checking an exported checkpoint document against the live log."""

    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="Checkpoints checked")
    head = HeadSerializer(allow_null=True)
    first_bad = CheckpointResultSerializer(allow_null=True)
    results = CheckpointResultSerializer(many=True)


class CheckpointExportView(APIView):
    """Export the chain's checkpoints (a supervisor keeps them outside the BKA)."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        responses={
            200: CheckpointDocumentSerializer,
            403: error("`forbidden`: supervisors only"),
        },
        summary="Export the audit chain's checkpoints (JSON document, download)",
    )
    def get(self, request: Request) -> Response:
        """Anchor the head now and return every checkpoint; the export is logged."""
        document = checkpoints_export(actor=request.user)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        return Response(
            document,
            headers={
                "Content-Disposition": f'attachment; filename="verbund-audit-checkpoints-'
                f'{stamp}.json"'
            },
        )


class CheckpointCheckView(APIView):
    """Check an exported checkpoint document against the live log."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        request=CheckpointDocumentSerializer,
        responses={
            200: CheckpointCheckSerializer,
            400: error(
                "`invalid` (format, checkpoints[i].seq, checkpoints[i].hash, head.hash), "
                "`required` (checkpoints), `unknown_field`"
            ),
            403: error("`forbidden`: supervisors only"),
        },
        summary="Check exported checkpoints against the live log (cut tail, rewritten history)",
    )
    def post(self, request: Request) -> Response:
        """Return the result of the check (200 also when it fails: see ``ok``)."""
        body = CheckpointDocumentSerializer.declared(request.data)
        return Response(checkpoints_check(actor=request.user, document=body))
