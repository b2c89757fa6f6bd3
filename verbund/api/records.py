"""REST endpoints for records (api.md "Records"): thin, rules live in the services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import as_officer
from audit.services import log_event
from verbund.access.logging import log_ref
from verbund.access.records import no_records
from verbund.api.filters import RecordFilter, StrictFilterBackend
from verbund.api.pagination import Pagination
from verbund.api.parsers import JSONParser, MergePatchJSONParser
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import (
    BlockSerializer,
    CorrectionNoticeSerializer,
    DeleteSerializer,
    ErrorSerializer,
    RecordCreateSerializer,
    RecordMergePatchSerializer,
    RecordSerializer,
    VersionConflictSerializer,
)
from verbund.errors import Invalid, etag
from verbund.models import Record
from verbund.models.lifecycle import DeletionGround
from verbund.selectors.records import own_records, record_data, record_get
from verbund.services.records import (
    correction_notice_create,
    record_block,
    record_create,
    record_delete,
    record_update,
)

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input; `code` names the rule (see `ErrorSerializer.code`), "
        "`fields` the fields.",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="`forbidden` (supervisor or account without agency), `not_owner`, "
        "`decision_not_authorised`, `not_authorised` (file)",
    ),
    404: OpenApiResponse(
        ErrorSerializer, description="`not_found`: unknown, or the caller may not know it"
    ),
    422: OpenApiResponse(
        ErrorSerializer,
        description="Refused by a legal rule, e.g. `no_legal_basis` (R-A3); "
        "`notice_not_accepted` (the named Red Notice is not accepted, R-N2; creation)",
    ),
}
UNKNOWN_FILE = OpenApiResponse(ErrorSerializer, description="`unknown_file`: no such file")
# Answers of the calls that change a record under a version condition.
CHANGE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        ErrorSerializer,
        description="record_blocked (a blocked record is frozen, R-L3) or already_blocked",
    ),
    412: OpenApiResponse(
        VersionConflictSerializer,
        description="version_conflict: If-Match names an older version; the body and the "
        "ETag header carry the current one",
    ),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag (record version, e.g. "3") the change was made on. Another '
    "current version answers 412 version_conflict and nothing is changed. Absent or `*`: "
    "no condition, the change applies to whatever version is current.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The record\'s version as a strong entity tag, e.g. "3"; send it back in '
    "If-Match. Sent on the owner's answers (the owner sees the version).",
)
MERGE_PATCH_DESCRIPTION = """A JSON Merge Patch (RFC 7396), sent as `application/merge-patch+json`
or `application/json`:

- keys absent from the body stay as they are;
- the objects `basic`, `extended`, `reference`, `object` and `storage_decision` merge key by
  key (recursively): `{"extended": {"emails": ["x@example.org"]}}` changes the e-mail
  addresses and keeps phones, free text and every other extended field;
- a key set to `null` is removed (`{"extended": {"free_text": null}}`);
- arrays (`emails`, `aliases`, `markings`, `contact_persons`, ...) are replaced whole.

The merged record is validated like a create: every entry rule applies to the result (a new
`storage` needs a new `storage_decision`; a marking `art10`, `art13` or `it_system` on a
record that is not covert is 400 `covert_required`). `file` and `kind` cannot change.

Concurrency: every record answer carries its version as a strong `ETag`. Send it back as
`If-Match`; if the record changed meanwhile the answer is 412 `version_conflict` with the
current version, and nothing is written. `If-Match: *` or no `If-Match` applies the change to
the current version. Each applied change raises the version by one.

A blocked record (R-L3) is frozen: every PATCH, even `{}`, answers 409 `record_blocked`.
"""


class RecordListView(GenericAPIView):
    """List the own agency's records; enter a new record."""

    permission_classes = [IsOfficer]
    pagination_class = Pagination
    filter_backends = [StrictFilterBackend]
    filterset_class = RecordFilter
    serializer_class = RecordSerializer

    def get_queryset(self) -> Any:
        """The caller's agency's records (through the access layer)."""
        if getattr(self, "swagger_fake_view", False):
            return no_records()
        return own_records(actor=as_officer(self.request.user))

    @extend_schema(
        responses={200: RecordSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        summary="Own agency's records (paged, filtered, sorted)",
    )
    def get(self, request: Request) -> Response:
        """Return the caller's agency's records, paged; the page shown is logged (R-I1)."""
        actor = as_officer(request.user)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        with transaction.atomic():
            refs = [log_ref(r) for r in page]
            log_event(
                actor=actor,
                action="record.list",
                object_type="record",
                references=[
                    ref for ref, r in zip(refs, page, strict=True) if r.storage != "covert"
                ],
                covert=[ref for ref, r in zip(refs, page, strict=True) if r.storage == "covert"],
            )
        return self.get_paginated_response(
            RecordSerializer([record_data(r, actor=actor) for r in page], many=True).data
        )

    @extend_schema(
        request=RecordCreateSerializer,
        parameters=[ETAG],
        responses={
            201: RecordSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            404: UNKNOWN_FILE,
            422: ERRORS[422],
        },
        summary="Enter a record (every entry rule of R-B, R-C, R-D enforced)",
        examples=[
            OpenApiExample(
                "Open person (case group 1a)",
                request_only=True,
                value={
                    "file": "ATD",
                    "kind": "person",
                    "case_group": "1a",
                    "storage": "open",
                    "findings_basis": "Erkenntnisse aus Ermittlungsverfahren 2 BJs 1/26",
                    "basic": {
                        "surname": "Al-Masri",
                        "given_names": "Mohammed",
                        "sex": "m",
                        "date_of_birth": "1985-03-14",
                        "nationalities": ["EG"],
                    },
                    "extended": {"phones": ["+49 30 1234567"]},
                    "reference": {"file_number": "EXAMPLE-0001", "classification": "VS-NfD"},
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Create a record for the caller's agency."""
        data = RecordCreateSerializer.checked(_body(request))
        record = record_create(actor=as_officer(request.user), data=data)
        return _with_etag(Response(_shown(record, request), status=201))


class RecordDetailView(APIView):
    """Read, change or delete one record."""

    permission_classes = [IsOfficer]
    # DELETE takes an optional JSON body {"reason"} (verbund.api.openapi: 413/415 apply).
    delete_takes_body = True
    # RFC 7396: a PATCH body may be declared as a merge patch.
    parser_classes = [JSONParser, MergePatchJSONParser]

    @extend_schema(
        parameters=[
            ETAG,
            OpenApiParameter(
                "purpose",
                str,
                required=False,
                description="GWS direct retrieval of another agency's record (R-M7, R-E1): "
                "the purpose, a code of the order in force (e.g. `event_danger`). Without "
                "it, the purpose and urgency of your latest search that showed the record "
                "are logged. Not for the ATD or your own records (400 `not_allowed`); "
                "outside the order's codes 400 `invalid_choice`.",
            ),
            OpenApiParameter(
                "urgency",
                str,
                required=False,
                description="With `purpose`: the urgency, a code of the order in force.",
            ),
        ],
        responses={
            200: RecordSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`invalid_choice` (`purpose`, `urgency`), `not_allowed`",
            ),
            403: ERRORS[403],
            404: ERRORS[404],
        },
        summary="Read a record",
    )
    def get(self, request: Request, record_id: str) -> Response:
        """Return the record as far as the caller may see it (404 otherwise)."""
        params = request.query_params
        data = record_get(
            actor=as_officer(request.user),
            record_id=record_id,
            purpose=params.get("purpose"),
            urgency=params.get("urgency"),
        )
        return _with_etag(Response(RecordSerializer(data).data))

    @extend_schema(
        request={
            "application/merge-patch+json": RecordMergePatchSerializer,
            "application/json": RecordMergePatchSerializer,
        },
        parameters=[IF_MATCH, ETAG],
        responses={
            200: RecordSerializer,
            **CHANGE_ERRORS,
        },
        summary="Change a record by JSON Merge Patch (owner only; validated like a create)",
        description=MERGE_PATCH_DESCRIPTION,
    )
    def patch(self, request: Request, record_id: str) -> Response:
        """Apply a JSON Merge Patch under the caller's version condition."""
        record = record_update(
            actor=as_officer(request.user),
            record_id=record_id,
            data=RecordMergePatchSerializer.checked(_body(request)),
            if_match=parse_if_match(request),
        )
        return _with_etag(Response(_shown(record, request)))

    @extend_schema(
        request=DeleteSerializer,
        parameters=[
            IF_MATCH,
            OpenApiParameter(
                "reason",
                str,
                required=False,
                description="Why the record is deleted (or `reason` in the JSON body).",
            ),
            OpenApiParameter(
                "ground",
                str,
                required=False,
                enum=DeletionGround.values,
                description="The legal reason of the deletion kept in the tombstone (R-L2); "
                "default `not_necessary` (or `ground` in the JSON body). Empty or outside the "
                "choices → 400 `invalid_choice`; a different ground in query and body → 400 "
                "`conflicting_values`; `deletion_date` before the record's deletion date → "
                "400 `ground_not_applicable`.",
            ),
        ],
        responses={
            204: None,
            **CHANGE_ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description="record_blocked: blocking replaced the deletion (R-L3); a "
                "blocked record is deleted only through a review decision `deleted` "
                "(POST /records/{id}/review/) whose reasons say why the interest lapsed",
            ),
        },
        summary="Delete a record (owner only; R-L5; not a blocked one: 409)",
    )
    def delete(self, request: Request, record_id: str) -> Response:
        """Delete the record with everything that hangs on it."""
        reason: Any = request.query_params.get("reason", "")
        body = DeleteSerializer.declared(_body(request))
        if "reason" in body:
            reason = body["reason"]
        # The ground comes from the query or the body, never two different ones; given but
        # empty is refused by the service like any value outside the choices.
        ground: Any = request.query_params.get("ground")
        if "ground" in body:
            if ground is not None and body["ground"] != ground:
                detail = "Löschgrund nur einmal angeben (Query oder Body)."
                raise Invalid(detail, code="conflicting_values", fields={"ground": [detail]})
            ground = body["ground"]
        if ground is None:
            ground = DeletionGround.NOT_NECESSARY
        record_delete(
            actor=as_officer(request.user),
            record_id=record_id,
            reason=reason,
            ground=ground,
            if_match=parse_if_match(request),
        )
        return Response(status=204)


class RecordBlockView(APIView):
    """Block a record instead of deleting it (R-L3)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=BlockSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={
            200: RecordSerializer,
            **CHANGE_ERRORS,
        },
        summary="Block a record (owner only; 409 already_blocked if it is)",
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Block the record with a reason."""
        body = BlockSerializer.checked(_body(request))
        record = record_block(
            actor=as_officer(request.user),
            record_id=record_id,
            reason=body.get("reason"),
            if_match=parse_if_match(request),
        )
        return _with_etag(Response(_shown(record, request)))


class CorrectionNoticeCreatedSerializer(serializers.Serializer):
    """The id of the inbox item the notice became in the owner's inbox."""

    id = serializers.UUIDField()


class CorrectionNoticeView(APIView):
    """Tell the owner about indications of inaccuracy (R-H2)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        request=CorrectionNoticeSerializer,
        responses={
            201: CorrectionNoticeCreatedSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input: `required`, `invalid`, `too_long`, "
                "`invalid_characters`, `unknown_field` (a key the body does not declare)",
            ),
            403: ERRORS[403],
            404: ERRORS[404],
        },
        summary="Send a correction notice to the owner's inbox",
        description=(
            "Any agency that lawfully saw the record may send one (R-H2): an agency that may "
            "read it (a grant, an Eilfall, GWS retrieval) or whose hit showed it (a basic-data "
            "name hit or an object hit). Reference-only hits do not count; anything else is "
            "404 `not_found`."
        ),
    )
    def post(self, request: Request, record_id: str) -> Response:
        """Create the notice."""
        body = CorrectionNoticeSerializer.declared(_body(request))
        item = correction_notice_create(
            actor=as_officer(request.user), record_id=record_id, text=body.get("text")
        )
        return Response(CorrectionNoticeCreatedSerializer({"id": item.pk}).data, status=201)


def _shown(record: Record, request: Request) -> Any:
    """Render a record as the caller may see it."""
    return RecordSerializer(record_data(record, actor=as_officer(request.user))).data


def _with_etag(response: Response) -> Response:
    """Send the record's version as a strong ETag (the owner's answers carry a version)."""
    version = response.data.get("version") if isinstance(response.data, dict) else None
    if isinstance(version, int):
        response["ETag"] = etag(version)
    return response


def parse_if_match(request: Request) -> frozenset[int] | None:
    """Return the versions an ``If-Match`` header names; ``None`` for absent or ``*``.

    If-Match compares strongly (RFC 9110 13.1.1): a weak tag (``W/"3"``) or a malformed one
    never matches, so a header naming only such tags answers 412.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for tag in header.split(","):
        tag = tag.strip()
        if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isascii():
            inner = tag[1:-1]
            if inner.isdigit() and len(inner) <= 12:
                versions.add(int(inner))
    return frozenset(versions)


def _body(request: Request) -> dict[str, Any]:
    """Return the JSON object of a request, refusing arrays (no batch requests, R-E5)."""
    data = request.data
    if not isinstance(data, dict):
        raise Invalid(
            "Ein JSON-Objekt erwartet; Sammelanfragen sind nicht zulässig.", code="invalid"
        )
    return dict(data)
