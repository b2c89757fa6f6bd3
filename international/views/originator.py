"""The owner's section „Herkunft ausländischer Stellen“ on the record page (R-N3).

Thin: the section's context hooks into ``verbund.views.records.DETAIL_EXTRAS`` (owner
only — for anyone else the section and the markings do not exist); the two POST pages call
``international.services.originator``. Where a marked record is not stored covertly the
page proposes covert storage to the head, who decides through the record's storage
decision (R-D4, the edit page; 002 Rn. 10).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import as_officer
from international.forms.originator import MarkingForm, ReleaseForm, item_label
from international.models import OriginatorKind
from international.services.originator import (
    covert_storage_proposed,
    markable_items,
    marking_create,
    markings_of,
    own_record,
    release_create,
)
from verbund.errors import DomainError, NotFound
from verbund.models import Record
from verbund.views import records as record_views

KIND_LABELS = dict(OriginatorKind.choices)


def _record(request: HttpRequest, data: dict[str, Any]) -> Record:
    """The owner's record through the access layer (404 for anyone else)."""
    try:
        return own_record(actor=as_officer(request.user), record_id=data["id"])
    except NotFound:
        raise Http404 from None


def _section(
    record: Record,
    *,
    form: MarkingForm | None = None,
    release_forms: dict[str, ReleaseForm] | None = None,
) -> dict[str, Any]:
    markings = markings_of(record)
    shown = []
    for m in markings:
        offered = m.kind == OriginatorKind.THIRD_PARTY_RULE
        shown.append(
            {
                "id": str(m.pk),
                "partner": m.partner.name,
                "kind": m.kind,
                "kind_label": KIND_LABELS.get(m.kind, m.kind),
                "items": [item_label(i) for i in m.items or []],
                "created_by": m.created_by.username,
                "created_at": m.created_at,
                "release_offered": offered,
                "releases": [
                    {
                        "recipient": (
                            r.recipient_agency.name
                            if r.recipient_agency
                            else (r.recipient_partner.name if r.recipient_partner else "")
                        ),
                        "purpose": r.purpose,
                        "expires_on": r.expires_on,
                        "recorded_by": r.recorded_by.username,
                    }
                    for r in m.releases.all()
                ],
                # 000 Q9: under a comprehensive restriction no release is asked — no form.
                "release_form": (
                    (release_forms or {}).get(str(m.pk)) or ReleaseForm(prefix=f"r{m.pk.hex}")
                    if offered
                    else None
                ),
            }
        )
    return {
        "markings": shown,
        "form": form or MarkingForm(items=markable_items(record)),
        "covert_proposed": covert_storage_proposed(record, marked=bool(markings)),
    }


def _originator_context(request: HttpRequest, data: dict[str, Any], owner: bool) -> dict[str, Any]:
    """The owner's markings section; nothing at all for anyone else."""
    if not owner:
        return {}
    return {"originator": _section(_record(request, data))}


record_views.DETAIL_EXTRAS.append(_originator_context)


def _rerender(
    request: HttpRequest, data: dict[str, Any], section: dict[str, Any], status: int
) -> HttpResponse:
    context = record_views.detail_context(request, data, originator=section)
    return render(request, "verbund/record_detail.html", context, status=status)


def _owner_data(request: HttpRequest, record_id: str) -> dict[str, Any]:
    data = record_views.viewable(request, record_id)
    agency = getattr(as_officer(request.user), "agency", None)
    if agency is None or data.get("reference", {}).get("agency") != agency.code:
        raise Http404  # as for an invented record: markings exist for the owner only
    return data


@login_required
@require_POST
def marking_new(request: HttpRequest, record_id: str) -> HttpResponse:
    """Record a marking from the record page's form."""
    data = _owner_data(request, record_id)
    record = _record(request, data)
    form = MarkingForm(request.POST, items=markable_items(record))
    form.is_valid()
    try:
        marking_create(actor=as_officer(request.user), record_id=record.pk, data=form.to_payload())
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        form.apply_domain_error(exc)
        return _rerender(request, data, _section(record, form=form), exc.status)
    messages.success(request, _("The originator marking was recorded."))
    return redirect(f"/datensaetze/{record.pk}/#originator")


@login_required
@require_POST
def release_new(request: HttpRequest, record_id: str, marking_id: str) -> HttpResponse:
    """Record a release from the record page's form."""
    data = _owner_data(request, record_id)
    record = _record(request, data)
    try:
        prefix = f"r{uuid.UUID(str(marking_id)).hex}"
    except ValueError:
        raise Http404 from None
    form = ReleaseForm(request.POST, prefix=prefix)
    form.is_valid()
    try:
        release_create(
            actor=as_officer(request.user),
            record_id=record.pk,
            marking_id=marking_id,
            data=form.to_payload(),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        form.apply_domain_error(exc)
        section = _section(record, release_forms={str(marking_id): form})
        return _rerender(request, data, section, exc.status)
    messages.success(request, _("The originator's release was recorded."))
    return redirect(f"/datensaetze/{record.pk}/#originator")
