"""REST endpoints of the record lifecycle (api.md "Lifecycle"; R-L1-L4, R-J6, R-M4).

- ``POST /records/{id}/review/``: the owner's review decision (keep, corrected, blocked,
  deleted), closing the open review or opening and deciding one for the case in hand;
- ``POST /records/{id}/blocked-use/``: the owner uses a blocked record's data on one of the
  three grounds of ATDG §11(3), logged;
- ``POST /records/{id}/justice-decisions/``: a reported justice decision opens a review;
- ``POST /supervision/records/{id}/complaints/``: a supervisor's complaint opens a review.

Thin: the rules live in ``verbund.services.reviews``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.inbox import ReviewDueItemSerializer
from verbund.api.permissions import IsOfficer, IsSupervisor
from verbund.api.records import CHANGE_ERRORS, ERRORS, ETAG, IF_MATCH, _body, parse_if_match
from verbund.api.schemas import (
    ErrorSerializer,
    RecordMergePatchSerializer,
    RecordSerializer,
    RequestSerializer,
)
from verbund.errors import etag
from verbund.models.lifecycle import BlockedUseGround, DeletionGround, ReviewOutcome
from verbund.services import reviews
from verbund.services.reviews import JusticeDecisionKind


class ReviewDecisionSerializer(RequestSerializer):
    """Body of POST /records/{id}/review/: the owner's decision on a review (R-L4)."""

    shape = reviews.REVIEW_DECISION

    outcome = serializers.ChoiceField(
        choices=ReviewOutcome.choices,
        help_text="`keep` (reasons, new `review_date`), `corrected` (the owner corrected the "
        "record through PATCH, or sends it as `changes`; reasons say what; new "
        "`review_date`), `blocked` "
        "(`block_reason`, R-L3), `deleted` (`ground`, R-L2).",
    )
    reasons = serializers.CharField(max_length=4000, help_text="Reasons of the decision.")
    review_date = serializers.DateField(
        required=False,
        help_text="keep/corrected: the next review date, not in the past, not after the "
        "deletion date (`review_date_past`, `review_after_deletion`).",
    )
    block_reason = serializers.CharField(
        required=False,
        max_length=4000,
        help_text="blocked: why deletion would harm the data subject's worthy interests.",
    )
    ground = serializers.ChoiceField(
        choices=DeletionGround.choices,
        required=False,
        help_text="deleted: the legal reason, kept in the tombstone.",
    )
    changes = RecordMergePatchSerializer(
        required=False,
        help_text="corrected only: the correction as a JSON Merge Patch (RFC 7396), applied "
        "like PATCH /records/{id}/ in the same transaction; its errors name "
        "`changes.<field>`. Absent: the owner corrected through PATCH before.",
    )


class BlockedUseSerializer(RequestSerializer):
    """Body of POST /records/{id}/blocked-use/ (R-L3, ATDG §11(3))."""

    shape = reviews.BLOCKED_USE

    ground = serializers.ChoiceField(
        choices=BlockedUseGround.choices,
        help_text="`withheld_reason` (the reason deletion was withheld), "
        "`high_ranking_interest` (indispensable for especially high-ranking legal interests "
        "when the facts could otherwise not be established, or only with substantially "
        "greater difficulty), `consent` (the data subject's consent).",
    )
    reasons = serializers.CharField(max_length=4000, help_text="What the data are used for.")


class JusticeDecisionSerializer(RequestSerializer):
    """Body of POST /records/{id}/justice-decisions/ (R-M4)."""

    shape = reviews.JUSTICE_DECISION

    kind = serializers.ChoiceField(choices=JusticeDecisionKind.choices)
    final = serializers.BooleanField(
        help_text="Final (acquittal, refusal) or not merely provisional (discontinuation); "
        "false → 400 `not_final`."
    )
    reasons = serializers.CharField(max_length=4000, help_text="The main reasons.")
    decided_on = serializers.DateField(help_text="Day of the decision, not in the future.")
    provision = serializers.CharField(
        required=False,
        max_length=200,
        help_text='The norm the decision rests on, e.g. "§ 170 Abs. 2 StPO" (optional).',
    )


class ComplaintSerializer(RequestSerializer):
    """Body of POST /supervision/records/{id}/complaints/ (R-J6)."""

    shape = reviews.COMPLAINT

    text = serializers.CharField(max_length=4000, help_text="The complaint.")


class ComplaintLodgedSerializer(serializers.Serializer):
    """The review the complaint opened or joined in the owner's inbox."""

    review = serializers.UUIDField(help_text="The owner's review item")
    record = serializers.UUIDField()
    cause = serializers.ChoiceField(choices=["complaint"])


DECISION_400 = OpenApiResponse(
    ErrorSerializer,
    description="`required`/`invalid_choice` (`outcome`, `reasons`, `review_date`, "
    "`block_reason`, `ground`), `invalid_date`, `review_date_past`, `review_after_deletion`, "
    "`invalid`, `too_long`, `invalid_characters`, `unknown_field`, `changes_not_allowed`, "
    "`not_allowed` (a field of another outcome, e.g. `ground` with `keep`), "
    "`ground_not_applicable` (`deletion_date` before the deletion date has come)",
)


class ReviewDecisionView(APIView):
    """The owner's review decision (R-L1-L4)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=ReviewDecisionSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={
            200: ReviewDueItemSerializer,
            **CHANGE_ERRORS,
            400: DECISION_400,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`already_blocked` (blocked again), `record_blocked` (a blocked "
                "record cannot be corrected)",
            ),
        },
        summary="Decide a review: keep, corrected, blocked or deleted (owner only)",
        examples=[
            OpenApiExample(
                "Delete: no longer necessary",
                request_only=True,
                value={
                    "outcome": "deleted",
                    "reasons": "Verfahren eingestellt; Speicherung nicht mehr erforderlich.",
                    "ground": "not_necessary",
                },
            ),
            OpenApiExample(
                "Keep with a new review date",
                request_only=True,
                value={
                    "outcome": "keep",
                    "reasons": "Erkenntnisse weiterhin erforderlich.",
                    "review_date": "2030-01-31",
                },
            ),
        ],
        description=(
            "Closes the record's open review (`review_due` inbox item); without one, opens a "
            "review for the case in hand and decides it at once. A `deleted` decision erases "
            "the record with its review (R-L5); the answer still shows the decision. A "
            "blocked record is deleted only this way, the reasons saying why the interest "
            "that withheld deletion has lapsed. The ETag is the record's new version."
        ),
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Decide and answer with the closed review."""
        body = ReviewDecisionSerializer.declared(_body(request))
        decided = reviews.review_decide(
            actor=as_officer(request.user),
            record_id=record_id,
            outcome=body.get("outcome"),
            reasons=body.get("reasons"),
            review_date=body.get("review_date"),
            block_reason=body.get("block_reason"),
            ground=body.get("ground"),
            changes=body.get("changes"),
            if_match=parse_if_match(request),
        )
        response = Response(ReviewDueItemSerializer(decided.item).data)
        if decided.version is not None:
            response["ETag"] = etag(decided.version)
        return response


class ReviewListView(APIView):
    """The reviews of the owner's record, open and decided (R-L4)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={
            200: ReviewDueItemSerializer(many=True),
            403: ERRORS[403],
            404: ERRORS[404],
        },
        summary="Reviews of a record, newest first (owner only; the reading is logged)",
    )
    def get(self, request: Request, record_id: str) -> Response:
        """List the record's review items."""
        items = reviews.reviews_of(actor=as_officer(request.user), record_id=record_id)
        return Response(ReviewDueItemSerializer(items, many=True).data)


class BlockedUseView(APIView):
    """Use a blocked record's data on a ground of ATDG §11(3) (R-L3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=BlockedUseSerializer,
        responses={
            200: RecordSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required`/`invalid_choice` (`ground`, `reasons`), `invalid`, "
                "`too_long`, `invalid_characters`, `unknown_field`",
            ),
            403: ERRORS[403],
            404: ERRORS[404],
            409: OpenApiResponse(ErrorSerializer, description="`not_blocked`"),
        },
        summary="Use a blocked record's data, naming the ground (owner only; logged)",
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Answer with the record's data; the use is logged with its ground."""
        body = BlockedUseSerializer.declared(_body(request))
        data = reviews.blocked_use(
            actor=as_officer(request.user),
            record_id=record_id,
            ground=body.get("ground"),
            reasons=body.get("reasons"),
        )
        return Response(RecordSerializer(data).data)


class JusticeDecisionView(APIView):
    """Report a justice decision: it opens a review in the owner's inbox (R-M4)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=JusticeDecisionSerializer,
        responses={
            201: ReviewDueItemSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required`/`invalid_choice` (`kind`, `final`, `reasons`, "
                "`decided_on`), `not_final`, `invalid_date`, `invalid`, `too_long` "
                "(`provision`), `unknown_field`",
            ),
            403: ERRORS[403],
            404: ERRORS[404],
        },
        summary="Report a final acquittal, refusal to open trial or discontinuation",
        description=(
            "Project decision: reported by an officer of the owner agency (the LKA that "
            "received the notice). Opens a review (cause `justice_decision`) or joins the "
            "open one; never deletes by itself."
        ),
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Open (or join) the review and answer with it."""
        body = JusticeDecisionSerializer.declared(_body(request))
        item = reviews.justice_decision_report(
            actor=as_officer(request.user),
            record_id=record_id,
            kind=body.get("kind"),
            final=body.get("final"),
            reasons=body.get("reasons"),
            decided_on=body.get("decided_on"),
            provision=body.get("provision"),
        )
        return Response(ReviewDueItemSerializer(item).data, status=201)


class ComplaintView(APIView):
    """A supervisor's complaint about a record: it lands in the owner's inbox (R-J6)."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        request=ComplaintSerializer,
        responses={
            201: ComplaintLodgedSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`required` (`text`), `invalid`, `too_long`, `unknown_field`",
            ),
            403: OpenApiResponse(ErrorSerializer, description="Not a supervisor"),
            404: OpenApiResponse(
                ErrorSerializer,
                description="`not_found`: unknown, or outside jurisdiction and delegation",
            ),
        },
        summary="Lodge a complaint about a record (supervisors, within jurisdiction)",
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Open (or join) the owner's review with the complaint."""
        body = ComplaintSerializer.declared(_body(request))
        item = reviews.complaint_lodge(
            actor=request.user, record_id=record_id, text=body.get("text")
        )
        return Response(
            ComplaintLodgedSerializer(
                {"review": item.pk, "record": item.record_id, "cause": "complaint"}
            ).data,
            status=201,
        )
