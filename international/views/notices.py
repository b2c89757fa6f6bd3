"""Browser pages of the Red Notice review („Red-Notice-Prüfung“, R-N2).

Thin: the list and the detail read through ``international.services.notices`` and the
decision form calls ``notice_decide``, the service the API calls. Officers see the
criteria's texts and German labels, never codes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from international.models import NoticeCriterion, NoticeStatus, RedNotice
from international.services.notices import (
    active_criteria,
    may_decide,
    may_read,
    newer_version,
    notice_decide,
    notice_get,
    notices_for,
    notices_log_view,
)
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms.records import TextField
from verbund.views.common import forbidden

ANSWER_LABELS = {"met": gettext_lazy("met"), "not_met": gettext_lazy("not met")}
PAGE_SIZE = 50


class DecisionForm(forms.Form):
    """Accept or reject against every active criterion of the checklist, with reasons."""

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("accept", gettext_lazy("Accept")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=gettext_lazy("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

    def __init__(self, *args: Any, criteria: list[NoticeCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"checklist_{criterion.code}"] = forms.ChoiceField(
                label=criterion.text,
                help_text=criterion.source,
                choices=list(ANSWER_LABELS.items()),
                widget=forms.RadioSelect,
            )
        # The checklist first, then the decision and its reasons.
        self.order_fields([f"checklist_{c.code}" for c in criteria] + ["decision", "reasons"])

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "accept": data["decision"] == "accept",
            "reasons": data["reasons"],
            "checklist": {c.code: data[f"checklist_{c.code}"] for c in self.criteria},
        }


def _row(notice: RedNotice) -> dict[str, Any]:
    subject = notice.subject or {}
    return {
        "id": notice.pk,
        "reference": notice.interpol_reference,
        "version": notice.version,
        "country": notice.country,
        "surname": subject.get("surname", ""),
        "given_names": subject.get("given_names", ""),
        "date_of_birth": subject.get("date_of_birth", ""),
        "status": notice.status,
        "status_label": NoticeStatus(notice.status).label,
        "received_at": notice.received_at,
    }


@login_required
@require_http_methods(["GET"])
def red_notice_list(request: HttpRequest) -> HttpResponse:
    """List notices, newest first; filter by status."""
    if not may_read(request.user):
        return forbidden(request, Forbidden(_("Only officers of participating agencies.")))
    actor = as_officer(request.user)
    status = request.GET.get("status", "")
    if status not in NoticeStatus.values:
        status = ""
    page = Paginator(notices_for(actor, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    notices_log_view(actor, list(page.object_list), "red_notice.list")
    context = {
        "page": page,
        "rows": [_row(n) for n in page.object_list],
        "status": status,
        "statuses": NoticeStatus.choices,
    }
    return render(request, "international/red_notice_list.html", context)


def _detail(
    request: HttpRequest, notice: RedNotice, form: DecisionForm | None, status: int = 200
) -> HttpResponse:
    checklist = [
        {
            "text": item.get("text", ""),
            "source": item.get("source", ""),
            "answer": ANSWER_LABELS.get(item.get("answer", ""), ""),
        }
        for item in (notice.checklist or {}).values()
        if isinstance(item, dict)
    ]
    context = {
        "notice": _row(notice),
        "offence": notice.offence,
        "issued_on": notice.issued_on,
        "received_by": notice.received_by.username if notice.received_by else "",
        "decided_by": notice.decided_by.username if notice.decided_by else "",
        "decided_at": notice.decided_at,
        "reasons": notice.reasons,
        "checklist": checklist,
        "superseded_by": newer_version(notice),
        "form": form,
    }
    return render(request, "international/red_notice_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def red_notice_detail(request: HttpRequest, notice_id: str) -> HttpResponse:
    """Show a notice; a BKA head decides one in review with the checklist form."""
    if not may_read(request.user):
        return forbidden(request, Forbidden(_("Only officers of participating agencies.")))
    actor = as_officer(request.user)
    try:
        notice = notice_get(actor, notice_id)
    except NotFound:
        raise Http404 from None
    open_review = notice.status == NoticeStatus.IN_REVIEW and may_decide(actor)
    if request.method == "GET":
        notices_log_view(actor, [notice], "red_notice.view")
        form = DecisionForm(criteria=active_criteria()) if open_review else None
        return _detail(request, notice, form)
    if not may_decide(actor):
        return forbidden(request, Forbidden(_("Only a head of the BKA decides on Red Notices.")))
    form = DecisionForm(request.POST, criteria=active_criteria())
    status = 400
    if form.is_valid():
        try:
            notice_decide(actor=actor, notice_id=notice.pk, **form.values())
        except NotFound:
            raise Http404 from None
        except Forbidden as exc:
            return forbidden(request, exc)
        except DomainError as exc:
            placed = False
            for key, errors in (exc.fields or {}).items():
                path = str(key).replace("checklist.", "checklist_", 1)
                if path in form.fields:
                    for error in errors:
                        form.add_error(path, str(error))
                    placed = True
            if not placed:
                form.add_error(None, exc.detail)
            status = exc.status if exc.status in (400, 409, 422) else 400
        else:
            messages.success(request, _("The decision on the Red Notice is recorded."))
            return redirect("red_notice_detail", notice_id=notice.pk)
    notice.refresh_from_db()
    return _detail(request, notice, form, status)
