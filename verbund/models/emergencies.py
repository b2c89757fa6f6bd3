"""Emergency access (Eilfall) to a hit's extended data (R-G1-G4).

The decision and its reasons are stored and kept after the record's deletion (R-L5);
consent is asked of the owner in the same transaction (R-G3).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Danger(models.TextChoices):
    """The legal interests an Eilfall may protect (ATDG § 5(2), R-G1)."""

    LIFE = "life", _("Leben")
    LIMB = "limb", _("Leib")
    HEALTH = "health", _("Gesundheit (schwere Verletzung mit bleibenden Folgen)")
    FREEDOM = "freedom", _("Freiheit einer Person")
    CRITICAL_INFRASTRUCTURE = (
        "critical_infrastructure",
        _("Sachen von erheblichem Wert, deren Erhalt im öffentlichen Interesse geboten ist"),
    )


class Consent(models.TextChoices):
    """The owner's subsequent consent (R-G3)."""

    PENDING = "pending", _("offen")
    GRANTED = "granted", _("erteilt")
    REFUSED = "refused", _("verweigert")


class EmergencyAccess(models.Model):
    """Direct access to a hit's extended data in an Eilfall (R-G1-G4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hit = models.ForeignKey(
        "verbund.Hit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.ForeignKey(
        "verbund.Record",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emergency_accesses",
    )
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="+")
    file_number = models.CharField(max_length=80)
    requester = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    danger = models.CharField(max_length=24, choices=Danger.choices)
    facts = models.TextField()
    why_no_request = models.TextField()
    # R-G2: the head or a specially authorised senior officer of the requesting agency.
    decided_by = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    consent = models.CharField(max_length=8, choices=Consent.choices, default=Consent.PENDING)
    consent_reasons = models.TextField(blank=True, default="")
    consent_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    # R-L6: the owner decides on consent "without delay".
    consent_due_at = models.DateTimeField(null=True, blank=True)
    consent_reminded_at = models.DateTimeField(null=True, blank=True)
    # R-G3: after a refusal the requester deletes or blocks and informs third parties.
    duty_due_at = models.DateTimeField(null=True, blank=True)
    duty_reminded_at = models.DateTimeField(null=True, blank=True)
    duty_done_at = models.DateTimeField(null=True, blank=True)
    duty_steps = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="eilfall_requester"),
            models.Index(fields=["owner", "-created_at"], name="eilfall_owner"),
            models.Index(fields=["record", "requester", "consent"], name="eilfall_record"),
            models.Index(fields=["consent", "consent_due_at"], name="eilfall_consent_due"),
            # The published Eilfälle and refused consents of a period per file (R-J5).
            models.Index(fields=["file", "created_at"], name="eilfall_file_time"),
            models.Index(fields=["file", "consent_at"], name="eilfall_file_consent"),
        ]
        constraints = [
            # R-G3: one Eilfall per record and requesting agency while consent is pending or
            # granted, also against concurrent posts (the service answers 409).
            models.UniqueConstraint(
                fields=["record", "requester"],
                condition=models.Q(consent__in=["pending", "granted"]),
                name="one_open_eilfall_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"eilfall {self.pk}"
