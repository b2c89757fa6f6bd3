"""State police systems that release records into a federated file (R-M1, "Freigabe").

A state system (first POLAS-BW) is simulated: it is a registry row naming the state, the
state police agency that owns what it releases (R-H1) and the file it feeds. A release is
one delivery of rows (CSV or JSON) through ``manage.py release_from_state`` or the API; each
row is entered all or nothing, and the delivery keeps its per-row report.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class StateSystem(models.Model):
    """A state police information system such as POLAS-BW (R-M1)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=2, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["state"]
        verbose_name = _("Landessystem")
        verbose_name_plural = _("Landessysteme")

    def __str__(self) -> str:
        return self.code


class ReleaseChannel(models.TextChoices):
    """How a release was delivered."""

    COMMAND = "command", _("Kommandozeile")
    API = "api", _("Schnittstelle")
    BROWSER = "browser", _("Browser")


class Release(models.Model):
    """One delivery of records released by a state system, with its per-row report (R-M1).

    ``report`` is ``{"imported": [{"row", "id", "source_reference"}], "rejected": [{"row",
    "source_reference", "code", "fields"}]}``; rows are numbered from 1 in delivery order.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    system = models.ForeignKey(StateSystem, on_delete=models.PROTECT, related_name="releases")
    officer = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=ReleaseChannel.choices)
    format = models.CharField(max_length=4)
    legacy = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when every row was handled. A release is written (and logged) before its first
    # row, so a delivery cut short (the process killed) stays visible: unfinished, with the
    # records it entered found through ``ReleasedSource.release``.
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Freigabe")
        verbose_name_plural = _("Freigaben")
        indexes = [models.Index(fields=["system", "-created_at"], name="release_system")]

    def __str__(self) -> str:
        return f"{self.system_id}:{self.pk}"


class ReleasedSource(models.Model):
    """One source reference a state system has released, kept after the record's deletion.

    A record deleted — by its owner, the sweep or a court's order (R-L2, R-K4) — must not come
    back when the state system releases the same row again: the release refuses such a row
    (``released_and_deleted``). ``record_id`` is the record it became (no foreign key: the
    record may be gone).
    """

    system = models.ForeignKey(StateSystem, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=80)
    record_id = models.UUIDField()
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Freigegebene Kennung")
        verbose_name_plural = _("Freigegebene Kennungen")
        constraints = [
            models.UniqueConstraint(fields=["system", "reference"], name="released_source_once")
        ]

    def __str__(self) -> str:
        return f"{self.system_id}:{self.reference}"
