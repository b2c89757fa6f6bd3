"""Reference data endpoints: token, me, agencies, files, catalogue (api.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from agencies.models import Agency, Role, as_officer
from verbund.access.records import authorised_files, current_order
from verbund.api.authentication import TokenAuthentication
from verbund.api.params import choice_param
from verbund.api.permissions import IsOfficer
from verbund.api.schemas import ErrorSerializer, RequestSerializer
from verbund.dates import parse_iso_date
from verbund.errors import Invalid
from verbund.models import File
from verbund.models.catalogue import CATALOGUE_FIELDS
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


class CatalogueValueOut(serializers.Serializer):
    """One value of a catalogue version, with both labels."""

    code = serializers.CharField()
    label_de = serializers.CharField()
    label_en = serializers.CharField()


class CatalogueVersionOut(serializers.Serializer):
    """A published catalogue version (renders a ``CatalogueVersion``)."""

    field = serializers.ChoiceField(choices=list(CATALOGUE_FIELDS))
    number = serializers.IntegerField()
    valid_from = serializers.DateField()
    published_by = serializers.CharField(
        source="published_by.username",
        allow_null=True,
        help_text="Username of the publisher; null for the versions shipped with the system.",
    )
    note = serializers.CharField(allow_blank=True)
    values = CatalogueValueOut(source="values.all", many=True)


class CataloguePublishValueIn(serializers.Serializer):
    """One value of a new catalogue version."""

    code = serializers.CharField(max_length=60)
    label_de = serializers.CharField(max_length=200)
    label_en = serializers.CharField(max_length=200, required=False)


class CataloguePublishIn(RequestSerializer):
    """Body of ``POST /catalogue/versions/``."""

    shape = shapes.CATALOGUE_PUBLISH

    field = serializers.ChoiceField(choices=list(CATALOGUE_FIELDS))
    valid_from = serializers.DateField()
    note = serializers.CharField(max_length=4000, required=False)
    values = CataloguePublishValueIn(many=True, max_length=1000)  # type: ignore[call-arg]


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
    403: OpenApiResponse(
        ErrorSerializer,
        description="foreign_access_refused: the account is flagged foreign (R-N1); logged",
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
        if getattr(user, "foreign", False):
            # R-N1: refused only after the password was checked (a wrong one answers as for
            # any account); the attempt is recorded and committed (issue 20, intlreg).
            from international.services.foreign import foreign_refused

            raise foreign_refused(user=user, channel="api")
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


class MeAgencyOut(serializers.Serializer):
    """The caller's agency."""

    code = serializers.CharField()
    name = serializers.CharField()


class MeOut(serializers.Serializer):
    """The caller (renders an ``Officer``)."""

    username = serializers.CharField()
    agency = MeAgencyOut(allow_null=True, help_text="null for supervisors (no agency).")
    roles = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField(
        help_text="Codes of the files the caller is authorised for."
    )
    jurisdiction = serializers.CharField(
        allow_blank=True,
        help_text="Supervisors: `federal` or a state code; empty for officers.",
    )

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Role.values)))
    def get_roles(self, user: Any) -> list[str]:
        """The caller's roles (one today)."""
        return [user.role]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_files(self, user: Any) -> list[str]:
        """Codes of the authorised files."""
        return [f.code for f in authorised_files(user)]


class MeView(APIView):
    """The caller's identity, agency, roles and authorised files."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeOut}, summary="Who am I")
    def get(self, request: Request) -> Response:
        """Return the caller's profile."""
        return Response(MeOut(request.user).data)


class AgencyOut(serializers.ModelSerializer):
    """An agency (R-A2, R-A5)."""

    kind = serializers.ChoiceField(choices=["police", "intelligence", "customs"])
    level = serializers.ChoiceField(choices=["federal", "state"])
    state = serializers.CharField(
        allow_null=True, help_text="State code (e.g. BW) of a state agency; null if federal."
    )

    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "level", "state"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """A federal agency's empty state is ``null``."""
        data: dict[str, Any] = super().to_representation(instance)
        data["state"] = data["state"] or None
        return data


class AgencyListView(APIView):
    """All agencies (R-A2, R-A5)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AgencyOut(many=True)}, summary="List agencies")
    def get(self, request: Request) -> Response:
        """Return agencies as a bare array (a reference list, api.md)."""
        return Response(AgencyOut(Agency.objects.order_by("code"), many=True).data)


class CategoryOut(serializers.Serializer):
    """A purpose or urgency of the establishment order (R-E1)."""

    code = serializers.CharField(help_text="Send this code in a search.")
    label = serializers.CharField()  # type: ignore[assignment]


class LegalBasisOut(serializers.Serializer):
    """The statute a file rests on (R-A3)."""

    kind = serializers.CharField()
    citation = serializers.CharField()
    in_force_from = serializers.DateField()


class FileOut(serializers.Serializer):
    """A file with its legal basis and the categories of the order in force."""

    code = serializers.CharField()
    name = serializers.CharField()
    legal_basis = LegalBasisOut()
    accepts_entries = serializers.BooleanField(
        help_text="False when the legal basis carries no entries (R-A3) or no order is in force."
    )
    purposes = CategoryOut(many=True)
    urgencies = CategoryOut(many=True)
    order_version = serializers.IntegerField(
        allow_null=True, help_text="Version of the establishment order in force; null if none."
    )

    def to_representation(self, file: Any) -> dict[str, Any]:
        """Render a ``File`` with its establishment order in force."""
        order = current_order(file)
        return super().to_representation(
            {
                "code": file.code,
                "name": file.name,
                "legal_basis": file.legal_basis,
                "accepts_entries": file.legal_basis.carries_entries() and order is not None,
                "purposes": order.purposes if order else [],
                "urgencies": order.urgencies if order else [],
                "order_version": order.version if order else None,
            }
        )


class FileListView(APIView):
    """Files with their legal basis and the categories of the order in force."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: FileOut(many=True)}, summary="List files")
    def get(self, request: Request) -> Response:
        """Return files as a bare array (a reference list, api.md)."""
        files = File.objects.select_related("legal_basis").order_by("code")
        return Response(FileOut(files, many=True).data)


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
        return Response(CatalogueOut(catalogue_current(language=language)).data)


class CatalogueVersionsView(APIView):
    """Every published catalogue version (the publication, R-C4); BKA publishes new ones."""

    def get_permissions(self) -> list[Any]:
        """Reading is public; publishing needs a login (the service checks BKA)."""
        return [AllowAny()] if self.request.method == "GET" else [IsOfficer()]

    @extend_schema(
        responses={200: CatalogueVersionOut(many=True)},
        auth=[],
        summary="All published catalogue versions with effective dates",
    )
    def get(self, request: Request) -> Response:
        """Return every version, newest first per field."""
        return Response(CatalogueVersionOut(catalogue_history(), many=True).data)

    @extend_schema(
        request=CataloguePublishIn,
        responses={
            201: CatalogueVersionOut,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`invalid`, `required`, `invalid_date` (also: a BKA catalogue "
                "cannot apply from the past), `unknown_catalogue`, `duplicate_code`",
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description="`forbidden` (supervisor, account without agency) or "
                "`catalogue_bka_only` (only the BKA's head sets these catalogues, R-C4)",
            ),
        },
        summary="Publish a new catalogue version (BKA head only for gg/hh/ii/kk/nn, R-C4)",
    )
    def post(self, request: Request) -> Response:
        """Publish a version."""
        # Every field's JSON type is checked before any rule runs (400 naming the field).
        data = CataloguePublishIn.checked(request.data)
        try:
            valid_from = parse_iso_date(str(data.get("valid_from")))
        except ValueError:
            raise Invalid(
                "Datum erwartet.", code="invalid_date", fields={"valid_from": ["Datum erwartet."]}
            ) from None
        values = data.get("values")
        version = catalogue_publish(
            actor=as_officer(request.user),
            field=str(data.get("field", "")),
            valid_from=valid_from,
            values=values if isinstance(values, list) else [],
            note=data.get("note") or "",
        )
        return Response(CatalogueVersionOut(version).data, status=201)
