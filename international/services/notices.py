"""Red Notices: receipt, review, and the gate every use passes (R-N2, 000 Q5)."""

from __future__ import annotations

import uuid
from typing import Any

from international.models import NoticeStatus, RedNotice
from verbund.errors import Invalid, Refused


def require_accepted(*, notice_id: Any, field: str = "red_notice") -> RedNotice:
    """Return the notice if it was accepted after review, the gate of every use (R-N2).

    Only an accepted notice may be a search purpose, an entry's source or forwarded; a
    notice in review or rejected is 422 ``notice_not_accepted`` (it still serves statistics
    and audit). An id that is not a notice is 400 ``unknown_notice`` naming ``field``.
    Notices are not covert data: every officer may cite one by id.
    """
    try:
        pk = uuid.UUID(str(notice_id))
    except ValueError:
        pk = None
    notice = RedNotice.objects.filter(pk=pk).first() if pk is not None else None
    if notice is None:
        detail = "Unbekannte Red Notice."
        raise Invalid(detail, code="unknown_notice", fields={field: [detail]})
    if notice.status != NoticeStatus.ACCEPTED:
        detail = "Die Red Notice ist nicht nach Prüfung angenommen."
        raise Refused(detail, code="notice_not_accepted", fields={field: [detail]})
    return notice
