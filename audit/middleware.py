"""Keep the BKA's IT operators off the officers' pages (R-I2, R-I5).

An operator (``Role.OPERATOR``) reads the log for operation and security only: the start
page leads to the operations log, every officers' page (records, searches, inbox, requests,
transfers, Eilfälle, date rules) answers 403. The API refuses them through
``verbund.api.permissions.IsOfficer``; the access layer (``verbund.access.records``) gives
them no record either.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from verbund.errors import Forbidden

OFFICER_PREFIXES = (
    "/datensaetze/",
    "/suche/",
    "/eingang/",
    "/treffer/",
    "/uebermittlungen/",
    "/eilfaelle/",
    "/ersuchen/",
    "/fristenregeln/",
)


class OperatorPathsMiddleware:
    """Redirect an operator's start page to the operations log; refuse officers' pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "role", "") == "operator":
            if request.path == "/":
                return redirect("operations_log")
            if request.path.startswith(OFFICER_PREFIXES):
                from verbund.views.common import forbidden

                return forbidden(
                    request,
                    Forbidden(
                        _("These pages are for officers of the participating agencies."),
                        code="forbidden",
                    ),
                )
        return self.get_response(request)
