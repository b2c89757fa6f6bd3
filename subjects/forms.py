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
# The ground on which the applicant asks for deletion (R-M5), and the tombstone grounds.
INVOKED_GROUND_LABELS: dict[str, Any] = {
    "no_legal_basis": _("No legal basis for the storage"),
    "unlawful": _("Storage unlawful"),
    "not_necessary": _("Storage no longer necessary"),
}
CHALLENGE_KIND_LABELS: dict[str, Any] = {
    "objection": _("Objection"),
    "court_action": _("Court action"),
}
CHALLENGE_OUTCOME_LABELS: dict[str, Any] = {
    "rejected": _("Objection rejected"),
    "upheld": _("Objection upheld"),
    "deletion_ordered": _("Deletion ordered"),
    "dismissed": _("Action dismissed"),
}


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
    deletion_ground = forms.ChoiceField(
        label=_("Ground on which deletion is asked"),
        choices=[("", "—"), *INVOKED_GROUND_LABELS.items()],
        required=False,
        help_text=_(
            "Only with a request for deletion. While a record is stored without a legal basis, "
            "a deletion asked on that ground is granted."
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
        for key in ("concrete_matter", "special_interest", "deletion_ground"):
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
    deletion_ground = forms.ChoiceField(
        label=_("Ground of the deletion (deletion only)"),
        choices=[("", "—"), *INVOKED_GROUND_LABELS.items()],
        required=False,
        help_text=_("Without a choice: the ground the applicant gave, else no longer necessary."),
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
        if data.get("deletion_ground"):
            body["deletion_ground"] = data["deletion_ground"]
        return body


class ChallengeForm(forms.Form):
    """A challenge of a decision, as received: an objection or a court action."""

    kind = forms.ChoiceField(
        label=_("Kind of challenge"),
        choices=list(CHALLENGE_KIND_LABELS.items()),
        initial="objection",
        widget=forms.RadioSelect,
        help_text=_(
            "The agency decides an objection; for a court action, record the court's ruling "
            "once it is given."
        ),
    )
    consultation = forms.ChoiceField(
        label=_("Decision challenged"),
        required=False,
        help_text=_("Required for a court action."),
    )
    text = TextField(
        label=_("Challenge"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, consultations: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["consultation"].choices = [("", "—"), *consultations]  # type: ignore[attr-defined]

    def as_body(self) -> dict[str, Any]:
        """Return the API body of the cleaned form."""
        data = self.cleaned_data
        body: dict[str, Any] = {"text": data["text"], "kind": data["kind"]}
        if data.get("consultation"):
            body["consultation"] = data["consultation"]
        return body


class ChallengeDecisionForm(forms.Form):
    """The owner's decision on an objection, with reasons (R-K4)."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[(k, CHALLENGE_OUTCOME_LABELS[k]) for k in ("rejected", "upheld")],
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=_("Reasons"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    deletion_ground = forms.ChoiceField(
        label=_("Ground of the deletion (deletion only)"),
        choices=[("", "—"), *INVOKED_GROUND_LABELS.items()],
        required=False,
        help_text=_(
            "Upholding an objection against a refused deletion deletes the record. Without a "
            "choice: the ground the applicant gave, else no longer necessary."
        ),
    )

    def as_body(self) -> dict[str, Any]:
        """Return the API body of the cleaned form."""
        data = self.cleaned_data
        body: dict[str, Any] = {"outcome": data["outcome"], "reasons": data["reasons"]}
        if data.get("deletion_ground"):
            body["deletion_ground"] = data["deletion_ground"]
        return body


class CourtRulingForm(forms.Form):
    """The court's ruling on a court action, as the desk records it (R-K4)."""

    court = TextField(label=_("Court"), max_length=300)
    file_number = TextField(label=_("Court file number"), max_length=80)
    date = forms.DateField(
        label=_("Date of the ruling"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    outcome = forms.ChoiceField(
        label=_("Ruling"),
        choices=[(k, CHALLENGE_OUTCOME_LABELS[k]) for k in ("deletion_ordered", "dismissed")],
        widget=forms.RadioSelect,
        help_text=_("A deletion order deletes the record, whatever the agency decided."),
    )
    deletion_ground = forms.ChoiceField(
        label=_("Ground of the ordered deletion"),
        choices=[
            ("", "—"),
            ("no_legal_basis", INVOKED_GROUND_LABELS["no_legal_basis"]),
            ("unlawful", INVOKED_GROUND_LABELS["unlawful"]),
        ],
        required=False,
    )
    reasons = TextField(
        label=_("Main reasons of the ruling"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def as_body(self) -> dict[str, Any]:
        """Return the API body of the cleaned form."""
        data = self.cleaned_data
        body: dict[str, Any] = {
            "court": data["court"],
            "file_number": data["file_number"],
            "date": data["date"].isoformat(),
            "outcome": data["outcome"],
            "reasons": data["reasons"],
        }
        if data.get("deletion_ground"):
            body["deletion_ground"] = data["deletion_ground"]
        return body
