"""Supervision API: records with their decisions, delegations, control plans (api.md "Supervision").

``GET /supervision/records/{id}/`` — a supervisor within jurisdiction or a ``records``
delegation reads a record its agencies entered or queried, covert ones included, with the
recorded decisions (R-J6); each read logged; outside 404 as if unknown.
``GET/POST /supervision/delegations/``, ``POST /supervision/delegations/{id}/revoke/`` —
delegations of control powers with scope and expiry (R-J2).
``GET/POST /supervision/control-plans/``, ``GET/POST /supervision/control-plans/{id}/controls/``
— mandatory controls per agency and file, cycles of at most 18 months (R-J4, R-J7).
Thin: the rules live in ``verbund.services.supervision`` and ``verbund.access.supervision``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Delegation, DelegationScope
from audit.models import CONTROL_CYCLE_MAX_MONTHS, ControlPlan, MandatoryControl
from audit.selectors import control_plans_for, delegation_active, delegations_for, plan_state
from verbund.access.supervision import supervision_record_read
from verbund.api.filters import StrictFilterBackend
from verbund.api.openapi import error
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsSupervisor
from verbund.api.records import _body
from verbund.api.schemas import AbsentKeysSerializer, RequestSerializer
from verbund.services import supervision
from verbund.services.supervision import JURISDICTIONS

NOT_FOUND = error("`not_found`: unknown, or outside jurisdiction and delegation")
FORBIDDEN = error("`forbidden`: supervisors only")


# ------------------------------------------------------------------ records (R-J6)


class StorageDecisionOutSerializer(serializers.Serializer):
    """The storage mode and who decided it with which reasons (R-D4)."""

    storage = serializers.CharField()
    decided_by = serializers.CharField(allow_null=True)
    reasons = serializers.CharField(allow_blank=True)


class RequestDecisionSerializer(serializers.Serializer):
    """A request for extended data or further use and its decision (R-F1, R-F2)."""

    id = serializers.UUIDField()
    kind = serializers.CharField()
    requester = serializers.CharField()
    justification = serializers.CharField(allow_blank=True)
    status = serializers.CharField(help_text="`pending`, `granted` or `refused`")
    provision = serializers.CharField(allow_blank=True)
    reasons = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class EmergencyDecisionSerializer(serializers.Serializer):
    """An Eilfall access, its decision and the owner's consent (R-G1-G3)."""

    id = serializers.UUIDField()
    requester = serializers.CharField()
    danger = serializers.CharField()
    facts = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    consent = serializers.CharField(help_text="`pending`, `granted` or `refused`")
    consent_reasons = serializers.CharField(allow_blank=True)
    consent_by = serializers.CharField(allow_null=True)
    consent_at = serializers.DateTimeField(allow_null=True)
    duty_done_at = serializers.DateTimeField(allow_null=True)


class ReviewCauseOutSerializer(serializers.Serializer):
    """Why a review was opened; a complaint's text."""

    cause = serializers.CharField(help_text="e.g. `date`, `complaint`, `correction_notice`")
    at = serializers.DateTimeField(allow_null=True)
    text = serializers.CharField(allow_blank=True)


class ReviewOutSerializer(serializers.Serializer):
    """A review of the record (complaints included) and the owner's decision (R-L4, R-J6)."""

    id = serializers.UUIDField()
    causes = ReviewCauseOutSerializer(many=True)
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(
        allow_null=True, help_text="`keep`, `corrected`, `blocked`; null while open"
    )
    reasons = serializers.CharField(allow_null=True)
    decided_by = serializers.CharField(allow_null=True)


class DecisionsSerializer(serializers.Serializer):
    """The decisions recorded on the record."""

    storage = StorageDecisionOutSerializer()
    access_requests = RequestDecisionSerializer(many=True)
    emergencies = EmergencyDecisionSerializer(many=True)
    reviews = ReviewOutSerializer(many=True)


class SupervisionReferenceSerializer(serializers.Serializer):
    """The file reference (R-C3)."""

    agency = serializers.CharField()
    file_number = serializers.CharField()
    classification = serializers.CharField()


class SupervisionRecordSerializer(AbsentKeysSerializer):
    """A record as its supervisor reads it: all data, covert ones included (R-J6)."""

    strict_keys = True

    id = serializers.UUIDField()
    file = serializers.CharField()
    kind = serializers.CharField()
    owner = serializers.CharField(help_text="The entering agency")
    reference = SupervisionReferenceSerializer()
    storage = serializers.CharField(help_text="`open`, `restricted` or `covert`")
    markings = serializers.ListField(child=serializers.CharField())
    findings_basis = serializers.CharField(allow_blank=True)
    withheld = serializers.ListField(child=serializers.CharField())
    review_date = serializers.DateField()
    deletion_date = serializers.DateField()
    status = serializers.CharField()
    blocked_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    basic = serializers.DictField(required=False, help_text="Basic data (persons)")
    case_group = serializers.CharField(required=False, allow_blank=True)
    extended = serializers.DictField(required=False, help_text="Extended data (persons)")
    object = serializers.DictField(required=False, help_text="Object data (objects)")
    decisions = DecisionsSerializer()


class SupervisionRecordView(APIView):
    """A supervisor reads a record and its decisions (R-J6); never through ``/records/``."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        responses={200: SupervisionRecordSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="Read a record with its decisions (supervisors, within jurisdiction; logged)",
    )
    def get(self, request: Request, record_id: str) -> Response:
        """Return the record; the read is logged."""
        data = supervision_record_read(actor=request.user, record_id=record_id)
        return Response(SupervisionRecordSerializer(data).data)


# ------------------------------------------------------------------ delegations (R-J2)


class DelegationSerializer(serializers.Serializer):
    """A delegation of control powers over one agency (R-J2)."""

    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    from_jurisdiction = serializers.CharField()
    to_jurisdiction = serializers.CharField()
    scope = serializers.ListField(child=serializers.ChoiceField(choices=DelegationScope.values))
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    reasons = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    active = serializers.SerializerMethodField()

    def get_active(self, obj: Delegation) -> bool:
        """Whether it passes its powers on today."""
        return delegation_active(obj)


class DelegationCreateSerializer(RequestSerializer):
    """Body of POST /supervision/delegations/."""

    shape = supervision.DELEGATION

    agency = serializers.CharField(max_length=16, help_text="Code of the supervised agency")
    to_jurisdiction = serializers.CharField(
        max_length=8, help_text="`federal` or a state code: " + ", ".join(JURISDICTIONS[1:])
    )
    scope = serializers.ListField(
        child=serializers.CharField(max_length=16),
        max_length=3,
        help_text="Powers passed on: `log`, `records`, `controls` (at least one)",
    )
    valid_from = serializers.DateField(
        required=False, help_text="Default: today; from today to a year ahead"
    )
    valid_until = serializers.DateField(
        help_text="Required: a delegation always expires (at most five years after it begins)"
    )
    reasons = serializers.CharField()


class NoFilter(django_filters.FilterSet):
    """No filters: any parameter but the page is 400 ``unknown_parameter``."""

    class Meta:
        model = Delegation
        fields: list[str] = []


class DelegationListView(GenericAPIView):
    """Delegations the supervisor gave or received (R-J2)."""

    permission_classes = [IsSupervisor]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = NoFilter
    serializer_class = DelegationSerializer  # OPTIONS describes the answer

    def get_queryset(self) -> Any:
        """The supervisor's delegations, newest first."""
        if getattr(self, "swagger_fake_view", False):
            return Delegation.objects.none()
        return delegations_for(self.request.user)

    @extend_schema(
        responses={
            200: DelegationSerializer(many=True),
            400: error("`invalid` (page), `unknown_parameter`"),
            403: FORBIDDEN,
        },
        summary="Delegations given or received",
    )
    def get(self, request: Request) -> Response:
        """Return a page of delegations."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(DelegationSerializer(page, many=True).data)

    @extend_schema(
        request=DelegationCreateSerializer,
        responses={
            201: DelegationSerializer,
            400: error(
                "`required` (`agency`, `scope`, `to_jurisdiction`, `valid_until`, `reasons`), "
                "`invalid_choice`, `invalid_date`, `invalid_period`, `same_jurisdiction`, "
                "`too_long` (`valid_until` over five years), "
                "`invalid`, `too_long`, `unknown_field`"
            ),
            403: error("`forbidden`: supervisors only; `not_competent`: not your agency"),
        },
        summary="Delegate control powers over an agency (its competent supervisor; logged)",
    )
    def post(self, request: Request) -> Response:
        """Create the delegation."""
        body = DelegationCreateSerializer.checked(_body(request))
        delegation = supervision.delegation_create(actor=request.user, data=body)
        return Response(DelegationSerializer(delegation).data, status=201)


class DelegationRevokeView(APIView):
    """End a delegation at once (R-J2)."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        request=None,
        responses={
            200: DelegationSerializer,
            403: error("`forbidden`; `not_delegator`: only the delegating supervisor revokes"),
            404: NOT_FOUND,
            409: error("`already_revoked`"),
        },
        summary="Revoke a delegation (the delegating supervisor; logged)",
    )
    def post(self, request: Request, delegation_id: str) -> Response:
        """Revoke it."""
        delegation = supervision.delegation_revoke(actor=request.user, delegation_id=delegation_id)
        return Response(DelegationSerializer(delegation).data)


# ------------------------------------------------------------------ controls (R-J4, R-J7)


class ControlPlanSerializer(serializers.Serializer):
    """A control plan with its next due date (``audit.selectors.plan_state``)."""

    id = serializers.IntegerField()
    agency = serializers.CharField()
    file = serializers.CharField()
    cycle_months = serializers.IntegerField(min_value=1, max_value=CONTROL_CYCLE_MAX_MONTHS)
    starts_on = serializers.DateField()
    next_due = serializers.DateField(
        help_text="`cycle_months` after the period the last completed control covered ended"
    )
    state = serializers.ChoiceField(
        choices=["planned", "due", "overdue"],
        help_text="`due`: within 30 days; `overdue`: past its due date",
    )
    created_by = serializers.CharField(allow_blank=True)


class ControlPlanCreateSerializer(RequestSerializer):
    """Body of POST /supervision/control-plans/."""

    shape = supervision.CONTROL_PLAN

    agency = serializers.CharField(max_length=16)
    file = serializers.CharField(max_length=8, help_text="File code, e.g. ATD")
    cycle_months = serializers.IntegerField(
        help_text=f"1 to {CONTROL_CYCLE_MAX_MONTHS}; more is 400 `cycle_too_long`"
    )
    starts_on = serializers.DateField(
        required=False, help_text="Default: today; at most two years back, one year ahead"
    )


class ControlPlanFilter(django_filters.FilterSet):
    """No filters on the plans: any parameter but the page is 400."""

    class Meta:
        model = ControlPlan
        fields: list[str] = []


class ControlPlanListView(GenericAPIView):
    """Control plans of the agencies the supervisor controls (R-J4, R-J7)."""

    permission_classes = [IsSupervisor]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = ControlPlanFilter
    serializer_class = ControlPlanSerializer  # OPTIONS describes the answer

    def get_queryset(self) -> Any:
        """The plans, by agency and file."""
        if getattr(self, "swagger_fake_view", False):
            return ControlPlan.objects.none()
        return control_plans_for(self.request.user)

    @extend_schema(
        responses={
            200: ControlPlanSerializer(many=True),
            400: error("`invalid` (page), `unknown_parameter`"),
            403: FORBIDDEN,
        },
        summary="Control plans with their next due dates",
    )
    def get(self, request: Request) -> Response:
        """Return a page of plans."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(
            ControlPlanSerializer([plan_state(p) for p in page], many=True).data
        )

    @extend_schema(
        request=ControlPlanCreateSerializer,
        responses={
            201: ControlPlanSerializer,
            400: error(
                "`required` (`agency`, `file`, `cycle_months`), `cycle_too_long` "
                "(`cycle_months` over 18), `invalid_choice`, `invalid_date`, `invalid`, "
                "`unknown_field`"
            ),
            403: error("`forbidden`; `not_competent`: not within jurisdiction or delegation"),
            409: error("`plan_exists`: one plan per agency and file"),
        },
        summary="Plan the mandatory controls of an agency for a file (logged)",
    )
    def post(self, request: Request) -> Response:
        """Create the plan."""
        body = ControlPlanCreateSerializer.checked(_body(request))
        plan = supervision.control_plan_create(actor=request.user, data=body)
        return Response(ControlPlanSerializer(plan_state(plan)).data, status=201)


class ControlSerializer(serializers.Serializer):
    """A completed mandatory control (R-J4, R-J7)."""

    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    file = serializers.CharField(allow_blank=True)
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)
    supervisor = serializers.CharField(source="supervisor_username", allow_blank=True)
    findings = serializers.CharField(allow_blank=True)
    measures = serializers.CharField(allow_blank=True)


class ControlCreateSerializer(RequestSerializer):
    """Body of POST /supervision/control-plans/{id}/controls/."""

    shape = supervision.CONTROL

    period_from = serializers.DateField(help_text="First day of the log period controlled")
    period_to = serializers.DateField(help_text="Last day of the log period controlled")
    done_on = serializers.DateField(
        help_text="Day the control was completed: not before the period's end, not in the future"
    )
    findings = serializers.CharField()
    measures = serializers.CharField(required=False, allow_blank=True)


class ControlFilter(django_filters.FilterSet):
    """No filters on the controls: any parameter but the page is 400."""

    class Meta:
        model = MandatoryControl
        fields: list[str] = []


class ControlListView(GenericAPIView):
    """The controls recorded under one plan, newest first; record a control."""

    permission_classes = [IsSupervisor]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = ControlFilter
    serializer_class = ControlSerializer  # OPTIONS describes the answer

    def get_queryset(self) -> Any:
        """The plan's controls."""
        if getattr(self, "swagger_fake_view", False):
            return MandatoryControl.objects.none()
        plan = supervision.control_plan_get(actor=self.request.user, plan_id=self.kwargs["plan_id"])
        return (
            MandatoryControl.objects.filter(plan=plan)
            .select_related("agency")
            .order_by("-period_to", "-pk")
        )

    @extend_schema(
        responses={
            200: ControlSerializer(many=True),
            400: error("`invalid` (page), `unknown_parameter`"),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        summary="Controls recorded under a plan",
    )
    def get(self, request: Request, plan_id: str) -> Response:
        """Return a page of controls."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(ControlSerializer(page, many=True).data)

    @extend_schema(
        request=ControlCreateSerializer,
        responses={
            201: ControlSerializer,
            400: error(
                "`required` (`period_from`, `period_to`, `done_on`, `findings`), "
                "`invalid_date`, `period_not_ordered`, `invalid`, `unknown_field`"
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        summary="Record a completed mandatory control (logged)",
    )
    def post(self, request: Request, plan_id: str) -> Response:
        """Record the control."""
        body = ControlCreateSerializer.checked(_body(request))
        control = supervision.control_record(actor=request.user, plan_id=plan_id, data=body)
        return Response(ControlSerializer(control).data, status=201)
