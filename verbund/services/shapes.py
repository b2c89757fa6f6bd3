"""Check the JSON types of an input before any rule runs (one typed layer for every body).

Each body a service takes (records, block, correction notice and its decision, search,
covert-hit decision, catalogue publication) is declared once as a ``Shape``;
``check(shape, data)`` walks the data as far as the declaration goes — never deeper, so it
cannot be driven into deep recursion — and raises one 400 ``invalid`` naming every field of
the wrong type, with the services' path convention (``basic.surname``,
``extended.contact_persons[0].aliases[1]``).

A declaration says only what JSON type a field has (text, yes/no, list, object) and how
big it may be; what a value means (catalogue codes, dates, case groups, storage modes) stays
with the entry rules in ``record_rules.py`` and the search parsers. ``null`` passes as
"absent": whether a field is required is a rule, not a type. Unknown keys pass too; the
rules name them with their own codes (``unknown_field``, ``unknown_criterion``).

No library: DRF serializers coerce (a ``CharField`` takes ``42``, a ``BooleanField`` takes
``"yes"``), which is exactly what this layer must not do, and their error paths differ from
the services' convention the forms rely on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verbund.errors import Invalid

MAX_LIST_ITEMS = 200
# Far above any lawful text (free text 2,000, findings 4,000): the rules give the precise
# limit; this bounds what the rules ever look at.
MAX_TEXT = 100_000


SIZE_PREFIXES = {"too_long": "Zu lang", "too_many": "Zu viele Einträge"}


class Errors:
    """Type errors by field path, and the machine code of the first one."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.code = ""

    def add(self, path: str, detail: str, code: str = "invalid") -> None:
        """Record an error at ``path``."""
        self.fields.setdefault(path or "body", []).append(detail)
        self.code = self.code or code


class Shape:
    """The JSON type of one value."""

    def check(self, value: Any, path: str, errors: Errors) -> None:
        """Add an error at ``path`` when ``value`` does not have this shape."""
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Shape):
    """A JSON string; ``code`` is the machine code of a value of another type."""

    max_len: int = MAX_TEXT
    code: str = "invalid"

    def check(self, value: Any, path: str, errors: Errors) -> None:
        if not isinstance(value, str):
            errors.add(path, "Text erwartet.", self.code)
        elif len(value) > self.max_len:
            errors.add(path, f"Höchstens {self.max_len} Zeichen.", "too_long")


@dataclass(frozen=True)
class Bool(Shape):
    """``true`` or ``false`` (not 0/1, not "yes"); ``code`` is the machine code of a miss."""

    code: str = "invalid"

    def check(self, value: Any, path: str, errors: Errors) -> None:
        if not isinstance(value, bool):
            errors.add(path, "Ja oder nein (true/false) erwartet.", self.code)


@dataclass(frozen=True)
class ListOf(Shape):
    """A JSON array whose items all have one shape."""

    item: Shape
    max_items: int = MAX_LIST_ITEMS
    code: str = "invalid"
    # False: an item of the wrong type is reported at the list itself (a set of choices
    # such as ``markings`` is one field to the officer).
    name_items: bool = True

    def check(self, value: Any, path: str, errors: Errors) -> None:
        if not isinstance(value, list):
            errors.add(path, "Liste erwartet.", self.code)
            return
        if len(value) > self.max_items:
            errors.add(path, f"Höchstens {self.max_items} Einträge.", "too_many")
            return
        for i, item in enumerate(value):
            if item is not None:
                self.item.check(item, f"{path}[{i}]" if self.name_items else path, errors)


@dataclass(frozen=True)
class Obj(Shape):
    """A JSON object with declared fields; ``extra`` is the shape of undeclared keys.

    Without ``extra`` undeclared keys are not looked into (the rules refuse them by name).
    """

    fields: Mapping[str, Shape] = field(default_factory=dict)
    extra: Shape | None = None
    max_keys: int = MAX_LIST_ITEMS
    code: str = "invalid"

    def check(self, value: Any, path: str, errors: Errors) -> None:
        if not isinstance(value, dict):
            errors.add(path, "Objekt erwartet.", self.code)
            return
        if len(value) > self.max_keys:
            errors.add(path, f"Höchstens {self.max_keys} Felder.", "too_many")
            return
        for key, item in value.items():
            shape = self.fields.get(key, self.extra)
            if shape is not None and item is not None:
                shape.check(item, f"{path}.{key}" if path else str(key), errors)


def type_errors(shape: Shape, data: Any, path: str = "") -> Errors:
    """Return the type errors of ``data`` by field path (none when the types are right)."""
    errors = Errors()
    shape.check(data, path, errors)
    return errors


def check(shape: Shape, data: Any, path: str = "") -> None:
    """Raise 400 naming every field whose JSON type is wrong (code of the first one)."""
    errors = type_errors(shape, data, path)
    if errors.fields:
        raise invalid(errors)


def invalid(errors: Errors) -> Invalid:
    """Return the 400 of a set of type errors: the first one's code, every field named."""
    first = next(iter(errors.fields.values()))[0]
    # A size error is not a type error: its own prefix beside its own code.
    prefix = SIZE_PREFIXES.get(errors.code, "Falscher Datentyp")
    return Invalid(f"{prefix}: {first}", code=errors.code, fields=errors.fields)


# ---------------------------------------------------------------------------- bodies

TEXT_LIST = ListOf(Text(max_len=2000))

BLOCK = Obj({"reason": Text()})
CORRECTION_NOTICE = Obj({"text": Text()})
DELETE = Obj({"reason": Text(), "ground": Text(max_len=40)})
# A decision is yes or no (R-D3): another type is ``invalid``, none at all ``required``
# (covert_hit_decide).
COVERT_HIT_DECISION = Obj({"contact": Bool(), "reasons": Text()})
# The owner's answer to a correction notice (R-H2): what it means is checked by
# correction_notice_decide (``invalid_choice``, ``required``).
CORRECTION_DECISION = Obj({"outcome": Text(max_len=40), "reasons": Text()})
SEARCH = Obj(
    {
        "file": Text(max_len=40),
        "mode": Text(max_len=40),
        "purpose": Text(max_len=200),
        "urgency": Text(max_len=200),
        # Every criterion is one single value (R-E5): text, never a list or an object.
        "criteria": Obj(extra=Text(max_len=2000)),
        # What the search cites (issue 20, intlrn branch: R-N1, R-N2).
        "red_notice": Text(max_len=100),
        "partner_request": Text(max_len=100),
    }
)
CATALOGUE_PUBLISH = Obj(
    {
        "field": Text(max_len=40),
        "valid_from": Text(max_len=40),
        "note": Text(max_len=4000),
        "values": ListOf(
            Obj(
                {
                    "code": Text(max_len=60),
                    "label_de": Text(max_len=200),
                    "label_en": Text(max_len=200),
                }
            ),
            max_items=1000,
        ),
    }
)
