"""Project middleware: request ids for the audit rows, German by default, no caching of
personal data."""

from __future__ import annotations

import contextvars
import io
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def current_request_id() -> str | None:
    """Return the id of the request being served, if any."""
    return _request_id.get()


class RequestIdMiddleware:
    """Assign a request id (or accept a well-formed X-Request-ID) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(rid)
        try:
            request.request_id = rid  # type: ignore[attr-defined]
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class ChunkedBodyMiddleware:
    """Read a body sent with ``Transfer-Encoding: chunked`` instead of dropping it.

    WSGI hands Django the body only through ``CONTENT_LENGTH``; a chunked request has none,
    so Django and DRF saw an empty body: a PATCH answered 200 and its change was lost
    ("nothing that was accepted is ever lost"). gunicorn de-chunks ``wsgi.input``; this
    reads it (at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes — larger is 413
    ``request_too_large`` through the error handlers) and gives the request a real length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH"):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            stream = request.META["wsgi.input"]
            data = stream.read() if limit is None else stream.read(limit + 1)
            if limit is not None and len(data) > limit:
                raise RequestDataTooBig(
                    "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
                )
            request.META["CONTENT_LENGTH"] = str(len(data))
            request._stream = LimitedStream(io.BytesIO(data), len(data))  # type: ignore[assignment]
        return self.get_response(request)


class GermanByDefaultMiddleware:
    """Make German the default language: ignore the browser's Accept-Language header.

    The users are German officers; English is chosen only explicitly through the language
    switch (cookie), never by the browser's settings.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Public answers without personal data or file references (api.md: the catalogue needs no
# login; the OpenAPI document and its Swagger UI describe the API, not its data). Shared
# caches may keep a successful GET of these for a few minutes.
PUBLIC_API_PATHS = frozenset(
    {
        "/api/v1/catalogue/",
        "/api/v1/catalogue/versions/",
        "/api/v1/schema/",
        "/api/v1/docs/",
        # The BKA's public report (R-J5): figures only (verbund.api.reports).
        "/api/v1/reports/statistics/",
    }
)
PUBLIC_MAX_AGE = 300


class NoStoreMiddleware:
    """Keep personal data and file references out of every cache (api.md Conventions).

    One rule instead of a decorator per view, so a new endpoint cannot forget it: every
    answer under ``/api/`` — errors included — and every page shown to a logged-in officer
    carries ``Cache-Control: no-store`` (with Django's other never-cache directives) and
    ``Vary: Authorization, Cookie``. The only exceptions are successful GETs of the public
    API paths above without cookies or credentials, marked ``public, max-age=300``. Pages
    for anonymous visitors (login, public catalogue) keep Django's defaults; the login view
    marks itself never-cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            if (
                request.path in PUBLIC_API_PATHS
                and request.method in ("GET", "HEAD")
                and response.status_code == 200
                # A request with cookies may get its session cookie re-set on the way out
                # (SESSION_SAVE_EVERY_REQUEST, after this middleware): never let a shared
                # cache keep a Set-Cookie. Anonymous, cookieless reads only.
                and not request.META.get("HTTP_COOKIE")
                and not request.META.get("HTTP_AUTHORIZATION")
            ):
                patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
                return response
        else:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return response
        add_never_cache_headers(response)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response
