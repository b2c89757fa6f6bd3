"""HTTP steps shared by the end-to-end scripts (``scripts/e2e_*.py``) against ``make run``.

Standard library only. ``BASE`` is the first command-line argument (default
``http://127.0.0.1:8000``); the demo password comes from ``VERBUND_DEMO_PASSWORD`` or is
``demo-only-password``. A step that does not answer as expected stops with exit status 1.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/")
PASSWORD = os.environ.get("VERBUND_DEMO_PASSWORD", "demo-only-password")


def call(method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    """Send one JSON request; return the status and the decoded answer (or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw) if raw else None)


def expect(label: str, got: tuple[int, Any], status: int) -> Any:
    """Print a step; stop with exit 1 when its status is not the expected one."""
    code, answer = got
    print(f"{'ok ' if code == status else 'BAD'} {code} {label}")
    if code != status:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        sys.exit(1)
    return answer


def login(username: str) -> str:
    """Return a fresh API token for a demo account."""
    answer = expect(
        f"login {username}",
        call("POST", "/api/v1/auth/token/", body={"username": username, "password": PASSWORD}),
        200,
    )
    return str(answer["token"])
