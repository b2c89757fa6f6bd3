"""REST endpoints for the inbox and covert-hit decisions (api.md "Inbox", R-D3)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.pagination import Pagination
from verbund.api.params import bool_param, choice_param
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer
from verbund.errors import Invalid
from verbund.models import InboxItem
from verbund.models.inbox import InboxKind
from verbund.selectors.searches import inbox_for
from verbund.services.searches import covert_hit_decide, covert_hit_view, inbox_log_view

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input (required, invalid, too_long; invalid_choice of a "
        "query parameter)",
    ),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Supervisor or account without agency"),
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or not the owner's"),
    409: OpenApiResponse(ErrorSerializer, description="already_decided"),
}


class InboxItemSerializer(serializers.Serializer):
    """An inbox item; a covert hit's payload holds the full query data (R-D3)."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=InboxKind.values)
    file = serializers.CharField()
    subject_id = serializers.UUIDField(allow_null=True, help_text="e.g. the covert hit's id")
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField()


class CovertHitDecisionSerializer(serializers.Serializer):
    """The owner's decision: contact the requester, or not because secrecy outweighs."""

    contact = serializers.BooleanField()
    reasons = serializers.CharField()


class CovertHitSerializer(serializers.Serializer):
    """A covert hit as its owner sees it."""

    id = serializers.UUIDField()
    search = serializers.UUIDField()
    record = serializers.UUIDField()
    query = serializers.DictField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    contact = serializers.BooleanField(allow_null=True)
    reasons = serializers.CharField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


def item_data(item: InboxItem) -> dict[str, Any]:
    """Return the API shape of an inbox item."""
    return {
        "id": str(item.pk),
        "kind": item.kind,
        "file": item.file.code,
        "subject_id": str(item.subject_id) if item.subject_id else None,
        "created_at": item.created_at.isoformat(),
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "done_at": item.done_at.isoformat() if item.done_at else None,
        "payload": item.payload,
    }


class InboxView(APIView):
    """The agency's inbox, for officers authorised for the file."""

    permission_classes = [IsOfficer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                enum=InboxKind.values,
                required=False,
                description="Another value: 400 invalid_choice.",
            ),
            OpenApiParameter(
                "open",
                str,
                enum=["1", "true", "0", "false"],
                required=False,
                description="Only items not done (1/true). Another value: 400 invalid_choice.",
            ),
            OpenApiParameter("page", int, required=False),
        ],
        responses={200: InboxItemSerializer(many=True), **ERRORS},
        summary="The agency's inbox (paged)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of the inbox; the page shown is logged (R-I1)."""
        items = inbox_for(
            actor=as_officer(request.user),
            kind=choice_param(request, "kind", InboxKind.values),
            open_only=bool_param(request, "open"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(items, request, view=self) or []
        inbox_log_view(actor=as_officer(request.user), items=page)
        return paginator.get_paginated_response([item_data(i) for i in page])


class CovertHitDecisionView(APIView):
    """Record the owner's decision on a covert hit (R-D3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=CovertHitDecisionSerializer,
        responses={200: CovertHitSerializer, **ERRORS},
        summary="Owner's decision on a covert hit: contact, or secrecy outweighs (reasons)",
    )
    def post(self, request: Request, covert_hit_id: str) -> Response:
        """Decide and answer with the updated covert hit."""
        body = request.data
        if not isinstance(body, dict):
            raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
        covert_hit = covert_hit_decide(
            actor=as_officer(request.user),
            covert_hit_id=covert_hit_id,
            contact=body.get("contact"),
            reasons=body.get("reasons"),
        )
        return Response(covert_hit_view(covert_hit))
