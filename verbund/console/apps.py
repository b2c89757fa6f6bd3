"""App config of the supervision console (templates, the beat task that flags due controls)."""

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The supervision console."""

    name = "verbund.console"
    label = "console"
    verbose_name = "Aufsicht"
