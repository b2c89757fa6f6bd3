"""Forms of a transfer abroad (the browser side of POST /transfers/ and its steps)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from international.services.transfers import Channel
from verbund.forms.records import TextField
from verbund.forms.transfers import item_label


class ForeignTransferForm(forms.Form):
    """Partner, channel, legal basis, items, purpose; the task only for Art. 10/13 data."""

    partner = forms.ChoiceField(label=_("Foreign partner"))
    channel = forms.ChoiceField(label=_("Transfer channel"), choices=[("", "—"), *Channel.choices])
    legal_basis = forms.ChoiceField(label=_("Legal basis"))
    items = forms.MultipleChoiceField(
        label=_("Data transferred"), widget=forms.CheckboxSelectMultiple
    )
    purpose = TextField(
        label=_("Purpose of the transfer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    task = TextField(
        label=_("Task that would itself justify such a collection"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, options: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner: Any = self.fields["partner"]
        partner.choices = [("", "—"), *[(p.code, p.name) for p in options["partners"]]]
        basis: Any = self.fields["legal_basis"]
        basis.choices = [
            ("", "—"),
            *[(b.code, f"{b.citation} – {b.title}") for b in options["bases"]],
        ]
        items: Any = self.fields["items"]
        items.choices = [(code, item_label(code)) for code in options["items"]]
        if not options["task_required"]:
            del self.fields["task"]


class DecisionForm(forms.Form):
    """The owner's consent or the head's approval: yes or no, with reasons."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=_("Reasons"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SentForm(forms.Form):
    """How the transfer went out: channel and reference."""

    channel = forms.ChoiceField(label=_("Transfer channel"), choices=[("", "—"), *Channel.choices])
    reference = TextField(label=_("Reference of the transfer"), max_length=80)
