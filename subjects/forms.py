"""Browser forms of subject access (the browser side of the subject-request endpoints)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.forms.records import TextField

ASK_LABELS: dict[str, Any] = {
    "access": _("Access to the data stored"),
    "correction": _("Correction"),
    "deletion": _("Deletion"),
}
OUTCOME_LABELS: dict[str, Any] = {
    "agree": _("Agree: access is given"),
    "refuse": _("Refuse"),
    "correct": _("Corrected"),
    "delete": _("Delete the record"),
}
STATUS_LABELS: dict[str, Any] = {"pending": _("In progress"), "answered": _("Answered")}


class SubjectRequestForm(forms.Form):
    """What the desk records: the applicant, what he asks for, matter and interest."""

    surname = TextField(label=_("Surname"), max_length=500)
    given_names = TextField(label=_("Given names"), max_length=500)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    asks = forms.MultipleChoiceField(
        label=_("The applicant asks for"),
        choices=list(ASK_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    concrete_matter = TextField(
        label=_("Concrete matter the applicant points to"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    special_interest = TextField(
        label=_("Special interest in access the applicant shows"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "An office for the protection of the constitution, the BND and the MAD give access "
            "only on a concrete matter and a special interest (§ 15 BVerfSchG; for the state "
            "offices, the BND and the MAD applied by project decision)."
        ),
    )

    def as_body(self) -> dict[str, Any]:
        """Return the API body of the cleaned form."""
        data = self.cleaned_data
        body: dict[str, Any] = {
            "applicant": {
                "surname": data["surname"],
                "given_names": data["given_names"],
                "date_of_birth": data["date_of_birth"].isoformat(),
            },
            "asks": list(data.get("asks") or []),
        }
        for key in ("concrete_matter", "special_interest"):
            if data.get(key):
                body[key] = data[key]
        return body


class DecisionForm(forms.Form):
    """The owner's decision on one ask."""

    ask = forms.ChoiceField(label=_("Decision on"))
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=list(OUTCOME_LABELS.items()), widget=forms.RadioSelect
    )
    ground = forms.ChoiceField(
        label=_("Refusal ground (refusal of access only)"),
        required=False,
        help_text=_("Only a ground of your agency's own law, weighed in this case."),
    )
    reasons = TextField(
        label=_("Reasons"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for every decision but agreement. They always stay on file."),
    )
    withhold_reasons = forms.BooleanField(
        label=_("Do not give the reasons in the letter"),
        required=False,
        help_text=_(
            "Only insofar as giving them would defeat the purpose of the refusal (§ 15(4) "
            "BVerfSchG). The letter then names the legal basis for the missing reasons and the "
            "data protection supervisor."
        ),
    )

    def __init__(self, *args: Any, asks: list[str], grounds: list[Any], s15: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["ask"].choices = [(a, ASK_LABELS[a]) for a in asks]  # type: ignore[attr-defined]
        self.fields["ground"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (g.code, f"{g.label} ({g.citation})") for g in grounds
        ]
        if not s15:
            del self.fields["withhold_reasons"]

    def as_body(self) -> dict[str, Any]:
        """Return the API body of the cleaned form."""
        data = self.cleaned_data
        body: dict[str, Any] = {"ask": data["ask"], "outcome": data["outcome"]}
        if data.get("ground"):
            body["ground"] = data["ground"]
        if data.get("reasons"):
            body["reasons"] = data["reasons"]
        if data.get("withhold_reasons"):
            body["withhold_reasons"] = True
        return body


class ChallengeForm(forms.Form):
    """A challenge of a decision, as received."""

    text = TextField(
        label=_("Challenge"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
