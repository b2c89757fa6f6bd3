"""What a search or an entry cites: a foreign partner's request or an accepted Red Notice.

The search path calls two functions and keeps its own diff to a few lines:
``citation_check`` before its transaction (bad input costs no search, no log row, no
throttle slot) and ``citation_write`` inside it, right after the search row is saved (the
``SearchCitation`` is part of the search; a search citing a partner request answers it).
The record path does the same with ``entry_source_split`` (the body key), ``entry_source_check``
and ``entry_source_write`` (``RecordNoticeSource``).

Gates: a cited notice must pass ``notices.require_accepted`` (422 ``notice_not_accepted``,
R-N2); a cited partner request must be one of the caller's agency's own (400
``unknown_partner_request`` otherwise, the same for every id — R-N1, R-E5), checked by
``international.services.partners.partner_request_for_citation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from international.models import (
    PartnerRequest,
    PartnerRequestStatus,
    RecordNoticeSource,
    RedNotice,
    SearchCitation,
)
from international.services.notices import require_accepted
from international.services.partners import partner_request_for_citation
from verbund.services import shapes
from verbund.services.record_rules import RECORD_SHAPE

UNKNOWN_REQUEST = "Unbekanntes Ersuchen eines ausländischen Partners."
# A record body at creation: the record's fields and the notice it rests on.
RECORD_CREATE_SHAPE = shapes.Obj({**RECORD_SHAPE.fields, "red_notice": shapes.Text(max_len=100)})


@dataclass(frozen=True)
class Citation:
    """What one search cites (checked before its transaction)."""

    red_notice: RedNotice | None
    partner_request: PartnerRequest | None


def citation_check(*, actor: Any, red_notice: Any, partner_request: Any) -> Citation | None:
    """Check what a search cites; None when it cites nothing."""
    if red_notice in (None, "") and partner_request in (None, ""):
        return None
    notice = require_accepted(notice_id=red_notice) if red_notice not in (None, "") else None
    request = (
        partner_request_for_citation(actor, partner_request)
        if partner_request not in (None, "")
        else None
    )
    return Citation(red_notice=notice, partner_request=request)


def citation_write(*, search: Any, citation: Citation) -> dict[str, Any]:
    """Write the citation in the search's transaction; a cited partner request is answered.

    The status change is a single conditional UPDATE (it locks that row only, before the
    search's log entry takes the chain lock). Returns what the search's log row adds.
    """
    SearchCitation.objects.create(
        search=search,
        red_notice=citation.red_notice,
        partner_request=citation.partner_request,
    )
    if citation.partner_request is not None:
        PartnerRequest.objects.filter(
            pk=citation.partner_request.pk, status=PartnerRequestStatus.OPEN
        ).update(status=PartnerRequestStatus.ANSWERED)
    cites: dict[str, Any] = {}
    if citation.red_notice is not None:
        cites["red_notice"] = str(citation.red_notice.pk)
        cites["interpol_reference"] = citation.red_notice.interpol_reference
        cites["version"] = citation.red_notice.version
    if citation.partner_request is not None:
        cites["partner_request"] = str(citation.partner_request.pk)
    return {"cites": cites}


def entry_source_split(data: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Split ``red_notice`` off a record body: the record rules never see it."""
    if "red_notice" not in data:
        return data, None
    return {k: v for k, v in data.items() if k != "red_notice"}, data["red_notice"]


def entry_source_check(notice_id: Any) -> RedNotice | None:
    """The notice an entry names as its source must be accepted (R-N2; 422 otherwise)."""
    if notice_id in (None, ""):
        return None
    return require_accepted(notice_id=notice_id)


def entry_source_write(*, record: Any, notice: RedNotice | None) -> None:
    """Link a new record to the accepted notice it rests on (in the record's transaction)."""
    if notice is not None:
        RecordNoticeSource.objects.create(record=record, red_notice=notice)
