"""Files, their legal bases, versioned establishment orders and participants (R-A1-A6)."""

from __future__ import annotations

import datetime
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The search modes an order may allow (api.md "Searches").
SEARCH_MODES = ("name", "feature", "object")


class LegalBasisKind(models.TextChoices):
    """Kind of norm; only a statute or a published ordinance carries entries (R-A3)."""

    STATUTE = "statute", _("Gesetz")
    ORDINANCE = "ordinance", _("Rechtsverordnung")
    ESTABLISHMENT_ORDER = "establishment_order", _("Errichtungsanordnung")


class LegalBasis(models.Model):
    """A norm on which a file or a participation rests, with citation and date in force."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=24, choices=LegalBasisKind.choices)
    citation = models.CharField(max_length=300)
    in_force_from = models.DateField()

    class Meta:
        verbose_name = _("Rechtsgrundlage")
        verbose_name_plural = _("Rechtsgrundlagen")

    def __str__(self) -> str:
        return self.citation

    def carries_entries(self, on: datetime.date | None = None) -> bool:
        """Return whether this basis allows entries on the given day (R-A3, R-M5)."""
        day = on or timezone.localdate()
        return self.kind != LegalBasisKind.ESTABLISHMENT_ORDER and self.in_force_from <= day


class File(models.Model):
    """A federated file (Verbunddatei) such as ATD or GWS (R-A1)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="files")
    # Bodies whose consent an establishment order needs before it applies (R-A6).
    required_approvals = models.JSONField(default=list)
    # ATD: the BfDI must have been heard (ATDG §12 S. 3).
    requires_bfdi_hearing = models.BooleanField(default=False)
    # ATD rules (extended data, covert storage, inverse search) apply only where set (R-M7).
    is_atd = models.BooleanField(default=False)
    # Issue 20 (project choice): a transfer abroad needs the head's approval before it is
    # sent. A per-file setting, on by default.
    foreign_transfer_approval = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Datei")
        verbose_name_plural = _("Dateien")

    def __str__(self) -> str:
        return self.code


class EstablishmentOrder(models.Model):
    """One version of a file's establishment order (Errichtungsanordnung, R-A1, R-A6).

    A version applies from ``effective_from`` only when every required approval is recorded
    (and, for the ATD, the BfDI was heard). The ATD order never names participants and sets
    no review periods; the GWS order names who enters and retrieves and sets review periods.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="orders")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    text = models.TextField(blank=True, default="")
    purposes = models.JSONField(default=list)  # [{"code", "label"}]
    urgencies = models.JSONField(default=list)  # [{"code", "label"}]
    hit_limit = models.PositiveIntegerField(default=200)
    searches_per_minute = models.PositiveIntegerField(default=30)
    # GWS only: {"enter": [agency codes], "retrieve": [agency codes]}.
    participants = models.JSONField(default=dict, blank=True)
    # GWS only: review period and maximum storage in months by age group.
    review_months = models.JSONField(default=dict, blank=True)
    storage_months = models.JSONField(default=dict, blank=True)
    # GWS only (R-A1, 004 Rn. 31): how data are searched — the search modes it allows
    # (``name``; feature searches only where listed) — and to whom data may be transferred
    # (agency codes or named bodies). Empty: the file's defaults (ATD: every mode).
    search_modes = models.JSONField(default=list, blank=True, db_default=[])
    transfer_recipients = models.JSONField(default=list, blank=True, db_default=[])
    bfdi_heard_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file", "-version"]
        verbose_name = _("Errichtungsanordnung")
        verbose_name_plural = _("Errichtungsanordnungen")
        constraints = [
            models.UniqueConstraint(fields=["file", "version"], name="one_eo_version_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.file.code} EO v{self.version}"

    def clean(self) -> None:
        """R-A2, R-M6: a GWS order names only INPOL participants, never an intelligence
        service, as entering or retrieving participant."""
        from django.core.exceptions import ValidationError

        from agencies.models import Agency, AgencyKind

        modes = self.search_modes
        if not isinstance(modes, list) or any(m not in SEARCH_MODES for m in modes):
            raise ValidationError(
                {"search_modes": _("Liste der Suchformen erwartet: name, feature, object.")}
            )
        recipients = self.transfer_recipients
        if not isinstance(recipients, list) or not all(
            isinstance(r, str) and 0 < len(r) <= 80 for r in recipients
        ):
            raise ValidationError(
                {"transfer_recipients": _("Liste von Behördenkennungen oder Stellen erwartet.")}
            )
        if self.file_id is None or self.file.is_atd:
            return
        if not isinstance(self.participants, dict):
            raise ValidationError({"participants": _("Objekt mit enter und retrieve erwartet.")})
        named = set(self.participants.get("enter", [])) | set(self.participants.get("retrieve", []))
        if Agency.objects.filter(code__in=named, kind=AgencyKind.INTELLIGENCE).exists():
            raise ValidationError(
                {"participants": _("Nachrichtendienste nehmen an dieser Datei nicht teil.")}
            )
        known = set(
            Participation.objects.filter(file_id=self.file_id).values_list(
                "agency__code", flat=True
            )
        )
        if named - known:
            raise ValidationError(
                {"participants": _("Nur Teilnehmer der Datei können benannt werden.")}
            )


class EstablishmentOrderApproval(models.Model):
    """A recorded consent of one body to an establishment order version (R-A6)."""

    order = models.ForeignKey(
        EstablishmentOrder, on_delete=models.CASCADE, related_name="approvals"
    )
    body = models.CharField(max_length=100)
    approved_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "body"], name="one_approval_per_body")
        ]

    def __str__(self) -> str:
        return f"{self.body} ({self.approved_on})"


class Participation(models.Model):
    """An agency's participation in a file, resting on a statute or ordinance (R-A2, R-A3)."""

    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="participations")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="participations"
    )
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "agency"], name="one_participation_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.agency} @ {self.file}"
