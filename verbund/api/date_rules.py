"""REST endpoints for the agency's date rules (R-L4a, R-A1): list and configure.

The ATD order sets no review periods: an agency head configures, per file, the rule that
supplies the review and deletion dates its officers leave out (citing the provision of the
source data's law). Every officer of the agency reads its rules; no agency sees another's.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import as_officer
from verbund.api.filters import StrictFilterBackend, file_codes
from verbund.api.pagination import Pagination
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import AbsentKeysSerializer, ErrorSerializer, RequestSerializer
from verbund.models import DateRule
from verbund.models.lifecycle import MAX_STORAGE_MONTHS
from verbund.services.date_rules import (
    DATE_RULE,
    PROVISION_MAX,
    date_rule_create,
    date_rules_for,
    rules_in_force,
)

CAP_HELP = (
    "Months counted from the last event justifying storage, per age group at that event "
    "(`adult`, `juvenile` 14-17, `child` under 14). Project decision, from outside the seeds "
    "and to be verified: at most "
    + ", ".join(f"{group} {months}" for group, months in MAX_STORAGE_MONTHS.items())
    + " months (10 / 5 / 2 years); 400 `period_too_long` naming e.g. `storage_months.adult`."
)
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input: `required`, `invalid` (a type; not a whole number of "
        "months), `invalid_date` (`valid_from`), `unknown_field`, `invalid_choice` / "
        "`not_participant` / `rule_not_allowed` (`file`: GWS periods are the order's), "
        "`period_too_long`, `review_longer_than_storage` (`review_months.<group>`), "
        "`duplicate` (`valid_from`: one rule per day), `too_long`, `invalid_characters`",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Supervisor or account without agency; `decision_not_authorised`: only "
        "the agency head configures rules",
    ),
}


class MonthsSerializer(serializers.Serializer):
    """Months per age group at the last event."""

    adult = serializers.IntegerField(min_value=1)
    juvenile = serializers.IntegerField(min_value=1)
    child = serializers.IntegerField(min_value=1)


class DateRuleCreateSerializer(RequestSerializer):
    """Body of POST /date-rules/ (agency head only)."""

    shape = DATE_RULE

    file = serializers.CharField(max_length=40, help_text="`ATD` (GWS periods are the order's)")
    provision = serializers.CharField(
        max_length=PROVISION_MAX,
        help_text="The provision of the source data's law, e.g. § 77 BKAG",
    )
    review_months = MonthsSerializer(help_text="Review period. " + CAP_HELP)
    storage_months = MonthsSerializer(help_text="Storage period (deletion). " + CAP_HELP)
    valid_from = serializers.DateField(
        help_text="Applies to records entered or changed from this day (one rule per day); "
        "the rule in force is the one with the latest `valid_from` up to today."
    )


class MonthsOutSerializer(AbsentKeysSerializer):
    """Months per age group."""

    strict_keys = True

    adult = serializers.IntegerField()
    juvenile = serializers.IntegerField()
    child = serializers.IntegerField()


class DateRuleSerializer(AbsentKeysSerializer):
    """A date rule of the caller's agency."""

    strict_keys = True

    id = serializers.UUIDField()
    agency = serializers.CharField(help_text="Agency code")
    file = serializers.CharField()
    provision = serializers.CharField()
    review_months = MonthsOutSerializer()
    storage_months = MonthsOutSerializer()
    valid_from = serializers.DateField()
    in_force = serializers.BooleanField(help_text="The rule that applies today for its file")
    created_by = serializers.CharField(allow_null=True, help_text="Username of the head")
    created_at = serializers.DateTimeField()


def rule_data(rule: DateRule, *, in_force: bool) -> dict[str, Any]:
    """Return a rule as the API shows it."""
    return {
        "id": str(rule.pk),
        "agency": rule.agency.code,
        "file": rule.file.code,
        "provision": rule.provision,
        "review_months": rule.review_months,
        "storage_months": rule.storage_months,
        "valid_from": rule.valid_from.isoformat(),
        "in_force": in_force,
        "created_by": rule.created_by.username if rule.created_by else None,
        "created_at": rule.created_at.isoformat(),
    }


class DateRuleFilter(django_filters.FilterSet):
    """Filters of ``GET /date-rules/``."""

    file = django_filters.ChoiceFilter(
        field_name="file__code", choices=file_codes, help_text="File code, e.g. `ATD`"
    )

    class Meta:
        model = DateRule
        fields: list[str] = []


class DateRuleListView(GenericAPIView):
    """The agency's date rules; the head configures a new one."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = DateRuleFilter
    serializer_class = DateRuleSerializer

    def get_queryset(self) -> Any:
        """The caller's agency's rules."""
        if getattr(self, "swagger_fake_view", False):
            return DateRule.objects.none()
        return date_rules_for(as_officer(self.request.user)).select_related("created_by")

    @extend_schema(
        responses={200: DateRuleSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        summary="The agency's date rules (paged; other agencies' rules are never shown)",
    )
    def get(self, request: Request) -> Response:
        """Return a page of the agency's rules, newest first per file."""
        queryset = self.filter_queryset(self.get_queryset())
        current = rules_in_force(self.get_queryset())
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response(
            DateRuleSerializer(
                [rule_data(r, in_force=r.pk in current) for r in page], many=True
            ).data
        )

    @extend_schema(
        request=DateRuleCreateSerializer,
        responses={201: DateRuleSerializer, **ERRORS},
        summary="Configure a date rule (agency head; R-L4a)",
        examples=[
            OpenApiExample(
                "BKA rule",
                request_only=True,
                value={
                    "file": "ATD",
                    "provision": "§ 77 BKAG (Aussonderungsprüffristen)",
                    "review_months": {"adult": 60, "juvenile": 36, "child": 24},
                    "storage_months": {"adult": 120, "juvenile": 60, "child": 24},
                    "valid_from": "2026-01-01",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Create the rule; logged ``date_rule.create``."""
        data = DateRuleCreateSerializer.declared(request.data)
        actor = as_officer(request.user)
        rule = date_rule_create(
            actor=actor,
            file=data.get("file"),
            provision=data.get("provision"),
            review_months=data.get("review_months"),
            storage_months=data.get("storage_months"),
            valid_from=data.get("valid_from"),
        )
        current = rules_in_force(date_rules_for(actor))
        return Response(
            DateRuleSerializer(rule_data(rule, in_force=rule.pk in current)).data, status=201
        )
