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

    On PostgreSQL the table is partitioned by month on ``time`` (``audit/partitions.py``):
    the database key is ``(id, time)`` and ``seq`` is unique per ``(seq, time)`` with its own
    index; the chain lock keeps ``seq`` gap-free and unique. Rows leave only through the
    retention purge (R-I3, ``audit.services.purge_expired``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Unique per (seq, time) in the database: a partitioned table's unique keys must include
    # the partition key ``time`` (audit/partitions.py); the chain lock keeps seq unique.
    seq = models.BigIntegerField(db_index=True)
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
        constraints = [models.UniqueConstraint(fields=["seq", "time"], name="audit_seq_time")]

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


class ChainHead(models.Model):
    """The chain's current head (last ``seq`` and ``hash``), one row on PostgreSQL (issue 19).

    ``log_event`` locks this row (``SELECT … FOR UPDATE``) instead of taking an advisory lock
    and reading the newest event of the partitioned log, whose plan over every partition
    cost ~1.5 ms per append; it updates the row in the same statement that inserts the
    event. Not an anchor: it only says where the next event chains on. Whoever rewrites it
    makes the next event's ``prev_hash`` disagree with the row before, which
    ``verify_chain`` reports. Missing (a fresh or flushed database) it is rebuilt from the
    newest event under the advisory lock.
    """

    id = models.SmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="chainhead_single")]

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Checkpoint(models.Model):
    """An anchor of the chain (head hash, count, time) so a cut tail is detectable.

    Append-only since migration 0003: database triggers refuse UPDATE, DELETE and TRUNCATE.
    """

    time = models.DateTimeField(auto_now_add=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    count = models.BigIntegerField()

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert only: an anchor is never rewritten (the database refuses it too)."""
        if not self._state.adding:
            raise AppendOnlyError("checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse deletion."""
        raise AppendOnlyError("checkpoints are append-only")


class PurgeFlag(models.Model):
    """Marks a running retention purge on SQLite, where triggers cannot read settings."""

    id = models.IntegerField(primary_key=True)

    def __str__(self) -> str:
        return "purge flag"


class PurgedPeriod(models.Model):
    """What one retention purge removed from the chain (R-I3, R-J7; ATDG § 9(1)).

    One row per dropped monthly partition (PostgreSQL) or per prefix delete (the part of the
    month that spans the cutoff, and every purge on SQLite). ``period_from``/``period_to`` are
    the removed rows' time range ``[from, to)``: a partition's bounds, or for a prefix delete
    the first removed row's time and the cutoff. ``first_seq``..``last_seq`` are the removed
    chain positions (contiguous, ``count`` of them); ``head_hash`` is the hash of the last
    removed row, which the first remaining row's ``prev_hash`` must equal, and
    ``first_prev_hash`` links it to the period purged before (``verify_chain``).

    Append-only: database triggers refuse UPDATE, DELETE and TRUNCATE (migration 0003); in
    production the application role should also lack those grants on this table.
    """

    period_from = models.DateTimeField()
    period_to = models.DateTimeField()
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField(unique=True)
    count = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    first_prev_hash = models.CharField(max_length=64)
    partition = models.CharField(
        max_length=63, blank=True, default="", help_text="Dropped partition; blank: prefix delete"
    )
    purged_at = models.DateTimeField()

    class Meta:
        ordering = ["first_seq"]
        verbose_name = _("Gelöschter Protokollzeitraum")
        verbose_name_plural = _("Gelöschte Protokollzeiträume")

    def __str__(self) -> str:
        return f"#{self.first_seq}-#{self.last_seq} ({self.period_from:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert only."""
        if not self._state.adding:
            raise AppendOnlyError("purged periods are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse deletion."""
        raise AppendOnlyError("purged periods are append-only")


CONTROL_CYCLE_MAX_MONTHS = 18  # R-J7: every log period is checked before its 18-month purge


class ControlPlan(models.Model):
    """The mandatory-control plan of one agency for one file (R-J4, R-J7).

    A control is due every ``cycle_months`` (1 to 18, R-J7: inside the two-year maximum of
    R-J4 and before the 18-month purge of R-I3), counted from the end of the period the last
    completed control covered, or from ``starts_on`` when none has been completed. The
    supervisor competent for the agency (or holding a ``controls`` delegation) keeps it;
    every change is logged.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="control_plans"
    )
    file = models.CharField(max_length=8)
    cycle_months = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    created_by_username = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "file"]
        verbose_name = _("Kontrollplan")
        verbose_name_plural = _("Kontrollpläne")
        constraints = [
            models.UniqueConstraint(fields=["agency", "file"], name="one_control_plan"),
            models.CheckConstraint(
                condition=models.Q(cycle_months__gte=1)
                & models.Q(cycle_months__lte=CONTROL_CYCLE_MAX_MONTHS),
                name="control_cycle_at_most_18_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.file} / {self.cycle_months}"


class MandatoryControl(models.Model):
    """A mandatory data-protection control of a supervised agency's log (R-J4, R-J7).

    Records which period of an agency's log entries a supervisor controlled: ``period_from``
    and ``period_to`` are the (inclusive) dates the control covered, ``done_on`` the day it
    was completed (empty: planned or running, covers nothing yet), with its ``findings`` and
    the ``measures`` taken. ``file`` is the file code, blank for a control of all files;
    ``plan`` the plan it fulfils. The retention purge names, per agency taking part in a file,
    each purged period no completed control covered (``audit.purge`` details
    ``uncontrolled``).
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="mandatory_controls"
    )
    plan = models.ForeignKey(
        ControlPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="controls"
    )
    file = models.CharField(max_length=8, blank=True, default="")
    period_from = models.DateField()
    period_to = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    supervisor_username = models.CharField(max_length=150, blank=True, default="")
    findings = models.TextField(blank=True, default="")
    measures = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["agency", "period_from"]
        verbose_name = _("Pflichtkontrolle")
        verbose_name_plural = _("Pflichtkontrollen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_from__lte=models.F("period_to")),
                name="control_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period_from}–{self.period_to}"
