"""Fixed SQL for the search hot path on PostgreSQL (issue 19: a logged search at the speed
of the database).

The ORM spent about half of a search's CPU building and compiling 18-20 statements. Here
the same work is a handful of hand-written statements, each behind the function the ORM
version had, and each tested to give the ORM version's result on randomised data
(tests/verbund/search/test_fixed_sql.py):

* ``search_context`` — file, the officer's authorisation (R-A4) and the establishment
  order versions with their approvals (R-A6), one statement (``file_for_actor`` +
  ``current_order``);
* ``throttle_count`` — the one-minute rate-limit window as one upsert (R-E5);
* ``match`` — the visible matches with the hit records' data and every covert match, one
  statement (``engine.run`` + the record fetch). The access conditions come from
  ``verbund.access.records.searchable_sql`` / ``covert_sql``, the SQL twins of
  ``searchable_filter`` / ``covert_filter``;
* ``write_search`` — the search row and its hit rows, one statement, run for every search
  (an empty hit list inserts nothing), so hit, no-hit and covert-only searches send the
  same statements (architecture "Timing is an oracle too").

SQLite (``make run``) keeps the ORM path: these functions are only called on PostgreSQL
(``enabled()``).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection

from agencies.models import Agency
from verbund.access.records import covert_sql, order_in_force, searchable_sql
from verbund.models import File, Record
from verbund.models.files import EstablishmentOrder


def enabled() -> bool:
    """Return whether the fixed SQL runs (PostgreSQL) or the ORM path (SQLite)."""
    return connection.vendor == "postgresql"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# ---------------------------------------------------------------------------- context

_FILE_FIELDS = [f for f in File._meta.concrete_fields]
_ORDER_FIELDS = [f for f in EstablishmentOrder._meta.concrete_fields]
_CONTEXT_SQL = (
    "SELECT "
    + ", ".join(f'f."{f.column}"' for f in _FILE_FIELDS)
    + ", EXISTS (SELECT 1 FROM agencies_fileauthorisation fa"
    " WHERE fa.file_id = f.id AND fa.officer_id = %(officer)s)"
    " AND EXISTS (SELECT 1 FROM verbund_participation p"
    " WHERE p.file_id = f.id AND p.agency_id = %(agency)s),"
    " (SELECT coalesce(json_agg(json_build_object("
    "'order', to_jsonb(o), 'approvals', (SELECT coalesce(json_agg(json_build_object("
    "'body', ap.body, 'approved_on', ap.approved_on)), '[]'::json)"
    " FROM verbund_establishmentorderapproval ap WHERE ap.order_id = o.id))"
    " ORDER BY o.version DESC), '[]'::json)"
    " FROM verbund_establishmentorder o"
    " WHERE o.file_id = f.id AND o.effective_from <= %(today)s)"
    " FROM verbund_file f WHERE f.code = %(code)s"
)


@dataclass(frozen=True)
class Context:
    """What a search needs to know before it runs: the file, whether the officer is
    authorised for it, and the order version in force (None without one)."""

    file: File
    authorised: bool
    order: EstablishmentOrder | None


def _order(data: dict[str, Any]) -> EstablishmentOrder:
    values = {f.attname: f.to_python(data[f.column]) for f in _ORDER_FIELDS}
    order = EstablishmentOrder(**values)
    order._state.adding = False
    order._state.db = connection.alias
    return order


def search_context(
    *, officer_id: Any, agency_id: Any, code: str, today: datetime.date
) -> Context | None:
    """Return the search context of a file code, or None when no file has that code.

    Same answers as ``file_for_actor`` (authorisation: an explicit authorisation of the
    officer and a participation of the agency, R-A4) and ``current_order`` (the highest
    version effective by ``today`` with every required approval and, where required, the
    BfDI heard, R-A6) — through ``order_in_force``, the one place that decides it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _CONTEXT_SQL,
            {"officer": officer_id, "agency": agency_id, "today": today, "code": code},
        )
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(_FILE_FIELDS)
    values = {f.attname: f.to_python(_json(v) if f.get_internal_type() == "JSONField" else v)
              for f, v in zip(_FILE_FIELDS, row[:width], strict=True)}  # fmt: skip
    file = File(**values)
    file._state.adding = False
    file._state.db = connection.alias
    authorised, orders = bool(row[width]), _json(row[width + 1])
    candidates = [
        (
            _order(entry["order"]),
            [
                (a["body"], datetime.date.fromisoformat(a["approved_on"]))
                for a in entry["approvals"]
            ],
        )
        for entry in orders
    ]
    return Context(file=file, authorised=authorised, order=order_in_force(file, candidates, today))


# ---------------------------------------------------------------------------- rate limit

_THROTTLE_SQL = (
    'INSERT INTO verbund_searchthrottle (officer_id, file_id, "window", count)'
    " VALUES (%s, %s, %s, 1)"
    ' ON CONFLICT (officer_id, file_id, "window") DO UPDATE'
    " SET count = verbund_searchthrottle.count + 1 WHERE verbund_searchthrottle.count < %s"
    " RETURNING count"
)


def throttle_count(*, officer_id: Any, file_id: Any, window: datetime.datetime, limit: int) -> bool:
    """Count one search in the officer's window; return False when the limit is reached.

    One statement: the window row is created with count 1 or counted up while below
    ``limit`` (concurrent searches never pass it together: the conflict path takes the
    row lock).
    """
    with connection.cursor() as cursor:
        cursor.execute(_THROTTLE_SQL, [officer_id, file_id, window, limit])
        return cursor.fetchone() is not None


# ---------------------------------------------------------------------------- match


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def keys_sql(file_id: Any, query: Any) -> tuple[str, list[Any]]:
    """Return ``SELECT record_id, flag`` over the key rows equal to the query, as
    ``engine._keys_and_flag`` selects them (name, feature and object queries)."""
    from verbund.search import engine

    if isinstance(query, engine.NameQuery):
        sql = (
            "SELECT nk.record_id, CASE WHEN nk.source = 'basic' THEN 1 ELSE 0 END AS flag"
            " FROM verbund_namekey nk WHERE nk.file_id = %s AND nk.surname_key = %s"
        )
        params: list[Any] = [file_id, query.surname]
        if query.given:
            sql += " AND (nk.given_key = %s OR nk.given_key = '')"
            params.append(query.given)
        if query.date_of_birth is not None:
            born = query.date_of_birth
            sql += (
                " AND ((nk.date_of_birth = %s AND nk.born_precision = 'd')"
                " OR (nk.date_of_birth = %s AND nk.born_precision = 'm')"
                " OR (nk.date_of_birth = %s AND nk.born_precision = 'y')"
                " OR nk.date_of_birth IS NULL)"
            )
            params += [born, born.replace(day=1), born.replace(month=1, day=1)]
        if query.nationality:
            sql += " AND (nk.nationalities LIKE %s OR nk.nationalities IN ('', '||'))"
            params.append(f"%|{_like_escape(query.nationality)}|%")
        return sql, params
    if isinstance(query, engine.FeatureQuery):
        (first_field, first_key), *rest = query.pairs
        sql = (
            "SELECT fv.record_id, 0 AS flag FROM verbund_featurevalue fv"
            " WHERE fv.file_id = %s AND fv.field = %s AND fv.value_key = %s"
        )
        params = [file_id, first_field, first_key]
        for name, key in rest:
            sql += (
                " AND EXISTS (SELECT 1 FROM verbund_featurevalue f2 WHERE f2.file_id = %s"
                " AND f2.field = %s AND f2.value_key = %s AND f2.record_id = fv.record_id)"
            )
            params += [file_id, name, key]
        return sql, params
    object_field, person_field = engine._object_fields(query)
    fields = [object_field] + ([person_field] if person_field else [])
    sql = (
        "SELECT fv.record_id, CASE WHEN fv.field = %s THEN 1 ELSE 0 END AS flag"
        " FROM verbund_featurevalue fv WHERE fv.file_id = %s AND fv.field = ANY(%s)"
        " AND fv.value_key = %s"
    )
    return sql, [object_field, file_id, fields, query.key]


@dataclass
class MatchRows:
    """The rows of ``match``: visible ``(record, flag)`` in record-id order (at most
    ``limit + 1``) and the covert matches as the access log's owner-only column keeps them."""

    visible: list[tuple[Record, int]]
    covert: list[dict[str, Any]]


def match(*, file: File, query: Any, agency_id: Any, today: datetime.date, limit: int) -> MatchRows:
    """Find the visible matches with their records and every covert match, one statement.

    Both parts run for every search, whatever they find (architecture "Timing is an
    oracle too"). The access conditions are applied per key row, before the ``LIMIT``
    (architecture "Known pitfalls"). Equal to ``engine.run`` + the record fetch on the ORM
    path (tests/verbund/search/test_fixed_sql.py).
    """
    keys, key_params = keys_sql(file.pk, query)
    visible, visible_params = searchable_sql(file_id=file.pk, agency_id=agency_id, today=today)
    covert, covert_params = covert_sql(file_id=file.pk, agency_id=agency_id, today=today)
    sql = (
        f"WITH k AS MATERIALIZED ({keys}),"
        " v AS (SELECT k.record_id, max(k.flag) AS flag FROM k"
        f" JOIN verbund_record r ON r.id = k.record_id WHERE {visible}"
        " GROUP BY k.record_id ORDER BY k.record_id LIMIT %s),"
        " c AS (SELECT DISTINCT k.record_id FROM k"
        f" JOIN verbund_record r ON r.id = k.record_id WHERE {covert})"
        " SELECT true, v.flag, r.id, r.file_id, r.owner_id, a.code, r.file_number,"
        " r.classification, r.markings, r.basic, r.case_group, r.kind, r.object_data"
        " FROM v JOIN verbund_record r ON r.id = v.record_id"
        " JOIN agencies_agency a ON a.id = r.owner_id"
        " UNION ALL"
        " SELECT false, 0, r.id, r.file_id, r.owner_id, a.code, r.file_number,"
        " '', r.markings, NULL, '', '', NULL"
        " FROM c JOIN verbund_record r ON r.id = c.record_id"
        " JOIN agencies_agency a ON a.id = r.owner_id"
    )
    params = [*key_params, *visible_params, limit + 1, *covert_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = MatchRows(visible=[], covert=[])
    for row in rows:
        is_visible, flag, rid, file_id, owner_id, code, number = row[:7]
        cls, marks, basic, group, kind, obj = row[7:]
        markings = _json(marks) or []
        if not is_visible:
            # R-J3: Art. 10 data stay controllable by the supervisors of both sides.
            out.covert.append(
                {"record": str(rid), "agency": code, "file_number": number}
                | ({"art10": True} if "art10" in markings else {})
            )
            continue
        record = Record(
            id=rid,
            file_id=file_id,
            owner_id=owner_id,
            file_number=number,
            classification=cls,
            markings=markings,
            basic=_json(basic) or {},
            case_group=group,
            kind=kind,
            object_data=_json(obj) or {},
        )
        record._state.adding = False
        record._state.db = connection.alias
        record.owner = Agency(id=owner_id, code=code)
        out.visible.append((record, int(flag)))
    out.visible.sort(key=lambda pair: pair[0].pk)
    out.covert.sort(key=lambda entry: entry["record"])
    return out


# ---------------------------------------------------------------------------- write

_SEARCH_COLUMNS = (
    "id", "file_id", "agency_id", "officer_id", "mode", "purpose", "urgency", "criteria",
    "hit_count", "refused", "created_at",
)  # fmt: skip
_WRITE_SQL = (
    "WITH s AS (INSERT INTO verbund_search ("
    + ", ".join(f'"{c}"' for c in _SEARCH_COLUMNS)
    + ") VALUES ("
    + ", ".join("%s::jsonb" if c == "criteria" else "%s" for c in _SEARCH_COLUMNS)
    + ") RETURNING id)"
    " INSERT INTO verbund_hit (id, search_id, record_id, position, matched_in, kind)"
    " SELECT h.id, s.id, h.record_id, h.position, h.matched_in, h.kind FROM s,"
    " unnest(%s::uuid[], %s::uuid[], %s::int[], %s::text[], %s::text[])"
    " AS h(id, record_id, position, matched_in, kind)"
)


def write_search(search: Any, hits: list[Any]) -> None:
    """Insert the search row and its hit rows in one statement (no hits: none inserted)."""
    values = [getattr(search, c) for c in _SEARCH_COLUMNS]
    values[_SEARCH_COLUMNS.index("criteria")] = json.dumps(search.criteria)
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_SQL,
            [
                *values,
                [h.id for h in hits],
                [h.record_id for h in hits],
                [h.position for h in hits],
                [h.matched_in for h in hits],
                [h.kind for h in hits],
            ],
        )
    search._state.adding = False
    search._state.db = connection.alias
