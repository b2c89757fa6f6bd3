"""Containment in the log's JSON reference lists, on PostgreSQL and SQLite alike.

``references`` and ``covert`` of ``AuditEvent`` are lists of objects. On PostgreSQL the
lookup is jsonb containment (``@>``), which the GIN indexes of migration ``audit 0004``
answer without a scan of the log. Django has no ``contains`` lookup for JSON on SQLite (the
embedded default of ``make run``), so there the same question is asked with SQLite's JSON1
functions (``json_each`` and ``json_extract``): the same rows, without an index — the
embedded deployment is for training and demonstration, not for millions of log rows.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def list_holds(
    field: str, item: dict[str, Any], *, table: str = "audit_auditevent", key: str = ""
) -> Q:
    """Return a filter: the JSON list ``field`` holds an object with all of ``item``'s pairs.

    ``item`` maps key names (lower-case identifiers) to strings or booleans, e.g.
    ``{"record": "<uuid>"}`` or ``{"file_number": "…", "agency": "BKA", "art10": True}``.
    ``key`` names the list inside a JSON object column instead (``field="payload",
    key="causes"``: ``payload.causes``; ``table`` is then that model's table). Raises
    ``ValueError`` for a field, key or table that is not such an identifier (they become SQL
    names on SQLite).
    """
    names = [field, table, *item, *([key] if key else [])]
    if not item or not all(_NAME.match(name) for name in names):
        raise ValueError("field, table and keys must be lower-case identifiers")
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__{key}__contains" if key else f"{field}__contains": [item]})
    conditions = []
    params: list[Any] = []
    for name, value in item.items():
        if isinstance(value, bool):
            # json_extract gives 1/0 for JSON true/false; json_type tells them from numbers.
            conditions.append(f"json_type(j.value, '$.{name}') = %s")
            params.append("true" if value else "false")
        else:
            conditions.append(f"json_extract(j.value, '$.{name}') = %s")
            params.append(value)
    source = f'"{table}"."{field}"' + (f", '$.{key}'" if key else "")
    sql = f"EXISTS (SELECT 1 FROM json_each({source}) AS j WHERE {' AND '.join(conditions)})"
    return Q(RawSQL(sql, params, output_field=BooleanField()))


def list_has(field: str, value: str, *, table: str) -> Q:
    """Return a filter: the JSON list ``field`` (of strings) of ``table`` holds ``value``.

    PostgreSQL: jsonb containment; SQLite: ``json_each`` (as ``list_holds``). Raises
    ``ValueError`` for a field or table that is not a lower-case identifier.
    """
    if not (_NAME.match(field) and _NAME.match(table)):
        raise ValueError("field and table must be lower-case identifiers")
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    sql = f'EXISTS (SELECT 1 FROM json_each("{table}"."{field}") AS j WHERE j.value = %s)'
    return Q(RawSQL(sql, [value], output_field=BooleanField()))
