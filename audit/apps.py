"""Audit app configuration."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Append-only, hash-chained access and change log."""

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Protokoll"
