"""Reference data endpoints: token, me, agencies, files, catalogue (api.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from agencies.models import Agency, as_officer
from verbund.access.records import authorised_files, current_order
from verbund.api.authentication import TokenAuthentication
from verbund.api.params import choice_param
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer
from verbund.dates import parse_iso_date
from verbund.errors import Invalid
from verbund.models import File
from verbund.selectors.catalogue import catalogue_current, catalogue_history
from verbund.services import shapes
from verbund.services.catalogue import catalogue_publish


class CatalogueEntryOut(serializers.Serializer):
    """One catalogue value in force."""

    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    valid_from = serializers.DateField()


class CatalogueOut(serializers.Serializer):
    """Every catalogue field with its values in force (R-C4)."""

    case_groups = CatalogueEntryOut(many=True)
    ethnicity = CatalogueEntryOut(many=True)
    religion = CatalogueEntryOut(many=True)
    skills = CatalogueEntryOut(many=True)
    critical_infrastructure = CatalogueEntryOut(many=True)
    dangerousness = CatalogueEntryOut(many=True)
    visited_places = CatalogueEntryOut(many=True)
    marital_status = CatalogueEntryOut(many=True)
    device_types = CatalogueEntryOut(many=True)


class CatalogueVersionOut(serializers.Serializer):
    """A published catalogue version."""

    field = serializers.CharField()
    number = serializers.IntegerField()
    valid_from = serializers.DateField()
    published_by = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    values = serializers.ListField(child=serializers.DictField())


def _version_out(version: Any) -> dict[str, Any]:
    return {
        "field": version.field,
        "number": version.number,
        "valid_from": version.valid_from.isoformat(),
        "published_by": version.published_by.username if version.published_by else None,
        "note": version.note,
        "values": [
            {"code": v.code, "label_de": v.label_de, "label_en": v.label_en}
            for v in version.values.all()
        ],
    }


class TokenOut(serializers.Serializer):
    """A new API token and when it expires."""

    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires = serializers.DateTimeField(help_text="End of the token's lifetime (ISO 8601).")


TOKEN_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description=(
            "required (username or password missing or null; named in fields), "
            "invalid (not text, or no JSON object; named in fields), invalid_characters, "
            "invalid_credentials"
        ),
    ),
    413: OpenApiResponse(ErrorSerializer, description="request_too_large"),
    429: OpenApiResponse(
        ErrorSerializer,
        description="locked_out (django-axes, with Retry-After) or rate_limited (throttle)",
    ),
}


def _credentials(data: Any) -> tuple[str, str]:
    """Return (username, password) of a login body, or 400 naming each field at fault.

    ``required``: a field absent or ``null``; ``invalid``: a field of another JSON type
    than text (or a body that is no JSON object). The code is the first field's. An empty
    password is a failed login attempt like any wrong one (django-axes counts it).
    """
    if not isinstance(data, dict):
        detail = "Ein JSON-Objekt mit Benutzername und Passwort erwartet."
        raise Invalid(detail, code="invalid", fields={"body": [detail]})
    fields: dict[str, list[str]] = {}
    codes: list[str] = []
    labels = {"username": "Benutzername", "password": "Passwort"}
    for name, label in labels.items():
        value = data.get(name)
        if value is None:
            fields[name] = [f"{label} angeben."]
            codes.append("required")
        elif not isinstance(value, str):
            fields[name] = [f"{label}: Text erwartet."]
            codes.append("invalid")
    if fields:
        code = codes[0]
        detail = (
            "Benutzername und Passwort angeben."
            if code == "required"
            else "Falscher Datentyp: Benutzername und Passwort sind Text."
        )
        raise Invalid(detail, code=code, fields=fields)
    return data["username"], data["password"]


class TokenView(APIView):
    """Log in and out of the API: issue a token (lockout by django-axes), revoke it.

    Tokens are django-rest-knox tokens (see ``verbund.api.authentication``): each login
    issues a new one with a fixed lifetime (``VERBUND_API_TOKEN_TTL_HOURS``, default 8);
    ``DELETE`` revokes the token the request was made with.
    """

    throttle_classes = [AnonRateThrottle]
    throttle_scope = "token"

    def get_authenticators(self) -> list[Any]:
        """Logging in takes no credentials but the body's; logging out needs the token."""
        # getattr: schema generation builds the view before it has a request.
        if getattr(self.request, "method", None) == "DELETE":
            return [TokenAuthentication()]
        return []

    def get_permissions(self) -> list[Any]:
        """Anyone may try to log in; only a token holder logs out."""
        if getattr(self.request, "method", None) == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: TokenOut, **TOKEN_ERRORS},
        summary="Log in: obtain a new API token (expires after VERBUND_API_TOKEN_TTL_HOURS)",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Return a new token and its expiry for valid credentials; 400 otherwise."""
        username, password = _credentials(request.data)
        if "\x00" in username or "\x00" in password:
            # NUL bytes never reach the database lookup (400, not 500).
            raise Invalid("Unzulässige Zeichen.", code="invalid_characters")
        # A failed attempt sends user_login_failed (django-axes counts it and locks).
        user = authenticate(request._request, username=username, password=password)
        if user is None or not user.is_active:
            raise Invalid("Anmeldung fehlgeschlagen.", code="invalid_credentials")
        # Expired tokens of this officer are kept until here so that they answer
        # token_expired rather than "invalid"; now they go.
        AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user)
        # As for a browser login: django-axes logs the login and resets the failure count,
        # Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(TokenOut({"token": token, "expires": instance.expiry}).data)

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The token is revoked."),
            401: OpenApiResponse(
                ErrorSerializer,
                description="not_authenticated (no, unknown or revoked token) or token_expired",
            ),
        },
        summary="Log out: revoke the API token of this request",
    )
    def delete(self, request: Request) -> Response:
        """Revoke the token the request carries; it answers 401 from now on."""
        user: Any = request.user
        request.auth.delete()
        user_logged_out.send(sender=user.__class__, request=request._request, user=user)
        return Response(status=204)


class MeView(APIView):
    """The caller's identity, agency, roles and authorised files."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "username": serializers.CharField(),
                    "agency": inline_serializer(
                        "MeAgency",
                        {"code": serializers.CharField(), "name": serializers.CharField()},
                    ),
                    "roles": serializers.ListField(child=serializers.CharField()),
                    "files": serializers.ListField(child=serializers.CharField()),
                    "jurisdiction": serializers.CharField(),
                },
            )
        },
        summary="Who am I",
    )
    def get(self, request: Request) -> Response:
        """Return the caller's profile."""
        user: Any = request.user
        agency = user.agency
        return Response(
            {
                "username": user.username,
                "agency": {"code": agency.code, "name": agency.name} if agency else None,
                "roles": [user.role],
                "files": [f.code for f in authorised_files(user)],
                "jurisdiction": user.jurisdiction,
            }
        )


AgencyOut = inline_serializer(
    "Agency",
    {
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=["police", "intelligence", "customs"]),
        "level": serializers.ChoiceField(choices=["federal", "state"]),
        "state": serializers.CharField(allow_null=True),
    },
)


class AgencyListView(APIView):
    """All agencies (R-A2, R-A5)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AgencyOut}, summary="List agencies")
    def get(self, request: Request) -> Response:
        """Return agencies as a bare array."""
        return Response(
            [
                {
                    "code": a.code,
                    "name": a.name,
                    "kind": a.kind,
                    "level": a.level,
                    "state": a.state or None,
                }
                for a in Agency.objects.all()
            ]
        )


class FileListView(APIView):
    """Files with their legal basis and the categories of the order in force."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "FileOut",
                {
                    "code": serializers.CharField(),
                    "name": serializers.CharField(),
                    "legal_basis": serializers.DictField(),
                    "accepts_entries": serializers.BooleanField(),
                    "purposes": serializers.ListField(child=serializers.DictField()),
                    "urgencies": serializers.ListField(child=serializers.DictField()),
                    "order_version": serializers.IntegerField(allow_null=True),
                },
                many=True,
            )
        },
        summary="List files",
    )
    def get(self, request: Request) -> Response:
        """Return files as a bare array."""
        out = []
        for file in File.objects.select_related("legal_basis"):
            order = current_order(file)
            out.append(
                {
                    "code": file.code,
                    "name": file.name,
                    "legal_basis": {
                        "kind": file.legal_basis.kind,
                        "citation": file.legal_basis.citation,
                        "in_force_from": file.legal_basis.in_force_from.isoformat(),
                    },
                    "accepts_entries": file.legal_basis.carries_entries() and order is not None,
                    "purposes": order.purposes if order else [],
                    "urgencies": order.urgencies if order else [],
                    "order_version": order.version if order else None,
                }
            )
        return Response(out)


class CatalogueView(APIView):
    """The published catalogues in force (R-C4); no login needed."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "lang",
                str,
                enum=["de", "en"],
                required=False,
                description="Label language (default de). Another value: 400 invalid_choice.",
            )
        ],
        responses={
            200: CatalogueOut,
            400: OpenApiResponse(ErrorSerializer, description="invalid_choice (lang)"),
        },
        summary="Published catalogues (codes, labels, valid_from)",
    )
    def get(self, request: Request) -> Response:
        """Return every catalogue field with its current values."""
        language = choice_param(request, "lang", ("de", "en"), default="de")
        return Response(catalogue_current(language=language))


class CatalogueVersionsView(APIView):
    """Every published catalogue version (the publication, R-C4); BKA publishes new ones."""

    def get_permissions(self) -> list[Any]:
        """Reading is public; publishing needs a login (the service checks BKA)."""
        return [AllowAny()] if self.request.method == "GET" else [IsOfficer()]

    @extend_schema(
        responses={200: CatalogueVersionOut(many=True)},
        summary="All published catalogue versions with effective dates",
    )
    def get(self, request: Request) -> Response:
        """Return every version, newest first per field."""
        return Response([_version_out(v) for v in catalogue_history()])

    @extend_schema(
        request=inline_serializer(
            "CataloguePublish",
            {
                "field": serializers.CharField(),
                "valid_from": serializers.DateField(),
                "note": serializers.CharField(required=False),
                "values": serializers.ListField(child=serializers.DictField()),
            },
        ),
        responses={201: CatalogueVersionOut},
        summary="Publish a new catalogue version (BKA head only for gg/hh/ii/kk/nn, R-C4)",
    )
    def post(self, request: Request) -> Response:
        """Publish a version."""
        data = request.data
        # Every field's JSON type is checked before any rule runs (400 naming the field).
        shapes.check(shapes.CATALOGUE_PUBLISH, data)
        try:
            valid_from = parse_iso_date(str(data.get("valid_from")))
        except ValueError:
            raise Invalid(
                "Datum erwartet.", code="invalid_date", fields={"valid_from": ["invalid"]}
            ) from None
        values = data.get("values")
        version = catalogue_publish(
            actor=as_officer(request.user),
            field=str(data.get("field", "")),
            valid_from=valid_from,
            values=values if isinstance(values, list) else [],
            note=data.get("note") or "",
        )
        return Response(_version_out(version), status=201)
