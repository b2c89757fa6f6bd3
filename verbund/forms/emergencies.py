"""Forms of the Eilfall: taking the data, the owner's consent, the duty after refusal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.forms.records import TextField

DANGER_CHOICES = [
    ("life", _("Danger to life")),
    ("limb", _("Danger to limb (bodily integrity)")),
    ("health", _("Danger to health: only a serious injury with lasting consequences")),
    ("freedom", _("Danger to the freedom of a person")),
    (
        "critical_infrastructure",
        _("Danger to things of substantial value whose preservation is in the public interest"),
    ),
]


class EilfallForm(forms.Form):
    """The Eilfall: the danger, its facts, why a request would come too late, the decider."""

    danger = forms.ChoiceField(
        label=_("Danger to avert"),
        choices=DANGER_CHOICES,
        widget=forms.RadioSelect,
        help_text=_(
            "Direct access is lawful only to avert a present danger to one of these interests. "
            "Health counts only for a serious injury with lasting consequences; things count "
            "only if they are of substantial value and their preservation is in the public "
            "interest (for example supply facilities)."
        ),
    )
    facts = TextField(
        label=_("Specific facts of the present danger"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    why_no_request = TextField(
        label=_("Why a transfer on request would come too late"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_(
            "Explain why access is indispensable and why the danger cannot be averted in "
            "time by asking the owning agency to transfer the data."
        ),
    )
    decided_by = forms.ChoiceField(
        label=_("Decided by"),
        help_text=_(
            "The head of your agency or a specially authorised senior officer decides on "
            "the Eilfall."
        ),
    )

    def __init__(self, *args: Any, heads: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["decided_by"]
        field.choices = [("", "—")] + [(h.username, h.get_full_name() or h.username) for h in heads]


class ConsentForm(forms.Form):
    """The owner's consent to an Eilfall, or its refusal."""

    grant = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", _("Consent: the requesting agency may keep and use the data")),
            ("0", _("Refuse: the requesting agency must delete or block the data")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Decide under your own transfer law and give the reasons."),
    )


class DutyForm(forms.Form):
    """The requester confirms each step after a refused consent."""

    deleted_or_blocked = forms.ChoiceField(
        label=_("The data obtained were"),
        choices=[("deleted", _("deleted")), ("blocked", _("blocked"))],
        widget=forms.RadioSelect,
    )
    third_parties_informed = forms.BooleanField(
        label=_("Every third party that received the data has been informed"),
    )
    note = TextField(
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        required=False,
    )
