"""Browser form of a foreign request (R-N1, R-E5); the service checks every rule."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from international.services.registry import partners


class PartnerRequestForm(forms.Form):
    """Record a request a foreign partner made."""

    partner = forms.ChoiceField(label=_("Partner"))
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=40,
        help_text=_("A short tag of lower-case letters, digits and hyphens, e.g. antifa-ost."),
    )
    reference = forms.CharField(label=_("Partner's reference"), max_length=80, required=False)
    subject = forms.CharField(
        label=_("What the partner asks"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["partner"]).choices = [("", "—")] + [
            (p.code, p.name) for p in partners().order_by("kind", "name")
        ]

    def to_service(self) -> dict[str, Any]:
        """Return the body the service takes."""
        data = self.cleaned_data
        return {
            "partner": data["partner"],
            "received_on": data["received_on"].isoformat(),
            "topic": data["topic"],
            "reference": data.get("reference") or "",
            "subject": data["subject"],
        }
