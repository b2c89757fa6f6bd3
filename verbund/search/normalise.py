"""One deterministic folding of names and values, applied when storing and when querying.

R-E5: two spellings are the same name when they are equal after this folding — and only
then (plus what is stored as a variant spelling or alias). It is an equality, never a
similarity measure. The folding, in this order:

1. Unicode compatibility form (NFKC): full-width and ligature forms become plain letters.
2. Invisible characters go: every format character (category Cf: zero-width space and
   joiners, soft hyphen, bidi marks, BOM) and the Arabic tatweel U+0640, a stretching
   stroke that is no letter.
3. Case folding (``str.casefold``: ß -> ss).
4. Transliteration to ASCII with **anyascii** (pinned in requirements.txt). For Latin
   letters it gives the ICAO Doc 9303 Part 3 letters (ı -> i, ł -> l, đ -> d, æ -> ae,
   œ -> oe, þ -> th, ø -> o; ICAO's ø -> OE is reached through the umlaut digraph rule of
   step 6, so Søren = Soeren = Soren), strips diacritics, and gives every other script its
   standard romanisation (Иванов -> Ivanov), so one key serves every script.
5. Everything that is not a letter or digit goes: spaces, hyphens, apostrophes and the
   scholarly transliteration marks ʿ ʾ (U+02BF/U+02BE, which anyascii renders as ` and '),
   so ʿAbd al-ʿAzīz = Abd al-Aziz = Abdalaziz, raʾis = rais, O'Brien = OBrien.
6. The German umlaut digraphs ae, oe, ue become a, o, u (ä = ae = a, ö = oe = o = ø).

Library choice (compared on the issue 13 inputs): *anyascii* is pure Python, has no
dependency, is maintained and covers every assigned code point, so the same wheel installs
on every machine and in CI. *PyICU* ships only as a source distribution here and needs the
ICU C++ library and a compiler; its ``Any-Latin; Latin-ASCII`` transform gives the same
Latin letters but brings a system dependency for no gain in these cases. *normality*
wraps PyICU when present and otherwise falls back to a smaller table; *Unidecode* is GPL.
A hand table was not an option (the field has thousands of letters).

Mixed scripts (``mixed_script``): a single word mixing letters of two scripts (a Cyrillic
М inside an otherwise Latin Мüller) is a spoofing or keyboard artefact, not a name. The
project refuses it — at entry (400 ``mixed_script`` naming the field, in
``verbund.services.record_rules``) and at search (400 ``mixed_script`` naming the
criterion) alike — rather than guessing which letter was meant. Japanese (Han, Hiragana,
Katakana) and Korean (Hangul, Han) writing mix scripts by nature and are one script here.

``FOLDING_VERSION`` names this folding. Every stored key carries the version it was made
with (``Record.keys_version``); ``manage.py rebuild_search_keys`` rewrites the keys of
records made with an older one (run by ``scripts/run.sh`` on every start).
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

# Bump when any key function changes (verbund.search.keys, NameKey columns too): the
# stored keys are then rebuilt by ``manage.py rebuild_search_keys``.
FOLDING_VERSION = 3

_UMLAUT_DIGRAPHS = re.compile(r"ae|oe|ue")
_DIGRAPH_MAP = {"ae": "a", "oe": "o", "ue": "u"}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACING = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_WORDS = re.compile(r"[^\s\-\u2010-\u2015\u2212]+")
_TATWEEL = "\u0640"
# Characters that act as wildcards, regular expressions or similarity operators (R-E5).
WILDCARD_CHARS = frozenset("*?%[]{}()^$|\\~")
NAME_EXTRA_WILDCARDS = frozenset("_+")
# Scripts that are written together in one word by nature (Japanese, Korean).
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "CJK": "CJK"}


def strip_invisible(text: str) -> str:
    """Return ``text`` without format characters (Cf) and the Arabic tatweel."""
    return "".join(ch for ch in text if ch != _TATWEEL and unicodedata.category(ch) != "Cf")


def fold(value: str) -> str:
    """Return the folded key of a name or free value (see the module docstring)."""
    text = strip_invisible(unicodedata.normalize("NFKC", value)).casefold()
    text = anyascii(text).casefold()
    text = _NOT_ALNUM.sub("", text)
    return _UMLAUT_DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], text)


def _script(ch: str) -> str:
    """Return the script of a letter (the first word of its Unicode name), or ""."""
    if unicodedata.category(ch) not in ("Lu", "Ll", "Lt", "Lo"):
        return ""  # marks, modifier letters (ʿ ʾ), digits, punctuation: no script
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return _SCRIPT_GROUPS.get(first, first)


def is_mixed_script(value: str) -> bool:
    """Return whether one word of ``value`` mixes letters of two scripts."""
    text = strip_invisible(unicodedata.normalize("NFKC", value))
    for word in _WORDS.findall(text):
        scripts = {_script(ch) for ch in word} - {""}
        if len(scripts) > 1:
            return True
    return False


def is_latin(value: str) -> bool:
    """Return whether every letter of ``value`` is a Latin letter."""
    text = unicodedata.normalize("NFKC", value)
    return all(_script(ch) in ("", "LATIN") for ch in text)


def transliterate(value: str) -> str:
    """Return the standard Latin (ASCII) transliteration of a name, as readable text.

    Used for the variant spelling stored automatically with a name entered in a non-Latin
    script (R-C1); its key equals the original's key.
    """
    text = strip_invisible(unicodedata.normalize("NFKC", value))
    return " ".join(anyascii(text).split())


def has_wildcard(
    value: str,
    *,
    name: bool = False,
    allowed: frozenset[str] = frozenset(),
    abbreviation: bool | None = None,
) -> bool:
    """Return whether a criterion contains a wildcard, regex or similarity operator.

    The check runs after NFKC normalisation, so full-width or compatibility forms of
    ``*`` or ``?`` are caught too; ``..`` (regex "any") counts as well, and for names a
    ``.`` ending the value (an abbreviation: incomplete data). A period inside a name
    (``St. Georgen``, ``Mohd. Faris``) is part of the name. ``allowed`` holds the
    characters a field's own syntax uses (the brackets and ``+`` of a phone number): they
    are no wildcard in that field.
    """
    text = unicodedata.normalize("NFKC", value)
    chars = (WILDCARD_CHARS | NAME_EXTRA_WILDCARDS if name else WILDCARD_CHARS) - allowed
    if any(ch in chars for ch in text):
        return True
    if ".*" in text and "*" not in allowed:
        return True
    if ".." in text and "." not in allowed:
        return True
    if abbreviation is None:
        abbreviation = name
    return bool(abbreviation and text.rstrip().endswith("."))


def fold_compact(value: str) -> str:
    """Return an identifier case-folded without spacing or invisible characters."""
    text = strip_invisible(unicodedata.normalize("NFKC", value)).strip().casefold()
    return _SPACING.sub("", text)
