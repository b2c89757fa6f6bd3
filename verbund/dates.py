"""Calendar dates as the API contract writes them: ``YYYY-MM-DD`` and nothing else.

Python 3.11's ``date.fromisoformat`` accepts every ISO 8601 calendar, week and basic form
(``1980-W01-1``, ``1980W011``, ``19800102``) and converts them silently; api.md
("Conventions") refuses week and ordinal dates with 400 ``invalid_date``. Every date the
API, the forms or the import read goes through ``parse_iso_date``.
"""

from __future__ import annotations

import datetime
import re

_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# A date known only to the year or month (``1962``, ``1962-05``), as foreign lists give
# birth dates (api.md "Searches"): storable, never a query.
PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")


def is_calendar_date(value: object) -> bool:
    """Return whether ``value`` has the form ``YYYY-MM-DD`` (whether the day exists aside)."""
    return isinstance(value, str) and _CALENDAR_DATE.fullmatch(value) is not None


def parse_iso_date(value: str) -> datetime.date:
    """Return the date of an extended-format calendar date ``YYYY-MM-DD``.

    Raise ``ValueError`` for any other form (week, ordinal, basic format, times) and for
    dates that do not exist.
    """
    if not is_calendar_date(value):
        raise ValueError(f"not a YYYY-MM-DD date: {value!r}")
    return datetime.date.fromisoformat(value)
