"""REST endpoints of subject access (api.md "Subject access"; R-K1-K5, R-K3a).

- ``GET/POST /subject-requests/``: a desk's requests; record one (desk only);
- ``GET /subject-requests/{id}/``: the request, its consultations and the answer (logged);
- ``POST /subject-requests/{id}/answer/``: issue the letter once every owner decided;
- ``POST /subject-requests/{id}/challenge/``: record a challenge of a decision (R-K4);
- ``POST /subject-consultations/{id}/decision/``: the owner decides one ask (R-K3, R-K4);
- ``GET /subject-refusal-grounds/``: the caller's agency's catalogue of refusal grounds.

Thin: the rules live in ``subjects.services``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from audit.services import log_event
from subjects import selectors, services
from subjects.models import Ask, Outcome, RequestStatus, Scope, SubjectRequest
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer, RecordMergePatchSerializer, RequestSerializer
from verbund.models.lifecycle import DeletionGround
from verbund.services import shapes

MAX_TEXT = services.MAX_TEXT


class ApplicantInSerializer(serializers.Serializer):
    """The applicant as the desk identifies him: name and full date of birth."""

    surname = serializers.CharField(max_length=500)
    given_names = serializers.CharField(max_length=500)
    date_of_birth = serializers.DateField(help_text="YYYY-MM-DD (a full date)")


class SubjectRequestCreateSerializer(RequestSerializer):
    """Body of POST /subject-requests/ (R-K1, R-K2, R-K4)."""

    shape = services.SUBJECT_REQUEST

    applicant = ApplicantInSerializer()
    asks = serializers.ListField(
        child=serializers.ChoiceField(choices=Ask.values),
        max_length=shapes.MAX_LIST_ITEMS,
        help_text="What the applicant asked for; at least one (missing or empty: 400 `asks`).",
    )
    concrete_matter = serializers.CharField(
        required=False,
        max_length=MAX_TEXT,
        help_text="The concrete matter the applicant points to (required at the desk of an "
        "agency under § 15 BVerfSchG when access is asked).",
    )
    special_interest = serializers.CharField(
        required=False,
        max_length=MAX_TEXT,
        help_text="The special interest in access the applicant shows (as `concrete_matter`).",
    )


class SubjectDecisionSerializer(RequestSerializer):
    """Body of POST /subject-consultations/{id}/decision/ (R-K3, R-K3a, R-K4)."""

    shape = services.SUBJECT_DECISION

    ask = serializers.ChoiceField(choices=Ask.values, help_text="The ask decided")
    outcome = serializers.ChoiceField(
        choices=Outcome.values,
        help_text="access: `agree` or `refuse`; correction: `correct` or `refuse`; deletion: "
        "`delete` or `refuse`.",
    )
    ground = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Refusal of access only: a code from the owner's catalogue "
        "(GET /subject-refusal-grounds/).",
    )
    reasons = serializers.CharField(
        required=False,
        max_length=MAX_TEXT,
        help_text="Reasons weighed in the case; required for every outcome but `agree`.",
    )
    withhold_reasons = serializers.BooleanField(
        required=False,
        help_text="§ 15(4) BVerfSchG agencies refusing access: the letter gives the legal "
        "basis for the missing reasons instead; the reasons stay on file.",
    )
    deletion_ground = serializers.ChoiceField(
        choices=DeletionGround.values,
        required=False,
        help_text="delete: the legal reason kept in the tombstone (default `not_necessary`).",
    )
    changes = RecordMergePatchSerializer(
        required=False,
        help_text="correct: the correction as a JSON Merge Patch, applied like PATCH "
        "/records/{id}/; its errors name `changes.<field>`. Absent: the owner corrected "
        "through PATCH /records/{id}/ before; `reasons` say what.",
    )


class ChallengeInSerializer(RequestSerializer):
    """Body of POST /subject-requests/{id}/challenge/ (R-K4)."""

    shape = services.CHALLENGE

    text = serializers.CharField(max_length=MAX_TEXT, help_text="The challenge as received")
    consultation = serializers.UUIDField(
        required=False, help_text="The consultation whose decision is challenged"
    )


class ApplicantSerializer(serializers.Serializer):
    """The applicant."""

    surname = serializers.CharField()
    given_names = serializers.CharField()
    date_of_birth = serializers.DateField()


class DecisionSerializer(serializers.Serializer):
    """An owner's decision on one ask."""

    ask = serializers.ChoiceField(choices=Ask.values)
    outcome = serializers.ChoiceField(choices=Outcome.values)
    ground = serializers.CharField(required=False, help_text="Refusal of access: the ground")
    reasons = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Absent for the desk of another agency when withheld (§ 15(4)).",
    )
    reasons_withheld = serializers.BooleanField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField()


class ConsultationSerializer(serializers.Serializer):
    """A record found for a request, put to its owner."""

    id = serializers.UUIDField()
    agency = serializers.CharField(help_text="Code of the owning agency")
    file = serializers.CharField()
    file_number = serializers.CharField()
    due_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    decisions = DecisionSerializer(many=True)


class ChallengeSerializer(serializers.Serializer):
    """A recorded challenge."""

    id = serializers.UUIDField()
    consultation = serializers.UUIDField(allow_null=True)
    text = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class AnswerSerializer(serializers.Serializer):
    """The letter to the applicant (German)."""

    text = serializers.CharField()
    issued_at = serializers.DateTimeField()
    issued_by = serializers.CharField()
    covers = serializers.ChoiceField(
        choices=Scope.values,
        help_text="`not_covert`: the BKA's answer, only data not stored covertly (R-K1); "
        "`own`: an agency's answer for all its own data (R-K2).",
    )


class SubjectRequestSerializer(serializers.Serializer):
    """A subject request as its desk sees it."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=RequestStatus.values)
    agency = serializers.CharField(help_text="Code of the desk's agency")
    scope = serializers.ChoiceField(choices=Scope.values)
    applicant = ApplicantSerializer()
    asks = serializers.ListField(child=serializers.ChoiceField(choices=Ask.values))
    concrete_matter = serializers.CharField(allow_blank=True)
    special_interest = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField()
    consultations = ConsultationSerializer(many=True)
    challenges = ChallengeSerializer(many=True)
    answer = AnswerSerializer(allow_null=True, help_text="null until issued")


class RefusalGroundSerializer(serializers.Serializer):
    """One refusal ground of the agency's catalogue (R-K3)."""

    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    citation = serializers.CharField()
    project_decision = serializers.BooleanField(
        help_text="Applied by project decision (e.g. § 15 BVerfSchG for LfV, BND, MAD)."
    )


def _err(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


FORBIDDEN = _err("`not_subject_desk`: only an agency's subject desk; supervisors")
NOT_FOUND = _err("Unknown, or not the caller's agency's")


def _render(request: SubjectRequest, *, desk_agency_id: Any) -> Any:
    return SubjectRequestSerializer(
        selectors.request_view(request, desk_agency_id=desk_agency_id)
    ).data


class SubjectRequestListView(GenericAPIView):
    """The desk's subject requests; record a new one."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    serializer_class = SubjectRequestSerializer

    def get_queryset(self) -> Any:
        """The desk's agency's requests."""
        if getattr(self, "swagger_fake_view", False):
            return SubjectRequest.objects.none()
        return selectors.requests_for(actor=as_officer(self.request.user))

    @extend_schema(
        responses={200: SubjectRequestSerializer(many=True), 403: FORBIDDEN},
        summary="The desk's subject requests (paged), logged",
    )
    def get(self, request: Request) -> Response:
        """Return a page of requests; the page shown is logged (R-I1)."""
        actor = as_officer(request.user)
        page = self.paginate_queryset(self.get_queryset()) or []
        log_event(
            actor=actor,
            action="subject_request.read",
            object_type="subject_request_list",
            details={"requests": [str(r.pk) for r in page]},
        )
        return self.get_paginated_response(
            [_render(r, desk_agency_id=actor.agency_id) for r in page]
        )

    @extend_schema(
        request=SubjectRequestCreateSerializer,
        responses={
            201: SubjectRequestSerializer,
            400: _err(
                "`required` (`asks`, `applicant.surname`, `applicant.given_names`, "
                "`applicant.date_of_birth`, and for § 15 agencies `concrete_matter`, "
                "`special_interest`), `invalid_choice` (`asks`), `invalid_date`, "
                "`incomplete_data`, `wildcards_not_allowed`, `unknown_field`, `invalid`, "
                "`too_long`, `invalid_characters`"
            ),
            403: FORBIDDEN,
        },
        summary="Record a subject request (access, correction, deletion) at the desk",
        examples=[
            OpenApiExample(
                "Access and deletion",
                request_only=True,
                value={
                    "applicant": {
                        "surname": "Muster",
                        "given_names": "Max",
                        "date_of_birth": "1980-01-31",
                    },
                    "asks": ["access", "deletion"],
                    "concrete_matter": "Einreiseverweigerung am Flughafen am 2.3.2026",
                    "special_interest": "Berufliche Reisen",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Record the request; the owners of records found receive inbox items."""
        actor = as_officer(request.user)
        services.require_desk(actor)
        body = SubjectRequestCreateSerializer.checked(request.data)
        created = services.subject_request_create(actor=actor, data=body)
        return Response(_render(created, desk_agency_id=actor.agency_id), status=201)


class SubjectRequestDetailView(APIView):
    """One request with its consultations and the answer."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: SubjectRequestSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="A subject request and its answer (R-K1, R-K2), logged",
    )
    def get(self, request: Request, request_id: str) -> Response:
        """Return the request; the read is logged (R-I1)."""
        actor = as_officer(request.user)
        found = selectors.request_for(actor=actor, request_id=request_id)
        services.subject_request_log_read(actor=actor, request=found)
        return Response(_render(found, desk_agency_id=actor.agency_id))


class SubjectRequestAnswerView(APIView):
    """Issue the answer letter."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=None,
        responses={
            200: SubjectRequestSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: _err("`consultations_pending`, `already_answered`"),
        },
        summary="Issue the answer once every owner has decided",
    )
    def post(self, request: Request, request_id: str) -> Response:
        """Compose the letter and answer with the updated request."""
        actor = as_officer(request.user)
        answered = services.subject_request_answer(actor=actor, request_id=request_id)
        return Response(_render(answered, desk_agency_id=actor.agency_id))


class SubjectRequestChallengeView(APIView):
    """Record a challenge of a decision (R-K4)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=ChallengeInSerializer,
        responses={
            201: SubjectRequestSerializer,
            400: _err("`required` (`text`), `invalid_choice` (`consultation`), `unknown_field`"),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: _err("`not_answered`"),
        },
        summary="Record the applicant's challenge of a decision",
    )
    def post(self, request: Request, request_id: str) -> Response:
        """Record it and answer with the updated request."""
        actor = as_officer(request.user)
        body = ChallengeInSerializer.checked(request.data)
        services.subject_request_challenge(actor=actor, request_id=request_id, data=body)
        found = selectors.request_for(actor=actor, request_id=request_id)
        return Response(_render(found, desk_agency_id=actor.agency_id), status=201)


class ConsultationDecisionView(APIView):
    """The owner's decision on one ask of a consultation."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=SubjectDecisionSerializer,
        responses={
            200: ConsultationSerializer,
            400: _err(
                "`required` (`ask`, `outcome`, `ground`, `reasons`), "
                "`invalid_choice` (`outcome`, `ground`, `deletion_ground`), `not_asked` "
                "(`ask`), `not_allowed` (`ground`, `withhold_reasons`, `changes`), "
                "`unknown_field`, `invalid`, `too_long`, `changes.<field>` errors"
            ),
            403: _err(
                "`not_head`: a § 15 BVerfSchG refusal by anybody but the head or a specially "
                "authorised employee; `not_owner`"
            ),
            404: _err("Unknown, or not a consultation of the caller's agency and files"),
            409: _err("`already_decided`, `record_gone`, `record_blocked`"),
        },
        summary="Owner's decision on an ask: agree/refuse, correct/refuse, delete/refuse",
        examples=[
            OpenApiExample(
                "Refuse access",
                request_only=True,
                value={
                    "ask": "access",
                    "outcome": "refuse",
                    "ground": "s15_sources",
                    "reasons": "Laufende Quellenführung; Auskunft ließe Rückschlüsse zu.",
                    "withhold_reasons": True,
                },
            )
        ],
    )
    def post(self, request: Request, consultation_id: str) -> Response:
        """Decide and answer with the updated consultation."""
        actor = as_officer(request.user)
        body = SubjectDecisionSerializer.checked(request.data)
        consultation = services.consultation_decide(
            actor=actor, consultation_id=consultation_id, data=body
        )
        return Response(
            ConsultationSerializer(
                selectors.consultation_view(consultation, desk_agency_id=actor.agency_id)
            ).data
        )


class RefusalGroundListView(APIView):
    """The caller's agency's catalogue of refusal grounds (R-K3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: RefusalGroundSerializer(many=True), 403: FORBIDDEN},
        summary="The agency's refusal grounds (its own law)",
    )
    def get(self, request: Request) -> Response:
        """Return the catalogue (no personal data)."""
        actor = as_officer(request.user)
        grounds = selectors.grounds_of(agency_id=actor.agency_id)
        return Response(RefusalGroundSerializer(grounds, many=True).data)
