"""Admin for files, legal bases, orders and participations; every change is logged.

Records are deliberately absent: running the platform grants no access to police data.
Catalogues are read-only here: only the BKA publishes them (R-C4, catalogue service).
"""

from typing import Any

from django import forms
from django.contrib import admin

from audit.admin_mixins import AuditedAdminMixin
from verbund.models import (
    CatalogueValue,
    CatalogueVersion,
    DateRule,
    EstablishmentOrder,
    EstablishmentOrderApproval,
    File,
    LegalBasis,
    Participation,
)
from verbund.services.date_rules import check_periods


@admin.register(LegalBasis)
class LegalBasisAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Statutes, ordinances and establishment orders (R-A3)."""

    list_display = ("citation", "kind", "in_force_from")


@admin.register(File)
class FileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Files (R-A1)."""

    list_display = ("code", "name", "legal_basis", "is_atd")


class ApprovalInline(admin.TabularInline):
    """Approvals of an order version (R-A6)."""

    model = EstablishmentOrderApproval
    extra = 0


class EstablishmentOrderForm(forms.ModelForm):
    """An order version; its review and storage periods within the project cap (R-L4a)."""

    class Meta:
        model = EstablishmentOrder
        fields = [
            "file",
            "version",
            "effective_from",
            "text",
            "purposes",
            "urgencies",
            "hit_limit",
            "searches_per_minute",
            "participants",
            "review_months",
            "storage_months",
            "bfdi_heard_on",
        ]

    def clean(self) -> dict[str, Any]:
        """Refuse periods above the cap or reviews longer than storage, naming the field."""
        data = super().clean() or {}
        review, storage = data.get("review_months"), data.get("storage_months")
        if review or storage:
            errors = _PeriodErrors()
            check_periods(review, storage, errors)
            for path, details in errors.fields.items():
                name = path.split(".")[0]
                for detail in details:
                    self.add_error(name if name in self.fields else None, f"{path}: {detail}")
        return data


class _PeriodErrors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, path: str, code: str, detail: str, kind: Any = None) -> None:
        self.fields.setdefault(path, []).append(detail)


@admin.register(EstablishmentOrder)
class EstablishmentOrderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Versioned establishment orders (R-A1, R-A6); GWS periods within the cap (R-L4a)."""

    form = EstablishmentOrderForm
    list_display = ("file", "version", "effective_from", "hit_limit", "searches_per_minute")
    inlines = [ApprovalInline]


@admin.register(Participation)
class ParticipationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Participations with their legal basis (R-A2, R-A3)."""

    list_display = ("file", "agency", "legal_basis")
    list_filter = ("file",)


class ValueInline(admin.TabularInline):
    """Values of a catalogue version (read-only)."""

    model = CatalogueValue
    extra = 0

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    """Published catalogue versions, read-only (the BKA publishes through the service)."""

    list_display = ("field", "number", "valid_from", "published_by")
    inlines = [ValueInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(DateRule)
class DateRuleAdmin(admin.ModelAdmin):
    """Agencies' date rules, read-only: heads configure them (date_rule_create, logged)."""

    list_display = ("agency", "file", "provision", "valid_from", "created_by")
    list_filter = ("file",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
