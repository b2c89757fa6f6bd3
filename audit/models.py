"""Append-only, hash-chained log of every access and every change (R-I1-I5)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a log row."""


class AuditEvent(models.Model):
    """One log entry. Rows are never updated or deleted (database triggers enforce it).

    ``references`` lists what the actor was shown (record ids, agencies, file numbers);
    ``covert`` lists covert records a query touched: readable only by their owners and the
    competent supervisors, never by BKA operators (R-I5).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seq = models.BigIntegerField(unique=True)
    time = models.DateTimeField(db_index=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer_username = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    file = models.CharField(max_length=8, blank=True, default="")
    purpose = models.CharField(max_length=40, blank=True, default="")
    urgency = models.CharField(max_length=40, blank=True, default="")
    references = models.JSONField(default=list, blank=True)
    covert = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=40, default="ok")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        indexes = [
            models.Index(fields=["agency", "time"], name="audit_agency_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert only; an existing row is never written again."""
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse deletion; only the retention purge removes rows (R-I3)."""
        raise AppendOnlyError("audit events are append-only")


class Checkpoint(models.Model):
    """An anchor of the chain (head hash, count, time) so a cut tail is detectable."""

    time = models.DateTimeField(auto_now_add=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    count = models.BigIntegerField()

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"


class PurgeFlag(models.Model):
    """Marks a running retention purge on SQLite, where triggers cannot read settings."""

    id = models.IntegerField(primary_key=True)

    def __str__(self) -> str:
        return "purge flag"
