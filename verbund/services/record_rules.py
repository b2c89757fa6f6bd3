"""Validate record input against the entry rules (R-B, R-C, R-D, R-L4a).

One place for every entry rule, shared by the API, the browser form and imports. Errors
carry the machine codes of api.md; nothing here writes.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from agencies.models import Officer, Role
from verbund.dates import PARTIAL_DATE, is_calendar_date, parse_iso_date
from verbund.errors import DomainError, Forbidden, Invalid
from verbund.models import File
from verbund.models.records import (
    COVERT_ONLY_MARKINGS,
    MARKINGS,
    CaseGroup,
    Classification,
    Record,
    RecordKind,
    Storage,
)
from verbund.search.keys import FIELD_KEYS, NAME, NAME_VARIANT, entry_problem, object_key
from verbund.search.normalise import is_latin, transliterate
from verbund.selectors.catalogue import current_codes
from verbund.services import shapes
from verbund.services.date_rules import DATE_FIELDS, WorkedDates, work_out_dates
from verbund.services.shapes import ListOf, Obj, Shape, Text

BASIC_LIST_FIELDS = (
    "former_names",
    "other_names",
    "aliases",
    "spellings",
    "nationalities",
    "former_nationalities",
    "addresses",
    "former_addresses",
    "physical_features",
    "languages",
    "dialects",
    "photographs",
    "identity_papers",
)
BASIC_TEXT_FIELDS = ("surname", "given_names", "place_of_birth")
BASIC_FIELDS = frozenset(
    BASIC_LIST_FIELDS + BASIC_TEXT_FIELDS + ("sex", "date_of_birth", "country_of_birth")
)

# Extended data, ATDG §3(1) Nr. 1b aa-ss (R-C2).
EXT_LIST_FIELDS = (
    "phones",
    "devices",
    "emails",
    "bank_accounts",
    "safe_deposit_boxes",
    "vehicles",
    "licences",
    "websites",
)
EXT_TEXT_FIELDS = ("education", "profession", "organisation")
EXT_CATALOGUE_SINGLE = ("ethnicity", "religion", "marital_status")
EXT_CATALOGUE_MULTI = ("skills", "critical_infrastructure", "dangerousness", "visited_places")
EXTENDED_FIELDS = frozenset(
    EXT_LIST_FIELDS
    + EXT_TEXT_FIELDS
    + EXT_CATALOGUE_SINGLE
    + EXT_CATALOGUE_MULTI
    + ("religion_reason", "contact_persons", "last_event_date", "free_text")
)
# Fields a "withheld" list may name (religion_reason goes with religion).
WITHHOLDABLE = EXTENDED_FIELDS - {"religion_reason"}

# R-B2: the closed list of contact-person fields (002 line 1469).
CONTACT_PERSON_FIELDS = frozenset(
    {
        "surname",
        "given_names",
        "former_names",
        "other_names",
        "aliases",
        "spellings",
        "sex",
        "date_of_birth",
        "place_of_birth",
        "country_of_birth",
        "nationality",
        "address",
        "photographs",
        "phones",
        "emails",
        "business_contacts",
    }
)
CONTACT_CASE_GROUPS = frozenset({CaseGroup.G1A, CaseGroup.G2})
OBJECT_FIELDS = frozenset({"identifier", "description"})
SEXES = frozenset({"m", "f", "x", "u"})
FREE_TEXT_MAX = 2000
_ISO2 = re.compile(r"^[A-Z]{2}$")
TOP_LEVEL = frozenset(
    {
        "file",
        "kind",
        "case_group",
        "storage",
        "storage_decision",
        "markings",
        "findings_basis",
        "basic",
        "extended",
        "withheld",
        "object",
        "linked_person",
        "review_date",
        "deletion_date",
        "reference",
        "incident",
    }
)
# Contact-person fields that hold lists (the others are single texts).
CONTACT_LIST_FIELDS = frozenset(
    {
        "former_names",
        "other_names",
        "aliases",
        "spellings",
        "photographs",
        "phones",
        "emails",
        "business_contacts",
    }
)

# The JSON types of a record body (api.md "Records"), checked before any entry rule runs.
# A value of the wrong type gets the code the rule for that field would give it.
_TEXTS = ListOf(Text())
_DATE = Text(max_len=40, code="invalid_date")
_COUNTRY = Text(max_len=40, code="invalid_country")
_CHOICE = Text(max_len=40, code="invalid_choice")
_CHOICES = ListOf(_CHOICE, code="invalid_choice", name_items=False)
_CATALOGUE = Text(max_len=200, code="not_in_catalogue")


def _person_shape(names: frozenset[str], lists: frozenset[str]) -> Obj:
    special: dict[str, Shape] = {
        "sex": _CHOICE,
        "date_of_birth": _DATE,
        "country_of_birth": _COUNTRY,
        "nationality": _COUNTRY,
        "nationalities": ListOf(_COUNTRY, code="invalid_country", name_items=False),
        "former_nationalities": ListOf(_COUNTRY, code="invalid_country", name_items=False),
    }
    return Obj(
        {name: special.get(name) or (_TEXTS if name in lists else Text()) for name in sorted(names)}
    )


BASIC_SHAPE = _person_shape(BASIC_FIELDS, frozenset(BASIC_LIST_FIELDS))
CONTACT_PERSON_SHAPE = _person_shape(CONTACT_PERSON_FIELDS, CONTACT_LIST_FIELDS)
EXTENDED_SHAPE = Obj(
    {
        **{name: _TEXTS for name in EXT_LIST_FIELDS},
        **{name: Text() for name in EXT_TEXT_FIELDS + ("religion_reason", "free_text")},
        **{name: _CATALOGUE for name in EXT_CATALOGUE_SINGLE},
        **{
            name: ListOf(_CATALOGUE, code="not_in_catalogue", name_items=False)
            for name in EXT_CATALOGUE_MULTI
        },
        "last_event_date": _DATE,
        "contact_persons": ListOf(CONTACT_PERSON_SHAPE),
    }
)
# GWS incident report (Vorkommnisbericht, R-M2) with the proceedings and the measures noted
# against the entry (R-M3). Project decisions until an ordinance fixes the data types
# (004 Rn. 28); every field is optional in the API (api.md "GWS").
PROCEEDINGS_STATUSES = (
    "pending",  # investigation under way
    "charged",  # charges brought
    "discontinued",  # e.g. § 170(2) StPO
    "discontinued_provisionally",  # e.g. § 153a StPO
    "acquitted",
    "trial_refused",
    "convicted",
)
MEASURE_KINDS = ("stadium_ban", "exit_ban", "entry_refused", "reporting_duty")
MAX_MEASURES = 50
MAX_CLUBS = 10
MEASURE_SHAPE = Obj(
    {
        "kind": _CHOICE,
        "from": _DATE,
        "until": _DATE,
        "authority": Text(),
        "country": _COUNTRY,
        "reference": Text(),
        "note": Text(),
    }
)
INCIDENT_SHAPE = Obj(
    {
        "date": _DATE,
        "event": Text(),
        "venue": Text(),
        "match": Text(),
        "clubs": _TEXTS,
        "report_reference": Text(),
        "suspected_offence": Text(),
        "fan_group": Text(),
        "description": Text(),
        "proceedings": Obj(
            {"prosecutor_file_number": Text(), "status": _CHOICE, "authority": Text()}
        ),
        "measures": ListOf(MEASURE_SHAPE),
    }
)
INCIDENT_TEXTS = (
    "event",
    "venue",
    "match",
    "report_reference",
    "suspected_offence",
    "fan_group",
)
RECORD_SHAPE = Obj(
    {
        "file": Text(max_len=40),
        "kind": _CHOICE,
        "case_group": Text(max_len=40, code="invalid_case_group"),
        "storage": _CHOICE,
        "storage_decision": Obj(
            {"decided_by": Text(), "reasons": Text()}, code="storage_decision_required"
        ),
        "markings": _CHOICES,
        "findings_basis": Text(),
        "basic": BASIC_SHAPE,
        "extended": EXTENDED_SHAPE,
        "withheld": _CHOICES,
        "object": Obj({"identifier": Text(), "description": Text()}),
        "linked_person": Text(max_len=100, code="linked_person_invalid"),
        "review_date": _DATE,
        "deletion_date": _DATE,
        "reference": Obj({"file_number": Text(), "classification": _CHOICE}),
        "incident": INCIDENT_SHAPE,
    }
)


def check_record_types(data: Any) -> None:
    """Raise 400 naming every field of a record body whose JSON type is wrong."""
    shapes.check(RECORD_SHAPE, data)


@dataclass
class RecordInput:
    """Validated input of a record create or update."""

    file: File
    kind: str
    case_group: str
    storage: str
    decided_by: Officer | None
    storage_reasons: str
    markings: list[str]
    findings_basis: str
    basic: dict[str, Any]
    extended: dict[str, Any]
    withheld: list[str]
    object_data: dict[str, Any]
    linked_person_id: str | None
    review_date: datetime.date
    deletion_date: datetime.date
    file_number: str
    classification: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    # GWS incident report (R-M2, R-M3); empty in the ATD.
    incident: dict[str, Any] = field(default_factory=dict)
    # Where the dates come from (R-L4a): source, rule, order, review at once.
    dates: WorkedDates | None = None


class _Collector:
    """Collect field errors so one answer names every bad field; raise the first code."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.first: tuple[str, str, type[DomainError]] | None = None

    def add(self, path: str, code: str, detail: str, kind: type[DomainError] = Invalid) -> None:
        self.fields.setdefault(path, []).append(detail)
        if self.first is None or (kind is not Invalid and self.first[2] is Invalid):
            self.first = (code, detail, kind)

    def raise_if_any(self) -> None:
        if self.first is not None:
            code, detail, kind = self.first
            raise kind(detail, code=code, fields=self.fields)


class RaiseAtOnce:
    """Collector for single-field inputs: the first error is raised at once."""

    def add(self, path: str, code: str, detail: str, kind: type[DomainError] = Invalid) -> None:
        raise kind(detail, code=code, fields={path: [detail]})


def clean_text(
    value: Any, path: str, errors: _Collector | RaiseAtOnce, *, max_len: int = 500
) -> str | None:
    """Return a stripped string or record an error (NUL bytes and lone surrogates refused)."""
    if not isinstance(value, str):
        errors.add(path, "invalid", "Text erwartet.")
        return None
    if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        errors.add(path, "invalid_characters", "Unzulässige Zeichen.")
        return None
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > max_len:
        errors.add(path, "too_long", f"Höchstens {max_len} Zeichen.")
        return None
    return value


def _text_list(value: Any, path: str, errors: _Collector) -> list[str] | None:
    if not isinstance(value, list):
        errors.add(path, "invalid", "Liste erwartet.")
        return None
    out = []
    for i, item in enumerate(value):
        text = clean_text(item, f"{path}[{i}]", errors)
        if text:
            out.append(text)
    return out


def birth_range(value: str) -> tuple[datetime.date, datetime.date, str]:
    """Return first day, last day and precision (``d``, ``m``, ``y``) of a stored birth date.

    A birth date may be partial — ``1962`` or ``1962-05`` — as foreign lists give it
    (api.md "Searches"); a full-date query matches it within its precision.
    """
    match = PARTIAL_DATE.fullmatch(value)
    if match is None:
        day = datetime.date.fromisoformat(value)
        return day, day, "d"
    year, month = int(match.group(1)), match.group(2)
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "y"
    first = datetime.date(year, int(month), 1)
    following = datetime.date(year + int(month) // 12, int(month) % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1), "m"


def parse_birth_date(value: Any, path: str, errors: _Collector) -> str | None:
    """Return a birth date as stored (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``), or an error.

    Not in the future: the first possible day of a partial date must have come.
    """
    text = value.isoformat() if isinstance(value, datetime.date) else value
    if not isinstance(text, str) or not (is_calendar_date(text) or PARTIAL_DATE.fullmatch(text)):
        errors.add(path, "invalid_date", "Datum als JJJJ-MM-TT, JJJJ-MM oder JJJJ erwartet.")
        return None
    try:
        first, _last, _precision = birth_range(text)
    except ValueError:
        errors.add(path, "invalid_date", "Datum als JJJJ-MM-TT, JJJJ-MM oder JJJJ erwartet.")
        return None
    if first > timezone.localdate():
        errors.add(path, "invalid_date", "Geburtsdatum liegt in der Zukunft.")
        return None
    return text


def parse_date(value: Any, path: str, errors: _Collector) -> datetime.date | None:
    """Parse an ISO date or record an error."""
    if isinstance(value, datetime.date):
        return value
    try:
        # Only the calendar form: no week dates (1962-W20-1), no ordinal or compact forms.
        return parse_iso_date(value)
    except ValueError:
        errors.add(path, "invalid_date", "Datum im Format JJJJ-MM-TT erwartet.")
        return None


def _country(value: Any, path: str, errors: _Collector) -> str | None:
    if not isinstance(value, str) or not _ISO2.match(value):
        errors.add(path, "invalid_country", "Ländercode nach ISO 3166 (zwei Buchstaben).")
        return None
    return value


# Name fields of a person or contact person: keyed with the name folding (R-E2, R-E3).
NAME_FIELDS = ("surname", "given_names", "former_names", "other_names", "aliases", "spellings")
# Name fields whose non-Latin entries get their Latin transliteration stored as a variant
# spelling (R-C1): into "aliases" for aliases (no given names), else "spellings".
_TRANSLITERATED = ("surname", "former_names", "other_names", "spellings", "aliases")


def check_searchable(
    field_key: Any, value: Any, path: str, errors: _Collector | RaiseAtOnce
) -> None:
    """Record the refusal of a searchable value the search could not find as written."""
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            continue
        problem = entry_problem(field_key, item)
        if problem:
            errors.add(f"{path}[{i}]" if isinstance(value, list) else path, *problem)


def add_transliterations(person: dict[str, Any]) -> None:
    """Store the Latin transliteration of every non-Latin name as a variant (R-C1, R-E2).

    The original form stays; the transliteration (``normalise.transliterate``) is added
    once, visible to the owner like any variant spelling. Its key equals the original's.
    """
    for key in _TRANSLITERATED:
        value = person.get(key)
        for name in value if isinstance(value, list) else [value] if value else []:
            if is_latin(name):
                continue
            latin = transliterate(name)
            target = "aliases" if key == "aliases" else "spellings"
            present = person.get(target) or []
            if latin and is_latin(latin) and latin not in present:
                person[target] = [*present, latin]


def _clean_person_fields(
    data: Any, allowed: frozenset[str], prefix: str, errors: _Collector, unknown_code: str
) -> dict[str, Any]:
    """Validate name-like person data (basic data or a contact person)."""
    if not isinstance(data, dict):
        errors.add(prefix, "invalid", "Objekt erwartet.")
        return {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}"
        if key not in allowed:
            errors.add(path, unknown_code, "Dieses Feld ist hier nicht zulässig.")
            continue
        if value in (None, "", []):
            continue
        if key in ("sex",):
            if not isinstance(value, str) or value not in SEXES:
                errors.add(path, "invalid_choice", "Zulässig: m, f, x, u.")
            else:
                out[key] = value
        elif key == "date_of_birth":
            born = parse_birth_date(value, path, errors)
            if born:
                out[key] = born
        elif key in ("country_of_birth", "nationality"):
            code = _country(value, path, errors)
            if code:
                out[key] = code
        elif key in ("nationalities", "former_nationalities"):
            items = _text_list(value, path, errors) or []
            if all(_country(c, path, errors) for c in items):
                out[key] = items
        elif key in BASIC_LIST_FIELDS or key in CONTACT_LIST_FIELDS:
            listed = _text_list(value, path, errors)
            if listed:
                out[key] = listed
        else:
            text = clean_text(value, path, errors, max_len=200)
            if text:
                out[key] = text
    if allowed is not OBJECT_FIELDS:
        for key in NAME_FIELDS:
            if key in out:
                # Surname and given names are search criteria as they stand (R-E5
                # symmetry); variants are matched through the surname criterion.
                field_key = NAME if key in ("surname", "given_names") else NAME_VARIANT
                check_searchable(field_key, out[key], f"{prefix}.{key}", errors)
        add_transliterations(out)
    return out


def _clean_extended(data: Any, case_group: str, errors: _Collector) -> dict[str, Any]:
    """Validate extended data aa-ss (R-C2, R-C4-C6, R-C10, R-B2)."""
    if not isinstance(data, dict):
        errors.add("extended", "invalid", "Objekt erwartet.")
        return {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"extended.{key}"
        if key not in EXTENDED_FIELDS:
            errors.add(path, "unknown_field", "Unbekanntes Feld der erweiterten Grunddaten.")
            continue
        if value in (None, "", []):
            continue
        if key in EXT_LIST_FIELDS:
            items = _text_list(value, path, errors)
            if items:
                check_searchable(FIELD_KEYS[key], items, path, errors)
                out[key] = items
        elif key in EXT_TEXT_FIELDS or key == "religion_reason":
            text = clean_text(value, path, errors, max_len=500)
            if text and key in FIELD_KEYS:
                check_searchable(FIELD_KEYS[key], text, path, errors)
            if text:
                out[key] = text
        elif key in EXT_CATALOGUE_SINGLE:
            codes = current_codes(key)
            if not isinstance(value, str) or value not in codes:
                # R-C4: values come from the catalogue; officers cannot add to it.
                errors.add(path, "not_in_catalogue", "Wert ist nicht im Katalog.")
            else:
                out[key] = value
        elif key in EXT_CATALOGUE_MULTI:
            codes = current_codes(key)
            if not isinstance(value, list) or any(
                not isinstance(v, str) or v not in codes for v in value
            ):
                errors.add(path, "not_in_catalogue", "Wert ist nicht im Katalog.")
            else:
                out[key] = sorted(set(value))
        elif key == "last_event_date":
            day = parse_date(value, path, errors)
            if day and day > timezone.localdate():
                errors.add(path, "invalid_date", "Das letzte Ereignis liegt in der Zukunft.")
            elif day:
                out[key] = day.isoformat()
        elif key == "free_text":
            text = clean_text(value, path, errors, max_len=100_000)
            if text is not None and len(text) > FREE_TEXT_MAX:
                # R-C6: at most 2,000 characters.
                errors.add(path, "free_text_too_long", "Freitext höchstens 2.000 Zeichen.")
            elif text:
                out[key] = text
        elif key == "contact_persons":
            out_cp = _clean_contact_persons(value, case_group, errors)
            if out_cp:
                out[key] = out_cp
    if "religion" in out and not out.get("religion_reason"):
        # R-C10: religion only with a case-specific reason why it is needed.
        errors.add(
            "extended.religion_reason",
            "reason_required",
            "Religionszugehörigkeit nur mit Begründung der Erforderlichkeit im Einzelfall.",
        )
    if "religion_reason" in out and "religion" not in out:
        out.pop("religion_reason")
    return out


def _unknown_keys(value: dict[str, Any], known: Any, path: str, errors: _Collector) -> None:
    for key in value:
        if key not in known:
            errors.add(f"{path}.{key}", "unknown_field", "Unbekanntes Feld.")


def _clean_measure(value: Any, path: str, errors: _Collector) -> dict[str, Any]:
    """One measure noted against a GWS entry (R-M3): kind, period, issuing authority."""
    if not isinstance(value, dict):
        errors.add(path, "invalid", "Objekt erwartet.")
        return {}
    _unknown_keys(value, MEASURE_SHAPE.fields, path, errors)
    out: dict[str, Any] = {}
    kind = value.get("kind")
    if kind in (None, ""):
        errors.add(f"{path}.kind", "required", "Art der Maßnahme angeben.")
    elif kind not in MEASURE_KINDS:
        errors.add(f"{path}.kind", "invalid_choice", "Unbekannte Art der Maßnahme.")
    else:
        out["kind"] = kind
    start = None
    if value.get("from") in (None, ""):
        errors.add(f"{path}.from", "required", "Beginn angeben.")
    else:
        start = parse_date(value["from"], f"{path}.from", errors)
        if start is not None:
            out["from"] = start.isoformat()
    if value.get("until") not in (None, ""):
        end = parse_date(value["until"], f"{path}.until", errors)
        if end is not None and start is not None and end < start:
            errors.add(f"{path}.until", "until_before_from", "Ende liegt vor dem Beginn.")
        elif end is not None:
            out["until"] = end.isoformat()
    authority = clean_text(value.get("authority") or "", f"{path}.authority", errors, max_len=200)
    if not authority:
        errors.add(f"{path}.authority", "required", "Anordnende Stelle angeben.")
    else:
        out["authority"] = authority
    if value.get("country") not in (None, ""):
        country = _country(value["country"], f"{path}.country", errors)
        if country:
            out["country"] = country
    elif kind == "entry_refused":
        errors.add(f"{path}.country", "required", "Staat der Grenzbehörde angeben.")
    for name, limit in (("reference", 80), ("note", 2000)):
        text = clean_text(value.get(name) or "", f"{path}.{name}", errors, max_len=limit)
        if text:
            out[name] = text
    return out


def clean_incident(value: Any, errors: _Collector | None = None) -> dict[str, Any]:
    """Return a GWS incident report cleaned (R-M2, R-M3), or record/raise field errors.

    Shape (every field optional): ``date`` (ISO date, not in the future), ``event``,
    ``venue``, ``match``, ``clubs`` (up to 10 texts), ``report_reference``,
    ``suspected_offence``, ``fan_group``, ``description`` (texts; 500 characters, the
    description 2,000), ``proceedings`` {``prosecutor_file_number``, ``status`` (one of
    ``PROCEEDINGS_STATUSES``), ``authority``}, ``measures`` [{``kind`` (one of
    ``MEASURE_KINDS``), ``from``, ``until`` (ISO dates, until ≥ from), ``authority``,
    ``country`` (ISO 3166 alpha-2; required for ``entry_refused``), ``reference``,
    ``note``}] (up to 50). Empty values are dropped. Without ``errors`` the first problem
    raises at once (400, the field named ``incident.…``).
    """
    sink: _Collector = errors if errors is not None else _Collector()
    path = "incident"
    out: dict[str, Any] = {}
    if not isinstance(value, dict):
        sink.add(path, "invalid", "Objekt erwartet.")
        value = {}
    _unknown_keys(value, INCIDENT_SHAPE.fields, path, sink)
    if value.get("date") not in (None, ""):
        day = parse_date(value["date"], f"{path}.date", sink)
        if day is not None and day > timezone.localdate():
            sink.add(f"{path}.date", "invalid_date", "Das Datum liegt in der Zukunft.")
        elif day is not None:
            out["date"] = day.isoformat()
    for name in INCIDENT_TEXTS:
        text = clean_text(value.get(name) or "", f"{path}.{name}", sink)
        if text:
            out[name] = text
    description = clean_text(
        value.get("description") or "", f"{path}.description", sink, max_len=FREE_TEXT_MAX
    )
    if description:
        out["description"] = description
    if value.get("clubs"):
        clubs = _text_list(value["clubs"], f"{path}.clubs", sink) or []
        if len(clubs) > MAX_CLUBS:
            sink.add(f"{path}.clubs", "too_many", f"Höchstens {MAX_CLUBS} Vereine.")
        elif clubs:
            out["clubs"] = clubs
    proceedings = value.get("proceedings")
    if proceedings:
        sub = f"{path}.proceedings"
        clean: dict[str, Any] = {}
        if not isinstance(proceedings, dict):
            sink.add(sub, "invalid", "Objekt erwartet.")
            proceedings = {}
        _unknown_keys(proceedings, ("prosecutor_file_number", "status", "authority"), sub, sink)
        number = clean_text(
            proceedings.get("prosecutor_file_number") or "",
            f"{sub}.prosecutor_file_number",
            sink,
            max_len=80,
        )
        if number:
            clean["prosecutor_file_number"] = number
        status = proceedings.get("status")
        if status not in (None, ""):
            if status not in PROCEEDINGS_STATUSES:
                sink.add(f"{sub}.status", "invalid_choice", "Unbekannter Verfahrensstand.")
            else:
                clean["status"] = status
        authority = clean_text(
            proceedings.get("authority") or "", f"{sub}.authority", sink, max_len=200
        )
        if authority:
            clean["authority"] = authority
        if clean:
            out["proceedings"] = clean
    measures = value.get("measures")
    if measures:
        if not isinstance(measures, list):
            sink.add(f"{path}.measures", "invalid", "Liste erwartet.")
        elif len(measures) > MAX_MEASURES:
            sink.add(f"{path}.measures", "too_many", f"Höchstens {MAX_MEASURES} Maßnahmen.")
        else:
            cleaned = [
                _clean_measure(m, f"{path}.measures[{i}]", sink) for i, m in enumerate(measures)
            ]
            out["measures"] = [m for m in cleaned if m]
    if errors is None:
        sink.raise_if_any()
    return out


def _clean_contact_persons(value: Any, case_group: str, errors: _Collector) -> list[Any]:
    """R-B2: contact persons only in 1a/2 main records, with the closed field list."""
    if not isinstance(value, list):
        errors.add("extended.contact_persons", "invalid", "Liste erwartet.")
        return []
    if case_group not in CONTACT_CASE_GROUPS:
        errors.add(
            "extended.contact_persons",
            "contact_persons_not_allowed",
            "Kontaktpersonen nur bei Hauptpersonen der Fallgruppen 1a und 2.",
        )
        return []
    out = []
    for i, cp in enumerate(value):
        path = f"extended.contact_persons[{i}]"
        cleaned = _clean_person_fields(
            cp, CONTACT_PERSON_FIELDS, path, errors, "contact_person_field_not_allowed"
        )
        if cleaned and not cleaned.get("surname"):
            errors.add(f"{path}.surname", "required", "Familienname erforderlich.")
        if cleaned:
            out.append(cleaned)
    return out


def _resolve_decider(
    actor: Officer, decision: Any, errors: _Collector
) -> tuple[Officer | None, str]:
    """R-D4: restricted/covert storage is decided by the head or an authorised senior officer."""
    if not isinstance(decision, dict):
        errors.add(
            "storage_decision",
            "storage_decision_required",
            "Beschränkte oder verdeckte Speicherung erfordert eine Entscheidung mit Gründen.",
        )
        return None, ""
    username = decision.get("decided_by")
    if isinstance(username, str):
        # NUL bytes or lone surrogates never reach the database lookup (400, not 500).
        username = clean_text(username, "storage_decision.decided_by", errors, max_len=150)
    reasons = clean_text(
        decision.get("reasons", ""), "storage_decision.reasons", errors, max_len=4000
    )
    if not reasons:
        errors.add(
            "storage_decision.reasons",
            "storage_decision_required",
            "Die Gründe der Entscheidung sind anzugeben.",
        )
    if not isinstance(username, str) or not username:
        errors.add(
            "storage_decision.decided_by",
            "storage_decision_required",
            "Entscheidende Person angeben.",
        )
        return None, reasons or ""
    decider = Officer.objects.filter(username=username, is_active=True).first()
    if decider is None or decider.agency_id != actor.agency_id or decider.role != Role.HEAD:
        errors.add(
            "storage_decision.decided_by",
            "decision_not_authorised",
            "Nur die Behördenleitung oder ein besonders beauftragter Beamter des höheren "
            "Dienstes der eingebenden Behörde entscheidet.",
            Forbidden,
        )
        return None, reasons or ""
    return decider, reasons or ""


def validate_record_input(
    *,
    actor: Officer,
    file: File,
    data: dict[str, Any],
    record: Record | None = None,
    patch: dict[str, Any] | None = None,
) -> RecordInput:
    """Check a whole record against every entry rule; raise with all field errors.

    Review and deletion dates (R-L4a) are optional: ``verbund.services.date_rules``
    supplies the missing ones from the owner's rule (ATD) or the order (GWS). On a change,
    ``record`` is the stored record and ``patch`` the merge patch: a date the patch gives is
    the owner's, a date it sets to ``null`` is supplied anew, a date it leaves out stays
    (or follows its rule or order when what it was worked out from changed). A stored date
    already past is not refused for a change of other data (the sweep acts on it).

    The JSON types of every field are checked first (``RECORD_SHAPE``): a rule never sees
    a list where it expects text.
    """
    check_record_types(data)
    errors = _Collector()
    for key in data:
        if key not in TOP_LEVEL:
            errors.add(key, "unknown_field", "Unbekanntes Feld.")

    kind = data.get("kind", RecordKind.PERSON)
    if kind not in RecordKind.values:
        errors.add("kind", "invalid_choice", "Unbekannte Art des Datensatzes.")
    is_person = kind == RecordKind.PERSON
    if not file.is_atd and kind != RecordKind.PERSON:
        errors.add("kind", "invalid_choice", "Diese Datei speichert nur Personen.")

    case_group = data.get("case_group") or ""
    if file.is_atd and is_person:
        if case_group not in CaseGroup.values:
            # R-B1: only the four case groups; advocating violence alone is no ground.
            errors.add(
                "case_group",
                "invalid_case_group",
                "Zulässig sind nur die Fallgruppen 1a, 1b, 1c und 2.",
            )
    elif case_group:
        errors.add("case_group", "case_group_not_allowed", "Hier gibt es keine Fallgruppe.")
        case_group = ""

    storage = data.get("storage", Storage.OPEN)
    if storage not in Storage.values:
        errors.add("storage", "invalid_choice", "Zulässig: open, restricted, covert.")
    elif not file.is_atd and storage != Storage.OPEN:
        errors.add("storage", "storage_not_allowed", "Diese Datei kennt nur offene Speicherung.")

    markings = data.get("markings") or []
    if not isinstance(markings, list) or any(
        not isinstance(m, str) or m not in MARKINGS for m in markings
    ):
        errors.add("markings", "invalid_choice", "Unbekannte Kennzeichnung.")
        markings = []
    markings = sorted(set(markings))
    if COVERT_ONLY_MARKINGS & set(markings) and storage != Storage.COVERT:
        # R-C8: Art. 10/13 and IT-system data are always stored covert.
        errors.add(
            "storage",
            "covert_required",
            "Daten aus Maßnahmen nach Art. 10, Art. 13 GG oder Eingriffen in "
            "informationstechnische Systeme sind stets verdeckt zu speichern.",
        )

    decided_by: Officer | None = None
    reasons = ""
    if storage in (Storage.RESTRICTED, Storage.COVERT):
        decided_by, reasons = _resolve_decider(actor, data.get("storage_decision"), errors)

    findings = clean_text(data.get("findings_basis", ""), "findings_basis", errors, max_len=4000)
    if file.is_atd and not findings:
        # R-B3: the entry rests on factual indications tied to concrete findings.
        errors.add(
            "findings_basis",
            "findings_basis_required",
            "Tatsächliche Anhaltspunkte und Erkenntnisgrundlage angeben.",
        )

    basic: dict[str, Any] = {}
    extended: dict[str, Any] = {}
    object_data: dict[str, Any] = {}
    linked_person = None
    if is_person:
        basic = _clean_person_fields(
            data.get("basic") or {}, BASIC_FIELDS, "basic", errors, "unknown_field"
        )
        if not basic.get("surname"):
            errors.add("basic.surname", "required", "Familienname erforderlich.")
        raw_ext = data.get("extended") or {}
        if raw_ext and not file.is_atd:
            errors.add(
                "extended",
                "extended_not_allowed",
                "Diese Datei kennt keine erweiterten Grunddaten.",
            )
        elif raw_ext:
            extended = _clean_extended(raw_ext, case_group, errors)
        if data.get("object") or data.get("linked_person"):
            errors.add("object", "invalid", "Nur bei Objekten.")
    else:
        if data.get("basic") or data.get("extended"):
            # R-B4: an object record holds identification data only.
            errors.add(
                "basic",
                "personal_data_not_allowed",
                "Ein Objektdatensatz enthält nur Identifizierungsdaten.",
            )
        object_data = _clean_person_fields(
            data.get("object") or {}, OBJECT_FIELDS, "object", errors, "unknown_field"
        )
        if not object_data.get("identifier"):
            errors.add("object.identifier", "required", "Kennung des Objekts erforderlich.")
        elif isinstance(kind, str):
            check_searchable(
                object_key(kind), object_data["identifier"], "object.identifier", errors
            )
        linked_person = data.get("linked_person")
        if not linked_person:
            errors.add(
                "linked_person",
                "linked_person_required",
                "Objekte nur mit Bezug zu einer Person der Fallgruppen 1 oder 2.",
            )

    incident: dict[str, Any] = {}
    if data.get("incident"):
        if file.is_atd:
            errors.add(
                "incident",
                "incident_not_allowed",
                "Ein Vorkommnisbericht gehört nur zur Datei Gewalttäter Sport.",
            )
        else:
            incident = clean_incident(data["incident"], errors)
            born = basic.get("date_of_birth")
            if incident.get("date") and isinstance(born, str):
                first_day, _last, _precision = birth_range(born)
                if datetime.date.fromisoformat(incident["date"]) < first_day:
                    errors.add(
                        "incident.date",
                        "invalid_date",
                        "Das Vorkommnis liegt vor dem Geburtsdatum.",
                    )

    withheld_raw = data.get("withheld")
    withheld: list[str] = []
    if storage == Storage.RESTRICTED and is_person and file.is_atd:
        # R-D2: restricted storage leaves (some or all) extended data out entirely.
        if withheld_raw is None:
            withheld = sorted(WITHHOLDABLE)
        elif not isinstance(withheld_raw, list) or any(
            not isinstance(w, str) or w not in WITHHOLDABLE for w in withheld_raw
        ):
            errors.add("withheld", "invalid_choice", "Unbekanntes Feld der erweiterten Grunddaten.")
        else:
            withheld = sorted(set(withheld_raw))
        for name in withheld:
            if name in extended:
                errors.add(
                    f"extended.{name}",
                    "withheld_field_given",
                    "Dieses Feld wird bei beschränkter Speicherung nicht gespeichert.",
                )
    elif withheld_raw:
        errors.add(
            "withheld",
            "withheld_requires_restricted",
            "Nur bei beschränkter Speicherung.",
        )

    reference = data.get("reference") or {}
    if not isinstance(reference, dict):
        errors.add("reference", "invalid", "Objekt erwartet.")
        reference = {}
    file_number = clean_text(
        reference.get("file_number", ""), "reference.file_number", errors, max_len=80
    )
    if not file_number:
        errors.add("reference.file_number", "required", "Aktenzeichen erforderlich.")
    classification = reference.get("classification", Classification.NONE)
    if classification not in Classification.values:
        errors.add("reference.classification", "invalid_choice", "Unbekannter VS-Grad.")
    for key in reference:
        if key not in ("file_number", "classification"):
            errors.add(f"reference.{key}", "unknown_field", "Unbekanntes Feld.")

    given: dict[str, datetime.date] = {}
    stated = data if patch is None else patch
    for name in DATE_FIELDS:
        if stated.get(name) not in (None, ""):
            day = parse_date(data.get(name), name, errors)
            if day is not None:
                given[name] = day
    nulled = frozenset(
        name for name in DATE_FIELDS if patch is not None and name in patch and not patch[name]
    )
    errors.raise_if_any()

    dates = work_out_dates(
        file=file,
        owner_id=record.owner_id if record is not None else actor.agency_id,
        basic=basic,
        extended=extended,
        given=given,
        errors=errors,
        record=record,
        nulled=nulled,
    )
    errors.raise_if_any()
    assert dates is not None

    return RecordInput(
        file=file,
        kind=kind,
        case_group=case_group,
        storage=storage,
        decided_by=decided_by,
        storage_reasons=reasons,
        markings=markings,
        findings_basis=findings or "",
        basic=basic,
        extended=extended,
        withheld=withheld,
        object_data=object_data,
        linked_person_id=str(linked_person) if linked_person else None,
        review_date=dates.review_date,
        deletion_date=dates.deletion_date,
        file_number=file_number or "",
        classification=classification,
        dates=dates,
        incident=incident,
    )
