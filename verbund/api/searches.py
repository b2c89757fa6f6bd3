"""REST endpoints for searches (api.md "Searches"): thin, the rules live in the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import (
    MARKING_CHOICES,
    AbsentKeysSerializer,
    ErrorSerializer,
    HitBasicSerializer,
    OutReferenceSerializer,
    RequestSerializer,
)
from verbund.errors import Invalid
from verbund.models.records import OBJECT_KINDS
from verbund.services import shapes
from verbund.services.searches import search_run, search_show

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input: required, invalid_purpose, invalid_urgency, invalid_mode, "
        "unknown_criterion, wildcards_not_allowed, not_in_catalogue, invalid_date, "
        "invalid_characters, batch_not_allowed, incomplete_data, mixed_script, invalid_iban, "
        "unknown_notice, unknown_partner_request",
    ),
    403: OpenApiResponse(
        ErrorSerializer, description="Supervisor, or not authorised for the file (R-A4)"
    ),
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or another agency's search"),
}


# The longest criterion value the type check takes (verbund.services.shapes.SEARCH).
MAX_CRITERION = 2000


def criterion(**kwargs: Any) -> serializers.CharField:
    """An optional criterion: one text value (R-E5: never a list)."""
    return serializers.CharField(required=False, max_length=MAX_CRITERION, **kwargs)


class NameCriteriaSerializer(AbsentKeysSerializer):
    """Name search: surname required; equality after one folding, no wildcards (R-E5)."""

    strict_keys = True

    surname = serializers.CharField(max_length=MAX_CRITERION)
    given_names = criterion()
    date_of_birth = serializers.DateField(required=False)
    nationality = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="ISO 3166 alpha-2"
    )


class FeatureCriteriaSerializer(AbsentKeysSerializer):
    """Feature (inverse) search: extended-data fields, each one catalogue code or value."""

    strict_keys = True

    phones = criterion()
    emails = criterion()
    bank_accounts = criterion()
    vehicles = criterion()
    devices = criterion()
    websites = criterion()
    licences = criterion()
    safe_deposit_boxes = criterion()
    organisation = criterion()
    profession = criterion()
    education = criterion()
    ethnicity = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )
    religion = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )
    marital_status = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )
    skills = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )
    critical_infrastructure = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )
    dangerousness = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )
    visited_places = serializers.CharField(
        required=False, max_length=MAX_CRITERION, help_text="catalogue code"
    )


class ObjectCriteriaSerializer(AbsentKeysSerializer):
    """Object search (R-E7)."""

    strict_keys = True

    kind = serializers.ChoiceField(choices=list(OBJECT_KINDS))
    identifier = serializers.CharField(max_length=MAX_CRITERION)


class SearchBase(RequestSerializer):
    """What every search names (R-E1): the file, the purpose and the urgency."""

    shape = shapes.SEARCH

    file = serializers.CharField(max_length=40, help_text="File code, e.g. ATD or GWS")
    purpose = serializers.CharField(
        max_length=200, help_text="Purpose code of the file's establishment order"
    )
    urgency = serializers.CharField(
        max_length=200, help_text="Urgency code of the file's establishment order"
    )
    # International exchange (issue 20, intlrn branch): what the search cites (R-N1, R-N2).
    red_notice = serializers.UUIDField(
        required=False, help_text="An accepted Red Notice the search rests on (else 422)"
    )
    partner_request = serializers.UUIDField(
        required=False, help_text="A foreign partner's request of the own agency it answers"
    )


class NameSearch(SearchBase):
    """A name search (R-E2, R-E3, R-E5)."""

    mode = serializers.ChoiceField(choices=["name"])
    criteria = NameCriteriaSerializer()


class FeatureSearch(SearchBase):
    """A feature (inverse) search (R-E4): at least one extended-data field."""

    mode = serializers.ChoiceField(choices=["feature"])
    criteria = FeatureCriteriaSerializer()


class ObjectSearch(SearchBase):
    """An object search (R-E7)."""

    mode = serializers.ChoiceField(choices=["object"])
    criteria = ObjectCriteriaSerializer()


SEARCH_REQUEST = PolymorphicProxySerializer(
    component_name="Search",
    serializers={"name": NameSearch, "feature": FeatureSearch, "object": ObjectSearch},
    resource_type_field_name="mode",
)


class HitObjectSerializer(AbsentKeysSerializer):
    """Identification data of an object (R-B4, R-E7)."""

    strict_keys = True

    kind = serializers.ChoiceField(choices=list(OBJECT_KINDS))
    identifier = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class HitSerializer(AbsentKeysSerializer):
    """One hit. Name hit in basic data: record, basic, markings, reference, matched_in=basic
    (R-E2); name hit in extended data (contact person): reference, matched_in=extended
    (R-E3); feature or inverse object hit: reference only (R-E4); object hit: record,
    object, markings, reference — never a linked person's data (R-E7). Absent keys are
    absent, not null."""

    strict_keys = True

    hit = serializers.UUIDField(help_text="Opaque hit id for access requests and Eilfall")
    record = serializers.UUIDField(required=False)
    basic = HitBasicSerializer(required=False)
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=MARKING_CHOICES),
        required=False,
        help_text="With basic or object data: markings travel with the data (R-C7)",
    )
    object = HitObjectSerializer(required=False)
    reference = OutReferenceSerializer()
    matched_in = serializers.ChoiceField(choices=["basic", "extended"], required=False)


class AnswerBase(AbsentKeysSerializer):
    """The answer of a search, the same on POST and GET."""

    strict_keys = True

    id = serializers.UUIDField()
    file = serializers.CharField()
    purpose = serializers.CharField()
    urgency = serializers.CharField()
    created_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(
        choices=["ok", "too_many_hits"],
        help_text="A stored search that was refused shows `too_many_hits` and no hits.",
    )
    hit_count = serializers.IntegerField()
    hits = HitSerializer(many=True)


class NameSearchAnswer(AnswerBase):
    """Answer of a name search; the criteria as searched (cleaned)."""

    mode = serializers.ChoiceField(choices=["name"])
    criteria = NameCriteriaSerializer()


class FeatureSearchAnswer(AnswerBase):
    """Answer of a feature search."""

    mode = serializers.ChoiceField(choices=["feature"])
    criteria = FeatureCriteriaSerializer()


class ObjectSearchAnswer(AnswerBase):
    """Answer of an object search."""

    mode = serializers.ChoiceField(choices=["object"])
    criteria = ObjectCriteriaSerializer()


ANSWERS: dict[str, type[AnswerBase]] = {
    "name": NameSearchAnswer,
    "feature": FeatureSearchAnswer,
    "object": ObjectSearchAnswer,
}
SEARCH_ANSWER = PolymorphicProxySerializer(
    component_name="SearchAnswer",
    serializers=dict[str, Any](ANSWERS),
    resource_type_field_name="mode",
)


# One bound serializer per mode, built on first use: DRF deep-copies a serializer's
# declared fields for every new instance (about a third of a search's rendering CPU), and
# rendering reads the bound fields only, so one instance serves every request and thread.
_RENDERERS: dict[str, AnswerBase] = {}


def render_answer(answer: dict[str, Any]) -> Any:
    """Render a search answer through the serializer of its mode (the schema's shape)."""
    mode = answer["mode"]
    renderer = _RENDERERS.get(mode)
    if renderer is None:
        renderer = _RENDERERS.setdefault(mode, ANSWERS[mode]())
    return renderer.to_representation(answer)


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
        request=SEARCH_REQUEST,
        responses={
            201: SEARCH_ANSWER,
            400: ERRORS[400],
            403: ERRORS[403],
            404: OpenApiResponse(ErrorSerializer, description="`unknown_file`: no such file"),
            422: OpenApiResponse(
                ErrorSerializer,
                description="too_many_hits (more than the order's limit of visible hits, "
                "R-E6), no_establishment_order, notice_not_accepted (the cited Red Notice is "
                "in review, rejected or superseded, R-N2)",
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
        body = SearchBase.checked(_body(request))
        search = search_run(
            actor=as_officer(request.user),
            file=body.get("file"),
            mode=body.get("mode"),
            purpose=body.get("purpose"),
            urgency=body.get("urgency"),
            criteria=body.get("criteria"),
            red_notice=body.get("red_notice"),
            partner_request=body.get("partner_request"),
        )
        return Response(render_answer(search.answer), status=201)  # type: ignore[attr-defined]


class SearchDetailView(APIView):
    """Show a stored search of the caller's agency."""

    permission_classes = [IsOfficer]

    @extend_schema(
        responses={200: SEARCH_ANSWER, 403: ERRORS[403], 404: ERRORS[404]},
        summary="A stored search of the caller's own agency (the showing is logged)",
    )
    def get(self, request: Request, search_id: str) -> Response:
        """Return the search with the hits still visible."""
        return Response(
            render_answer(search_show(actor=as_officer(request.user), search_id=search_id))
        )
