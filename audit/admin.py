"""Admin of the audit app: mandatory controls (R-J7) and, read-only, the purged periods."""

from typing import Any

from django.contrib import admin

from audit.admin_mixins import AuditedAdminMixin
from audit.models import MandatoryControl, PurgedPeriod


@admin.register(MandatoryControl)
class MandatoryControlAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Mandatory controls of supervised agencies' logs; every change is logged (R-J7)."""

    list_display = ("agency", "file", "period_from", "period_to", "done_on", "supervisor_username")
    list_filter = ("agency",)
    search_fields = ("agency__code", "file", "supervisor_username")


@admin.register(PurgedPeriod)
class PurgedPeriodAdmin(admin.ModelAdmin):
    """What the retention purge removed (R-I3); append-only, so read-only here."""

    list_display = ("period_from", "period_to", "first_seq", "last_seq", "count", "partition")
    readonly_fields = (
        "period_from",
        "period_to",
        "first_seq",
        "last_seq",
        "count",
        "head_hash",
        "first_prev_hash",
        "partition",
        "purged_at",
    )

    def has_add_permission(self, request: Any) -> bool:
        """Only the purge writes these."""
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        """Append-only."""
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        """Append-only."""
        return False
