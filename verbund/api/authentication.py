"""DRF authentication classes of the API: browser sessions and API tokens.

Each refusal carries its own machine code (``error_code``) that
``verbund.api.errors.exception_handler`` keeps, so a client can tell a CSRF refusal or an
expired token from a plain "not logged in".
"""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
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


class TokenExpired(exceptions.AuthenticationFailed):
    """An API token past its lifetime (401 ``token_expired``)."""

    error_code = "token_expired"
    default_detail = "Das Token ist abgelaufen; bitte neu anmelden."


class TokenAuthentication(knox_auth.TokenAuthentication):
    """API tokens of django-rest-knox: ``Authorization: Token <token>``, fixed lifetime.

    django-rest-knox (chosen over DRF's authtoken, which has one never-expiring token per
    user) stores only a SHA-512 digest, issues a new token per login, gives each a lifetime
    (``REST_KNOX["TOKEN_TTL"]``, from ``VERBUND_API_TOKEN_TTL_HOURS``) and revokes one by
    deleting its row. Two changes to knox's class:

    * an expired token answers 401 ``token_expired`` (knox answers "Invalid token") and is
      not deleted on sight, so it keeps answering ``token_expired``; the next login of its
      officer purges it (``verbund.api.reference.TokenView``);
    * knox's per-request sweep of the officer's *other* expired tokens (one more query and
      possibly deletes on every request) is left out for the same reason.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        """Return ``(officer, AuthToken)`` for a valid token; 401 otherwise."""
        invalid = exceptions.AuthenticationFailed("Ungültiges Token.")
        try:
            text = token.decode("utf-8")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, ValueError, binascii.Error):
            raise invalid from None
        candidates = AuthToken.objects.filter(
            token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user")
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                raise TokenExpired()
            if not auth_token.user.is_active:
                raise invalid
            if auth_token.user.foreign:
                # R-N1: 403 foreign_access_refused, the attempt recorded (issue 20).
                from international.services.foreign import foreign_refused

                raise foreign_refused(user=auth_token.user, channel="token")
            return auth_token.user, auth_token
        raise invalid


class VerbundTokenScheme(KnoxTokenScheme):
    """OpenAPI: the knox subclass is knox's ``Authorization: Token <token>`` scheme."""

    target_class = "verbund.api.authentication.TokenAuthentication"
    name = "tokenAuth"
