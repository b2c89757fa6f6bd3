"""The embedded server of `make run`: gunicorn without a Server header, SQLite in WAL mode.

The gunicorn test runs scripts/serve.sh — the very command scripts/run.sh starts — as a
subprocess on a free port against the test PostgreSQL, and reads real HTTP responses. The
SQLite tests load verbund.settings.dev in a subprocess (the test process itself is bound to
PostgreSQL) with a temporary VERBUND_VAR_DIR, so they touch no developer database.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.servers import database_url_for_server, free_port, wait_until_answering
from verbund.services.reference import reference_data_ensure

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _get(port: int, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


@pytest.fixture
def served(audit_truncate_allowed: None, transactional_db: Any, tmp_path: Path) -> Any:
    """Start scripts/serve.sh on a free port (test settings, test database); stop it after."""
    reference_data_ensure()  # committed: the server's own connections must see it
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.test",
        "DATABASE_URL": database_url_for_server(),
        "VERBUND_VAR_DIR": str(var),
        "VERBUND_HOST": "127.0.0.1",
        "VERBUND_PORT": str(port := free_port()),
        "VERBUND_WEB_WORKERS": "1",
        "VERBUND_WEB_THREADS": "2",
    }
    # The static files WhiteNoise serves, as scripts/run.sh collects them before serving.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL
    )
    try:
        wait_until_answering(
            f"http://127.0.0.1:{port}/health/live/", process, var / "log" / "web.log"
        )
        yield port, process, var
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_run_gunicorn_sends_no_server_header(served: Any) -> None:
    """The API, a page and a static file come from gunicorn with no Server header."""
    port, process, var = served
    for path, content_type in [
        ("/api/v1/catalogue/", "application/json"),
        ("/katalog/", "text/html"),
        ("/static/verbund/css/verbund.css", "text/css"),
        ("/static/verbund/js/verbund.js", "text/javascript"),
    ]:
        status, headers, body = _get(port, path)
        names = {name.lower() for name, _ in headers}
        assert status == 200, (path, status, body[:300])
        assert dict((k.lower(), v) for k, v in headers)["content-type"].startswith(content_type)
        assert body
        assert "server" not in names, (path, headers)
        # gunicorn's own default headers are still there: only Server was dropped.
        assert {"date", "connection"} <= names, (path, headers)
    assert json.loads(_get(port, "/api/v1/catalogue/")[2])
    # The answers really came through gunicorn (scripts/serve.sh's access log), and its
    # master is the process serve.sh exec'd into, so run.sh's cleanup reaches it.
    access_log = (var / "log" / "access.log").read_text()
    assert '"GET /static/verbund/css/verbund.css HTTP/1.1" 200' in access_log
    assert "Starting gunicorn" in (var / "log" / "web.log").read_text()
    assert int((var / "web.pid").read_text()) == process.pid


def test_run_gunicorn_error_responses_send_no_server_header(served: Any) -> None:
    """A 404 from Django, answered by gunicorn, carries no Server header either."""
    port, _process, _var = served
    status, headers, _body = _get(port, "/no-such-page/")
    assert status == 404
    assert "server" not in {name.lower() for name, _ in headers}


def _run_with_dev_settings(code: str, var: Path) -> dict[str, Any]:
    """Run ``code`` with verbund.settings.dev and SQLite in ``var``; return its JSON output."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "verbund.settings.dev", "VERBUND_VAR_DIR": str(var)})
    prelude = "import django, json\ndjango.setup()\nfrom django.db import connection\n"
    result = subprocess.run(
        [PYTHON, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_run_dev_settings_put_sqlite_in_wal_mode(tmp_path: Path) -> None:
    """The embedded settings open SQLite in WAL mode, with a busy timeout and BEGIN IMMEDIATE."""
    out = _run_with_dev_settings(
        """
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE probe (id integer)")
            journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            busy = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            sync = cursor.execute("PRAGMA synchronous").fetchone()[0]
        print(json.dumps({
            "name": str(connection.settings_dict["NAME"]),
            "vendor": connection.vendor,
            "journal_mode": journal,
            "busy_timeout_ms": busy,
            "synchronous": sync,
            "transaction_mode": connection.transaction_mode,
        }))
        """,
        tmp_path,
    )
    assert out["vendor"] == "sqlite"
    assert out["name"] == str(tmp_path / "verbund.sqlite3")
    assert out["journal_mode"] == "wal"
    assert out["busy_timeout_ms"] == 20_000
    assert out["synchronous"] == 1  # NORMAL
    assert out["transaction_mode"] == "IMMEDIATE"
    # WAL is a property of the file: a plain connection, without Django, sees it too.
    import sqlite3

    plain = sqlite3.connect(tmp_path / "verbund.sqlite3")
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        plain.close()


def test_run_dev_sqlite_lets_concurrent_read_then_write_transactions_wait(tmp_path: Path) -> None:
    """Two transactions that read, then write, both commit: the second waits for the lock.

    With SQLite's default DEFERRED transactions both would take a read lock first and the
    second writer would fail at once with "database is locked" (the busy timeout cannot
    help an upgrade deadlock): what several gunicorn workers plus the Celery worker hit.
    """
    out = _run_with_dev_settings(
        """
        import threading, time
        from django.db import connections, transaction

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE counter (n integer)")
            cursor.execute("INSERT INTO counter VALUES (0)")
        connection.close()
        errors = []
        started = threading.Barrier(2)

        def bump():
            try:
                started.wait()
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        n = cursor.execute("SELECT n FROM counter").fetchone()[0]
                        time.sleep(0.3)
                        cursor.execute("UPDATE counter SET n = %s", [n + 1])
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=bump) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with connection.cursor() as cursor:
            final = cursor.execute("SELECT n FROM counter").fetchone()[0]
        print(json.dumps({"errors": errors, "final": final}))
        """,
        tmp_path,
    )
    assert out["errors"] == []
    assert out["final"] == 2  # no lost update either: the reads were serialised too


def _chunked(port: int, method: str, path: str, body: bytes, token: str) -> tuple[int, bytes]:
    """Send ``body`` with Transfer-Encoding: chunked (no Content-Length), as curl -T does."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest(method, path)
        conn.putheader("Authorization", f"Token {token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        size = 7 if len(body) < 10_000 else 65_536
        try:
            for start in range(0, len(body), size):
                piece = body[start : start + size]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            # The server answered (413) and closed before the whole body was sent.
            pass
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_r_h1_chunked_request_bodies_through_gunicorn_are_read_not_lost(served: Any) -> None:
    """A chunked PATCH changes the record; a chunked create creates; too large is 413."""
    from knox.models import AuthToken

    from agencies.models import Officer
    from agencies.services import demo_officers
    from tests.conftest import PASSWORD, person_payload

    port, _process, _var = served
    demo_officers(PASSWORD)
    _, token = AuthToken.objects.create(user=Officer.objects.get(username="bka.analyst"))
    status, body = _chunked(
        port, "POST", "/api/v1/records/", json.dumps(person_payload()).encode(), token
    )
    assert status == 201, body[:300]
    record = json.loads(body)
    status, body = _chunked(
        port,
        "PATCH",
        f"/api/v1/records/{record['id']}/",
        json.dumps({"extended": {"profession": "Koch"}}).encode(),
        token,
    )
    assert status == 200, body[:300]
    assert json.loads(body)["extended"]["profession"] == "Koch"
    big = json.dumps({"extended": {"free_text": "x" * 3_000_000}}).encode()
    try:
        status, body = _chunked(port, "PATCH", f"/api/v1/records/{record['id']}/", big, token)
    except (ConnectionResetError, http.client.RemoteDisconnected):
        status, body = 0, b""  # the answer was lost with the connection: read the log
    if status:
        assert status == 413 and json.loads(body)["code"] == "request_too_large"
    else:
        access = (_var / "log" / "access.log").read_text()
        assert f'"PATCH /api/v1/records/{record["id"]}/ HTTP/1.1" 413' in access


def test_r_l6_overdue_lists_query_runs_on_the_embedded_sqlite(tmp_path: Path) -> None:
    """The overdue union executes on SQLite too (``make run``), not only on PostgreSQL.

    Regression: each part of the union carried its model's default ordering, and SQLite
    refuses ORDER BY inside a compound statement — every overdue list answered 500 there.
    """
    out = _run_with_dev_settings(
        """
        import datetime
        from django.core.management import call_command
        from django.utils import timezone
        from agencies.models import Agency
        from verbund.selectors.duties import _overdue
        call_command("migrate", verbosity=0)
        rows = list(_overdue(
            agencies=Agency.objects.all(),
            files=None,
            now=timezone.now() + datetime.timedelta(days=1),
        ))
        print(json.dumps({"vendor": connection.vendor, "rows": len(rows)}))
        """,
        tmp_path,
    )
    assert out == {"vendor": "sqlite", "rows": 0}
