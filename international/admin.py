"""Admin of the partner registry, the legal bases and the Red Notice checklist (R-N1, R-N2).

Every add, change and delete is logged with before and after (``AuditedAdminMixin``).
``Partner.access_policy`` is never editable: the model keeps it off by a check constraint
(``partner_no_foreign_access``) because no legal basis gives foreign bodies access (R-A3;
000 Q7, Q8); the admin shows it read-only with that explanation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import AuditedAdminMixin
from international.models import LegalBasis, NoticeCriterion, Partner


@admin.register(Partner)
class PartnerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Foreign partners and channels: registry rows, never users (R-N1)."""

    list_display = ("code", "name", "kind", "country", "sender", "host", "case_by_case", "active")
    list_filter = ("kind", "country", "active")
    search_fields = ("code", "name", "host")
    readonly_fields = ("access_policy_note",)
    fields = (
        "code",
        "name",
        "kind",
        "country",
        "sender",
        "host",
        "parent",
        "case_by_case",
        "source",
        "active",
        "access_policy_note",
    )

    @admin.display(description=_("Zugriffsrecht"))
    def access_policy_note(self, obj: Any) -> str:
        """Show the access policy read-only and why it cannot be switched on."""
        return str(
            _(
                "Kein Zugriff. Partner sind Einträge im Register, nie Benutzerkonten; ein "
                "Zugriff ausländischer Stellen bräuchte eine Rechtsgrundlage und ist nicht "
                "einstellbar."
            )
        )


class LegalBasisForm(forms.ModelForm):
    """``agencies`` as a comma-separated list of agency codes."""

    agencies = forms.CharField(
        required=False,
        label=_("Behörden"),
        help_text=_("Kürzel der Behörden, die sie nutzen dürfen, durch Komma getrennt."),
    )

    class Meta:
        model = LegalBasis
        fields = ("code", "citation", "title", "source", "agencies", "covers_art10_art13", "active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and isinstance(self.instance.agencies, list):
            self.initial["agencies"] = ", ".join(self.instance.agencies)

    def clean_agencies(self) -> list[str]:
        """Return the codes; every one must be a known agency."""
        from agencies.models import Agency

        raw = self.cleaned_data.get("agencies") or ""
        codes = sorted({c.strip() for c in raw.split(",") if c.strip()})
        known = set(Agency.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(
                _("Unbekannte Behörde: %(codes)s"), params={"codes": ", ".join(unknown)}
            )
        return codes


@admin.register(LegalBasis)
class LegalBasisAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Legal bases of international exchange, with citation, source and agencies."""

    form = LegalBasisForm
    list_display = ("code", "citation", "source", "covers_art10_art13", "active")
    list_filter = ("covers_art10_art13", "active")
    search_fields = ("code", "citation", "title")


@admin.register(NoticeCriterion)
class NoticeCriterionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The Red Notice checklist: each criterion with its source (R-N2)."""

    list_display = ("code", "text", "source", "active")
    list_filter = ("active",)
    search_fields = ("code", "text", "source")
    fields = ("code", "text", "source", "active")
