"""Match validated criteria through the btree indexes and shape hits for the caller.

Matching never reads JSON: names go through ``NameKey`` (index ``namekey_lookup`` on
file + surname key), features and object identifiers through ``FeatureValue`` (index
``feature_lookup`` on file + field + value key). Every match is an equality on folded keys
(R-E5). The set of records a hit may come from is always a queryset from
``verbund.access.records`` passed in by the service, applied in SQL before anything is
counted, capped or ordered (architecture "Known pitfalls").
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When

from verbund.dates import PARTIAL_DATE, parse_iso_date
from verbund.errors import Invalid
from verbund.models import FeatureValue, NameKey, Record
from verbund.models.records import OBJECT_KINDS, NameSource, RecordKind
from verbund.search.keys import (
    CODE,
    FIELD_KEYS,
    FREE,
    NAME,
    FieldKey,
    InvalidIdentifier,
    object_key,
)
from verbund.search.normalise import has_wildcard, is_mixed_script
from verbund.selectors.catalogue import current_codes
from verbund.services.record_rules import EXT_CATALOGUE_MULTI, EXT_CATALOGUE_SINGLE

# Feature criteria that must be catalogue codes (R-C4).
CATALOGUE_CRITERIA = frozenset(EXT_CATALOGUE_SINGLE + EXT_CATALOGUE_MULTI)
_ISO2 = re.compile(r"^[A-Z]{2}$")

# R-E7: an object identifier that is also an extended-data field of a person. A match on
# the person's field is an inverse-search hit and shows only the reference (R-E4).
OBJECT_PERSON_FIELDS = {
    RecordKind.PHONE.value: "phones",
    RecordKind.EMAIL.value: "emails",
    RecordKind.BANK_ACCOUNT.value: "bank_accounts",
    RecordKind.WEBSITE.value: "websites",
    RecordKind.DEVICE.value: "devices",
}


@dataclass(frozen=True)
class NameQuery:
    """Folded keys of a name search (R-E2, R-E3)."""

    surname: str
    given: str = ""
    date_of_birth: datetime.date | None = None
    nationality: str = ""


@dataclass(frozen=True)
class FeatureQuery:
    """Folded ``(field, value_key)`` pairs of a feature search, all on one record (R-E4)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObjectQuery:
    """The folded identifier of an object of one kind (R-E7)."""

    kind: str
    key: str


Query = NameQuery | FeatureQuery | ObjectQuery


@dataclass(frozen=True)
class Match:
    """One matching record and how it matched.

    ``kind`` is the hit kind stored on ``Hit.kind`` (``name``, ``feature`` or ``object``);
    ``matched_in`` is ``basic`` or ``extended`` for names, ``extended`` for features and
    inverse object hits, ``object`` for an object record itself.
    """

    record_id: uuid.UUID
    kind: str
    matched_in: str


@dataclass
class Outcome:
    """What the engine found: visible matches (at most ``limit + 1``) and covert matches."""

    visible: list[Match] = field(default_factory=list)
    covert: list[dict[str, Any]] = field(default_factory=list)
    too_many: bool = False


def _name_keys(file_id: Any, query: NameQuery) -> QuerySet[NameKey]:
    """Return the name keys equal to the query (equality only, R-E5)."""
    keys = NameKey.objects.filter(file_id=file_id, surname_key=query.surname)
    if query.given:
        # Aliases carry no given names (given_key ""): they match any given name.
        keys = keys.filter(Q(given_key=query.given) | Q(given_key=""))
    if query.date_of_birth is not None:
        # A date of birth narrows only where one is stored, within the stored precision
        # (a partial birth date "1962" or "1962-05"): each an equality on the key.
        born = query.date_of_birth
        keys = keys.filter(
            Q(date_of_birth=born, born_precision="d")
            | Q(date_of_birth=born.replace(day=1), born_precision="m")
            | Q(date_of_birth=born.replace(month=1, day=1), born_precision="y")
            | Q(date_of_birth__isnull=True)
        )
    if query.nationality:
        # A nationality narrows only where one is stored ("|DE|TR|"; "||" or "" = unknown).
        keys = keys.filter(
            Q(nationalities__contains=f"|{query.nationality}|") | Q(nationalities__in=["", "||"])
        )
    return keys


def _feature_keys(file_id: Any, query: FeatureQuery) -> QuerySet[FeatureValue]:
    """Return the first criterion's feature rows whose record also meets every other one."""
    (first_field, first_key), *rest = query.pairs
    keys = FeatureValue.objects.filter(file_id=file_id, field=first_field, value_key=first_key)
    for name, key in rest:
        # Several criteria are an AND on the same record: still one query about one person.
        keys = keys.filter(
            Exists(
                FeatureValue.objects.filter(
                    file_id=file_id, field=name, value_key=key, record_id=OuterRef("record_id")
                )
            )
        )
    return keys


def _object_fields(query: ObjectQuery) -> tuple[str, str | None]:
    return f"object:{query.kind}", OBJECT_PERSON_FIELDS.get(query.kind)


def _object_keys(file_id: Any, query: ObjectQuery) -> QuerySet[FeatureValue]:
    """Return object rows of the kind and, for phones, e-mails etc., persons' extended rows."""
    object_field, person_field = _object_fields(query)
    fields = [object_field] + ([person_field] if person_field else [])
    return FeatureValue.objects.filter(file_id=file_id, field__in=fields, value_key=query.key)


def _keys_and_flag(file_id: Any, query: Query) -> tuple[QuerySet[Any], Any]:
    """Return the key rows of a query and a 0/1 expression marking the stronger match."""
    if isinstance(query, NameQuery):
        # R-E2 over R-E3: a record matching in basic data and in extended data is one
        # hit with basic data.
        flag = Case(When(source=NameSource.BASIC, then=Value(1)), default=Value(0))
        return _name_keys(file_id, query), flag
    if isinstance(query, FeatureQuery):
        return _feature_keys(file_id, query), Value(0)
    object_field, _person_field = _object_fields(query)
    flag = Case(When(field=object_field, then=Value(1)), default=Value(0))
    return _object_keys(file_id, query), flag


def to_match(query: Query, record_id: uuid.UUID, flag: int) -> Match:
    if isinstance(query, NameQuery):
        return Match(record_id, "name", "basic" if flag else "extended")
    if isinstance(query, FeatureQuery):
        return Match(record_id, "feature", "extended")
    if flag:
        return Match(record_id, "object", "object")
    # R-E7: a value found only in a person's extended data is an inverse-search hit.
    return Match(record_id, "feature", "extended")


def run(
    *,
    file_id: Any,
    query: Query,
    visible: Q,
    covert: Q,
    limit: int,
) -> Outcome:
    """Find the visible matches (at most ``limit + 1``) and every covert match.

    Both queries run for every search, whatever they find, so a search that touched a
    covert record costs what any other search costs (architecture "Timing is an oracle").
    ``visible`` and ``covert`` are the access layer's conditions on the key rows' record
    (``searchable_filter`` / ``covert_filter`` with ``via="record"``): part of the SQL,
    joined per key row, so the cost grows with the key rows found, never with the file;
    the ``LIMIT`` applies after the access filter.
    """
    keys, flag = _keys_and_flag(file_id, query)
    rows = list(
        keys.filter(visible)
        .values("record_id")
        .annotate(flag=Max(flag, output_field=IntegerField()))
        .order_by("record_id")
        .values_list("record_id", "flag")[: limit + 1]
    )
    outcome = Outcome(visible=[to_match(query, rid, f) for rid, f in rows])
    outcome.too_many = len(rows) > limit
    # R-D3: covert records of other agencies never become hits; the match is reported to
    # the owner through the search's own access-log row.
    covert_rows = (
        keys.filter(covert)
        .values_list("record_id", "record__owner__code", "record__file_number", "record__markings")
        .order_by("record_id")
        .distinct()
    )
    outcome.covert = [
        # R-J3: Art. 10 data stay controllable by the supervisors of both sides.
        {"record": str(rid), "agency": code, "file_number": number}
        | ({"art10": True} if "art10" in (markings or []) else {})
        for rid, code, number, markings in covert_rows
    ]
    return outcome


def reference(record: Record) -> dict[str, Any]:
    """Return the file reference of a record (R-C3): agency, file number, classification."""
    return {
        "agency": record.owner.code,
        "file_number": record.file_number,
        "classification": record.classification,
    }


def _basic(record: Record) -> dict[str, Any]:
    """Return the basic data of R-C1 (the case group is basic data too)."""
    data = dict(record.basic)
    if record.case_group:
        data["case_group"] = record.case_group
    return data


def shape_hit(*, hit_id: uuid.UUID, kind: str, matched_in: str, record: Record) -> dict[str, Any]:
    """Return one hit exactly as the rules allow the caller to see it.

    name/basic: record id, basic data, reference (R-E2); name/extended — a contact person or
    another extended-data name: reference only (R-E3, R-B2); feature and inverse object
    hits: reference only, no record id, no basic data (R-E4, R-E7); object hits: the
    object's identification data and reference, never a linked person's data (R-E7).
    """
    out: dict[str, Any] = {"hit": str(hit_id)}
    if kind == "name":
        if matched_in == "basic":
            out["record"] = str(record.pk)
            out["basic"] = _basic(record)
            # R-C7: markings travel with the data shown.
            out["markings"] = list(record.markings or [])
        out["reference"] = reference(record)
        out["matched_in"] = matched_in
        return out
    if kind == "object":
        out["record"] = str(record.pk)
        out["object"] = {
            "kind": record.kind,
            "identifier": record.object_data.get("identifier", ""),
            "description": record.object_data.get("description", ""),
        }
        out["markings"] = list(record.markings or [])
    out["reference"] = reference(record)
    return out


def order_key(record: Record) -> tuple[str, str, str]:
    """Return the sort key of hits: holding agency, file number, record id.

    The order depends only on the visible records, so hidden ones cannot shift it.
    """
    return (record.owner.code, record.file_number, str(record.pk))


def log_reference(
    *, hit_id: uuid.UUID, kind: str, matched_in: str, record: Record
) -> dict[str, Any]:
    """Return what the access log keeps about a hit shown (R-I1, R-I4).

    The record id is kept even where the caller was not shown it: supervisors must be able
    to tie the entry to the record; officers never read this column.
    """
    return {
        "hit": str(hit_id),
        "record": str(record.pk),
        "agency": record.owner.code,
        "file_number": record.file_number,
        "kind": kind,
        "matched_in": matched_in,
    }


def answer(
    *,
    search: Any,
    hits: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Return the answer of a search: the same shape for POST and GET (api.md "Searches").

    R-E1: purpose and urgency are shown wherever the query is shown.
    """
    return {
        "id": str(search.pk),
        "file": search.file.code,
        "mode": search.mode,
        "purpose": search.purpose,
        "urgency": search.urgency,
        "criteria": search.criteria,
        "created_at": search.created_at.isoformat(),
        "outcome": search.refused or "ok",
        "hit_count": len(hits),
        "hits": list(hits),
    }


def sorted_records(records: Iterable[Record]) -> list[Record]:
    """Return records in hit order."""
    return sorted(records, key=order_key)


# ---------------------------------------------------------------------------- criteria

# Date of birth and nationality criteria: the name rules for wildcards and abbreviations.
_CRIT = FieldKey(str, name_like=True, abbreviation=True)
NAME_CRITERIA = ("surname", "given_names", "date_of_birth", "nationality")
# As long as the entry accepts (R-E5 symmetry: what is stored can be searched as written).
MAX_VALUE_LENGTH = 500


@dataclass(frozen=True)
class ParsedCriteria:
    """Criteria after validation: as shown (cleaned text), as folded keys, and the query."""

    shown: dict[str, str]
    keys: dict[str, Any]
    query: Query


def _bad(code: str, key: str, detail: str) -> Invalid:
    return Invalid(detail, code=code, fields={f"criteria.{key}": [detail]})


def _clean_value(key: str, value: Any, *, field_key: FieldKey = FREE) -> str:
    """Return a criterion as NFKC text, or raise the 400 of R-E5 / api.md conventions.

    Nothing is dropped silently: a wildcard, regex or similarity character refuses the
    whole query (R-E5), checked after NFKC so full-width and compatibility forms count.
    The characters of the field's own syntax (``field_key.syntax``: the brackets of a
    phone number) are no wildcards there; names mixing scripts in one word are refused
    as at entry (``mixed_script``).
    """
    if not isinstance(value, str):
        raise _bad("invalid", key, "Text erwartet (eine einzelne Angabe, keine Liste).")
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise _bad("invalid_characters", key, "Unzulässige Zeichen.")
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise _bad("required", key, "Angabe fehlt.")
    if has_wildcard(
        text,
        name=field_key.name_like,
        allowed=field_key.syntax,
        abbreviation=field_key.abbreviation,
    ):
        raise _bad(
            "wildcards_not_allowed",
            key,
            "Platzhalter, reguläre Ausdrücke, Ähnlichkeitsoperatoren und unvollständige "
            "Angaben sind unzulässig.",
        )
    if len(unicodedata.normalize("NFC", value).strip()) > MAX_VALUE_LENGTH:
        raise _bad("too_long", key, f"Höchstens {MAX_VALUE_LENGTH} Zeichen.")
    if field_key.name_like and is_mixed_script(text):
        raise _bad(
            "mixed_script",
            key,
            "Ein Wort mischt Schriften (z. B. kyrillische und lateinische Buchstaben).",
        )
    return text


def _require_dict(criteria: Any) -> dict[str, Any]:
    if not isinstance(criteria, dict):
        detail = "Suchkriterien als Objekt angeben (eine Einzelabfrage)."
        raise Invalid(detail, code="invalid", fields={"criteria": [detail]})
    if not criteria:
        raise Invalid(
            "Suchkriterien fehlen.", code="required", fields={"criteria": ["Suchkriterien fehlen."]}
        )
    return criteria


def _check_known(criteria: dict[str, Any], known: Iterable[str]) -> None:
    allowed = set(known)
    for key in criteria:
        if key not in allowed:
            raise _bad("unknown_criterion", str(key), "Diese Suchart kennt dieses Kriterium nicht.")


def _folded(key: str, text: str, field_key: FieldKey) -> str:
    try:
        folded = field_key.make(text)
    except InvalidIdentifier as exc:
        raise _bad(exc.code, key, exc.detail) from None
    if not folded:
        raise _bad("invalid", key, "Die Angabe enthält keine suchbaren Zeichen.")
    return str(folded)


def parse_name(criteria: Any) -> ParsedCriteria:
    """Validate name criteria: surname required; given names, date of birth, nationality."""
    criteria = _require_dict(criteria)
    _check_known(criteria, NAME_CRITERIA)
    shown = {
        key: _clean_value(
            key, value, field_key=NAME if key in ("surname", "given_names") else _CRIT
        )
        for key, value in criteria.items()
    }
    if "surname" not in shown:
        raise _bad("required", "surname", "Familienname erforderlich.")
    surname = _folded("surname", shown["surname"], NAME)
    given = _folded("given_names", shown["given_names"], NAME) if "given_names" in shown else ""
    born: datetime.date | None = None
    if "date_of_birth" in shown:
        if PARTIAL_DATE.fullmatch(shown["date_of_birth"]):
            # A year or year-month is incomplete data (002 Rn. 194).
            raise _bad(
                "incomplete_data",
                "date_of_birth",
                "Unvollständiges Datum: vollständiges Datum JJJJ-MM-TT angeben.",
            )
        try:
            born = parse_iso_date(shown["date_of_birth"])
        except ValueError:
            raise _bad(
                "invalid_date", "date_of_birth", "Vollständiges Datum JJJJ-MM-TT angeben."
            ) from None
        shown["date_of_birth"] = born.isoformat()
    nationality = ""
    if "nationality" in shown:
        nationality = shown["nationality"].upper()
        if not _ISO2.match(nationality):
            raise _bad("invalid_country", "nationality", "Ländercode nach ISO 3166 angeben.")
        shown["nationality"] = nationality
    keys: dict[str, Any] = {"surname": surname}
    if given:
        keys["given_names"] = given
    if born:
        keys["date_of_birth"] = born.isoformat()
    if nationality:
        keys["nationality"] = nationality
    return ParsedCriteria(shown, keys, NameQuery(surname, given, born, nationality))


def parse_feature(criteria: Any) -> ParsedCriteria:
    """Validate feature criteria: extended-data fields, catalogue codes or exact values."""
    criteria = _require_dict(criteria)
    _check_known(criteria, FIELD_KEYS)
    shown: dict[str, str] = {}
    keys: dict[str, Any] = {}
    for key, value in criteria.items():
        field_key = FIELD_KEYS[key]
        # Identifiers (e-mail, IBAN, plate, URL, phone) may hold the characters of their
        # own syntax; names and free values get the stricter name check.
        text = _clean_value(key, value, field_key=field_key)
        if key in CATALOGUE_CRITERIA and text not in current_codes(key):
            # R-C4: catalogue fields are searched by catalogue code only.
            raise _bad("not_in_catalogue", key, "Wert ist nicht im Katalog.")
        shown[key] = text
        keys[key] = _folded(key, text, field_key)
    # Exact identifiers first: they narrow most, so the index lookup starts there.
    pairs = sorted(keys.items(), key=lambda kv: (kv[0] in CATALOGUE_CRITERIA, kv[0]))
    return ParsedCriteria(shown, keys, FeatureQuery(tuple(pairs)))


def parse_object(criteria: Any) -> ParsedCriteria:
    """Validate object criteria: ``{"kind": <object kind>, "identifier": "..."}`` (R-E7)."""
    criteria = _require_dict(criteria)
    _check_known(criteria, ("kind", "identifier"))
    for key in ("kind", "identifier"):
        if key not in criteria:
            raise _bad("required", key, "Angabe fehlt.")
    kind = _clean_value("kind", criteria["kind"], field_key=CODE)
    if kind not in OBJECT_KINDS:
        raise _bad("invalid_choice", "kind", "Unbekannte Objektart.")
    field_key = object_key(kind)
    identifier = _clean_value("identifier", criteria["identifier"], field_key=field_key)
    key = _folded("identifier", identifier, field_key)
    return ParsedCriteria(
        {"kind": kind, "identifier": identifier},
        {"kind": kind, "identifier": key},
        ObjectQuery(kind, key),
    )


PARSERS = {"name": parse_name, "feature": parse_feature, "object": parse_object}
