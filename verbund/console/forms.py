"""Forms of the console (labels are English msgids, German through locale).

The forms only collect the input; the rules (required fields, the 18-month cycle, the
competence) are the services' (``verbund.services.supervision``, ``complaint_lodge``),
whose refusals are shown at the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import STATES
from audit.models import CONTROL_CYCLE_MAX_MONTHS
from verbund.console.labels import SCOPE_LABELS, jurisdiction_label


class DateInput(forms.DateInput):
    """A native date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"


class ComplaintForm(forms.Form):
    """A complaint about a record (R-J6): it lands in the owner's inbox."""

    text = forms.CharField(
        label=_("Complaint"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is objected to; the owner corrects, deletes or answers with reasons."),
    )


class DelegationForm(forms.Form):
    """Delegate control powers over one agency to another supervisor (R-J2)."""

    agency = forms.ChoiceField(label=_("Agency"), required=False)
    to_jurisdiction = forms.ChoiceField(label=_("To the supervisor"), required=False)
    scope = forms.MultipleChoiceField(
        label=_("Powers"),
        required=False,
        choices=[(k, v) for k, v in SCOPE_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = forms.CharField(label=_("Valid until"), required=False, widget=DateInput)
    reasons = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, agencies: Any = (), own: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "–")] + [(a.code, a.name) for a in agencies]  # type: ignore[attr-defined]
        targets = ["federal"] + [code for code, _name in STATES]
        self.fields["to_jurisdiction"].choices = [("", "–")] + [  # type: ignore[attr-defined]
            (code, jurisdiction_label(code)) for code in targets if code != own
        ]


class ControlPlanForm(forms.Form):
    """Plan the mandatory controls of an agency for a file (R-J4, R-J7)."""

    agency = forms.ChoiceField(label=_("Agency"), required=False)
    file = forms.ChoiceField(label=_("File"), required=False)
    cycle_months = forms.CharField(
        label=_("Cycle in months"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": CONTROL_CYCLE_MAX_MONTHS}),
        help_text=_(
            "At most 18 months, so that every log period is controlled before it is deleted."
        ),
    )
    starts_on = forms.CharField(label=_("Starts on"), required=False, widget=DateInput)

    def __init__(self, *args: Any, agencies: Any = (), files: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "–")] + [(a.code, a.name) for a in agencies]  # type: ignore[attr-defined]
        self.fields["file"].choices = [("", "–")] + [(f, f) for f in files]  # type: ignore[attr-defined]


class ControlForm(forms.Form):
    """Record a completed mandatory control (R-J4, R-J7)."""

    period_from = forms.CharField(label=_("Log period from"), required=False, widget=DateInput)
    period_to = forms.CharField(label=_("Log period until"), required=False, widget=DateInput)
    done_on = forms.CharField(label=_("Completed on"), required=False, widget=DateInput)
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(
        label=_("Measures"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
