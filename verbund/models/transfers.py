"""Transfers of findings, recorded by the sender (R-F3, R-C7, R-C8, R-F4, R-N1).

A transfer is a record of what was sent, to whom, under which provision and with which
markings — not the document itself. It is kept after the record's deletion (R-L5).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferBasis(models.TextChoices):
    """What the transfer follows."""

    GRANT = "grant", _("Bewilligtes Ersuchen")
    EILFALL = "eilfall", _("Eilfall mit Zustimmung")
    OWN_INITIATIVE = "own_initiative", _("Eigeninitiative")
    GBA = "gba", _("Abfrage im Auftrag des Generalbundesanwalts")


class TransferStatus(models.TextChoices):
    """Where a transfer stands. Domestic transfers are recorded as made (``recorded``)."""

    RECORDED = "recorded", _("erfasst")
    CONSENT_PENDING = "consent_pending", _("Zustimmung des Eigentümers ausstehend")
    APPROVAL_PENDING = "approval_pending", _("Genehmigung der Leitung ausstehend")
    APPROVED = "approved", _("genehmigt")
    SENT = "sent", _("übermittelt")
    REFUSED = "refused", _("abgelehnt")


class Transfer(models.Model):
    """One transfer of findings from a sender to a recipient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record = models.ForeignKey(
        "verbund.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="+")
    file_number = models.CharField(max_length=80)
    sender = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    # A domestic agency, or a named body outside the file (the GBA; foreign partners, R-N1).
    recipient_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_body = models.CharField(max_length=80, blank=True, default="")
    basis = models.CharField(max_length=16, choices=TransferBasis.choices)
    access_request = models.ForeignKey(
        "verbund.AccessRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    emergency_access = models.ForeignKey(
        "verbund.EmergencyAccess",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provision = models.CharField(max_length=200)
    purpose = models.TextField(blank=True, default="")
    items = models.JSONField(default=list)
    # R-C7: every marking of the items, legal and use markings, travels with them.
    markings = models.JSONField(default=list, blank=True)
    # R-C8 (Rn. 225): the task for which an Art. 10/13/IT-system collection would be lawful.
    task = models.TextField(blank=True, default="")
    # Foreign transfers (R-N1, issue 20): partner, channel and the international legal basis;
    # they pass owner consent (another agency's record, R-F2) and head approval (per file)
    # before they are recorded as sent. Domestic transfers are ``recorded`` at once.
    partner = models.ForeignKey(
        "international.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    channel = models.CharField(max_length=24, blank=True, default="")
    legal_basis = models.ForeignKey(
        "international.LegalBasis",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    hit = models.ForeignKey(
        "verbund.Hit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.RECORDED
    )
    consent_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_reasons = models.TextField(blank=True, default="")
    approved_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_reasons = models.TextField(blank=True, default="")
    sent_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_channel = models.CharField(max_length=24, blank=True, default="")
    sent_reference = models.CharField(max_length=80, blank=True, default="")
    idempotency_key = models.CharField(max_length=80, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sender", "-created_at"], name="transfer_sender"),
            models.Index(fields=["recipient_agency", "-created_at"], name="transfer_recipient"),
            models.Index(fields=["partner", "created_at"], name="transfer_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_agency__isnull=False)
                | ~models.Q(recipient_body="")
                | models.Q(partner__isnull=False),
                name="transfer_has_recipient",
            ),
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="transfer_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk}"
