"""Helpers of the tests that start the app's own server (gunicorn via scripts/serve.sh).

Used by tests/verbund/test_serving.py and tests/verbund/api/test_schemathesis.py: a free
port, and the test database's URL for the server process.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit, urlunsplit

from django.db import connection


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_url_for_server() -> str:
    """Return DATABASE_URL pointing at the database pytest-django created for this run."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))
