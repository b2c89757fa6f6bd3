"""Error views: JSON under /api/, HTML elsewhere.

These are the project's ``handler400/403/404/500`` and its ``CSRF_FAILURE_VIEW``. Django calls
them for errors raised *before* or *around* a view — a bad ``Host`` header (DisallowedHost,
raised lazily by ``request.get_host()`` in CommonMiddleware), a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (RequestDataTooBig), a CSRF refusal by CsrfViewMiddleware, an
exception in a middleware — so under ``/api/`` even those answer the api.md error shape
``{"code", "detail", "fields"}``, never Django's HTML pages.
"""

from __future__ import annotations

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import csrf, defaults


def _is_api(request: HttpRequest) -> bool:
    # request.path only: request.get_host() would raise DisallowedHost again here.
    return request.path.startswith("/api/")


def _api_error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 400 (413 for an oversized body under /api/); under /api/ in the error shape."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)  # type: ignore[arg-type]
    if isinstance(exception, RequestDataTooBig):
        return _api_error("request_too_large", "Die Anfrage ist zu groß.", 413)
    if isinstance(exception, DisallowedHost):
        return _api_error("bad_host", "Unzulässiger Host-Header.", 400)
    return _api_error("bad_request", "Ungültige Anfrage.", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 403; under /api/ with the error shape of api.md."""
    if _is_api(request):
        return _api_error("forbidden", "Keine Berechtigung.", 403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: under /api/ 403 ``csrf_failed`` in the error shape, else Django's page."""
    if _is_api(request):
        return _api_error("csrf_failed", f"CSRF-Prüfung fehlgeschlagen: {reason}", 403)
    return csrf.csrf_failure(request, reason)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 404; under /api/ with the error shape of api.md."""
    if _is_api(request):
        return _api_error("not_found", "Nicht gefunden.", 404)
    return render(request, "verbund/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer 500; under /api/ with the error shape, never an HTML page."""
    if _is_api(request):
        return _api_error("server_error", "Interner Fehler.", 500)
    return HttpResponse("<h1>500 – Interner Fehler</h1>", status=500)
