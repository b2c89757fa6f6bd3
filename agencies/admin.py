"""Admin for agencies and officers; every change is logged."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from knox.models import AuthToken

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
        # R-N1 (issue 20): an account flagged foreign is refused at every door.
        ("International", {"fields": ("foreign",)}),
    )
    inlines = [AuthorisationInline]


@admin.register(Delegation)
class DelegationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Delegations between supervisors (R-J2)."""

    list_display = ("from_jurisdiction", "to_jurisdiction", "agency", "valid_from", "valid_until")


# API tokens (django-rest-knox). knox's own admin lets an administrator create a token for any
# officer and shows it once — a way into police data for whoever runs the platform
# (architecture rule 3). Here tokens can only be listed and revoked (deleted), and each
# revocation is logged.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """API tokens: list and revoke only."""

    list_display = ("user", "created", "expiry")
    fields = ("user", "created", "expiry")
    readonly_fields = ("user", "created", "expiry")
    search_fields = ("user__username",)
    actions = None  # no bulk delete: it would bypass the logged delete_model

    def has_add_permission(self, request: Any) -> bool:
        """Tokens come only from a login of their officer."""
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        """A token's officer and lifetime are fixed."""
        return False
