"""REST endpoints of the Eilfall (api.md "Emergency access", R-G1-G4, R-B2, R-L6)."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.filters import StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import (
    AbsentKeysSerializer,
    ErrorSerializer,
    RecordSerializer,
    RequestSerializer,
)
from verbund.models import EmergencyAccess
from verbund.models.emergencies import Consent, Danger
from verbund.selectors.emergencies import emergencies_for, emergencies_log_view, with_record_ids
from verbund.services import emergencies
from verbund.services.emergencies import (
    DUTY_STEPS,
    MAX_TEXT,
    emergency_access_create,
    emergency_consent_decide,
    emergency_duty_close,
    emergency_get,
)

DANGER_HELP = (
    "`life`, `limb`, `health` (only a serious injury with lasting consequences), `freedom` "
    "(of a person), `critical_infrastructure` (things of substantial value whose "
    "preservation is in the public interest)."
)


# Fields the server sets: sent with a create they are ignored, never applied (api.md).
SERVER_SET = frozenset(
    {
        "id",
        "status",
        "grant",
        "consent",
        "consent_reasons",
        "consent_by",
        "consent_at",
        "consent_due_at",
        "decided_at",
        "owner",
        "requester",
        "officer",
        "record",
        "file",
        "file_number",
        "created_at",
        "duty_due_at",
        "duty_done_at",
        "duty_steps",
    }
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class EmergencyCreateSerializer(RequestSerializer):
    """Body of POST /emergency-accesses/: the Eilfall and its decision (R-G1, R-G2).

    Fields the server sets (consent, status, requester, ...) are ignored when sent.
    """

    shape = emergencies.EMERGENCY_CREATE

    hit = serializers.UUIDField(help_text="A hit of a search of the caller's own agency")
    danger = serializers.ChoiceField(choices=Danger.values, help_text=DANGER_HELP)
    facts = serializers.CharField(
        max_length=MAX_TEXT, help_text="The specific facts of the present danger"
    )
    why_no_request = serializers.CharField(
        max_length=MAX_TEXT,
        help_text="Why access is indispensable and a transfer on request would come too late",
    )
    decided_by = serializers.CharField(
        max_length=150,
        help_text="Username of the head or specially authorised senior officer of the "
        "caller's agency who decided",
    )


class EmergencyConsentSerializer(RequestSerializer):
    """Body of POST /emergency-accesses/{id}/consent/: the owner's decision (R-G3)."""

    shape = emergencies.EMERGENCY_CONSENT

    grant = serializers.BooleanField(help_text="true: consent; false: refuse")
    reasons = serializers.CharField(max_length=MAX_TEXT)


class EmergencyDutySerializer(RequestSerializer):
    """Body of POST /emergency-accesses/{id}/duty/: the requester confirms each step (R-G3)."""

    shape = emergencies.EMERGENCY_DUTY

    deleted_or_blocked = serializers.ChoiceField(
        choices=list(DUTY_STEPS), help_text="What was done with the data obtained"
    )
    third_parties_informed = serializers.BooleanField(
        help_text="Must be true: every third party that received the data was informed"
    )
    note = serializers.CharField(required=False, max_length=MAX_TEXT)


class DutyStepsSerializer(AbsentKeysSerializer):
    """The steps confirmed when the duty after a refusal was closed."""

    strict_keys = True

    deleted_or_blocked = serializers.ChoiceField(choices=list(DUTY_STEPS))
    third_parties_informed = serializers.BooleanField()
    third_parties = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField(allow_blank=True)
    closed_by = serializers.CharField()
    closed_at = serializers.DateTimeField()

    def get_attribute(self, instance: Any) -> Any:
        """An empty mapping (not closed yet) renders as null; times like the others."""
        steps = instance.duty_steps
        if not steps:
            return None
        closed_at = steps.get("closed_at")
        if isinstance(closed_at, str):
            steps = {**steps, "closed_at": datetime.datetime.fromisoformat(closed_at)}
        return steps


class EmergencyAccessSerializer(serializers.Serializer):
    """An Eilfall as its requester and its owner see it (renders an ``EmergencyAccess``)."""

    id = serializers.UUIDField()
    file = serializers.CharField(source="file.code")
    file_number = serializers.CharField()
    record = serializers.UUIDField(
        source="record_shown",
        allow_null=True,
        help_text="The record's id while the caller may open it; else null (deleted, "
        "blocked, stored covert since, or no longer open to the requester).",
    )
    requester = serializers.CharField(source="requester.code", help_text="Requesting agency")
    owner = serializers.CharField(source="owner.code", help_text="Owner agency of the record")
    officer = serializers.CharField(source="officer.username")
    decided_by = serializers.CharField(source="decided_by.username")
    danger = serializers.ChoiceField(choices=Danger.values)
    facts = serializers.CharField()
    why_no_request = serializers.CharField()
    created_at = serializers.DateTimeField()
    consent = serializers.ChoiceField(choices=Consent.values)
    consent_reasons = serializers.CharField(allow_blank=True)
    consent_by = serializers.CharField(source="consent_by.username", allow_null=True)
    consent_at = serializers.DateTimeField(allow_null=True)
    consent_due_at = serializers.DateTimeField(allow_null=True)
    duty_due_at = serializers.DateTimeField(allow_null=True)
    duty_done_at = serializers.DateTimeField(allow_null=True)
    duty_steps = DutyStepsSerializer(
        allow_null=True, help_text="null until the duty after a refusal is closed"
    )


class EmergencyAccessCreatedSerializer(EmergencyAccessSerializer):
    """The new Eilfall plus the record's data, shown at once (R-G4, R-B2).

    ``record`` holds basic data, the entered extended data (contact persons
    included) and the reference, with ``use_markings`` containing `use_eilfall`: only
    where indispensable to avert this danger in connection with fighting international
    terrorism.
    """

    record = RecordSerializer(  # type: ignore[assignment]
        source="shown",
        help_text="The record's data as shown now (in the other answers: the record's id).",
    )


class EmergencyFilter(django_filters.FilterSet):
    """Filters of ``GET /emergency-accesses/``."""

    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")],
        method="filter_direction",
        help_text="`outgoing`: taken by the caller's agency; `incoming`: on its records.",
    )

    class Meta:
        model = EmergencyAccess
        fields: list[str] = []

    def filter_direction(self, queryset: Any, name: str, value: str) -> Any:
        """Keep one direction."""
        agency_id = self.request.user.agency_id if self.request else None
        if value == "outgoing":
            return queryset.filter(requester_id=agency_id)
        return queryset.filter(owner_id=agency_id)


ERRORS = {
    403: _error("Supervisor or account without agency"),
    404: _error("`not_found`: unknown, or neither requester nor owner"),
}


class EmergencyListView(GenericAPIView):
    """The Eilfälle of the caller's agency; and taking one (R-G1-G4)."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = EmergencyFilter
    serializer_class = EmergencyAccessSerializer

    def get_queryset(self) -> Any:
        """The agency's Eilfälle, as requester or owner, in authorised files."""
        if getattr(self, "swagger_fake_view", False):
            return EmergencyAccess.objects.none()
        return emergencies_for(actor=as_officer(self.request.user))

    @extend_schema(
        responses={
            200: EmergencyAccessSerializer(many=True),
            400: _error("`invalid_choice` (direction), `unknown_parameter`, `invalid` (page)"),
            403: ERRORS[403],
        },
        summary="The agency's Eilfälle (paged; direction incoming/outgoing)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of Eilfälle; the page shown is logged (R-I1)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        emergencies_log_view(actor=as_officer(request.user), items=page)
        shown = with_record_ids(actor=as_officer(request.user), items=list(page))
        return self.get_paginated_response(EmergencyAccessSerializer(shown, many=True).data)

    @extend_schema(
        request=EmergencyCreateSerializer,
        responses={
            201: EmergencyAccessCreatedSerializer,
            400: _error(
                "`required` / `invalid_choice` (danger) / `too_long` naming the field; "
                "`own_record` (a hit on the own record), `not_in_gws` (a GWS hit); "
                "`unknown_field` naming a key not in the body (fields the server sets are "
                "ignored)"
            ),
            403: _error(
                "`decision_not_authorised`: decided_by is not a head or specially authorised "
                "senior officer of the caller's agency; `forbidden`: supervisors"
            ),
            404: _error("`not_found`: unknown hit, another agency's, or a deleted/blocked record"),
            409: _error(
                "`already_taken` (the agency's Eilfall on the record awaits or holds consent), "
                "`consent_refused` (the owner refused an Eilfall on the record: request it)"
            ),
        },
        summary="Take a hit's extended data in an Eilfall; the owner is asked for consent",
    )
    def post(self, request: Request) -> Response:
        """Create the Eilfall and answer with it and the record's data."""
        body = EmergencyCreateSerializer.declared(request.data, ignored=SERVER_SET)
        ea, shown = emergency_access_create(
            actor=as_officer(request.user),
            hit=body.get("hit"),
            danger=body.get("danger"),
            facts=body.get("facts"),
            why_no_request=body.get("why_no_request"),
            decided_by=body.get("decided_by"),
        )
        ea.shown = shown  # type: ignore[attr-defined]
        return Response(EmergencyAccessCreatedSerializer(ea).data, status=201)


class EmergencyDetailView(APIView):
    """One Eilfall, for its requester and its owner."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: EmergencyAccessSerializer, **ERRORS},
        summary="One Eilfall (requester or owner)",
    )
    def get(self, request: Request, emergency_id: str) -> Response:
        """Return the Eilfall; the view is logged."""
        actor = as_officer(request.user)
        ea = emergency_get(actor=actor, emergency_id=emergency_id)
        with_record_ids(actor=actor, items=[ea])
        return Response(EmergencyAccessSerializer(ea).data)


class EmergencyConsentView(APIView):
    """The owner's consent or refusal (R-G3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=EmergencyConsentSerializer,
        responses={
            200: EmergencyAccessSerializer,
            400: _error("`required` (grant, reasons), `invalid`, `too_long`, `unknown_field`"),
            403: _error("`not_owner`: the requester cannot decide its own Eilfall"),
            404: ERRORS[404],
            409: _error(
                "`already_decided`; a grant on a record blocked since (`record_blocked`), "
                "stored covert since (`record_covert`) or deleted since (`record_deleted`): "
                "only a refusal remains"
            ),
        },
        summary="Owner's consent to an Eilfall, or refusal (the access ends)",
    )
    def post(self, request: Request, emergency_id: str) -> Response:
        """Decide and answer with the updated Eilfall."""
        body = EmergencyConsentSerializer.declared(request.data)
        ea = emergency_consent_decide(
            actor=as_officer(request.user),
            emergency_id=emergency_id,
            grant=body.get("grant"),
            reasons=body.get("reasons"),
        )
        with_record_ids(actor=as_officer(request.user), items=[ea])
        return Response(EmergencyAccessSerializer(ea).data)


class EmergencyDutyView(APIView):
    """The requester closes the duty after a refused consent (R-G3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=EmergencyDutySerializer,
        responses={
            200: EmergencyAccessSerializer,
            400: _error(
                "`required` (deleted_or_blocked, third_parties_informed), `invalid_choice`, "
                "`invalid`, `too_long`, `unknown_field`"
            ),
            403: _error("`not_requester`: the owner has no such duty"),
            404: ERRORS[404],
            409: _error("`not_refused` (no refusal, no duty), `already_done`"),
        },
        summary="Confirm deletion or blocking and that every third party was informed",
    )
    def post(self, request: Request, emergency_id: str) -> Response:
        """Close the duty and answer with the updated Eilfall."""
        body = EmergencyDutySerializer.declared(request.data)
        ea = emergency_duty_close(
            actor=as_officer(request.user),
            emergency_id=emergency_id,
            deleted_or_blocked=body.get("deleted_or_blocked"),
            third_parties_informed=body.get("third_parties_informed"),
            note=body.get("note") or "",
        )
        with_record_ids(actor=as_officer(request.user), items=[ea])
        return Response(EmergencyAccessSerializer(ea).data)
