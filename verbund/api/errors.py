"""Render every API error as ``{"code", "detail", "fields"}`` (api.md conventions)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from verbund.errors import DomainError

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _flatten(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(k): v for k, v in detail.items()}
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain and DRF errors into the project's error shape."""
    if isinstance(exc, DomainError):
        response = Response(
            {"code": exc.code, "detail": exc.detail, "fields": exc.fields, **exc.extra},
            status=exc.status,
        )
        for key, value in exc.headers.items():
            response[key] = value
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    handled = drf_handler(exc, context)
    if handled is None:
        return None
    response = handled
    code = _CODES.get(response.status_code, "error")
    fields: dict[str, Any] = {}
    detail: Any = getattr(exc, "detail", str(exc))
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        detail = "Ungültige Eingabe."
        if isinstance(exc.detail, list):
            detail = " ".join(str(d) for d in exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        code = "invalid_json"
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "not_authenticated"
        response.status_code = status.HTTP_401_UNAUTHORIZED
    # An exception that names its own machine code keeps it (verbund.api.authentication:
    # token_expired, csrf_failed).
    code = getattr(exc, "error_code", None) or code
    response.data = {"code": code, "detail": str(detail), "fields": fields}
    return response


@csrf_exempt
def api_not_found(request: Any, *args: Any, **kwargs: Any) -> Any:
    """Answer unknown API paths with the JSON error shape (never HTML).

    CSRF-exempt: a POST with a session cookie to a path that does not exist answers 404, not
    Django's HTML CSRF page (nothing is changed here, so there is nothing to protect).
    """
    from django.http import JsonResponse

    return JsonResponse(
        {"code": "not_found", "detail": "Nicht gefunden.", "fields": {}}, status=404
    )
