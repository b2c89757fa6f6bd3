"""Run the hot path's fixed SQL as server-side prepared statements (issue 19).

Django's psycopg 3 backend binds parameters on the client (``ClientCursor``): every
statement is sent as text and planned anew, which cost PostgreSQL about a third of its CPU
per search, and psycopg's client-side quoting a fifth of a millisecond of Python per
statement. The fixed statements of the search path (``verbund.search.sql``, the audit
append, the token lookup) have constant text, so they are prepared once per connection
(persistent: ``CONN_MAX_AGE``) with psycopg's own server-side-binding ``Cursor`` on
Django's connection and executed with their parameters bound on the server.

Library: psycopg 3's prepared statements (``execute(..., prepare=True)``; the connection
keeps up to ``prepared_max`` of them and re-prepares after a schema change) — no home-made
statement cache. Errors are wrapped into Django's exceptions as Django's cursor does, and
with query logging on (``DEBUG``, ``CaptureQueriesContext``) each statement is logged like
any other, so the statement-count test still sees it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection

Params = Sequence[Any] | Mapping[str, Any]


def execute(sql: str, params: Params, *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Execute one fixed statement prepared on the server; return its rows (``[]`` without).

    Runs in the caller's transaction (Django's connection, autocommit as Django set it).
    Raises Django's database exceptions (``IntegrityError`` …), as a Django cursor would.
    PostgreSQL only.
    """
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    start = time.monotonic()
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            rows = cursor.fetchall() if fetch and cursor.description is not None else []
    if connection.queries_logged:
        connection.queries_log.append(
            {
                "sql": f"{sql} -- prepared, params {params!r}",
                "time": f"{time.monotonic() - start:.3f}",
            }
        )
    return rows
