"""App configuration of international exchange (R-N1-N3)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InternationalConfig(AppConfig):
    """Foreign partners, foreign requests, Red Notices, the third-party rule (R-N1-N3)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "international"
    verbose_name = _("Internationaler Austausch")
