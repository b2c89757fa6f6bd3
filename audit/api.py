"""Supervision API: the log within jurisdiction, and the chain check (api.md "Supervision")."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEvent
from audit.selectors import audit_events_for, event_view, supervised_agencies
from audit.services import log_event
from verbund.api.filters import AuditEventFilter, StrictFilterBackend
from verbund.api.openapi import error
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsSupervisor
from verbund.api.schemas import AbsentKeysSerializer


class TransferLogDetailsSerializer(AbsentKeysSerializer):
    """What a covert record's transfer step recorded (R-F3, R-C8, R-N1): only in the covert
    column. A domestic transfer names ``recipient``, ``basis``, ``provision``, ``purpose``,
    ``items``, ``markings`` and ``task``; a transfer abroad (issue 20) its ``partner``,
    ``channel``, ``legal_basis`` and ``status``, and its later steps what they decided
    (``granted`` / ``approved`` with ``reasons``; ``reference`` when sent)."""

    strict_keys = True

    recipient = serializers.CharField(required=False, help_text="Recipient agency code")
    partner = serializers.CharField(required=False, help_text="Foreign partner code (R-N1)")
    channel = serializers.CharField(required=False)
    legal_basis = serializers.CharField(required=False, help_text="International legal basis")
    basis = serializers.CharField(required=False)
    access_request = serializers.UUIDField(required=False)
    emergency_access = serializers.UUIDField(required=False)
    hit = serializers.UUIDField(required=False)
    red_notice = serializers.UUIDField(required=False)
    provision = serializers.CharField(required=False)
    purpose = serializers.CharField(required=False)
    items = serializers.ListField(child=serializers.CharField(), required=False)
    markings = serializers.ListField(child=serializers.CharField(), required=False)
    task = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The task that would justify such a collection (R-C8)",
    )
    status = serializers.CharField(required=False)
    granted = serializers.BooleanField(required=False)
    approved = serializers.BooleanField(required=False)
    reasons = serializers.CharField(required=False, allow_blank=True)
    reference = serializers.CharField(required=False, allow_blank=True)


class AuditReferenceSerializer(AbsentKeysSerializer):
    """What identifies a record, hit, covert hit or inbox item in a log row (R-I1, R-I4)."""

    strict_keys = True

    record = serializers.UUIDField(required=False)
    agency = serializers.CharField(required=False, help_text="Owner agency of the record")
    file_number = serializers.CharField(required=False)
    art10 = serializers.BooleanField(
        required=False, help_text="Data from an Art. 10 measure (R-J3)"
    )
    hit = serializers.UUIDField(required=False)
    kind = serializers.CharField(
        required=False, help_text="Hit kind (name, feature, object) or inbox item kind"
    )
    matched_in = serializers.ChoiceField(
        choices=["basic", "extended", "object"],
        required=False,
        help_text="Names: basic or extended data; features: extended; an object record: object",
    )
    covert_hit = serializers.UUIDField(required=False)
    search = serializers.UUIDField(required=False)
    inbox_item = serializers.UUIDField(required=False)
    access_request = serializers.UUIDField(
        required=False, help_text="A request for extended data or further use (R-F1)"
    )
    contact = serializers.BooleanField(required=False, allow_null=True)
    reasons = serializers.CharField(required=False, allow_blank=True)
    due_at = serializers.DateTimeField(required=False)
    transfer = serializers.UUIDField(required=False, help_text="A recorded transfer (R-F3)")
    consultation = serializers.UUIDField(
        required=False, help_text="An owner's part in a subject request (R-K1, R-K2)"
    )
    transfer_details = TransferLogDetailsSerializer(
        required=False, help_text="Covert column only: what the transfer recorded (R-C8)"
    )
    originator_marking = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Covert column only: an originator marking of a covert record (R-N3)",
    )
    originator_details = serializers.DictField(
        required=False,
        help_text="Covert column only: partner, kind and items of the marking, or its release",
    )


class AuditEventSerializer(AbsentKeysSerializer):
    """One log event as a supervisor sees it (``audit.selectors.event_view``)."""

    strict_keys = True

    id = serializers.UUIDField()
    seq = serializers.IntegerField(help_text="Position in the hash chain")
    time = serializers.DateTimeField()
    agency = serializers.CharField(
        allow_null=True, help_text="Acting agency; null for the system and supervisors"
    )
    officer = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    object = serializers.CharField(
        allow_null=True, help_text="The object acted on, e.g. a search's id"
    )
    file = serializers.CharField(allow_blank=True)
    purpose = serializers.CharField(allow_blank=True)
    urgency = serializers.CharField(allow_blank=True)
    references = AuditReferenceSerializer(many=True)
    covert = AuditReferenceSerializer(
        many=True,
        help_text="Covert references, only where this supervisor is competent (R-I5, R-J3)",
    )
    details = serializers.DictField(help_text="Action-specific details")
    outcome = serializers.CharField(allow_blank=True)
    request_id = serializers.CharField(allow_blank=True)


class AuditEventListView(GenericAPIView):
    """Log events of the agencies the supervisor controls (R-J1, R-J2, R-I4).

    Filters: acting agency, officer, file, action, purpose, time; ``record`` or
    ``file_number`` drill down to every access of one reference (R-I4), including other
    agencies' accesses to an Art. 10 record of a supervised agency (R-J3).
    """

    permission_classes = [IsSupervisor]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = AuditEventFilter

    def get_queryset(self) -> Any:
        """Events of the supervised agencies, newest first."""
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        params = self.request.query_params
        about = None
        if params.get("record"):
            try:
                about = ("record", str(uuid.UUID(params["record"])))
            except ValueError:
                about = None  # the filter answers 400
        elif params.get("file_number"):
            about = ("file_number", params["file_number"].strip())
        return audit_events_for(actor=self.request.user, about=about)

    @extend_schema(
        responses={
            200: AuditEventSerializer(many=True),
            400: error(
                "`invalid_choice` (agency, file, purpose), `invalid` (time, page, record), "
                "`invalid_range` (`until` not after `since`), `unknown_parameter`"
            ),
            403: error("`forbidden`: supervisors only"),
        },
        summary="Audit events within jurisdiction (paged, filtered)",
    )
    def get(self, request: Request) -> Response:
        """Return the events; the read itself is logged."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        codes = set(supervised_agencies(request.user).values_list("code", flat=True))
        with transaction.atomic():
            log_event(
                actor=request.user,
                action="audit.read",
                details={"events": [e.seq for e in page], "query": dict(request.query_params)},
            )
        return self.get_paginated_response(
            AuditEventSerializer(
                [event_view(e, supervised_codes=codes) for e in page], many=True
            ).data
        )


class AuditVerifySerializer(serializers.Serializer):
    """Result of recomputing the hash chain."""

    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="Events checked")
    first_bad = serializers.UUIDField(
        allow_null=True, help_text="The first event whose hash does not match; null if ok"
    )


class AuditVerifyView(APIView):
    """Recompute the hash chain."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        responses={200: AuditVerifySerializer, 403: error("`forbidden`: supervisors only")},
        summary="Verify the audit chain",
    )
    def get(self, request: Request) -> Response:
        """Return the result of the chain check; the run is logged (``audit.verify``)."""
        from audit.verification import verify_run

        return Response(AuditVerifySerializer(verify_run(actor=request.user)).data)
