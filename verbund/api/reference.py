"""Reference data endpoints: token, me, agencies, files, catalogue (api.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from agencies.models import Agency
from verbund.access.records import authorised_files, current_order
from verbund.errors import Invalid
from verbund.models import File
from verbund.selectors.catalogue import catalogue_current


class TokenView(APIView):
    """Exchange username and password for an API token (lockout by django-axes)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [AnonRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        summary="Obtain an API token",
    )
    def post(self, request: Request) -> Response:
        """Return a token for valid credentials; 400 otherwise."""
        data = request.data if isinstance(request.data, dict) else {}
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise Invalid("Benutzername und Passwort angeben.", code="required")
        user = authenticate(request._request, username=username, password=password)
        if user is None or not user.is_active:
            raise Invalid("Anmeldung fehlgeschlagen.", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
                        "MeAgency", {"code": serializers.CharField(), "name": serializers.CharField()}
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
        responses={200: serializers.DictField(child=serializers.ListField())},
        summary="Published catalogues (codes, labels, valid_from)",
    )
    def get(self, request: Request) -> Response:
        """Return every catalogue field with its current values."""
        language = request.query_params.get("lang", "de")
        return Response(catalogue_current(language="en" if language == "en" else "de"))
