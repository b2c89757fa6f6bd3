"""REST endpoints for searches (api.md "Searches"): thin, the rules live in the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer
from verbund.errors import Invalid
from verbund.models.records import OBJECT_KINDS, Classification
from verbund.services.searches import search_run, search_show

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input: required, invalid_purpose, invalid_urgency, invalid_mode, "
        "unknown_criterion, wildcards_not_allowed, not_in_catalogue, invalid_date, "
        "invalid_characters, batch_not_allowed, incomplete_data, mixed_script, invalid_iban",
    ),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(
        ErrorSerializer, description="Supervisor, or not authorised for the file (R-A4)"
    ),
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or another agency's search"),
}


class NameCriteriaSerializer(serializers.Serializer):
    """Name search: surname required; equality after one folding, no wildcards (R-E5)."""

    surname = serializers.CharField()
    given_names = serializers.CharField(required=False)
    date_of_birth = serializers.DateField(required=False)
    nationality = serializers.CharField(required=False, help_text="ISO 3166 alpha-2")


class FeatureCriteriaSerializer(serializers.Serializer):
    """Feature (inverse) search: extended-data fields, each one catalogue code or value."""

    phones = serializers.CharField(required=False)
    emails = serializers.CharField(required=False)
    bank_accounts = serializers.CharField(required=False)
    vehicles = serializers.CharField(required=False)
    devices = serializers.CharField(required=False)
    websites = serializers.CharField(required=False)
    licences = serializers.CharField(required=False)
    safe_deposit_boxes = serializers.CharField(required=False)
    organisation = serializers.CharField(required=False)
    profession = serializers.CharField(required=False)
    education = serializers.CharField(required=False)
    ethnicity = serializers.CharField(required=False, help_text="catalogue code")
    religion = serializers.CharField(required=False, help_text="catalogue code")
    marital_status = serializers.CharField(required=False, help_text="catalogue code")
    skills = serializers.CharField(required=False, help_text="catalogue code")
    critical_infrastructure = serializers.CharField(required=False, help_text="catalogue code")
    dangerousness = serializers.CharField(required=False, help_text="catalogue code")
    visited_places = serializers.CharField(required=False, help_text="catalogue code")


class ObjectCriteriaSerializer(serializers.Serializer):
    """Object search (R-E7)."""

    kind = serializers.ChoiceField(choices=list(OBJECT_KINDS))
    identifier = serializers.CharField()


class SearchRequestSerializer(serializers.Serializer):
    """One single query (R-E5): file, mode, purpose and urgency (R-E1), criteria."""

    file = serializers.CharField(help_text="File code, e.g. ATD or GWS")
    mode = serializers.ChoiceField(choices=["name", "feature", "object"])
    purpose = serializers.CharField(help_text="Purpose code of the file's establishment order")
    urgency = serializers.CharField(help_text="Urgency code of the file's establishment order")
    criteria = serializers.DictField(
        help_text="name: NameCriteria; feature: FeatureCriteria; object: ObjectCriteria"
    )


class HitReferenceSerializer(serializers.Serializer):
    """File reference of a hit (R-C3)."""

    agency = serializers.CharField()
    file_number = serializers.CharField()
    classification = serializers.ChoiceField(choices=Classification.values)


class HitObjectSerializer(serializers.Serializer):
    """Identification data of an object (R-B4, R-E7)."""

    kind = serializers.ChoiceField(choices=list(OBJECT_KINDS))
    identifier = serializers.CharField()
    description = serializers.CharField()


class HitSerializer(serializers.Serializer):
    """One hit. Name hit in basic data: record, basic, reference, matched_in=basic (R-E2);
    name hit in extended data (contact person): reference, matched_in=extended (R-E3);
    feature or inverse object hit: reference only (R-E4); object hit: record, object,
    reference — never a linked person's data (R-E7). Absent keys are absent, not null."""

    hit = serializers.UUIDField(help_text="Opaque hit id for access requests and Eilfall")
    record = serializers.UUIDField(required=False)
    basic = serializers.DictField(required=False)
    markings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With basic or object data: markings travel with the data (R-C7)",
    )
    object = HitObjectSerializer(required=False)
    reference = HitReferenceSerializer()
    matched_in = serializers.ChoiceField(choices=["basic", "extended"], required=False)


class SearchAnswerSerializer(serializers.Serializer):
    """The answer of a search, the same on POST and GET."""

    id = serializers.UUIDField()
    file = serializers.CharField()
    mode = serializers.ChoiceField(choices=["name", "feature", "object"])
    purpose = serializers.CharField()
    urgency = serializers.CharField()
    criteria = serializers.DictField()
    created_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=["ok", "too_many_hits"])
    hit_count = serializers.IntegerField()
    hits = HitSerializer(many=True)


def _body(request: Request) -> dict[str, Any]:
    """Return the JSON object of a request; an array is a batch, which R-E5 forbids."""
    data = request.data
    if not isinstance(data, dict):
        raise Invalid(
            "Ein JSON-Objekt erwartet; Sammel- und Stapelabfragen sind unzulässig.",
            code="batch_not_allowed",
        )
    return data


class SearchCreateView(APIView):
    """Run one search."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=SearchRequestSerializer,
        responses={
            201: SearchAnswerSerializer,
            **ERRORS,
            422: OpenApiResponse(
                ErrorSerializer,
                description="too_many_hits (more than the order's limit of visible hits, "
                "R-E6), no_establishment_order",
            ),
            429: OpenApiResponse(
                ErrorSerializer, description="rate_limited, with a Retry-After header (R-E5)"
            ),
        },
        examples=[
            OpenApiExample(
                "Name search",
                request_only=True,
                value={
                    "file": "ATD",
                    "mode": "name",
                    "purpose": "ct_task",
                    "urgency": "routine",
                    "criteria": {"surname": "Müller", "given_names": "Karl"},
                },
            ),
            OpenApiExample(
                "Feature search",
                request_only=True,
                value={
                    "file": "ATD",
                    "mode": "feature",
                    "purpose": "ct_task",
                    "urgency": "routine",
                    "criteria": {"phones": "+49 30 1234567", "skills": "explosives"},
                },
            ),
            OpenApiExample(
                "Object search",
                request_only=True,
                value={
                    "file": "ATD",
                    "mode": "object",
                    "purpose": "ct_task",
                    "urgency": "urgent",
                    "criteria": {"kind": "phone", "identifier": "+49 30 1234567"},
                },
            ),
        ],
        summary="Run one search (name, feature or object)",
    )
    def post(self, request: Request) -> Response:
        """Run the search and answer with the hits the caller may see."""
        body = _body(request)
        search = search_run(
            actor=as_officer(request.user),
            file=body.get("file"),
            mode=body.get("mode"),
            purpose=body.get("purpose"),
            urgency=body.get("urgency"),
            criteria=body.get("criteria"),
        )
        return Response(search.answer, status=201)  # type: ignore[attr-defined]


class SearchDetailView(APIView):
    """Show a stored search of the caller's agency."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: SearchAnswerSerializer, **ERRORS},
        summary="A stored search of the caller's own agency (the showing is logged)",
    )
    def get(self, request: Request, search_id: str) -> Response:
        """Return the search with the hits still visible."""
        return Response(search_show(actor=as_officer(request.user), search_id=search_id))
