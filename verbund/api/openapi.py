"""The OpenAPI schema of the API: every error an endpoint can answer, with its error shape.

drf-spectacular (``DEFAULT_SCHEMA_CLASS``) describes what the views render; this subclass
adds the error answers every endpoint of a kind gives, each with the api.md error shape
``{"code", "detail", "fields"}`` (``ErrorSerializer``), so a client generated from the schema
gets a typed error with its machine ``code`` for every status the server really sends:

===== =========================================================================
400   a request body, or query parameters (filters, pagination): invalid input
401   every endpoint that needs a login (no, unknown, revoked or expired token)
403   officers' and supervisors' paths (wrong role, account without agency); a browser
      session's unsafe request without its CSRF token (``csrf_failed``)
404   a path parameter (unknown, or not for the caller), or a page out of range
413   a request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``request_too_large``)
415   a request body in a media type the endpoint does not parse
429   the login (throttle of anonymous requests, django-axes lockout); searches document
      their own (R-E5 rate limit)
===== =========================================================================

An endpoint's own ``responses`` (``@extend_schema``) win over these defaults: they name the
codes of that endpoint in the description. drf-standardized-errors was considered: it
documents errors the same way but renders its own error shape, not api.md's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

from verbund.api.schemas import ErrorSerializer

BODY_METHODS = ("POST", "PUT", "PATCH")


def error(description: str) -> OpenApiResponse:
    """Return a documented error answer with the api.md error shape."""
    return OpenApiResponse(ErrorSerializer, description=description)


DEFAULT_ERRORS = {
    400: error(
        "Invalid input: `code` names the error (e.g. `invalid`, `required`, `invalid_choice`, "
        "`unknown_parameter`, `invalid_characters`, `invalid_json`), `fields` the fields."
    ),
    401: error("`not_authenticated` (no, unknown or revoked token) or `token_expired`."),
    403: error("`forbidden`: the caller's role may not use this path."),
    404: error("`not_found`: unknown, not for the caller, or a page out of range."),
    413: error("`request_too_large`: the body exceeds the size limit."),
    415: error("`unsupported_media_type`: send `application/json`."),
    429: error("`rate_limited`, with a `Retry-After` header."),
}


PATH_ID_MAX_LENGTH = 100


class VerbundAutoSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema`` plus the documented error answers of each endpoint."""

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        """Return the endpoint's own responses completed by the errors it can answer.

        (``@extend_schema(responses=...)`` replaces ``get_response_serializers`` on the
        view's schema, so the completion happens here, after it.)
        """
        bodies = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            code = str(status)
            if code not in bodies:
                bodies[code] = self._get_response_for_code(
                    DEFAULT_ERRORS[status], code, direction=direction
                )
        return dict(sorted(bodies.items()))

    def _resolve_path_parameters(self, variables: Any) -> Any:
        """Bound every text path parameter: ids are UUIDs or numbers, never longer than
        ``PATH_ID_MAX_LENGTH`` characters (a longer one answers 404 like any unknown id), so a
        client never builds a request line the web server refuses (414) before Django."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and "enum" not in schema:
                schema.setdefault("maxLength", PATH_ID_MAX_LENGTH)
        return parameters

    def _get_filter_parameters(self) -> Any:
        """Document that a filter value may not be empty (``StrictFilterBackend``)."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and "enum" not in schema:
                schema["minLength"] = 1
            if schema.get("type") == "array":
                # django-filter reads a list from one comma-separated value
                # (``?ordering=review_date,-file_number``), not from repeated parameters.
                parameter["style"] = "form"
                parameter["explode"] = False
        return parameters

    def _error_statuses(self) -> list[int]:
        view = self.view
        statuses: list[int] = []
        has_body = self.method in BODY_METHODS or (
            self.method == "DELETE" and getattr(view, "delete_takes_body", False)
        )
        lists = self.method == "GET" and (
            getattr(view, "filterset_class", None) is not None
            or getattr(view, "pagination_class", None) is not None
            and self._is_list_view()
        )
        if has_body or lists or self._query_parameters():
            statuses.append(400)
        permissions = view.get_permissions()
        public = all(isinstance(p, AllowAny) for p in permissions)
        if not public:
            statuses.append(401)
            by_role = any(not isinstance(p, (AllowAny, IsAuthenticated)) for p in permissions)
            # A browser session's unsafe request without its CSRF token: 403 csrf_failed.
            csrf = self.method != "GET" and any(
                isinstance(a, SessionAuthentication) for a in view.get_authenticators()
            )
            if by_role or csrf:
                statuses.append(403)
        if "{" in self.path or lists:
            statuses.append(404)
        if has_body:
            statuses += [413, 415]
        # The login's throttle counts anonymous requests only (AnonRateThrottle).
        if public and view.get_throttles():
            statuses.append(429)
        return statuses

    def _query_parameters(self) -> bool:
        """Whether the endpoint documents query parameters of its own (``@extend_schema``)."""
        overrides = self.get_override_parameters()
        return any(getattr(p, "location", "") == "query" for p in overrides)
