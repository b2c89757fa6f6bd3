"""No foreign access (R-N1): an account flagged foreign is refused at every door.

Partners are registry rows, never users: no route, token or setting serves one. Should an
account nevertheless be flagged ``Officer.foreign`` (the administrator sets the flag, e.g.
for an account created for a foreign body by mistake), it is refused everywhere with 403
``foreign_access_refused``:

* the browser login form (``verbund.views.auth.LoginView``) and any other login form (the
  admin's) — after the password was checked, so that a wrong password answers exactly as for
  any account and never reveals that an account is foreign;
* the API token login (``verbund.api.reference.TokenView``), likewise after the password;
* the authentication of an existing API token (``verbund.api.authentication``);
* an existing browser session (``international.middleware.ForeignAccessMiddleware``, which
  also ends the session).

Each refusal writes a ``ForeignLoginAttempt`` row (counted by the statistics) and an audit
event ``auth.foreign_refused`` naming the username and channel, in a transaction of their
own that commits although the request is refused. No new library: Django's ORM and the
audit chain.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit.services import log_event
from international.models import ForeignLoginAttempt
from verbund.errors import Forbidden

CODE = "foreign_access_refused"
DETAIL = "Ausländische Stellen haben keinen Zugang zum Verbund; der Versuch wurde protokolliert."
CHANNELS = ("session", "login", "api", "token")


def is_foreign(user: Any) -> bool:
    """Return whether the user is an authenticated account flagged foreign."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "foreign", False))


def foreign_attempt_record(*, user: Any, channel: str) -> ForeignLoginAttempt:
    """Write the attempt row and the audit event, committed on their own (R-N1).

    ``channel``: ``login`` (a login form), ``session`` (an existing browser session),
    ``api`` (the API token login), ``token`` (an existing API token).
    """
    username = str(getattr(user, "username", "") or "")[:150]
    with transaction.atomic():
        attempt = ForeignLoginAttempt.objects.create(username=username, channel=channel)
        log_event(
            actor=user,
            action="auth.foreign_refused",
            object_type="agencies.officer",
            object_id=str(getattr(user, "pk", "") or ""),
            details={"username": username, "channel": channel},
            outcome="refused",
        )
    return attempt


def foreign_refused(*, user: Any, channel: str) -> Forbidden:
    """Record the attempt and return the 403 to raise (API doors)."""
    foreign_attempt_record(user=user, channel=channel)
    return Forbidden(DETAIL, code=CODE)
