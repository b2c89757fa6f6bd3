"""Admin mixin that writes a change-log row for every admin change (issue 2, item 5)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from audit.services import log_event


def _plain(obj: Any) -> dict[str, Any]:
    data = model_to_dict(obj)
    return {
        k: (v if isinstance(v, str | int | float | bool | type(None) | list | dict) else str(v))
        for k, v in data.items()
    }


class AuditedAdminMixin:
    """Log every save and delete done through the Django admin with before and after."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        """Save and log in one transaction."""
        with transaction.atomic():
            before = _plain(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            log_event(
                actor=request.user,
                action="admin.change" if change else "admin.create",
                object_type=type(obj)._meta.label_lower,
                object_id=str(obj.pk),
                details={"before": before, "after": _plain(obj)},
            )

    def delete_model(self, request: Any, obj: Any) -> None:
        """Delete and log in one transaction."""
        with transaction.atomic():
            before = _plain(obj)
            pk = obj.pk
            super().delete_model(request, obj)  # type: ignore[misc]
            log_event(
                actor=request.user,
                action="admin.delete",
                object_type=type(obj)._meta.label_lower,
                object_id=str(pk),
                details={"before": before},
            )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        """Save inline rows and log each one."""
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                log_event(
                    actor=request.user,
                    action="admin.delete",
                    object_type=type(obj)._meta.label_lower,
                    object_id=str(obj.pk),
                    details={"before": _plain(obj)},
                )
                obj.delete()
            for obj in instances:
                obj.save()
                log_event(
                    actor=request.user,
                    action="admin.save",
                    object_type=type(obj)._meta.label_lower,
                    object_id=str(obj.pk),
                    details={"after": _plain(obj)},
                )
            formset.save_m2m()
