"""API permission classes: who may use the officers' paths."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsOfficer(BasePermission):
    """Allow authenticated officers of an agency; supervisors use their own paths (R-J6)."""

    message = "Nur für Bedienstete teilnehmender Behörden."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(user, "agency_id", None)
            and getattr(user, "role", "") != "supervisor"
        )


class IsSupervisor(BasePermission):
    """Allow data-protection supervisors only."""

    message = "Nur für die Datenschutzaufsicht."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", "") == "supervisor")
