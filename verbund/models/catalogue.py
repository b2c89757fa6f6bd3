"""Versioned catalogues of standardised values (R-C4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Fields whose criteria only the BKA sets, as a published administrative regulation
# (ATDG-new §3(4): gg ethnicity, hh religion, ii skills, kk critical infrastructure,
# nn visited places).
BKA_FIELDS = frozenset(
    {"ethnicity", "religion", "skills", "critical_infrastructure", "visited_places"}
)
# Every catalogue the system publishes.
CATALOGUE_FIELDS = (
    "case_groups",
    "ethnicity",
    "religion",
    "skills",
    "critical_infrastructure",
    "dangerousness",
    "visited_places",
    "marital_status",
    "device_types",
)
# "Learning" catalogues (Rn. 38): officers may propose new values.
LEARNING_FIELDS = frozenset({"device_types"})


class CatalogueVersion(models.Model):
    """One published version of a catalogue field; it applies from ``valid_from``."""

    field = models.CharField(max_length=40)
    number = models.PositiveIntegerField()
    valid_from = models.DateField()
    published_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(blank=True, default="")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["field", "-number"]
        verbose_name = _("Katalogversion")
        constraints = [
            models.UniqueConstraint(fields=["field", "number"], name="one_catalogue_version")
        ]

    def __str__(self) -> str:
        return f"{self.field} v{self.number}"


class CatalogueValue(models.Model):
    """A value of one catalogue version: a code and its labels."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="values")
    code = models.CharField(max_length=60)
    label_de = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)

    class Meta:
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="one_code_per_version")
        ]

    def __str__(self) -> str:
        return self.code
