"""REST endpoints for the inbox, covert-hit and correction decisions (api.md "Inbox", R-D3,
R-H2)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.filters import InboxFilter, StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import AbsentKeysSerializer, ErrorSerializer, RequestSerializer
from verbund.models import InboxItem
from verbund.models.emergencies import Consent, Danger
from verbund.models.inbox import CorrectionOutcome, InboxKind
from verbund.models.lifecycle import ReviewCause, ReviewOutcome
from verbund.models.requests import USE_MARKINGS, RequestKind, RequestStatus
from verbund.selectors.searches import inbox_for
from verbund.services import shapes
from verbund.services.records import correction_notice_decide
from verbund.services.searches import covert_hit_decide, inbox_log_view

DECISION_400 = OpenApiResponse(
    ErrorSerializer, description="Invalid input: `required`, `invalid`, `too_long`"
)
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="`invalid_choice` (a filter value), `unknown_parameter`, `invalid` (page)",
    ),
    403: OpenApiResponse(ErrorSerializer, description="Supervisor or account without agency"),
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or not the owner's"),
    409: OpenApiResponse(ErrorSerializer, description="already_decided"),
}


class CovertQuerySerializer(AbsentKeysSerializer):
    """The full query data of the search that hit a covert record (R-D3)."""

    strict_keys = True

    search = serializers.UUIDField()
    file = serializers.CharField()
    mode = serializers.ChoiceField(choices=["name", "feature", "object"])
    criteria = serializers.DictField(
        child=serializers.CharField(), help_text="The criteria as searched (see `Search`)."
    )
    purpose = serializers.CharField()
    urgency = serializers.CharField()
    officer = serializers.CharField(help_text="Username of the searching officer")
    agency = serializers.CharField(help_text="Code of the searching agency")
    time = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=["ok", "too_many_hits"])


class CovertHitPayloadSerializer(CovertQuerySerializer):
    """Payload of a ``covert_hit`` item: the query data plus the record hit (R-D3)."""

    covert_hit = serializers.UUIDField(help_text="Decide at /covert-hits/{id}/decision/")
    record = serializers.UUIDField()
    file_number = serializers.CharField()
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the decision is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)


class CorrectionNoticePayloadSerializer(AbsentKeysSerializer):
    """Payload of a ``correction_notice`` item (R-H2)."""

    strict_keys = True

    record = serializers.UUIDField()
    file_number = serializers.CharField()
    from_agency = serializers.CharField(help_text="Code of the agency that sent the notice")
    officer = serializers.CharField(help_text="Username of the sending officer")
    text = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=CorrectionOutcome.values,
        required=False,
        help_text="Absent until decided at /correction-notices/{id}/decision/.",
    )
    reasons = serializers.CharField(
        required=False, help_text="What was corrected, or why the notice was rejected."
    )
    decided_by = serializers.CharField(required=False, help_text="Username of the deciding officer")
    decided_at = serializers.DateTimeField(required=False)
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the review is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)


class CorrectionOutcomePayloadSerializer(AbsentKeysSerializer):
    """Payload of a ``correction_outcome`` item: the owner's answer to the notice sent (R-H2).

    Only what the sender already knew (its own notice, the file number) and the answer.
    """

    strict_keys = True

    file_number = serializers.CharField()
    text = serializers.CharField(help_text="The notice as sent")
    agency = serializers.CharField(help_text="Code of the owning agency that decided")
    outcome = serializers.ChoiceField(choices=CorrectionOutcome.values)
    reasons = serializers.CharField(help_text="What was corrected, or why it was rejected")
    decided_by = serializers.CharField(help_text="Username of the deciding officer")
    decided_at = serializers.DateTimeField()


class TransferReceivedPayloadSerializer(AbsentKeysSerializer):
    """Payload of a ``transfer_received`` item: what was received and its markings (R-C7).

    No record data: the findings themselves went by the sender's own channel (R-F3). The
    markings stay with the recipient for every later use and transfer.
    """

    strict_keys = True

    transfer = serializers.UUIDField(help_text="Read at /transfers/{id}/")
    sender = serializers.CharField(help_text="Code of the sending agency")
    file_number = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    markings = serializers.ListField(
        child=serializers.CharField(), help_text="Legal and use markings; they stay (R-C7)."
    )
    provision = serializers.CharField()
    purpose = serializers.CharField()
    overdue = serializers.BooleanField(required=False)
    reminded_at = serializers.DateTimeField(required=False)


class EmergencyConsentPayloadSerializer(AbsentKeysSerializer):
    """Payload of an ``emergency_consent`` item: an Eilfall on the owner's record (R-G3)."""

    strict_keys = True

    eilfall = serializers.UUIDField(help_text="Decide at /emergency-accesses/{id}/consent/")
    requester = serializers.CharField(help_text="Code of the agency that took the data")
    officer = serializers.CharField(help_text="Username of the requesting officer")
    decided_by = serializers.CharField(help_text="Username of the head who decided")
    danger = serializers.ChoiceField(choices=Danger.values)
    facts = serializers.CharField()
    why_no_request = serializers.CharField()
    file_number = serializers.CharField()
    record = serializers.UUIDField()
    consent = serializers.ChoiceField(
        choices=[Consent.GRANTED.value, Consent.REFUSED.value],
        required=False,
        help_text="Absent until decided",
    )
    consent_reasons = serializers.CharField(required=False)
    consent_by = serializers.CharField(required=False)
    consent_at = serializers.DateTimeField(required=False)
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the decision is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)


class AccessRequestPayloadSerializer(AbsentKeysSerializer):
    """Payload of an ``access_request`` item: a request to the owner (R-F1, R-F2, R-H3)."""

    strict_keys = True

    access_request = serializers.UUIDField(help_text="Decide at /access-requests/{id}/decision/")
    requester = serializers.CharField(help_text="Code of the requesting agency")
    officer = serializers.CharField(help_text="Username of the requesting officer")
    justification = serializers.CharField()
    file_number = serializers.CharField()
    record = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RequestKind.values)
    use_ground = serializers.CharField(allow_blank=True)
    use_purpose = serializers.CharField(allow_blank=True)
    crosses_separation = serializers.BooleanField(
        help_text="Requester and owner on different sides of the line between intelligence "
        "services and police (R-A5)."
    )
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the decision is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)


class EmergencyRefusedPayloadSerializer(AbsentKeysSerializer):
    """Payload of an ``emergency_refused`` item: the requester's duty after refusal (R-G3)."""

    strict_keys = True

    eilfall = serializers.UUIDField(help_text="Close at /emergency-accesses/{id}/duty/")
    owner = serializers.CharField(help_text="Code of the owner agency that refused")
    file_number = serializers.CharField()
    record = serializers.CharField(allow_blank=True, help_text="The record's id")
    consent_by = serializers.CharField(help_text="Username of the refusing officer")
    reasons = serializers.CharField()
    duties = serializers.ListField(
        child=serializers.ChoiceField(choices=["delete_or_block", "inform_third_parties"])
    )
    third_parties = serializers.ListField(
        child=serializers.CharField(),
        help_text="Recipients of this agency's transfers of the record: inform each",
    )
    deleted_or_blocked = serializers.ChoiceField(
        choices=["deleted", "blocked"], required=False, help_text="Absent until closed"
    )
    third_parties_informed = serializers.BooleanField(required=False)
    closed_by = serializers.CharField(required=False)
    closed_at = serializers.DateTimeField(required=False)
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the duty is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)


class AccessDecisionPayloadSerializer(AbsentKeysSerializer):
    """Payload of an ``access_decision`` item: the owner's decision on a request (R-F1)."""

    strict_keys = True

    access_request = serializers.UUIDField()
    owner = serializers.CharField(help_text="Code of the owning agency that decided")
    file_number = serializers.CharField()
    record = serializers.UUIDField(required=False, help_text="Present when granted")
    kind = serializers.ChoiceField(choices=RequestKind.values)
    status = serializers.ChoiceField(choices=[RequestStatus.GRANTED, RequestStatus.REFUSED])
    provision = serializers.CharField()
    reasons = serializers.CharField()
    decided_by = serializers.CharField(help_text="Username of the deciding officer")
    decided_at = serializers.DateTimeField()
    use_markings = serializers.ListField(child=serializers.ChoiceField(choices=list(USE_MARKINGS)))
    overdue = serializers.BooleanField(required=False)
    reminded_at = serializers.DateTimeField(required=False)


class InboxItemBase(serializers.Serializer):
    """An inbox item (renders an ``InboxItem``); ``payload`` depends on ``kind``."""

    id = serializers.UUIDField()
    file = serializers.CharField(source="file.code")
    subject_id = serializers.UUIDField(allow_null=True, help_text="e.g. the covert hit's id")
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class CovertHitItemSerializer(InboxItemBase):
    """A covert hit to decide on (R-D3)."""

    kind = serializers.ChoiceField(choices=[InboxKind.COVERT_HIT.value])
    payload = CovertHitPayloadSerializer()


class CorrectionNoticeItemSerializer(InboxItemBase):
    """A notice of possible inaccuracy from another agency (R-H2)."""

    kind = serializers.ChoiceField(choices=[InboxKind.CORRECTION_NOTICE.value])
    payload = CorrectionNoticePayloadSerializer()


class CorrectionOutcomeItemSerializer(InboxItemBase):
    """The owner's answer to a correction notice this agency sent (R-H2)."""

    kind = serializers.ChoiceField(choices=[InboxKind.CORRECTION_OUTCOME.value])
    payload = CorrectionOutcomePayloadSerializer()


class TransferReceivedItemSerializer(InboxItemBase):
    """A transfer of findings this agency received (R-F3, R-C7)."""

    kind = serializers.ChoiceField(choices=[InboxKind.TRANSFER_RECEIVED.value])
    payload = TransferReceivedPayloadSerializer()


class EmergencyConsentItemSerializer(InboxItemBase):
    """An Eilfall on the agency's record: consent or refuse without delay (R-G3)."""

    kind = serializers.ChoiceField(choices=[InboxKind.EMERGENCY_CONSENT.value])
    payload = EmergencyConsentPayloadSerializer()


class EmergencyRefusedItemSerializer(InboxItemBase):
    """Consent refused: delete or block the data, inform every third party (R-G3)."""

    kind = serializers.ChoiceField(choices=[InboxKind.EMERGENCY_REFUSED.value])
    payload = EmergencyRefusedPayloadSerializer()


class AccessRequestItemSerializer(InboxItemBase):
    """A request for extended data or further use to decide on (R-F1, R-F2)."""

    kind = serializers.ChoiceField(choices=[InboxKind.ACCESS_REQUEST.value])
    payload = AccessRequestPayloadSerializer()


class AccessDecisionItemSerializer(InboxItemBase):
    """The owner's decision on a request this agency made (R-F1)."""

    kind = serializers.ChoiceField(choices=[InboxKind.ACCESS_DECISION.value])
    payload = AccessDecisionPayloadSerializer()


class ReviewCauseSerializer(AbsentKeysSerializer):
    """One cause of a review: why it was opened or joined (R-L4, R-H2, R-J6, R-M4, R-M5)."""

    strict_keys = True

    cause = serializers.ChoiceField(choices=ReviewCause.values)
    at = serializers.DateTimeField()
    details = serializers.DictField(
        required=False,
        help_text="What set it off: the notice (`notice`), the justice decision (`kind`, "
        "`final`, `reasons`, `decided_on`, `provision`, `reported_by`), the complaint (`text`, "
        "`supervisor`, `jurisdiction`), the legal basis (`legal_basis`; `reason` in words "
        "when the file lacks its ordinance).",
    )


class LapsedCauseSerializer(AbsentKeysSerializer):
    """A cause that lapsed while the review was open (R-L2, R-M5): the basis is in force."""

    strict_keys = True

    cause = serializers.ChoiceField(choices=ReviewCause.values)
    at = serializers.DateTimeField()
    details = serializers.DictField(required=False)
    ground = serializers.ChoiceField(
        choices=["basis_in_force"], help_text="Why it lapsed: the legal basis entered into force"
    )
    legal_basis = serializers.CharField(help_text="Citation of the basis now in force")
    in_force_from = serializers.DateField()
    lapsed_at = serializers.DateTimeField()


class ReviewDuePayloadSerializer(AbsentKeysSerializer):
    """Payload of a ``review_due`` item: a review of the owner's record (R-L4)."""

    strict_keys = True

    record = serializers.UUIDField(help_text="Decide at /records/{id}/review/")
    file_number = serializers.CharField()
    review_date = serializers.DateField()
    deletion_date = serializers.DateField()
    causes = ReviewCauseSerializer(many=True)
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the review is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)
    escalated_at = serializers.DateTimeField(
        required=False, help_text="Set when the overdue review went to the head and supervisor."
    )
    outcome = serializers.ChoiceField(
        choices=ReviewOutcome.values, required=False, help_text="Absent until decided."
    )
    reasons = serializers.CharField(required=False)
    decided_by = serializers.CharField(required=False, help_text="Username of the deciding officer")
    decided_at = serializers.DateTimeField(required=False)
    lapsed = LapsedCauseSerializer(
        many=True, required=False, help_text="Causes settled without a decision (R-M5)."
    )
    closed = serializers.ChoiceField(
        choices=["causes_lapsed"],
        required=False,
        help_text="Set when the review closed because every cause lapsed (no outcome).",
    )


class ReviewDueItemSerializer(InboxItemBase):
    """A review of the agency's record: keep, correct, block or delete (R-L1-L4)."""

    kind = serializers.ChoiceField(choices=[InboxKind.REVIEW_DUE.value])
    payload = ReviewDuePayloadSerializer()


# One serializer per kind the services create; a new kind adds its serializer here.
ITEMS: dict[str, type[InboxItemBase]] = {
    InboxKind.COVERT_HIT.value: CovertHitItemSerializer,
    InboxKind.CORRECTION_NOTICE.value: CorrectionNoticeItemSerializer,
    InboxKind.CORRECTION_OUTCOME.value: CorrectionOutcomeItemSerializer,
    InboxKind.TRANSFER_RECEIVED.value: TransferReceivedItemSerializer,
    InboxKind.EMERGENCY_CONSENT.value: EmergencyConsentItemSerializer,
    InboxKind.EMERGENCY_REFUSED.value: EmergencyRefusedItemSerializer,
    InboxKind.ACCESS_REQUEST.value: AccessRequestItemSerializer,
    InboxKind.ACCESS_DECISION.value: AccessDecisionItemSerializer,
    InboxKind.REVIEW_DUE.value: ReviewDueItemSerializer,
}


# Subject access (issue 17, subjects branch): the owner's consultation on a subject request.
class SubjectDecisionPayloadSerializer(AbsentKeysSerializer):
    """One decision of the owner on an ask, as its inbox keeps it (R-K3, R-K4)."""

    strict_keys = True

    ask = serializers.ChoiceField(choices=["access", "correction", "deletion"])
    outcome = serializers.ChoiceField(choices=["agree", "refuse", "correct", "delete"])
    ground = serializers.CharField(required=False, help_text="Refusal of access: the ground")
    reasons = serializers.CharField(allow_blank=True, help_text="Always on file")
    reasons_withheld = serializers.BooleanField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField()


class SubjectApplicantPayloadSerializer(AbsentKeysSerializer):
    """The applicant of a subject request."""

    strict_keys = True

    surname = serializers.CharField()
    given_names = serializers.CharField()
    date_of_birth = serializers.DateField()


class SubjectObjectionPayloadSerializer(AbsentKeysSerializer):
    """An objection against the owner's decision, put back to it (issue 18, gws-claims)."""

    strict_keys = True

    challenge = serializers.UUIDField(help_text="Decide at /subject-challenges/{id}/decision/")
    text = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=["rejected", "upheld"], required=False, help_text="Once decided"
    )


class SubjectRequestPayloadSerializer(AbsentKeysSerializer):
    """Payload of a ``subject_request`` item: a record of the owner found for an applicant.

    The owner checks admissibility under its own law and decides each ask at
    /subject-consultations/{id}/decision/ (R-K1, R-K3, R-K3a, R-K4).
    """

    strict_keys = True

    subject_request = serializers.UUIDField()
    consultation = serializers.UUIDField(
        help_text="Decide at /subject-consultations/{id}/decision/"
    )
    record = serializers.CharField(
        allow_blank=True, help_text="The record's id; blank once deleted"
    )
    file_number = serializers.CharField()
    desk = serializers.CharField(help_text="Code of the agency whose desk recorded the request")
    scope = serializers.ChoiceField(choices=["not_covert", "own"])
    applicant = SubjectApplicantPayloadSerializer()
    asks = serializers.ListField(
        child=serializers.ChoiceField(choices=["access", "correction", "deletion"])
    )
    matched_in = serializers.CharField(help_text="`basic` or `extended`")
    concrete_matter = serializers.CharField(allow_blank=True)
    special_interest = serializers.CharField(allow_blank=True)
    deletion_ground = serializers.ChoiceField(
        choices=["no_legal_basis", "unlawful", "not_necessary"],
        allow_blank=True,
        required=False,
        help_text="The ground on which the applicant asks for deletion; blank if none "
        "(issue 18; absent in items made before)",
    )
    decisions = SubjectDecisionPayloadSerializer(many=True)
    objection = SubjectObjectionPayloadSerializer(
        required=False, help_text="An objection against a decision, to be decided (R-K4)"
    )
    overdue = serializers.BooleanField(
        required=False, help_text="Set when the decision is overdue and a reminder went out."
    )
    reminded_at = serializers.DateTimeField(required=False)


class SubjectRequestItemSerializer(InboxItemBase):
    """A subject request put to the owner: agree or refuse, correct, delete (R-K)."""

    kind = serializers.ChoiceField(choices=[InboxKind.SUBJECT_REQUEST.value])
    payload = SubjectRequestPayloadSerializer()


ITEMS[InboxKind.SUBJECT_REQUEST.value] = SubjectRequestItemSerializer


# Transfers abroad (issue 20, intltr): the owner is asked to consent (R-F2).
class TransferConsentPayloadSerializer(AbsentKeysSerializer):
    """Payload of a ``transfer_consent`` item: another agency asks to send abroad (R-F2).

    Decide at /transfers/{id}/consent/; ``granted`` and ``reasons`` once decided.
    """

    strict_keys = True

    transfer = serializers.UUIDField(help_text="Decide at /transfers/{id}/consent/")
    record = serializers.CharField(allow_blank=True, help_text="The record's id")
    sender = serializers.CharField(help_text="Code of the agency that asks")
    file_number = serializers.CharField()
    partner = serializers.CharField(help_text="Name of the foreign partner")
    partner_code = serializers.CharField()
    channel = serializers.CharField()
    legal_basis = serializers.CharField(help_text="Citation of the legal basis")
    items = serializers.ListField(child=serializers.CharField())
    markings = serializers.ListField(child=serializers.CharField(), help_text="They travel")
    purpose = serializers.CharField()
    granted = serializers.BooleanField(required=False, help_text="Once decided")
    reasons = serializers.CharField(required=False, help_text="Once decided")


class TransferConsentItemSerializer(InboxItemBase):
    """Another agency asks to transfer the agency's record abroad: consent or refuse."""

    kind = serializers.ChoiceField(choices=[InboxKind.TRANSFER_CONSENT.value])
    payload = TransferConsentPayloadSerializer()


ITEMS[InboxKind.TRANSFER_CONSENT.value] = TransferConsentItemSerializer


INBOX_ITEM = PolymorphicProxySerializer(
    component_name="InboxItem",
    serializers=dict[str, Any](ITEMS),
    resource_type_field_name="kind",
    many=True,
)


def render_item(item: InboxItem) -> Any:
    """Render an inbox item through the serializer of its kind."""
    return ITEMS[item.kind](item).data


class CovertHitDecisionSerializer(RequestSerializer):
    """The owner's decision: contact the requester, or not because secrecy outweighs."""

    shape = shapes.COVERT_HIT_DECISION

    contact = serializers.BooleanField()
    reasons = serializers.CharField()


class CorrectionDecisionSerializer(RequestSerializer):
    """The owner's answer to a correction notice: corrected, or rejected (R-H2)."""

    shape = shapes.CORRECTION_DECISION

    outcome = serializers.ChoiceField(
        choices=CorrectionOutcome.values,
        help_text="`corrected`: the record was corrected (owner-only change, "
        "PATCH /records/{id}/); `rejected`: the notice is unfounded.",
    )
    reasons = serializers.CharField(
        max_length=4000,
        help_text="For `corrected` a short note of what was changed; for `rejected` the reasons.",
    )


class CovertHitSerializer(serializers.Serializer):
    """A covert hit as its owner sees it (renders a ``CovertHit``)."""

    id = serializers.UUIDField()
    search = serializers.UUIDField(source="search_id")
    record = serializers.UUIDField(source="record_id")
    query = CovertQuerySerializer()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    contact = serializers.BooleanField(
        allow_null=True, help_text="null until decided; true: contact the requester"
    )
    reasons = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class InboxView(GenericAPIView):
    """The agency's inbox, for officers authorised for the file."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = InboxFilter

    def get_queryset(self) -> Any:
        """The agency's items in the files the officer is authorised for."""
        if getattr(self, "swagger_fake_view", False):
            return InboxItem.objects.none()
        return inbox_for(actor=as_officer(self.request.user))

    @extend_schema(
        responses={200: INBOX_ITEM, 400: ERRORS[400], 403: ERRORS[403]},
        summary="The agency's inbox (paged, filtered)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of the inbox; the page shown is logged (R-I1)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        inbox_log_view(actor=as_officer(request.user), items=page)
        return self.get_paginated_response([render_item(i) for i in page])


class CovertHitDecisionView(APIView):
    """Record the owner's decision on a covert hit (R-D3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=CovertHitDecisionSerializer,
        responses={200: CovertHitSerializer, **ERRORS, 400: DECISION_400},
        summary="Owner's decision on a covert hit: contact, or secrecy outweighs (reasons)",
    )
    def post(self, request: Request, covert_hit_id: str) -> Response:
        """Decide and answer with the updated covert hit."""
        body = CovertHitDecisionSerializer.checked(request.data)
        covert_hit = covert_hit_decide(
            actor=as_officer(request.user),
            covert_hit_id=covert_hit_id,
            contact=body.get("contact"),
            reasons=body.get("reasons"),
        )
        return Response(CovertHitSerializer(covert_hit).data)


class CorrectionDecisionView(APIView):
    """Record the owner's answer to a correction notice (R-H2)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=CorrectionDecisionSerializer,
        responses={
            200: CorrectionNoticeItemSerializer,
            **ERRORS,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input: `required` (`outcome`, `reasons`), "
                "`invalid_choice` (`outcome`), `invalid`, `too_long`, `invalid_characters`, "
                "`unknown_field` (a key the body does not declare)",
            ),
            404: OpenApiResponse(
                ErrorSerializer, description="Unknown, or not a notice to the caller's agency"
            ),
        },
        summary="Owner's answer to a correction notice: corrected or rejected, with reasons",
    )
    def post(self, request: Request, item_id: str) -> Response:
        """Decide and answer with the updated notice; the sender's inbox learns the outcome."""
        body = CorrectionDecisionSerializer.declared(request.data)
        item = correction_notice_decide(
            actor=as_officer(request.user),
            item_id=item_id,
            outcome=body.get("outcome"),
            reasons=body.get("reasons"),
        )
        return Response(CorrectionNoticeItemSerializer(item).data)
