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
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import defaults

ERROR_TEMPLATE = "verbund/error.html"


def _is_api(request: HttpRequest) -> bool:
    # request.path only: request.get_host() would raise DisallowedHost again here.
    return request.path.startswith("/api/")


def _api_error(code: str, detail: str, status: int) -> JsonResponse:
    """Return the error shape, never cached: these answers bypass NoStoreMiddleware."""
    response = JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response


def error_page(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    message: str,
    back_url: str = "",
    back_label: str = "",
) -> HttpResponse:
    """Render the project's German error page (base template, machine code only as data).

    Used where Django would answer with its own English or empty page: bad request, CSRF
    refusal, a method a page does not take.
    """
    context = {
        "code": code,
        "title": title,
        "message": message,
        "back_url": back_url,
        "back_label": back_label,
    }
    response = render(request, ERROR_TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def method_not_allowed(
    request: HttpRequest, allowed: list[str], *, back_url: str = "", back_label: str = ""
) -> HttpResponse:
    """Answer 405 for a page with a German explanation and a link back."""
    response = error_page(
        request,
        status=405,
        code="method_not_allowed",
        title=_("Not available like this"),
        message=_(
            "This address only receives a form; it cannot be opened directly. "
            "Use the form on the page it belongs to."
        ),
        back_url=back_url,
        back_label=back_label,
    )
    response["Allow"] = ", ".join(allowed)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 400 (413 for an oversized body under /api/); under /api/ in the error shape."""
    if not _is_api(request):
        return error_page(
            request,
            status=400,
            code="bad_host" if isinstance(exception, DisallowedHost) else "bad_request",
            title=_("Invalid request"),
            message=_(
                "The request could not be processed. Please open the application through "
                "its usual address and try again."
            ),
        )
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
    """CSRF_FAILURE_VIEW: under /api/ 403 ``csrf_failed`` in the error shape, else a German page."""
    if _is_api(request):
        return _api_error("csrf_failed", f"CSRF-Prüfung fehlgeschlagen: {reason}", 403)
    return error_page(
        request,
        status=403,
        code="csrf_failed",
        title=_("Form expired"),
        message=_(
            "The security check of the form (CSRF protection) failed: the form has expired "
            "or was not sent from this page. Please reload the page and try again."
        ),
    )


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
