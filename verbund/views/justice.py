"""The owner's browser form for a justice decision about a record's subject (R-M4).

"Mitteilung der Justiz erfassen": an officer of the owner agency (the LKA that received the
notice) records a final acquittal, a final refusal to open the trial or a non-provisional
discontinuation with its main reasons. Thin: ``verbund.services.reviews.
justice_decision_report`` checks every value, opens (or joins) the review in the owner's
inbox and logs it; it never deletes. Another agency's record answers 403, an unknown one 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from agencies.models import as_officer
from verbund.errors import DomainError, Forbidden, NotFound
from verbund.forms.records import TextField, apply_simple_error
from verbund.services.reviews import justice_decision_report
from verbund.views import records as record_views
from verbund.views.common import forbidden

KIND_LABELS = {
    "acquittal": gettext_lazy("Acquittal"),
    "refusal_to_open_trial": gettext_lazy("Refusal to open the main proceedings"),
    "discontinuation": gettext_lazy("Discontinuation (not merely provisional)"),
}


class JusticeDecisionForm(forms.Form):
    """A justice decision as the justice reported it; the service checks it."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=list(KIND_LABELS.items()),
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(
        label=gettext_lazy("Decided on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    provision = forms.CharField(
        label=gettext_lazy("Provision"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("For example § 170 Abs. 2 StPO."),
    )
    reasons = TextField(
        label=gettext_lazy("Main reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    final = forms.BooleanField(
        label=gettext_lazy("The decision is final (or the discontinuation not merely provisional)"),
        required=False,
    )

    def values(self) -> dict[str, Any]:
        """The report as the service takes it."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "decided_on": data["decided_on"].isoformat(),
            "provision": data.get("provision") or None,
            "reasons": data["reasons"],
            "final": bool(data.get("final")),
        }


def _render(request: HttpRequest, data: dict[str, Any], form: Any, status: int) -> HttpResponse:
    context = {
        "record_id": data["id"],
        "file_number": data.get("reference", {}).get("file_number", ""),
        "form": form,
    }
    return render(request, "verbund/justice_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_justice(request: HttpRequest, record_id: str) -> HttpResponse:
    """Show and take the justice decision form for the owner's record."""
    data = record_views.viewable(request, record_id)
    if not record_views._is_owner(request, data):
        return forbidden(request)
    if request.method == "GET":
        return _render(request, data, JusticeDecisionForm(), 200)
    form = JusticeDecisionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            justice_decision_report(
                actor=as_officer(request.user), record_id=data["id"], **form.values()
            )
        except NotFound:
            raise Http404 from None
        except Forbidden as exc:
            return forbidden(request, exc)
        except DomainError as exc:
            apply_simple_error(form, exc)
            status = exc.status if exc.status in (400, 409, 422) else 400
        else:
            messages.success(
                request, _("The justice decision is recorded; a review is open in your inbox.")
            )
            return redirect("record_detail", record_id=data["id"])
    return _render(request, data, form, status)
