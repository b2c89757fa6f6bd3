"""Inbox items of an agency: covert hits, requests, notices, due reviews."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboxKind(models.TextChoices):
    """Kinds of inbox item (api.md "Inbox")."""

    COVERT_HIT = "covert_hit", _("Verdeckter Treffer")
    ACCESS_REQUEST = "access_request", _("Ersuchen")
    ACCESS_DECISION = "access_decision", _("Entscheidung über Ersuchen")
    EMERGENCY_CONSENT = "emergency_consent", _("Eilfall: Zustimmung")
    EMERGENCY_REFUSED = "emergency_refused", _("Eilfall: Zustimmung verweigert")
    CORRECTION_NOTICE = "correction_notice", _("Hinweis auf Unrichtigkeit")
    CORRECTION_OUTCOME = "correction_outcome", _("Ergebnis eines Hinweises auf Unrichtigkeit")
    TRANSFER_RECEIVED = "transfer_received", _("Übermittlung erhalten")
    REVIEW_DUE = "review_due", _("Prüffrist")
    SUBJECT_REQUEST = "subject_request", _("Auskunftsersuchen")
    # Issue 20 (R-F2): another agency asks the owner to consent to a transfer abroad.
    TRANSFER_CONSENT = "transfer_consent", _("Übermittlung ins Ausland: Zustimmung")


class CorrectionOutcome(models.TextChoices):
    """The owner's answer to a correction notice (R-H2), stored in both items' payload."""

    CORRECTED = "corrected", _("Berichtigt")
    REJECTED = "rejected", _("Zurückgewiesen")


class InboxItem(models.Model):
    """A duty or notice addressed to one agency for one file.

    Items tied to a record are deleted with it (R-L5); ``due_at`` carries the
    configurable "without delay" deadline (R-L6).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="inbox")
    file = models.ForeignKey("verbund.File", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=InboxKind.choices)
    record = models.ForeignKey(
        "verbund.Record", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_id = models.UUIDField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Set once when an open item past its due time was escalated to the agency head and
    # the competent supervisor (R-L4, R-L6).
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "file", "-created_at"], name="inbox_agency"),
            # The deadline sweep reads open items by due time through this index only.
            models.Index(
                fields=["kind", "due_at"],
                condition=models.Q(done_at__isnull=True),
                name="inbox_open_due",
            ),
        ]
        constraints = [
            # R-L4: one open review per record; the sweep and every trigger reuse it.
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(kind="review_due", done_at__isnull=True),
                name="one_open_review_per_record",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=models.Q(subject_id__isnull=False),
                name="one_inbox_item_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.agency_id}"
