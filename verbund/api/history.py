"""A record's log history for the head of its owning agency (R-I5, R-I4).

``GET /api/v1/records/{id}/history/`` — every log entry about the record, covert ones
included, newest first, paged (``audit.readers``). Only the head of the owning agency:
another officer who may see the record gets 403 ``not_head``; whoever may not know it
exists (a covert record of another agency, an unknown id) 404. Each page read is logged as
``record.history_read`` (a covert record's read in the covert column only).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from audit.api import AuditReferenceSerializer
from audit.models import AuditEvent
from audit.readers import history_view, record_history_events
from verbund.access.history import history_record
from verbund.access.logging import log_record
from verbund.api.filters import StrictFilterBackend
from verbund.api.openapi import error
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import AbsentKeysSerializer


class HistoryEntrySerializer(AbsentKeysSerializer):
    """One log entry about the record (``audit.readers.history_view``)."""

    strict_keys = True

    id = serializers.UUIDField()
    time = serializers.DateTimeField()
    agency = serializers.CharField(allow_null=True, help_text="Acting agency; null: system")
    officer = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    object_type = serializers.CharField(allow_blank=True)
    object = serializers.CharField(allow_null=True, help_text="e.g. the search's id")
    file = serializers.CharField(allow_blank=True)
    purpose = serializers.CharField(allow_blank=True)
    urgency = serializers.CharField(allow_blank=True)
    covert = serializers.BooleanField(help_text="Logged in the covert column (R-I5)")
    references = AuditReferenceSerializer(many=True, help_text="The references to this record")
    details = serializers.DictField(help_text="Only where the entry is about this record alone")
    outcome = serializers.CharField(allow_blank=True)


class HistoryFilter(django_filters.FilterSet):
    """The history takes no filters: any parameter but the page is 400."""

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class RecordHistoryView(GenericAPIView):
    """The log entries about one record, for the head of its owning agency."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = HistoryFilter

    def get_queryset(self) -> Any:
        """Entries about the record (set in ``get``)."""
        return AuditEvent.objects.none()

    @extend_schema(
        responses={
            200: HistoryEntrySerializer(many=True),
            400: error("`invalid` (page), `unknown_parameter`"),
            403: error("`not_head`: only the head of the owning agency; `forbidden`: role"),
            404: error("`not_found`: unknown, or not for the caller"),
        },
        summary="Log history of a record (owner agency's head; paged)",
    )
    def get(self, request: Request, record_id: str) -> Response:
        """Return a page of the record's history; the read is logged."""
        record = history_record(request.user, record_id)
        self.filter_queryset(self.get_queryset())  # refuses unknown parameters
        page = self.paginate_queryset(record_history_events(record.pk)) or []
        shown = [history_view(event, record.pk) for event in page]
        with transaction.atomic():
            log_record(
                actor=request.user,
                action="record.history_read",
                record=record,
                details={"events": [row["id"] for row in shown]},
            )
        return self.get_paginated_response(HistoryEntrySerializer(shown, many=True).data)
