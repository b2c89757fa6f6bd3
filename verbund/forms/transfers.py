"""The form that records a transfer of findings (the browser side of POST /transfers/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.forms import labels
from verbund.forms.records import TextField
from verbund.models.requests import USE_MARKING_LABELS

ITEM_LABELS: dict[str, Any] = {
    "reference": _("File reference"),
    "basic": _("Basic data"),
    "object": _("Object identification data"),
    **labels.EXTENDED_LABELS,
}


def marking_label(code: str) -> Any:
    """Return the label of a legal or use marking (never its code)."""
    return labels.MARKING_LABELS.get(code) or USE_MARKING_LABELS.get(code) or _("Marking")


def item_label(code: str) -> Any:
    """Return the label of a transferred item (never its code)."""
    return ITEM_LABELS.get(code, _("Further data"))


class TransferForm(forms.Form):
    """Recipient, provision, purpose, items; the task only for Art. 10/13/IT-system data."""

    recipient = forms.ChoiceField(label=_("Recipient agency"))
    provision = TextField(
        label=_("Transfer provision relied on"),
        max_length=200,
        help_text=_("The provision of your own transfer law, e.g. § 19 BVerfSchG."),
    )
    purpose = TextField(
        label=_("Purpose of the transfer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    items = forms.MultipleChoiceField(
        label=_("Data transferred"), widget=forms.CheckboxSelectMultiple
    )
    task = TextField(
        label=_("Task that would itself justify such a collection"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "These data come from a telecommunications measure, a measure in a home or an "
            "intrusion into information technology systems. They may only be passed on for a "
            "task for which such a measure could itself have been taken. Name that task; it "
            "is recorded with the transfer."
        ),
    )

    def __init__(self, *args: Any, options: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recipient: Any = self.fields["recipient"]
        recipient.choices = [("", "—"), *options["recipients"]]
        items: Any = self.fields["items"]
        items.choices = [(code, item_label(code)) for code in options["items"]]
        if not options["task_required"]:
            del self.fields["task"]
