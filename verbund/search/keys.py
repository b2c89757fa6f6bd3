"""One key function per searchable field: the registry used by entry, search, import and load.

R-E5 allows one kind of match: equality of keys made by one deterministic function. Names
and free values are folded (``verbund.search.normalise.fold``); identifiers are not names
(R-E4), so each kind is brought to its own canonical form instead:

- phones: E.164 via **phonenumbers** (Google's libphonenumber, pinned in requirements.txt),
  default region DE for national numbers: ``+49 (0)30 1234567`` = ``+49 30 1234567`` =
  ``0049 30 1234567`` = ``030 1234567`` -> ``+49301234567`` (an extension is kept:
  ``;ext=5``). The most-used library for phone numbers; a hand parser would miss the
  trunk prefix in brackets and every country's rules.
- IBANs (ISO 13616): compact upper case; the check digits are validated with
  **python-stdnum** (``stdnum.iban``, pinned), also the country lengths. A value that has
  the shape of an IBAN but fails the check is refused at entry and at search (400
  ``invalid_iban``). Other bank references are kept verbatim-folded.
- e-mail: the domain is case-insensitive and IDNA-encoded (``müller.de`` =
  ``xn--mller-kva.de``); the local part is case-folded as before (every large provider
  treats it so, and the project's existing searches did).
- URLs: scheme and host lower case, IDNA host, default port dropped (80/443), trailing
  slash and fragment dropped; query kept. A URL without scheme keeps none (it is not
  guessed to be http or https).
- number plates: a German plate ``M-XY 1234`` keeps the boundary after the district code
  (``m-xy-1234``), so ``MX-Y 1234`` and ``BN-O 1234`` are other plates; any other plate is
  kept verbatim-folded with its separators (a run of spaces and hyphens is one ``-``).
- devices, licences, safe-deposit boxes: case-folded, without spaces and hyphens.
- catalogue fields: the catalogue code itself.

An identifier that cannot be parsed is stored and searched verbatim-folded, never
guessed. ``syntax`` lists the characters a field's own syntax uses; they are no wildcards
in that field (R-E5 check in ``normalise.has_wildcard``), at entry and at search alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from stdnum import iban as stdnum_iban

from verbund.search.normalise import (
    fold,
    fold_compact,
    has_wildcard,
    is_mixed_script,
    strip_invisible,
)

NAME_KEY_LENGTH = 200
VALUE_KEY_LENGTH = 300
PHONE_REGION = "DE"


class InvalidIdentifier(ValueError):
    """A value that has the shape of an identifier but is not a valid one."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _nfkc(value: str) -> str:
    return strip_invisible(unicodedata.normalize("NFKC", value)).strip()


def fold_phone(value: str) -> str:
    """Return a phone number in E.164 (region DE for national numbers), else verbatim-folded."""
    text = _nfkc(value)
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return fold_compact(text)
    if not phonenumbers.is_possible_number(number):
        return fold_compact(text)
    key = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{key};ext={number.extension}" if number.extension else key


_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,}$")


def fold_iban(value: str) -> str:
    """Return an IBAN compact and upper case; raise ``invalid_iban`` for a bad IBAN."""
    text = _nfkc(value)
    compact = re.sub(r"[\s\-]+", "", text).upper()
    if not _IBAN_SHAPE.match(compact):
        return fold_compact(text)
    if not stdnum_iban.is_valid(compact):
        raise InvalidIdentifier("invalid_iban", "Keine gültige IBAN (Prüfziffer oder Länge).")
    return compact


def _idna(host: str) -> str:
    host = host.casefold().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def fold_email(value: str) -> str:
    """Return an e-mail address with the domain IDNA-encoded; all case-folded."""
    text = _nfkc(value)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in text):
        return fold_compact(text)
    return f"{local.casefold()}@{_idna(domain)}"


_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}


def fold_url(value: str) -> str:
    """Return a URL with scheme and host in lower case, no default port, no trailing slash."""
    text = _nfkc(value)
    if any(ch.isspace() for ch in text):
        return fold_compact(text)
    has_scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text) is not None
    try:
        parts = urlsplit(text if has_scheme else "//" + text)
        port = parts.port
    except ValueError:
        return fold_compact(text)
    scheme = parts.scheme.lower()
    host = _idna(parts.hostname or "")
    if not host:
        return fold_compact(text)
    netloc = host
    if parts.username or parts.password:
        netloc = f"{parts.username or ''}:{parts.password or ''}@{host}"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


# German plate: district code (1-3 letters, umlauts), boundary, 1-2 letters, 1-4 digits,
# optional E (electric) or H (historic).
_DE_PLATE = re.compile(
    r"^([A-ZÄÖÜ]{1,3})[\s\-:]+([A-Z]{1,2})[\s\-]*([0-9]{1,4})([EH]?)$", re.IGNORECASE
)


def fold_plate(value: str) -> str:
    """Return a German plate as ``district-letters-digits``; other plates verbatim-folded."""
    text = _nfkc(value)
    match = _DE_PLATE.match(text)
    if match:
        district, letters, digits, suffix = match.groups()
        return f"{district}-{letters}-{digits}{suffix}".casefold()
    return re.sub(r"[\s\-\u2010-\u2015\u2212]+", "-", text.casefold()).strip("-")


def fold_code(value: str) -> str:
    """Return a catalogue code as it is."""
    return value


@dataclass(frozen=True)
class FieldKey:
    """How one searchable field is keyed and checked.

    ``name_like``: names and free values — the name wildcard rules and the mixed-script
    rule apply. ``abbreviation``: a final ``.`` is incomplete data. ``syntax``:
    characters of the field's own syntax, no wildcards here.
    """

    key: Callable[[str], str]
    name_like: bool = False
    syntax: frozenset[str] = frozenset()
    length: int = VALUE_KEY_LENGTH
    # A "." ending the value is an abbreviation (incomplete data, R-E5): names only.
    abbreviation: bool = False

    def make(self, value: str) -> str:
        """Return the stored and searched key (``InvalidIdentifier`` for a bad one)."""
        return self.key(value)[: self.length]


NAME = FieldKey(fold, name_like=True, length=NAME_KEY_LENGTH, abbreviation=True)
# Aliases and other variants: keyed like names; an abbreviation ("Jussuf H.") is what an
# alias may be, so the entry does not refuse it (it is found without the final period).
NAME_VARIANT = FieldKey(fold, name_like=True, length=NAME_KEY_LENGTH)
FREE = FieldKey(fold, name_like=True)
OBJECT_FREE = FieldKey(fold)
PHONE = FieldKey(fold_phone, syntax=frozenset("()+"))
EMAIL = FieldKey(fold_email, syntax=frozenset("+_"))
IBAN = FieldKey(fold_iban)
URL = FieldKey(fold_url, syntax=frozenset("?%~()+_$[]"))
PLATE = FieldKey(fold_plate)
COMPACT = FieldKey(fold_compact, syntax=frozenset("+_"))
CODE = FieldKey(fold_code)

# Extended-data fields written as feature keys (R-E4), one key function each.
FIELD_KEYS: dict[str, FieldKey] = {
    "phones": PHONE,
    "devices": COMPACT,
    "emails": EMAIL,
    "bank_accounts": IBAN,
    "safe_deposit_boxes": COMPACT,
    "vehicles": PLATE,
    "licences": COMPACT,
    "websites": URL,
    "organisation": FREE,
    "profession": FREE,
    "education": FREE,
    "ethnicity": CODE,
    "religion": CODE,
    "marital_status": CODE,
    "skills": CODE,
    "critical_infrastructure": CODE,
    "dangerousness": CODE,
    "visited_places": CODE,
}
# Object kinds whose identifier is keyed like the matching extended-data field (R-E7);
# every other kind's identifier (an association's name, an address ...) is folded.
OBJECT_KEYS: dict[str, FieldKey] = {
    "phone": PHONE,
    "email": EMAIL,
    "bank_account": IBAN,
    "website": URL,
    "device": COMPACT,
}


def object_key(kind: str) -> FieldKey:
    """Return the key function of an object kind's identifier."""
    return OBJECT_KEYS.get(kind, OBJECT_FREE)


def stored_key(field_key: FieldKey, value: str) -> str:
    """Return the key written for a stored value.

    A value stored before its field's check existed (an IBAN with bad check digits) is
    kept verbatim-folded rather than dropped: the entry check refuses new ones.
    """
    try:
        return field_key.make(value)
    except InvalidIdentifier:
        return fold_compact(value)[: field_key.length]


def entry_problem(field_key: FieldKey, value: str) -> tuple[str, str] | None:
    """Return ``(code, detail)`` when the entry must refuse a searchable value, else None.

    R-E5 symmetry: whatever the entry stores in a searchable field can be searched as
    written — so the entry refuses what the search would refuse in that field (a wildcard
    character outside the field's own syntax, an abbreviated name, a word mixing scripts,
    an invalid IBAN) and a value with no searchable character at all.
    """
    if field_key.name_like and is_mixed_script(value):
        return "mixed_script", "Ein Wort mischt Schriften (z. B. kyrillische und lateinische)."
    if has_wildcard(value, name=field_key.name_like, allowed=field_key.syntax, abbreviation=False):
        return (
            "invalid_characters",
            "Zeichen, die als Platzhalter oder regulärer Ausdruck gelten, sind hier unzulässig.",
        )
    if field_key.abbreviation and has_wildcard(value, name=True, allowed=field_key.syntax):
        return "incomplete_data", "Abgekürzte Angabe (Punkt am Ende); vollständig angeben."
    try:
        key = field_key.make(value)
    except InvalidIdentifier as exc:
        return exc.code, exc.detail
    if not key:
        return "invalid", "Die Angabe enthält keine suchbaren Zeichen."
    return None
