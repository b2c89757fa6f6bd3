"""Requests for extended data and further use after a hit (R-F1, R-F2, R-F4).

A request starts from a hit of the requester's own agency and is decided by the owner
under its own transfer law. The record reference is also kept as text so the recorded
decision survives the record's deletion (R-L5); pending requests go with the record.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

# Use markings (§ 6(3) ATDG, R-C7): they travel with every release and transfer.
USE_CHECK_ONLY = "use_check_only"
USE_FURTHER_USE = "use_further_use"
USE_EILFALL = "use_eilfall"
USE_GBA = "use_gba"
USE_MARKINGS = (USE_CHECK_ONLY, USE_FURTHER_USE, USE_EILFALL, USE_GBA)
USE_MARKING_LABELS = {
    USE_CHECK_ONLY: _(
        "Nur zur Prüfung des Treffers und zur Vorbereitung eines Übermittlungsersuchens "
        "für die eigene Aufgabe der Terrorismusbekämpfung"
    ),
    USE_FURTHER_USE: _(
        "Weiterverwendung mit Zustimmung der eingebenden Behörde (§ 6 Abs. 1 S. 2, Abs. 3 ATDG)"
    ),
    USE_EILFALL: _(
        "Nur soweit zur Abwehr dieser Gefahr im Zusammenhang mit der Bekämpfung des "
        "internationalen Terrorismus unerlässlich"
    ),
    USE_GBA: _("Beim Generalbundesanwalt nur für Übermittlungsersuchen"),
}


class RequestKind(models.TextChoices):
    """What is asked: release of the extended data (R-F1) or another use (R-F2)."""

    EXTENDED_DATA = "extended_data", _("Freigabe der erweiterten Grunddaten")
    FURTHER_USE = "further_use", _("Weiterverwendung der Trefferdaten")


class UseGround(models.TextChoices):
    """The only grounds for another use of hit data (§ 6(1) S. 2 ATDG, R-F2)."""

    SERIOUS_CRIME = "serious_crime", _("Verfolgung einer besonders schweren Straftat")
    DANGER_TO_PERSON = (
        "danger_to_person",
        _("Abwehr einer Gefahr für Leib, Leben, Gesundheit oder Freiheit einer Person"),
    )


class RequestStatus(models.TextChoices):
    """Where a request stands."""

    PENDING = "pending", _("offen")
    GRANTED = "granted", _("bewilligt")
    REFUSED = "refused", _("abgelehnt")


class AccessRequest(models.Model):
    """A request of one agency to the owner of a hit's record (R-F1, R-F2, R-H3)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(
        max_length=16, choices=RequestKind.choices, default=RequestKind.EXTENDED_DATA
    )
    hit = models.ForeignKey(
        "verbund.Hit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.ForeignKey(
        "verbund.Record",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests",
    )
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="+")
    # The file reference as shown on the hit, kept after the record's deletion (R-L5).
    file_number = models.CharField(max_length=80)
    requester = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=40, blank=True, default="")
    justification = models.TextField()
    # R-F2: another use needs one of the § 6(1) S. 2 grounds and what it is for.
    use_ground = models.CharField(max_length=20, choices=UseGround.choices, blank=True, default="")
    use_purpose = models.TextField(blank=True, default="")
    # R-A5 / Rn. 126: requests across the line between intelligence services and police.
    crosses_separation = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    provision = models.CharField(max_length=200, blank=True, default="")
    reasons = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Use markings the released data carry (R-C7), set by the decision.
    use_markings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="accessreq_requester"),
            models.Index(fields=["owner", "-created_at"], name="accessreq_owner"),
            models.Index(fields=["record", "requester", "status"], name="accessreq_record"),
            models.Index(fields=["status", "due_at"], name="accessreq_due"),
            # The published decisions of a period per file (R-J5).
            models.Index(fields=["file", "decided_at"], name="accessreq_file_decided"),
        ]
        constraints = [
            # A second pending request of the same agency for the same record is 409.
            models.UniqueConstraint(
                fields=["record", "requester", "kind"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"access request {self.pk}"
