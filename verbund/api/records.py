"""REST endpoints for records (api.md "Records"): thin, rules live in the services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import (
    BlockSerializer,
    CorrectionNoticeSerializer,
    ErrorSerializer,
    RecordInputSerializer,
    RecordOutputSerializer,
)
from verbund.selectors.records import own_records, record_data, record_get
from verbund.services.records import (
    correction_notice_create,
    record_block,
    record_create,
    record_delete,
    record_update,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed"),
    404: OpenApiResponse(ErrorSerializer, description="Unknown or not for you"),
    422: OpenApiResponse(ErrorSerializer, description="Refused by a legal rule"),
}


class RecordListView(APIView):
    """List the own agency's records; enter a new record."""

    permission_classes = [IsOfficer]

    @extend_schema(
        parameters=[],
        responses={200: RecordOutputSerializer(many=True), **ERRORS},
        summary="Own agency's records (paged)",
    )
    def get(self, request: Request) -> Response:
        """Return the caller's agency's records, paged; the page shown is logged (R-I1)."""
        qs = own_records(actor=as_officer(request.user), file_code=request.query_params.get("file"))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        with transaction.atomic():
            refs = [log_ref(r) for r in page]
            log_event(
                actor=as_officer(request.user),
                action="record.list",
                object_type="record",
                references=[
                    ref for ref, r in zip(refs, page, strict=True) if r.storage != "covert"
                ],
                covert=[ref for ref, r in zip(refs, page, strict=True) if r.storage == "covert"],
            )
        return paginator.get_paginated_response(
            [record_data(r, actor=as_officer(request.user)) for r in page]
        )

    @extend_schema(
        request=RecordInputSerializer,
        responses={201: RecordOutputSerializer, **ERRORS},
        summary="Enter a record (every entry rule of R-B, R-C, R-D enforced)",
    )
    def post(self, request: Request) -> Response:
        """Create a record for the caller's agency."""
        record = record_create(actor=as_officer(request.user), data=_body(request))
        return Response(record_data(record, actor=as_officer(request.user)), status=201)


class RecordDetailView(APIView):
    """Read, change or delete one record."""

    permission_classes = [IsOfficer]

    @extend_schema(responses={200: RecordOutputSerializer, **ERRORS}, summary="Read a record")
    def get(self, request: Request, record_id: str) -> Response:
        """Return the record as far as the caller may see it (404 otherwise)."""
        return Response(record_get(actor=as_officer(request.user), record_id=record_id))

    @extend_schema(
        request=RecordInputSerializer,
        responses={200: RecordOutputSerializer, **ERRORS},
        summary="Change a record (owner only; validated like a create)",
    )
    def patch(self, request: Request, record_id: str) -> Response:
        """Apply a partial change."""
        record = record_update(
            actor=as_officer(request.user), record_id=record_id, data=_body(request)
        )
        return Response(record_data(record, actor=as_officer(request.user)))

    @extend_schema(
        parameters=[],
        responses={204: None, **ERRORS},
        summary="Delete a record (owner only; R-L5)",
    )
    def delete(self, request: Request, record_id: str) -> Response:
        """Delete the record with everything that hangs on it."""
        reason = request.query_params.get("reason", "")
        if isinstance(request.data, dict):
            reason = str(request.data.get("reason", reason))
        record_delete(actor=as_officer(request.user), record_id=record_id, reason=reason)
        return Response(status=204)


class RecordBlockView(APIView):
    """Block a record instead of deleting it (R-L3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=BlockSerializer,
        responses={200: RecordOutputSerializer, **ERRORS},
        summary="Block a record (owner only)",
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Block the record with a reason."""
        body = _body(request)
        record = record_block(
            actor=as_officer(request.user), record_id=record_id, reason=body.get("reason")
        )
        return Response(record_data(record, actor=as_officer(request.user)))


class CorrectionNoticeView(APIView):
    """Tell the owner about indications of inaccuracy (R-H2)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=CorrectionNoticeSerializer,
        responses={
            201: inline_serializer("CorrectionNoticeCreated", {"id": serializers.UUIDField()}),
            **ERRORS,
        },
        summary="Send a correction notice to the owner's inbox",
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Create the notice."""
        body = _body(request)
        item = correction_notice_create(
            actor=as_officer(request.user), record_id=record_id, text=body.get("text")
        )
        return Response({"id": str(item.pk)}, status=201)


def _body(request: Request) -> dict[str, Any]:
    """Return the JSON object of a request, refusing arrays (no batch requests, R-E5)."""
    from verbund.errors import Invalid

    data = request.data
    if not isinstance(data, dict):
        raise Invalid(
            "Ein JSON-Objekt erwartet; Sammelanfragen sind nicht zulässig.", code="invalid"
        )
    return dict(data)
