"""Hooks of the schemathesis run (tests/verbund/api/test_schemathesis.py): auth, real ids.

schemathesis loads this file itself (``hooks`` in the generated ``schemathesis.toml``), in
its own process: it imports nothing from Django and reads what the test hands over from
the environment.

* ``VERBUND_ST_OFFICER_TOKEN``: the officer's token, obtained by the test through
  ``POST /api/v1/auth/token/``; sent on every operation but the two below.
* ``VERBUND_ST_SUPERVISOR_TOKEN``: ``bfdi.supervisor``'s token (same login) for the
  supervisors' operations ``/api/v1/audit/...`` and ``/api/v1/supervision/...``, so they
  answer 200 and not only 403.
* ``VERBUND_ST_SPARE_TOKENS``: a file of spare officer tokens, one a line (made by the test
  in the database: the login's throttle allows 30 logins a minute). Each
  ``DELETE /api/v1/auth/token/`` case revokes the token it carries, so it gets a token of
  its own; the officer's token stays valid for the whole run. When the spares run out the
  case logs in again (``VERBUND_ST_BASE_URL``, ``VERBUND_ST_USERNAME``,
  ``VERBUND_ST_PASSWORD``).

The providers are registered without caching (``refresh_interval=None``): each case asks
again, so nothing is shared between a revoked token and the next case.

Real ids: the fuzzing and stateful phases draw path parameters from the fuzz dictionaries
of ``schemathesis.toml``. The coverage phase does not use dictionaries, so its cases of an
operation with an id in the path would all go to one placeholder id (404). ``map_case``
below gives each coverage case that varies something other than the path (a body, a
header, a query parameter) a real id of that operation's dictionary
(``VERBUND_ST_IDS``: a JSON file ``{operation label: {parameter: [ids]}}``), picked by a
checksum of the case so that the run stays reproducible; the cases that vary the path
parameter itself keep their generated value.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from pathlib import Path
from typing import Any

import requests
import schemathesis

TOKEN_PATH = "/api/v1/auth/token/"


def _header(case: Any, token: str) -> None:
    case.headers = case.headers or {}
    case.headers["Authorization"] = f"Token {token}"


class _Spares:
    """Spare tokens, handed out once each (workers run in threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        path = os.environ.get("VERBUND_ST_SPARE_TOKENS", "")
        self.tokens = Path(path).read_text().split() if path else []

    def take(self) -> str:
        with self.lock:
            if self.tokens:
                return self.tokens.pop()
        response = requests.post(
            os.environ["VERBUND_ST_BASE_URL"] + TOKEN_PATH,
            json={
                "username": os.environ["VERBUND_ST_USERNAME"],
                "password": os.environ["VERBUND_ST_PASSWORD"],
            },
            timeout=10,
        )
        response.raise_for_status()
        token: str = response.json()["token"]
        return token


_spares = _Spares()


# Providers are asked in the order they are registered; the first whose filter matches wins.
@schemathesis.auth(refresh_interval=None).apply_to(method="DELETE", path=TOKEN_PATH)
class RevocableTokenAuth:
    """A fresh token for each logout case: the logout revokes it."""

    def get(self, case: Any, ctx: Any) -> str:
        return _spares.take()

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _header(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=r"^/api/v1/(audit|supervision)/")
class SupervisorTokenAuth:
    """The supervisors' operations run as bfdi.supervisor (federal jurisdiction)."""

    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["VERBUND_ST_SUPERVISOR_TOKEN"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _header(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(
    path_regex=r"^/api/v1/(subject-requests/|subject-challenges/[^/]+/ruling/)"
)
class DeskTokenAuth:
    """The subject desk's operations run as bka.auskunft (issue 17, ``VERBUND_ST_DESK_TOKEN``;
    issue 18: the court rulings it records)."""

    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["VERBUND_ST_DESK_TOKEN"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _header(case, data)


@schemathesis.auth(refresh_interval=None)
class OfficerTokenAuth:
    """Every other operation runs as the officer."""

    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["VERBUND_ST_OFFICER_TOKEN"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _header(case, data)


def _ids() -> dict[str, dict[str, list[str]]]:
    path = os.environ.get("VERBUND_ST_IDS", "")
    loaded: dict[str, dict[str, list[str]]] = json.loads(Path(path).read_text()) if path else {}
    return loaded


_IDS = _ids()


@schemathesis.hook
def map_case(ctx: Any, case: Any) -> Any:
    """Coverage phase: a real id in the path of cases that vary something else (no If-Match)."""
    meta = case.meta
    ids = _IDS.get(case.operation.label)
    if meta is None or not ids or str(meta.phase.name) != "coverage":
        return case
    data = meta.phase.data
    location = getattr(data, "parameter_location", None)
    if getattr(location, "value", location) == "path":
        return case
    if case.headers and "If-Match" in case.headers and data.parameter != "If-Match":
        # Coverage puts its one If-Match value into every case; a stale version answers 412
        # before the body is looked at. Only the cases that vary If-Match keep it.
        del case.headers["If-Match"]
    key = repr((case.body, case.query, getattr(data, "description", ""))).encode()
    for name, values in ids.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = values[zlib.crc32(key) % len(values)]
    return case
