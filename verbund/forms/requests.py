"""Forms of requests for extended data and of the owner's decision (R-F1, R-F2, R-H3).

The forms only collect input; every rule is checked by ``verbund.services.requests`` and
its refusals are attached to the fields they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.errors import DomainError
from verbund.forms.records import TextField
from verbund.models.requests import RequestKind, UseGround


class _ServiceErrors(forms.Form):
    def apply_error(self, exc: DomainError) -> None:
        """Attach a service refusal to the inputs it names, or to the form."""
        placed = False
        for path in exc.fields:
            if path in self.fields:
                self.add_error(path, exc.detail)
                placed = True
        if not placed:
            self.add_error(None, exc.detail)


class AccessRequestForm(_ServiceErrors):
    """A request from a hit: what is asked, why, and for a further use the ground."""

    kind = forms.ChoiceField(
        label=_("What is requested"),
        choices=[
            (RequestKind.EXTENDED_DATA.value, _("Release of the extended data")),
            (RequestKind.FURTHER_USE.value, _("Use of the hit data for another purpose")),
        ],
        initial=RequestKind.EXTENDED_DATA.value,
        widget=forms.RadioSelect,
    )
    justification = TextField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=_(
            "Why the data are needed for your agency's own counter-terrorism task in this "
            "case. Your agency answers for the lawfulness of the request."
        ),
    )
    use_ground = forms.ChoiceField(
        label=_("Ground of the other use"),
        choices=[("", "—"), *UseGround.choices],
        required=False,
        help_text=_("Only for a use for another purpose."),
    )
    use_purpose = TextField(
        label=_("What the data are to be used for"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=_("Only for a use for another purpose."),
    )

    def clean(self) -> dict[str, Any]:
        """Flag every missing input at once (the service stops at the first)."""
        data = super().clean() or {}
        if "justification" in data and not data["justification"]:
            self.add_error(
                "justification",
                _("Give the justification: the requesting agency answers for its request."),
            )
        if data.get("kind") == RequestKind.FURTHER_USE:
            if "use_ground" in data and not data["use_ground"]:
                self.add_error("use_ground", _("Give the ground of the other use."))
            if "use_purpose" in data and not data["use_purpose"]:
                self.add_error("use_purpose", _("State what the data are to be used for."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        """Return the service's keyword arguments; the use fields only for a further use."""
        data = self.cleaned_data
        further = data["kind"] == RequestKind.FURTHER_USE
        return {
            "kind": data["kind"],
            "justification": data.get("justification") or "",
            "use_ground": (data.get("use_ground") or "") if further else "",
            "use_purpose": (data.get("use_purpose") or "") if further else "",
        }


class AccessDecisionForm(_ServiceErrors):
    """The owner's decision under its own transfer law: grant or refuse, provision, reasons."""

    grant = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Grant")), ("0", _("Refuse"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose grant or refuse.")},
    )
    provision = TextField(
        label=_("Transfer provision relied on"),
        max_length=200,
        help_text=_("The provision of your agency's own transfer law, e.g. § 19 BVerfSchG."),
        error_messages={"required": _("State the transfer provision the decision relies on.")},
    )
    reasons = TextField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Give the reasons for the decision.")},
    )
