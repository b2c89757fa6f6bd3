"""Helpers of the tests that start the app's own server (gunicorn via scripts/serve.sh).

Used by tests/verbund/test_serving.py and tests/verbund/api/test_schemathesis.py: a free
port, the test database's URL for the server process, and waiting until it answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
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


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (up to 60 s) until ``url`` answers 200; fail with the server's log otherwise."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer at {url}:\n{log.read_text()}")
