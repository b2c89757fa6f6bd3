"""App configuration of subject access."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectsConfig(AppConfig):
    """Subject access requests (R-K1-K5, R-K3a)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "subjects"
    verbose_name = _("Auskunft an Betroffene")
