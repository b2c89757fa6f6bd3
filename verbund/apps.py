"""Verbund core app configuration."""

from django.apps import AppConfig


class VerbundConfig(AppConfig):
    """Files, records, searches and their workflows."""

    name = "verbund"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Verbunddateien"
