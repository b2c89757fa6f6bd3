"""REST endpoints for Interpol Red Notices (R-N2): thin, the rules live in
``international.services.notices``.

``POST /red-notices/`` records an incoming notice (the BKA as national central bureau),
``GET`` lists and shows them (every officer: accepted ones are cited by searches and
entries), ``POST /red-notices/{id}/decision/`` is the review (a BKA head).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from international.models import NoticeStatus, RedNotice
from international.services.notices import (
    ANSWERS,
    MAX_VERSION,
    REASONS_MAX,
    newer_version,
    notice_decide,
    notice_get,
    notice_receive,
    notices_for,
    notices_log_view,
    require_decider,
    require_receiver,
)
from verbund.api.filters import StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import AbsentKeysSerializer, ErrorSerializer, RequestSerializer
from verbund.services import shapes
from verbund.services.date_rules import Int

NOTICE_SHAPE = shapes.Obj(
    {
        "interpol_reference": shapes.Text(max_len=40),
        "version": Int(),
        "country": shapes.Text(max_len=2),
        "issued_on": shapes.Text(max_len=40),
        "subject": shapes.Obj(
            {
                "surname": shapes.Text(max_len=200),
                "given_names": shapes.Text(max_len=200),
                "date_of_birth": shapes.Text(max_len=10),
            }
        ),
        "offence": shapes.Text(max_len=4000),
    }
)
DECISION_SHAPE = shapes.Obj(
    {
        "accept": shapes.Bool(),
        "reasons": shapes.Text(max_len=REASONS_MAX),
        "checklist": shapes.Obj(extra=shapes.Text(max_len=10)),
    }
)

FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="`forbidden`: supervisors, IT operations, the subject desk and foreign "
    "accounts; for receipt anyone but the BKA (national central bureau), for the decision "
    "anyone but a BKA head",
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="`not_found`: no such notice")


class NoticeSubjectSerializer(serializers.Serializer):
    """The wanted person as the notice names them."""

    surname = serializers.CharField(max_length=200)
    given_names = serializers.CharField(max_length=200, required=False)
    date_of_birth = serializers.RegexField(
        r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        max_length=10,
        required=False,
        help_text="`YYYY-MM-DD`, `YYYY-MM` or `YYYY`, as foreign lists give birth dates",
    )


class RedNoticeCreateSerializer(RequestSerializer):
    """An incoming Red Notice; delivered again with the same reference and version it is
    the same notice (200), a new version is a new notice in review."""

    shape = NOTICE_SHAPE

    interpol_reference = serializers.RegexField(
        r"^A-[0-9]{1,6}/[0-9]{1,3}-[0-9]{4}$",
        max_length=40,
        help_text="Interpol control number, e.g. `A-1234/5-2024`",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_VERSION, help_text="Default 1"
    )
    country = serializers.RegexField(
        r"^[A-Z]{2}$", max_length=2, help_text="Requesting state, ISO 3166-1 alpha-2 (e.g. `US`)"
    )
    issued_on = serializers.DateField(required=False)
    subject = NoticeSubjectSerializer()
    offence = serializers.CharField(max_length=4000, required=False)


class RedNoticeDecisionSerializer(RequestSerializer):
    """The review: accept or reject, the reasons, every active criterion answered."""

    shape = DECISION_SHAPE

    accept = serializers.BooleanField()
    reasons = serializers.CharField(max_length=REASONS_MAX)
    checklist = serializers.DictField(
        child=serializers.ChoiceField(choices=list(ANSWERS)),
        help_text="`{criterion_code: met | not_met}` for every active criterion of the "
        "catalogue (e.g. `political_prosecution`)",
    )


class ChecklistAnswerSerializer(serializers.Serializer):
    """One answered criterion, with its text and source as they stood at the decision."""

    answer = serializers.ChoiceField(choices=list(ANSWERS))
    text = serializers.CharField()
    # The key is "source" (the criterion's legal source), not DRF's Field.source.
    source = serializers.CharField()  # type: ignore[assignment]


class RedNoticeSerializer(AbsentKeysSerializer):
    """A Red Notice. ``superseded_by`` (a newer version's number) is present when a newer
    version reopened the review: this one no longer passes the gate."""

    strict_keys = True

    id = serializers.UUIDField()
    interpol_reference = serializers.CharField()
    version = serializers.IntegerField()
    country = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    subject = NoticeSubjectSerializer()
    offence = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=NoticeStatus.values)
    received_at = serializers.DateTimeField()
    received_by = serializers.CharField(allow_null=True)
    checklist = serializers.DictField(child=ChecklistAnswerSerializer())
    reasons = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    superseded_by = serializers.IntegerField(required=False)


def notice_data(notice: RedNotice) -> dict[str, Any]:
    """A notice as the API shows it."""
    data: dict[str, Any] = {
        "id": notice.pk,
        "interpol_reference": notice.interpol_reference,
        "version": notice.version,
        "country": notice.country,
        "issued_on": notice.issued_on,
        "subject": notice.subject,
        "offence": notice.offence,
        "status": notice.status,
        "received_at": notice.received_at,
        "received_by": notice.received_by.username if notice.received_by else None,
        "checklist": notice.checklist,
        "reasons": notice.reasons,
        "decided_by": notice.decided_by.username if notice.decided_by else None,
        "decided_at": notice.decided_at,
    }
    newer = newer_version(notice)
    if newer is not None:
        data["superseded_by"] = newer
    return data


class RedNoticeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices)
    country = django_filters.CharFilter(max_length=2, help_text="ISO 3166-1 alpha-2")

    class Meta:
        model = RedNotice
        fields: list[str] = []


class RedNoticeListView(GenericAPIView):
    """Record an incoming notice; list notices."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = RedNoticeFilter
    serializer_class = RedNoticeSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return RedNotice.objects.none()
        return notices_for(as_officer(self.request.user))

    @extend_schema(
        responses={
            200: RedNoticeSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="Invalid filter"),
            403: FORBIDDEN,
        },
        summary="Red Notices, newest first (paged; filters status, country)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of notices; the page shown is logged."""
        actor = as_officer(request.user)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        if page:
            notices_log_view(actor, list(page), "red_notice.list")
        return self.get_paginated_response(
            RedNoticeSerializer([notice_data(n) for n in page], many=True).data
        )

    @extend_schema(
        request=RedNoticeCreateSerializer,
        responses={
            201: RedNoticeSerializer,
            200: OpenApiResponse(
                RedNoticeSerializer,
                description="The same reference and version was delivered before: the "
                "stored notice, unchanged",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required`, `unknown_field`, `invalid_reference`, "
                "`invalid_version`, `invalid_country`, `invalid_date`, `too_long`, "
                "`invalid_characters`, `invalid`",
            ),
            403: FORBIDDEN,
        },
        summary="Record an incoming Red Notice: in review, whatever its country (R-N2)",
        examples=[
            OpenApiExample(
                "Red Notice",
                request_only=True,
                value={
                    "interpol_reference": "A-1234/5-2024",
                    "version": 1,
                    "country": "US",
                    "subject": {
                        "surname": "Doe",
                        "given_names": "John",
                        "date_of_birth": "1980-05",
                    },
                    "offence": "Betrug",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Record the notice; the same delivery again answers 200 with the same id."""
        actor = as_officer(request.user)
        require_receiver(actor)
        data = RedNoticeCreateSerializer.checked(request.data)
        notice, created = notice_receive(actor=actor, data=data)
        return Response(
            RedNoticeSerializer(notice_data(notice)).data, status=201 if created else 200
        )


class RedNoticeDetailView(APIView):
    """One notice."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: RedNoticeSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="A Red Notice with its review",
    )
    def get(self, request: Request, notice_id: str) -> Response:
        """Return the notice; the showing is logged."""
        actor = as_officer(request.user)
        notice = notice_get(actor, notice_id)
        notices_log_view(actor, [notice], "red_notice.view")
        return Response(RedNoticeSerializer(notice_data(notice)).data)


class RedNoticeDecisionView(APIView):
    """The review decision."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=RedNoticeDecisionSerializer,
        responses={
            200: RedNoticeSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required` (`accept`, `reasons`), `checklist_incomplete` "
                "(`checklist.<code>`: an active criterion not answered), "
                "`unknown_criterion`, `invalid_choice`, `invalid`",
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`already_decided`: the notice was decided; "
                "`notice_superseded`: a newer version is in review",
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description="`criterion_not_met`: a notice with a criterion not met cannot "
                "be accepted",
            ),
        },
        summary="Accept or reject a Red Notice against the checklist (R-N2)",
        examples=[
            OpenApiExample(
                "Reject",
                request_only=True,
                value={
                    "accept": False,
                    "reasons": "Politische Verfolgung nicht auszuschließen.",
                    "checklist": {"political_prosecution": "not_met"},
                },
            )
        ],
    )
    def post(self, request: Request, notice_id: str) -> Response:
        """Decide; the row is locked, a second decision is 409."""
        actor = as_officer(request.user)
        require_decider(actor)
        data = RedNoticeDecisionSerializer.checked(request.data)
        notice = notice_decide(
            actor=actor,
            notice_id=notice_id,
            accept=data.get("accept"),
            reasons=data.get("reasons"),
            checklist=data.get("checklist"),
        )
        return Response(RedNoticeSerializer(notice_data(notice)).data)
