"""Error views: JSON under /api/, HTML elsewhere."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 404; under /api/ with the error shape of api.md."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "detail": "Nicht gefunden.", "fields": {}}, status=404
        )
    return render(request, "verbund/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer 500; under /api/ with the error shape, never an HTML page."""
    if request.path.startswith("/api/"):
        body = {"code": "server_error", "detail": "Interner Fehler.", "fields": {}}
        return JsonResponse(body, status=500)
    return HttpResponse("<h1>500 – Interner Fehler</h1>", status=500)
