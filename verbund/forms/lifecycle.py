"""Browser forms of the record lifecycle: the review decision and the use of blocked data.

They hold no rules: the services (``verbund.services.reviews``) check every value and their
refusals come back to the inputs by field name (``apply_simple_error``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.forms.records import TextField, VersionedForm

OUTCOME_LABELS = {
    "keep": _("Keep (the data are still needed)"),
    "corrected": _("Corrected (I corrected the record)"),
    "blocked": _("Block instead of deleting"),
    "deleted": _("Delete"),
}
DELETION_GROUND_LABELS = {
    "unlawful": _("Storage is unlawful"),
    "not_necessary": _("No longer necessary"),
    "deletion_date": _("Deletion date of the source data reached"),
    "no_legal_basis": _("No legal basis"),
}
BLOCKED_USE_LABELS = {
    "withheld_reason": _("For the purpose for which deletion was withheld"),
    "high_ranking_interest": _(
        "Indispensable to protect especially high-ranking legal interests; the facts could "
        "otherwise not be established, or only with substantially greater difficulty"
    ),
    "consent": _("The data subject has consented"),
}


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReviewForm(VersionedForm):
    """The owner's review decision: keep, corrected, block or delete."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=list(OUTCOME_LABELS.items()),
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=_("Reasons"),
        widget=_textarea(3),
        max_length=4000,
        help_text=_(
            "If corrected: what was corrected. If deleting a blocked record: why the "
            "interest that withheld deletion has lapsed."
        ),
    )
    review_date = forms.DateField(
        label=_("Next review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When keeping or correcting: not in the past, not after the deletion date."),
    )
    block_reason = TextField(
        label=_("Reason for blocking"),
        required=False,
        widget=_textarea(2),
        max_length=4000,
        help_text=_("When blocking: why deletion would harm worthy interests of the data subject."),
    )
    ground = forms.ChoiceField(
        label=_("Ground for deletion"),
        required=False,
        choices=[("", "—"), *DELETION_GROUND_LABELS.items()],
    )

    def values(self) -> dict[str, Any]:
        """Return the decision as the service takes it (empty inputs left out).

        The page shows every outcome's fields at once: only those of the chosen outcome
        are sent (``OUTCOME_FIELDS``), so a date typed before switching to "block" is not
        an error here, while the API refuses it.
        """
        from verbund.services.reviews import OUTCOME_FIELDS

        data = self.cleaned_data
        day = data.get("review_date")
        wanted = OUTCOME_FIELDS.get(data["outcome"], set())
        values = {
            "review_date": day.isoformat() if day else None,
            "block_reason": data.get("block_reason") or None,
            "ground": data.get("ground") or None,
        }
        return {
            "outcome": data["outcome"],
            "reasons": data["reasons"],
            **{name: (value if name in wanted else None) for name, value in values.items()},
        }


class BlockedUseForm(forms.Form):
    """Use a blocked record's data on one of the three grounds of the law."""

    ground = forms.ChoiceField(
        label=_("Ground for using blocked data"),
        choices=list(BLOCKED_USE_LABELS.items()),
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=_("What are the data used for?"),
        widget=_textarea(3),
        max_length=4000,
    )
