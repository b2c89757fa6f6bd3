"""A test URLconf: the project's routes plus a plain (non-DRF, not CSRF-exempt) view under
/api/, so tests reach Django's own CSRF refusal there. Handlers are the project's."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from verbund.urls import handler400, handler403, handler404, handler500
from verbund.urls import urlpatterns as project


def plain_write(request: HttpRequest) -> JsonResponse:
    """Accept a POST; protected by CsrfViewMiddleware like any plain Django view."""
    return JsonResponse({"ok": True})


urlpatterns = [path("api/v1/test-plain-write/", plain_write), *project]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
