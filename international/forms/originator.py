"""Forms of the originator markings on the record page (R-N3): no rules here — the service
(``international.services.originator``) checks, and its refusals come back by field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from international.models import OriginatorKind, Partner
from verbund.errors import DomainError
from verbund.forms import labels

ITEM_LABELS: dict[str, Any] = {"basic": _("Basic data"), "object": _("Object data")}


def item_label(item: str) -> str:
    """The German label of an item name (``basic``, ``object``, an extended field)."""
    if item in ITEM_LABELS:
        return str(ITEM_LABELS[item])
    return str(labels.label(labels.EXTENDED_LABELS, item))


def _partners() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (p.code, p.name) for p in Partner.objects.filter(active=True).order_by("name")
    ]


class _ServiceErrors:
    """Put a service refusal next to its inputs (paths as the service names them)."""

    PATHS: dict[str, str] = {}

    def apply_domain_error(self, exc: DomainError) -> None:
        form: Any = self
        placed = False
        for path, messages in (exc.fields or {}).items():
            target = self.PATHS.get(str(path), str(path))
            for message in messages if isinstance(messages, list) else [messages]:
                form.add_error(target if target in form.fields else None, str(message))
                placed = True
        if not placed:
            form.add_error(None, exc.detail)


class MarkingForm(_ServiceErrors, forms.Form):
    """Partner, kind and the items a foreign body passed on in confidence."""

    partner = forms.ChoiceField(label=_("Originator (foreign partner)"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of restriction"),
        choices=[("", "—"), *OriginatorKind.choices],
        required=False,
    )
    items = forms.MultipleChoiceField(
        label=_("Items from the originator"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, items: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = _partners()  # type: ignore[attr-defined]
        self.fields["items"].choices = [  # type: ignore[attr-defined]
            (item, item_label(item)) for item in items
        ]

    def to_payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"partner": data.get("partner"), "kind": data.get("kind"), "items": data["items"]}


class ReleaseForm(_ServiceErrors, forms.Form):
    """The originator's release: one recipient, the purpose and the last day it holds."""

    PATHS = {
        "recipient": "recipient_agency",
        "recipient.agency": "recipient_agency",
        "recipient.partner": "recipient_partner",
    }

    recipient_agency = forms.ChoiceField(label=_("Recipient agency"), required=False)
    recipient_partner = forms.ChoiceField(label=_("or recipient partner"), required=False)
    purpose = forms.CharField(
        label=_("Purpose of the release"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expires_on = forms.CharField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (a.code, a.name) for a in Agency.objects.order_by("name")
        ]
        self.fields["recipient_partner"].choices = _partners()  # type: ignore[attr-defined]

    def to_payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        recipient = {
            k: v
            for k, v in (
                ("agency", data.get("recipient_agency")),
                ("partner", data.get("recipient_partner")),
            )
            if v
        }
        return {
            "recipient": recipient,
            "purpose": data.get("purpose") or "",
            "expires_on": data.get("expires_on") or "",
        }
