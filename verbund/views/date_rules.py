"""The agency head's date rules page: list the rules and configure a new one (R-L4a, R-A1).

Thin: the form collects the input, ``verbund.services.date_rules.date_rule_create`` applies
every rule (head only, caps, one rule per day); a refusal is shown at its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.models import Role, as_officer
from verbund.errors import DomainError, Forbidden
from verbund.forms.date_rules import GROUP_LABELS, DateRuleForm, period_label
from verbund.models import File
from verbund.services.date_rules import date_rule_create, date_rules_for, rules_in_force
from verbund.views.common import forbidden


def _row(rule: Any, current: set[Any]) -> dict[str, Any]:
    return {
        "file": rule.file.code,
        "provision": rule.provision,
        "valid_from": rule.valid_from,
        "in_force": rule.pk in current,
        "periods": [
            {
                "group": label,
                "review": period_label(rule.review_months.get(group, 0)),
                "storage": period_label(rule.storage_months.get(group, 0)),
            }
            for group, label in GROUP_LABELS.items()
        ],
        "created_by": rule.created_by.username if rule.created_by else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def date_rules_page(request: HttpRequest) -> HttpResponse:
    """List the agency's date rules; the head configures a new one."""
    actor = as_officer(request.user)
    if actor.agency_id is None or actor.role != Role.HEAD:
        return forbidden(
            request,
            Forbidden(
                _("Only the agency head configures date rules."), code="decision_not_authorised"
            ),
        )
    files = [
        (f.code, f"{f.code} – {f.name}")
        for f in File.objects.filter(is_atd=True, participations__agency_id=actor.agency_id)
    ]
    form = DateRuleForm(request.POST if request.method == "POST" else None, files=files)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                date_rule_create(actor=actor, **form.to_service())
            except Forbidden as exc:
                return forbidden(request, exc)
            except DomainError as exc:
                placed = False
                for path, details in (exc.fields or {}).items():
                    for detail in details if isinstance(details, list) else [details]:
                        form.add_error(DateRuleForm.field_of(path), str(detail))
                        placed = True
                if not placed:
                    form.add_error(None, exc.detail)
            else:
                messages.success(request, _("The date rule is saved."))
                return redirect("date_rules")
    rules = list(date_rules_for(actor).select_related("created_by"))
    current = rules_in_force(rules)
    context = {
        "form": form,
        "rules": [_row(r, current) for r in rules],
        "review_fields": [form[f"review_{g}"] for g in GROUP_LABELS],
        "storage_fields": [form[f"storage_{g}"] for g in GROUP_LABELS],
        "main_fields": [form[name] for name in ("file", "provision", "valid_from")],
    }
    return render(request, "verbund/date_rules.html", context, status=status)
