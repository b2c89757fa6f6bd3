"""The period form of the public report page (R-J5).

It holds no rules: ``verbund.selectors.statistics.report_period`` checks the dates (the same
check as the API's) and its refusals come back to the inputs by field name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.errors import Invalid
from verbund.selectors.statistics import Period, report_period


class ReportPeriodForm(forms.Form):
    """``from`` and ``to`` (``YYYY-MM-DD``, both optional; defaults as the API's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the fields are added here, named as in the API.
        self.fields["from"] = forms.CharField(
            label=_("From"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text=_("First day (default: 1 January)"),
        )
        self.fields["to"] = forms.CharField(
            label=_("To"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text=_("Last day, not after today (default: today)"),
        )
        self.period: Period | None = None

    def clean(self) -> dict[str, Any]:
        """Resolve the period; a refusal names its field."""
        data = super().clean() or {}
        try:
            self.period = report_period(data.get("from") or None, data.get("to") or None)
        except Invalid as refusal:
            for name, messages in (refusal.fields or {}).items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return data
