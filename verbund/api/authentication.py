"""DRF authentication classes of the API: browser sessions and API tokens.

Each refusal carries its own machine code (``error_code``) that
``verbund.api.errors.exception_handler`` keeps, so a client can tell a CSRF refusal or an
expired token from a plain "not logged in".
"""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.db import connection
from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import authentication, exceptions

from agencies.models import Officer


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
        for auth_token in _candidates(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
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


_TOKEN_FIELDS = [f.attname for f in AuthToken._meta.concrete_fields]
_OFFICER_FIELDS = [f.attname for f in Officer._meta.concrete_fields]
_CANDIDATES_SQL = (
    "SELECT "
    + ", ".join(f't."{f.column}"' for f in AuthToken._meta.concrete_fields)
    + ", "
    + ", ".join(f'u."{f.column}"' for f in Officer._meta.concrete_fields)
    + f" FROM {AuthToken._meta.db_table} t JOIN {Officer._meta.db_table} u ON u.id = t.user_id"
    " WHERE t.token_key = %s"
)


def _candidates(token_key: str) -> list[Any]:
    """Return the tokens with this key prefix, each with its officer loaded (one statement).

    PostgreSQL: fixed SQL (issue 19: the ORM's query building cost more CPU than the
    lookup); the rows become the same model instances ``select_related("user")`` gives
    (tests/verbund/search/test_fixed_sql.py). SQLite: the ORM.
    """
    if connection.vendor != "postgresql":
        return list(AuthToken.objects.filter(token_key=token_key).select_related("user"))
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, [token_key])
        rows = cursor.fetchall()
    width = len(_TOKEN_FIELDS)
    out = []
    for row in rows:
        auth_token = AuthToken.from_db(connection.alias, _TOKEN_FIELDS, row[:width])
        auth_token.user = Officer.from_db(connection.alias, _OFFICER_FIELDS, row[width:])
        out.append(auth_token)
    return out


class VerbundTokenScheme(KnoxTokenScheme):
    """OpenAPI: the knox subclass is knox's ``Authorization: Token <token>`` scheme."""

    target_class = "verbund.api.authentication.TokenAuthentication"
    name = "tokenAuth"
