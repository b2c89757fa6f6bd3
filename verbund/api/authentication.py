"""DRF authentication classes of the API: browser sessions (and, below, API tokens).

Each refusal carries its own machine code (``error_code``) that
``verbund.api.errors.exception_handler`` keeps, so a client can tell a CSRF refusal or an
expired token from a plain "not logged in".
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions


class CsrfFailed(exceptions.PermissionDenied):
    """A session-authenticated write without a valid CSRF token (403 ``csrf_failed``)."""

    error_code = "csrf_failed"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication; a CSRF refusal answers 403 ``csrf_failed``."""

    def enforce_csrf(self, request: Any) -> None:
        """Refuse an unsafe request whose CSRF token is missing or wrong."""
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed(str(exc.detail)) from exc


class VerbundSessionScheme(SessionScheme):
    """OpenAPI: the session subclass is the same cookie scheme as DRF's."""

    target_class = "verbund.api.authentication.SessionAuthentication"
