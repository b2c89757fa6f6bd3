"""JSON parsers for every API endpoint: malformed bodies are a 400, never a 500.

No extra library: the standard ``json`` module already parses; what it lacks is a bound on
nesting (its C scanner recurses and raises ``RecursionError`` at ~1,000 levels, which DRF's
own ``JSONParser`` does not catch) and a refusal of text PostgreSQL cannot store. So the
parser here

- turns ``RecursionError`` and every decoding error into 400 ``invalid_json``;
- walks the parsed value *iteratively* (no recursion) and refuses anything nested deeper
  than ``MAX_DEPTH`` (the deepest lawful body, a contact person's alias list, is 5 levels),
  so no code after parsing ever walks deep data;
- refuses strings with NUL bytes or lone surrogates anywhere (api.md conventions: 400
  ``invalid_characters``), naming the field the way the services do (``basic.aliases[0]``);
- reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (Django's own bound, which DRF's
  stream reading bypasses): a larger body is 413 ``request_too_large`` in the error shape.

``MergePatchJSONParser`` accepts ``application/merge-patch+json`` (RFC 7396) with the same
checks, for ``PATCH /records/{id}/``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from verbund.errors import DomainError, Invalid

MAX_DEPTH = 20
INVALID_JSON = "Ungültiges JSON."


def _bad_text(value: str) -> bool:
    return "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_parsed(data: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse parsed JSON nested deeper than ``max_depth`` or holding unstorable text.

    Iterative on purpose: it must not itself recurse on the data it guards against.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if _bad_text(value):
                detail = "Unzulässige Zeichen (NUL oder einzelnes Ersatzzeichen)."
                raise Invalid(detail, code="invalid_characters", fields={path or "body": [detail]})
            continue
        if isinstance(value, Mapping):
            children: list[tuple[str | int, Any]] = list(value.items())
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            continue
        if depth >= max_depth:
            raise ParseError(f"{INVALID_JSON} Höchstens {max_depth} Verschachtelungsebenen.")
        for key, child in children:
            if isinstance(key, str) and _bad_text(key):
                detail = "Unzulässige Zeichen in einem Feldnamen."
                raise Invalid(detail, code="invalid_characters", fields={path or "body": [detail]})
            stack.append((child, _join(path, key), depth + 1))


class TooLarge(DomainError):
    """A body larger than the configured bound (413)."""

    status = 413
    default_code = "request_too_large"


class JSONParser(BaseParser):
    """Parse ``application/json`` safely (the project's default parser for every view)."""

    media_type = "application/json"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Return the parsed body or raise 400 ``invalid_json`` / ``invalid_characters``."""
        context = parser_context or {}
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit is not None else -1)
        if limit is not None and len(raw) > limit:
            raise TooLarge(f"Der Inhalt ist größer als {limit} Bytes.", code="request_too_large")
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"{INVALID_JSON} Der Inhalt ist nicht als {encoding.upper()} lesbar "
                f"(ungültiges Byte an Position {exc.start + 1})."
            ) from None
        except LookupError:
            raise ParseError(f"{INVALID_JSON} Unbekannte Zeichenkodierung.") from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(f"{INVALID_JSON} Zu tief verschachtelt.") from None
        except json.JSONDecodeError as exc:
            raise ParseError(f"{INVALID_JSON} {_german(exc)}") from None
        except ValueError as exc:
            # _refuse_constant: NaN, Infinity (its message is German already).
            raise ParseError(f"{INVALID_JSON} {exc}.") from None
        check_parsed(data)
        return data


class MergePatchJSONParser(JSONParser):
    """Parse ``application/merge-patch+json`` (RFC 7396) exactly like JSON."""

    media_type = "application/merge-patch+json"


# The messages of Python's JSON scanner, in German (api.md: details are German).
_JSON_MESSAGES = {
    "Expecting value": "Wert erwartet",
    "Extra data": "Weitere Daten nach dem Ende des JSON-Werts",
    "Expecting property name enclosed in double quotes": (
        "Feldname in doppelten Anführungszeichen erwartet"
    ),
    "Expecting ':' delimiter": "Doppelpunkt erwartet",
    "Expecting ',' delimiter": "Komma erwartet",
    "Unterminated string starting at": "Nicht abgeschlossene Zeichenkette",
    "Invalid control character at": "Unzulässiges Steuerzeichen in einer Zeichenkette",
    "Invalid \\escape": "Ungültige Escape-Sequenz",
    "Invalid \\uXXXX escape": "Ungültige \\u-Escape-Sequenz",
    "Illegal trailing comma before end of object": "Überzähliges Komma vor Objektende",
    "Illegal trailing comma before end of array": "Überzähliges Komma vor Listenende",
}


def _german(exc: json.JSONDecodeError) -> str:
    """Return the scanner's error in German with line and column (1-based)."""
    message = _JSON_MESSAGES.get(exc.msg)
    if message is None:
        message = next(
            (de for en, de in _JSON_MESSAGES.items() if exc.msg.startswith(en)),
            "Syntaxfehler",
        )
    return f"{message} (Zeile {exc.lineno}, Spalte {exc.colno})."


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (RFC 8259); Python's parser would accept them."""
    raise ValueError(f"{name} ist kein JSON-Wert")
