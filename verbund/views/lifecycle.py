"""Record lifecycle pages: the owner's review decision and the use of blocked data (R-L1-L4).

The record's detail page shows its owner the open review (causes, due time) with the
decision form, and, for a blocked record, no data but the form to use them on a ground of
ATDG §11(3). The inbox shows ``review_due`` items linking there. Thin: the rules live in
``verbund.services.reviews``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.errors import DomainError, Forbidden, NotFound, VersionConflict
from verbund.forms import labels
from verbund.forms.lifecycle import (
    BLOCKED_USE_LABELS,
    OUTCOME_LABELS,
    BlockedUseForm,
    ReviewForm,
)
from verbund.forms.records import apply_simple_error
from verbund.models.inbox import InboxKind
from verbund.models.lifecycle import ReviewCause
from verbund.services.reviews import (
    JusticeDecisionKind,
    blocked_use,
    open_review_of,
    review_decide,
)
from verbund.views import records as record_views
from verbund.views import search as search_views
from verbund.views.common import forbidden, present_record, show_date

FORM_ERROR_STATUSES = frozenset({400, 403, 409, 422})


def cause_label(cause: str) -> str:
    """The German (or English) label of a review cause; never its code."""
    return str(labels.label(dict(ReviewCause.choices), cause))


def cause_detail(cause: str, details: Any) -> str:
    """What set a review off, in words: the justice decision with its main reasons (R-M4),
    the supervisor's complaint (R-J6), the legal basis found missing (R-M5); else empty."""
    if not isinstance(details, dict):
        return ""
    if cause == ReviewCause.JUSTICE_DECISION:
        kind = labels.label(dict(JusticeDecisionKind.choices), str(details.get("kind", "")))
        if details.get("provision"):
            kind = f"{kind} ({details['provision']})"
        day = show_date(details.get("decided_on"))
        return _("%(kind)s of %(day)s, reported by %(who)s: %(reasons)s") % {
            "kind": kind,
            "day": day,
            "who": details.get("reported_by", ""),
            "reasons": details.get("reasons", ""),
        }
    if cause == ReviewCause.COMPLAINT:
        return _("%(who)s: %(text)s") % {
            "who": details.get("supervisor", ""),
            "text": details.get("text", ""),
        }
    if cause == ReviewCause.NO_LEGAL_BASIS:
        basis = str(details.get("legal_basis", ""))
        if details.get("reason"):
            # R-M5 (004): the file lacks the ordinance under § 7(6) BKAG.
            text = _("Stored without legal basis (ordinance under § 7(6) BKAG missing)")
            return f"{text} — {basis}" if basis else text
        return basis
    return ""


def _lapsed_shown(entry: dict[str, Any]) -> dict[str, Any]:
    """A cause that lapsed because the legal basis entered into force (R-L2, R-M5)."""
    return {
        "label": cause_label(str(entry.get("cause", ""))),
        "detail": _("Lapsed: %(basis)s in force from %(day)s")
        % {
            "basis": entry.get("legal_basis", ""),
            "day": show_date(entry.get("in_force_from")),
        },
    }


def _review_shown(payload: dict[str, Any]) -> dict[str, Any]:
    causes = [
        {
            "label": cause_label(str(c.get("cause", ""))),
            "at": search_views._moment(c.get("at")),
            "detail": cause_detail(str(c.get("cause", "")), c.get("details")),
        }
        for c in payload.get("causes", [])
    ]
    return {
        "causes": causes,
        "lapsed": [_lapsed_shown(e) for e in payload.get("lapsed", []) if isinstance(e, dict)],
        "review_date": show_date(payload.get("review_date")),
        "deletion_date": show_date(payload.get("deletion_date")),
    }


def _lifecycle_context(request: HttpRequest, data: dict[str, Any], owner: bool) -> dict[str, Any]:
    """The owner's review panel and, for a blocked record, the blocked-use form."""
    if not owner:
        return {}
    review = open_review_of(as_officer(request.user), data["id"])
    blocked = data.get("status") == "blocked"
    initial: dict[str, Any] = {"version": data.get("version")}
    if review and any(
        c.get("cause") == ReviewCause.NO_LEGAL_BASIS for c in review.payload.get("causes", [])
    ):
        # R-L2, R-M5: deleting for lack of a legal basis is the ground at hand.
        initial["ground"] = "no_legal_basis"
    return {
        "review": ({**_review_shown(review.payload), "due_at": review.due_at} if review else None),
        "review_form": ReviewForm(initial=initial),
        "blocked_hidden": blocked and "basic" not in data and "object" not in data,
        "blocked_use_form": BlockedUseForm() if blocked else None,
    }


record_views.DETAIL_EXTRAS.append(_lifecycle_context)


def _owner_data(request: HttpRequest, record_id: str) -> dict[str, Any] | HttpResponse:
    """The record as its owner sees it; another agency's page answers 403, none 404."""
    data = record_views.viewable(request, record_id)
    if not record_views._is_owner(request, data):
        return forbidden(request)
    return data


@login_required
@require_http_methods(["POST"])
def record_review(request: HttpRequest, record_id: str) -> HttpResponse:
    """Record the owner's review decision (keep, corrected, blocked, deleted)."""
    data = _owner_data(request, record_id)
    if isinstance(data, HttpResponse):
        return data
    form = ReviewForm(request.POST)
    status = 400
    if form.is_valid():
        values = form.values()
        try:
            review_decide(
                actor=as_officer(request.user),
                record_id=data["id"],
                if_match=form.if_match(),
                **values,
            )
        except NotFound:
            raise Http404 from None
        except Forbidden as exc:
            return forbidden(request, exc)
        except VersionConflict:
            form.add_error(None, record_views._conflict_message())
            status = 409
        except DomainError as exc:
            apply_simple_error(form, exc)
            status = exc.status if exc.status in FORM_ERROR_STATUSES else 400
        else:
            number = data["reference"]["file_number"]
            if values["outcome"] == "deleted":
                messages.success(request, _("Record %(number)s deleted.") % {"number": number})
                return redirect("record_list")
            messages.success(request, _("The review decision is recorded."))
            return redirect("record_detail", record_id=data["id"])
    context = record_views.detail_context(request, data, review_form=form)
    return render(request, "verbund/record_detail.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def record_blocked_use(request: HttpRequest, record_id: str) -> HttpResponse:
    """Show a blocked record's data for one use on a ground of the law (logged)."""
    data = _owner_data(request, record_id)
    if isinstance(data, HttpResponse):
        return data
    form = BlockedUseForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            full = blocked_use(
                actor=as_officer(request.user),
                record_id=data["id"],
                ground=form.cleaned_data["ground"],
                reasons=form.cleaned_data["reasons"],
            )
        except NotFound:
            raise Http404 from None
        except Forbidden as exc:
            return forbidden(request, exc)
        except DomainError as exc:
            apply_simple_error(form, exc)
            status = exc.status if exc.status in FORM_ERROR_STATUSES else 400
        else:
            context = record_views.detail_context(
                request,
                full,
                record=present_record(full),
                blocked_hidden=False,
                blocked_use_form=None,
                blocked_use_ground=BLOCKED_USE_LABELS[form.cleaned_data["ground"]],
            )
            return render(request, "verbund/record_detail.html", context)
    context = record_views.detail_context(request, data, blocked_use_form=form)
    return render(request, "verbund/record_detail.html", context, status=status)


# ---------------------------------------------------------------- inbox (review_due)


def _review_row(request: HttpRequest, item: Any, row: dict[str, Any]) -> None:
    """A review in the owner's inbox: its causes in words and the link to decide it."""
    p = item.payload
    shown = _review_shown(p)
    url = reverse("record_detail", args=[p["record"]]) if p.get("record") else ""
    facts: list[dict[str, Any]] = [
        {"label": gettext_lazy("File number"), "value": p.get("file_number", ""), "url": url},
        {
            "label": gettext_lazy("Reasons for the review"),
            "value": "; ".join(
                f"{c['label']} — {c['detail']}" if c["detail"] else str(c["label"])
                for c in shown["causes"]
            ),
            "url": "",
        },
        {"label": gettext_lazy("Review date"), "value": shown["review_date"], "url": ""},
        {"label": gettext_lazy("Deletion date"), "value": shown["deletion_date"], "url": ""},
    ]
    if shown["lapsed"]:
        facts.append(
            {
                "label": gettext_lazy("Lapsed reasons"),
                "value": "; ".join(f"{c['label']} — {c['detail']}" for c in shown["lapsed"]),
                "url": "",
            }
        )
    if p.get("outcome"):
        facts += [
            {
                "label": gettext_lazy("Decision"),
                "value": labels.label(OUTCOME_LABELS, str(p["outcome"])),
                "url": "",
            },
            {"label": gettext_lazy("Reasons"), "value": p.get("reasons", ""), "url": ""},
            {"label": gettext_lazy("Decided by"), "value": p.get("decided_by", ""), "url": ""},
        ]
    row["facts"] = [f for f in facts if f["value"]]
    row["review_url"] = f"{url}#review" if url and item.done_at is None else ""


search_views.INBOX_PARTIALS[InboxKind.REVIEW_DUE.value] = "verbund/_inbox_review_due.html"
search_views.INBOX_ROW_BUILDERS[InboxKind.REVIEW_DUE.value] = _review_row
