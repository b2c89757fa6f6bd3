"""The form an agency head configures a date rule with (the browser side of POST /date-rules/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from verbund.forms.records import TextField
from verbund.models.lifecycle import MAX_STORAGE_MONTHS

GROUP_LABELS = {
    "adult": _("adults"),
    "juvenile": _("juveniles (14 to 17)"),
    "child": _("children (under 14)"),
}

# Where a record's dates come from (R-L4a), as officers read it (never the code).
DATES_SOURCE_LABELS = {
    "owner": _("Given by the entering agency"),
    "rule": _("Date rule of the agency"),
    "order": _("Establishment order"),
    "none": _("No date rule: to be reviewed at once"),
}


def period_label(months: int) -> str:
    """Return a period in years and months, e.g. "5 Jahre" or "1 Jahr 6 Monate"."""
    years, rest = divmod(int(months), 12)
    parts = []
    if years:
        parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if rest or not years:
        parts.append(ngettext("%(n)d month", "%(n)d months", rest) % {"n": rest})
    return " ".join(parts)


def _months_field(label: Any, cap: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": cap}),
    )


class DateRuleForm(forms.Form):
    """File, provision, valid from, and review and storage periods per age group in months."""

    file = forms.ChoiceField(label=_("File"))
    provision = TextField(
        label=_("Provision on review and storage periods"),
        max_length=300,
        help_text=_(
            "The provision of the law your source data follow, e.g. § 77 BKAG "
            "(Aussonderungsprüffristen). It is shown with every record whose dates this rule "
            "supplies."
        ),
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Applies to records entered or changed from this day on."),
    )

    def __init__(self, *args: Any, files: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        file_field: Any = self.fields["file"]
        file_field.choices = files
        for group, label in GROUP_LABELS.items():
            cap = MAX_STORAGE_MONTHS[group]
            self.fields[f"review_{group}"] = _months_field(
                _("Review after (months), %(group)s") % {"group": label}, cap
            )
        for group, label in GROUP_LABELS.items():
            cap = MAX_STORAGE_MONTHS[group]
            storage = _months_field(_("Delete after (months), %(group)s") % {"group": label}, cap)
            storage.help_text = _(
                "Counted from the last event justifying storage; at most %(cap)s."
            ) % {"cap": period_label(cap)}
            self.fields[f"storage_{group}"] = storage

    def to_service(self) -> dict[str, Any]:
        """Return the keyword arguments of ``date_rule_create``."""
        data = self.cleaned_data
        return {
            "file": data["file"],
            "provision": data["provision"],
            "valid_from": data["valid_from"],
            "review_months": {g: data[f"review_{g}"] for g in GROUP_LABELS},
            "storage_months": {g: data[f"storage_{g}"] for g in GROUP_LABELS},
        }

    @staticmethod
    def field_of(path: str) -> str | None:
        """Return the form field of a service error path (``storage_months.adult``)."""
        name, _dot, group = str(path).partition(".")
        if name in ("review_months", "storage_months") and group in GROUP_LABELS:
            return f"{name.split('_')[0]}_{group}"
        return name if name in ("file", "provision", "valid_from") else None
