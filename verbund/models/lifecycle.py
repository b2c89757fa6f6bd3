"""Review and deletion dates, reviews, blocking and deletion of records (R-L1-L6, R-L4a).

``DateRule`` is the rule an agency configures for a file when its records' review and
deletion dates follow its own law (the ATD order sets no periods, R-A1): it cites the
provision and gives review period and maximum storage in months per age group at the last
event. Reviews are ``review_due`` inbox items (``verbund.models.inbox``), one open per
record; their causes and outcomes are the choices below.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

# Project decision (R-L4a, from outside the seeds — verify before relying on it): no
# configured period exceeds 10 years for adults, 5 for juveniles, 2 for children, counted
# from the last event justifying storage. Months per age group.
MAX_STORAGE_MONTHS = {"adult": 120, "juvenile": 60, "child": 24}
AGE_GROUPS = ("adult", "juvenile", "child")


class DatesSource(models.TextChoices):
    """Where a record's review and deletion dates come from (R-L4a)."""

    OWNER = "owner", _("Angabe der eingebenden Behörde")
    RULE = "rule", _("Fristenregel der Behörde")
    ORDER = "order", _("Errichtungsanordnung")
    NONE = "none", _("keine Regel: sofort zu prüfen")


class ReviewCause(models.TextChoices):
    """Why a review was opened (R-L4, R-H2, R-J6, R-M4, R-M5)."""

    DATE = "date", _("Prüffrist")
    HANDLING = "handling", _("Bearbeitung des Falls")
    JUSTICE_DECISION = "justice_decision", _("Mitteilung der Justiz")
    CORRECTION_NOTICE = "correction_notice", _("Hinweis auf Unrichtigkeit")
    COMPLAINT = "complaint", _("Beanstandung der Datenschutzaufsicht")
    NO_LEGAL_BASIS = "no_legal_basis", _("fehlende Rechtsgrundlage")
    NO_DATES = "no_dates", _("keine Fristenregel")


class ReviewOutcome(models.TextChoices):
    """What the owner decided on a review (R-L1-L4)."""

    KEEP = "keep", _("weiter speichern")
    CORRECTED = "corrected", _("berichtigt")
    BLOCKED = "blocked", _("gesperrt")
    DELETED = "deleted", _("gelöscht")


class DeletionGround(models.TextChoices):
    """The legal reason a record was deleted, kept in its tombstone (R-L2, R-L5)."""

    UNLAWFUL = "unlawful", _("Speicherung unzulässig")
    NOT_NECESSARY = "not_necessary", _("nicht mehr erforderlich")
    DELETION_DATE = "deletion_date", _("Löschfrist der Ausgangsdaten erreicht")
    NO_LEGAL_BASIS = "no_legal_basis", _("fehlende Rechtsgrundlage")


class BlockedUseGround(models.TextChoices):
    """The only grounds on which blocked data may still be used (R-L3, ATDG §11(3))."""

    WITHHELD_REASON = "withheld_reason", _("Zweck, für den die Löschung unterblieb")
    HIGH_RANKING_INTEREST = (
        "high_ranking_interest",
        _("unerlässlich zum Schutz besonders hochrangiger Rechtsgüter"),
    )
    CONSENT = "consent", _("Einwilligung der betroffenen Person")


class DateRule(models.Model):
    """An agency's rule for the review and deletion dates of its records in a file (R-L4a).

    ``review_months`` and ``storage_months`` map each age group at the last event
    (``adult``, ``juvenile``, ``child``) to months counted from the last event justifying
    storage; no storage period exceeds ``MAX_STORAGE_MONTHS`` and no review period its
    storage period. The rule in force is the latest with ``valid_from`` on or before today.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="date_rules"
    )
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="+")
    provision = models.CharField(max_length=300)
    review_months = models.JSONField(default=dict)
    storage_months = models.JSONField(default=dict)
    valid_from = models.DateField()
    created_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "file", "-valid_from"]
        verbose_name = _("Fristenregel")
        verbose_name_plural = _("Fristenregeln")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "file", "valid_from"], name="one_date_rule_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.file_id}: {self.provision}"
