"""Searches, their hits and covert-hit notices (R-D3, R-E1-E7)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchMode(models.TextChoices):
    """Search modes (api.md "Searches")."""

    NAME = "name", _("Namenssuche")
    FEATURE = "feature", _("Merkmalsuche (inverse Suche)")
    OBJECT = "object", _("Objektsuche")


class Search(models.Model):
    """One single query with purpose and urgency (R-E1), as answered to the caller."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="searches")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=8, choices=SearchMode.choices)
    purpose = models.CharField(max_length=40)
    urgency = models.CharField(max_length=40)
    criteria = models.JSONField(default=dict)
    hit_count = models.PositiveIntegerField(default=0)
    refused = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the delivery task for every search, covert match or not (R-D3): until then
    # the beat sweeper delivers it, however long the worker was down.
    covert_delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="search_agency"),
            # The published searches of a period per file (R-J5).
            models.Index(fields=["file", "created_at"], name="search_file_time"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(covert_delivered_at__isnull=True),
                name="search_delivery_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"search {self.pk}"


class Hit(models.Model):
    """A hit shown to the searching agency; its id is the opaque token for later steps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    search = models.ForeignKey(Search, on_delete=models.CASCADE, related_name="hits")
    record = models.ForeignKey("verbund.Record", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    matched_in = models.CharField(max_length=8, default="basic")
    kind = models.CharField(max_length=8)  # name | feature | object

    class Meta:
        ordering = ["search", "position"]

    def __str__(self) -> str:
        return f"hit {self.pk}"


class CovertHit(models.Model):
    """A query that would have hit a covert record, sent to its owner (R-D3).

    Deleted with the covert record (ATDG §4(2)).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    search = models.ForeignKey(Search, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey("verbund.Record", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    query = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    contact = models.BooleanField(null=True)
    reasons = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the beat job reminded the owner of an overdue decision (R-D3, R-L6).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["decided_at", "due_at"], name="coverthit_open_due")]
        constraints = [
            models.UniqueConstraint(fields=["search", "record"], name="one_covert_hit_per_search")
        ]

    def __str__(self) -> str:
        return f"covert hit {self.pk}"


class SearchThrottle(models.Model):
    """Per-officer search count in a one-minute window (R-E5 rate limit)."""

    officer = models.ForeignKey("agencies.Officer", on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey("verbund.File", on_delete=models.CASCADE, related_name="+")
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "file", "window"], name="one_throttle_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id}@{self.window}"
