"""Agencies app configuration."""

from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    """Participating agencies, officers, roles, file authorisations, supervisors."""

    name = "agencies"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Behörden"
