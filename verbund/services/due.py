"""Due times of the "without delay" duties (R-L6), each configurable in settings.

One place computes them, so every workflow and the reminder task agree:

- covert-hit contact (§ 4(2) ATDG): ``VERBUND_COVERT_CONTACT_HOURS``
- correction notice review (§ 8(3)): ``VERBUND_CORRECTION_DUE_HOURS``
- reminder of a pending request for extended data (R-F1): ``VERBUND_ACCESS_REQUEST_REMINDER_HOURS``
- Eilfall consent by the owner (§ 5(2)): ``VERBUND_EILFALL_CONSENT_HOURS``
- deletion or blocking after refused consent (§ 5(2)): ``VERBUND_EILFALL_DUTY_HOURS``
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def _in(hours: float, now: datetime.datetime | None) -> datetime.datetime:
    return (now or timezone.now()) + datetime.timedelta(hours=hours)


def access_request_due(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return when a pending request for extended data is reminded to its owner."""
    return _in(settings.VERBUND_ACCESS_REQUEST_REMINDER_HOURS, now)


def eilfall_consent_due(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return when the owner's consent to an Eilfall access is overdue (R-G3)."""
    return _in(settings.VERBUND_EILFALL_CONSENT_HOURS, now)


def eilfall_duty_due(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return when deletion or blocking after a refused consent is overdue (R-G3)."""
    return _in(settings.VERBUND_EILFALL_DUTY_HOURS, now)


def correction_due(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return when the review of a correction notice is overdue (R-H2)."""
    return _in(settings.VERBUND_CORRECTION_DUE_HOURS, now)


def covert_contact_due(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return when the owner's contact after a covert hit is overdue (R-D3)."""
    return _in(settings.VERBUND_COVERT_CONTACT_HOURS, now)
