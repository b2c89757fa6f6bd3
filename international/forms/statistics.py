"""The period and grouping form of the international figures page: no rules — the selector
(``international.selectors.statistics.international_period``) checks, as for the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from international.selectors.statistics import international_period
from verbund.errors import Invalid
from verbund.selectors.statistics import Period

GROUP_LABELS = (
    ("partner", _("per partner")),
    ("country", _("per country")),
    ("basis", _("per legal basis")),
)


class InternationalPeriodForm(forms.Form):
    """``from``, ``to`` (``YYYY-MM-DD``) and ``group_by``, named as in the API."""

    group_by = forms.ChoiceField(label=_("Transfers"), choices=GROUP_LABELS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the date fields are added here.
        self.fields["from"] = forms.CharField(
            label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.CharField(
            label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.order_fields(["from", "to", "group_by"])
        self.period: Period | None = None
        self.grouping = "partner"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data  # a choice refused by its field: no period, the page answers 400
        params = QueryDict(mutable=True)
        for name in ("from", "to", "group_by"):
            if data.get(name):
                params[name] = data[name]
        try:
            self.period, self.grouping = international_period(params)
        except Invalid as refusal:
            for name, problems in (refusal.fields or {}).items():
                for message in problems:
                    self.add_error(name if name in self.fields else None, message)
        return data
