"""Admin for agencies and officers; every change is logged."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agencies.models import Agency, Delegation, FileAuthorisation, Officer
from audit.admin_mixins import AuditedAdminMixin


@admin.register(Agency)
class AgencyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Agencies (R-A2, R-A5)."""

    list_display = ("code", "name", "kind", "level", "state")
    list_filter = ("kind", "level")
    search_fields = ("code", "name")


class AuthorisationInline(admin.TabularInline):
    """File authorisations of an officer (R-A4)."""

    model = FileAuthorisation
    extra = 0


@admin.register(Officer)
class OfficerAdmin(AuditedAdminMixin, UserAdmin):
    """Officers with agency, role and file authorisations."""

    list_display = ("username", "agency", "role", "jurisdiction", "is_active")
    list_filter = ("role", "agency__kind")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("Verbund", {"fields": ("agency", "role", "jurisdiction")}),
    )
    inlines = [AuthorisationInline]


@admin.register(Delegation)
class DelegationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Delegations between supervisors (R-J2)."""

    list_display = ("from_jurisdiction", "to_jurisdiction", "agency", "valid_from", "valid_until")
