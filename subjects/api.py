"""REST endpoints of subject access (api.md "Subject access"; R-K1-K5, R-K3a).

- ``GET/POST /subject-requests/``: a desk's requests; record one (desk only);
- ``GET /subject-requests/{id}/``: the request, its consultations and the answer (logged);
- ``POST /subject-requests/{id}/answer/``: issue the letter once every owner decided;
- ``POST /subject-requests/{id}/challenge/``: record a challenge of a decision (R-K4):
  an objection (Widerspruch) or a court action (Klage);
- ``POST /subject-consultations/{id}/decision/``: the owner decides one ask (R-K3, R-K4);
- ``POST /subject-challenges/{id}/decision/``: the owner decides an objection (R-K4);
- ``POST /subject-challenges/{id}/ruling/``: the desk records the court's ruling; a deletion
  order deletes the record (R-K4, R-M5, R-L5);
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
from subjects.models import (
    Ask,
    ChallengeKind,
    ChallengeOutcome,
    InvokedGround,
    Outcome,
    RequestStatus,
    Scope,
    SubjectRequest,
)
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
    deletion_ground = serializers.ChoiceField(
        choices=InvokedGround.values,
        required=False,
        help_text="The ground on which the applicant asks for deletion (only with `deletion` "
        "in `asks`, else 400 `not_allowed`). `no_legal_basis`: while the record is stored "
        "without a legal basis, the owner must grant the deletion (R-M5).",
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
        help_text="delete only: the legal reason kept in the tombstone (default: the ground "
        "the applicant invoked, else `not_necessary`). `no_legal_basis` only while the record "
        "is stored without a legal basis (else 422 `legal_basis_in_force`).",
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
        required=False,
        help_text="The consultation whose decision is challenged (required for a court "
        "action; an objection naming none is not put to an owner)",
    )
    kind = serializers.ChoiceField(
        choices=ChallengeKind.values,
        required=False,
        help_text="`objection` (Widerspruch, default): the owner decides it; `court_action` "
        "(Klage): the desk records the court's ruling.",
    )


class ChallengeDecisionInSerializer(RequestSerializer):
    """Body of POST /subject-challenges/{id}/decision/ (R-K4)."""

    shape = services.CHALLENGE_DECISION

    outcome = serializers.ChoiceField(
        choices=[ChallengeOutcome.REJECTED.value, ChallengeOutcome.UPHELD.value],
        help_text="`rejected` or `upheld`",
    )
    reasons = serializers.CharField(
        max_length=MAX_TEXT, help_text="Reasons (required; missing → 400 naming `reasons`)"
    )
    deletion_ground = serializers.ChoiceField(
        choices=InvokedGround.values,
        required=False,
        help_text="Upholding an objection against a refused deletion deletes the record: the "
        "tombstone ground (default: the ground the applicant invoked, else `not_necessary`).",
    )


class CourtRulingInSerializer(RequestSerializer):
    """Body of POST /subject-challenges/{id}/ruling/ (R-K4, R-M5)."""

    shape = services.COURT_RULING

    court = serializers.CharField(max_length=300, help_text="The court, e.g. VG Karlsruhe")
    file_number = serializers.CharField(max_length=80, help_text="The court's file number")
    date = serializers.DateField(help_text="Date of the ruling (YYYY-MM-DD, not in the future)")
    outcome = serializers.ChoiceField(
        choices=[ChallengeOutcome.DELETION_ORDERED.value, ChallengeOutcome.DISMISSED.value],
        help_text="`deletion_ordered`: the record is deleted, whatever the owner decided; "
        "`dismissed`.",
    )
    reasons = serializers.CharField(max_length=MAX_TEXT, help_text="The ruling's main reasons")
    deletion_ground = serializers.ChoiceField(
        choices=[DeletionGround.NO_LEGAL_BASIS.value, DeletionGround.UNLAWFUL.value],
        required=False,
        help_text="`deletion_ordered` only (required there): the ground the ruling states.",
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


class RulingSerializer(serializers.Serializer):
    """The court's ruling on a court action."""

    court = serializers.CharField()
    file_number = serializers.CharField()
    date = serializers.DateField()


class ChallengeSerializer(serializers.Serializer):
    """A recorded challenge and how it ended (R-K4)."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ChallengeKind.values)
    consultation = serializers.UUIDField(allow_null=True)
    text = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(
        choices=ChallengeOutcome.values, allow_null=True, help_text="null while open"
    )
    reasons = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(
        allow_null=True, help_text="The owner's officer (objection) or the desk (ruling)"
    )
    decided_at = serializers.DateTimeField(allow_null=True)
    ruling = RulingSerializer(allow_null=True, help_text="A court action's recorded ruling")
    deletion_ground = serializers.ChoiceField(
        choices=DeletionGround.values,
        allow_null=True,
        help_text="The ground on which the record was deleted by this challenge",
    )
    record_deleted = serializers.BooleanField(
        help_text="Whether this challenge's outcome deleted the record"
    )


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
    deletion_ground = serializers.ChoiceField(
        choices=InvokedGround.values,
        allow_null=True,
        help_text="The ground of deletion the applicant invoked, if any",
    )
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
                "`too_long`, `invalid_characters`; `invalid_choice`, `not_allowed` "
                "(`deletion_ground`)"
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
            400: _err(
                "`required` (`text`; `consultation` for a court action), `invalid_choice` "
                "(`consultation`, `kind`), `unknown_field`"
            ),
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
                "(`ask`), `not_allowed` (`ground`, `withhold_reasons`, `changes`, "
                "`deletion_ground`), `unknown_field`, `invalid`, `too_long`, "
                "`changes.<field>` errors"
            ),
            403: _err(
                "`not_head`: a § 15 BVerfSchG refusal by anybody but the head or a specially "
                "authorised employee; `not_owner`"
            ),
            404: _err("Unknown, or not a consultation of the caller's agency and files"),
            409: _err("`already_decided`, `record_gone`, `record_blocked`"),
            422: _err(
                "`deletion_required`: a refusal of a deletion asked for lack of a legal basis "
                "while the record is stored without one (R-M5); `legal_basis_in_force`: a "
                "deletion on the ground `no_legal_basis` once the basis is in force"
            ),
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


class ChallengeDecisionView(APIView):
    """The owner's decision on an objection against its decision (R-K4)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=ChallengeDecisionInSerializer,
        responses={
            200: ChallengeSerializer,
            400: _err(
                "`required` (`outcome`, `reasons`), `invalid_choice` (`outcome`, "
                "`deletion_ground`), `not_allowed` (`deletion_ground`), `unknown_field`, "
                "`invalid`, `too_long`, `invalid_characters`"
            ),
            403: _err("`not_head`: a § 15 BVerfSchG agency's rejection by anybody but the head"),
            404: _err("Unknown, or not a challenge of a consultation of the caller's agency"),
            409: _err("`already_decided`, `not_an_objection`, `record_blocked`"),
            422: _err("`deletion_required`, `legal_basis_in_force` (as for decisions)"),
        },
        summary="Owner's decision on an objection: rejected or upheld, with reasons",
        examples=[
            OpenApiExample(
                "Reject an objection",
                request_only=True,
                value={
                    "outcome": "rejected",
                    "reasons": "Die Speicherung ist zur Verhütung von Gewalttaten erforderlich.",
                },
            )
        ],
    )
    def post(self, request: Request, challenge_id: str) -> Response:
        """Decide and answer with the challenge."""
        actor = as_officer(request.user)
        body = ChallengeDecisionInSerializer.checked(request.data)
        decided = services.challenge_decide(actor=actor, challenge_id=challenge_id, data=body)
        return Response(ChallengeSerializer(services.challenge_payload(decided)).data)


class ChallengeRulingView(APIView):
    """The desk records the court's ruling on a court action (R-K4, R-M5, R-L5)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=CourtRulingInSerializer,
        responses={
            200: ChallengeSerializer,
            400: _err(
                "`required` (`court`, `file_number`, `date`, `outcome`, `reasons`, "
                "`deletion_ground`), `invalid_choice` (`outcome`, `deletion_ground`), "
                "`not_allowed` (`deletion_ground`), `invalid_date` (`date`), `unknown_field`, "
                "`invalid`, `too_long`, `invalid_characters`"
            ),
            403: FORBIDDEN,
            404: _err("Unknown, or not a challenge recorded by the caller's agency"),
            409: _err("`already_decided`, `not_a_court_action`"),
        },
        summary="Record a court's ruling; a deletion order deletes the record",
        examples=[
            OpenApiExample(
                "Deletion ordered",
                request_only=True,
                value={
                    "court": "Verwaltungsgericht Karlsruhe",
                    "file_number": "3 K 2345/09",
                    "date": "2010-04-14",
                    "outcome": "deletion_ordered",
                    "reasons": "Die nach § 7 Abs. 6 BKAG erforderliche Rechtsverordnung fehlt.",
                    "deletion_ground": "no_legal_basis",
                },
            )
        ],
    )
    def post(self, request: Request, challenge_id: str) -> Response:
        """Record the ruling and answer with the challenge."""
        actor = as_officer(request.user)
        services.require_desk(actor)
        body = CourtRulingInSerializer.checked(request.data)
        ruled = services.challenge_ruling_record(actor=actor, challenge_id=challenge_id, data=body)
        return Response(ChallengeSerializer(services.challenge_payload(ruled)).data)
