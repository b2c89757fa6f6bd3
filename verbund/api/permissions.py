"""API permission classes: who may use the officers' paths."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

# Roles that never use the officers' paths (records, searches, inbox ...).
NOT_OFFICERS = frozenset({"supervisor", "operator"})


class IsOfficer(BasePermission):
    """Allow authenticated officers of an agency; supervisors use their own paths (R-J6),
    and the BKA's IT operators read only the operations log (R-I2, R-I5)."""

    message = "Nur für Bedienstete teilnehmender Behörden."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(user, "agency_id", None)
            and getattr(user, "role", "") not in NOT_OFFICERS
        )


class IsSupervisor(BasePermission):
    """Allow data-protection supervisors only."""

    message = "Nur für die Datenschutzaufsicht."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", "") == "supervisor")


class IsOperator(BasePermission):
    """Allow the BKA's IT operators only (the operations log, R-I2, R-I5)."""

    message = "Nur für den IT-Betrieb des BKA."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", "") == "operator")
