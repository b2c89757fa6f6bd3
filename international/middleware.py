"""Refuse a browser session of an account flagged foreign (R-N1).

Placed after Django's ``AuthenticationMiddleware``. Before the view: an existing session of
a foreign account is refused (channel ``session``) and ended. After the view: a session a
login form just opened for a foreign account (the admin's login, or any form other than
``verbund.views.auth.LoginView``, which refuses before logging in) is ended and refused
(channel ``login``). Under ``/api/`` the answer is the api.md error shape, elsewhere the
project's German error page. Each refusal is recorded (``foreign_attempt_record``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from international.services.foreign import CODE, DETAIL, foreign_attempt_record, is_foreign


def foreign_refused_response(request: HttpRequest) -> HttpResponse:
    """Return the 403 of a refused foreign account: JSON under /api/, else a German page."""
    from django.utils.translation import gettext as _

    from verbund.views.errors import _api_error, error_page

    if request.path.startswith("/api/"):
        return _api_error(CODE, DETAIL, 403)
    return error_page(
        request,
        status=403,
        code=CODE,
        title=_("No access for foreign bodies"),
        message=_(
            "Foreign bodies have no access to the federated files; they are partners in "
            "the registry, never users. The attempt has been logged."
        ),
    )


class ForeignAccessMiddleware:
    """Refuse and end every session of an account flagged foreign."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def _refuse(self, request: HttpRequest, channel: str) -> HttpResponse:
        user = request.user
        foreign_attempt_record(user=user, channel=channel)
        logout(request)
        return foreign_refused_response(request)

    def __call__(self, request: HttpRequest) -> Any:
        """Refuse before the view; and after it, if the view logged a foreign account in."""
        if is_foreign(getattr(request, "user", None)):
            return self._refuse(request, "session")
        response = self.get_response(request)
        if is_foreign(getattr(request, "user", None)) and request.session.get("_auth_user_id"):
            return self._refuse(request, "login")
        return response
