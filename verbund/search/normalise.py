"""One deterministic folding of names and values, applied when storing and when querying.

R-E5: two spellings are the same name when they are equal after this folding — case,
Unicode compatibility form, diacritics, the German umlaut spellings (ä = ae = a, ß = ss),
spaces and hyphens. It is an equality, never a similarity measure.
"""

from __future__ import annotations

import re
import unicodedata

_UMLAUT_DIGRAPHS = re.compile(r"ae|oe|ue")
_DIGRAPH_MAP = {"ae": "a", "oe": "o", "ue": "u"}
_SPACING = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
# Characters that act as wildcards, regular expressions or similarity operators (R-E5).
WILDCARD_CHARS = frozenset("*?%[]{}()^$|\\~")
NAME_EXTRA_WILDCARDS = frozenset("_+")


def fold(value: str) -> str:
    """Return the folded key of a name or free value."""
    text = unicodedata.normalize("NFKC", value).casefold()  # casefold: ß -> ss
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _SPACING.sub("", text)
    return _UMLAUT_DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], text)


def has_wildcard(value: str, *, name: bool = False) -> bool:
    """Return whether a criterion contains a wildcard, regex or similarity operator.

    The check runs after NFKC normalisation, so full-width or compatibility forms of
    ``*`` or ``?`` are caught too; ``..`` (regex "any") and a trailing ``.`` abbreviation
    (incomplete data) count as well for names.
    """
    text = unicodedata.normalize("NFKC", value)
    chars = WILDCARD_CHARS | NAME_EXTRA_WILDCARDS if name else WILDCARD_CHARS
    if any(ch in chars for ch in text):
        return True
    if ".*" in text or ".." in text:
        return True
    return bool(name and re.search(r"\.(\s|$)", text))


def fold_phone(value: str) -> str:
    """Return a phone number as digits with a leading + kept (00 → +)."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def fold_compact(value: str) -> str:
    """Return an identifier (IBAN, plate, e-mail, URL) upper-cased without spacing."""
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    return _SPACING.sub("", text)
