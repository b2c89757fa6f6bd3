"""Records of persons and objects, their search keys and object permissions (R-B, R-C, R-D)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from verbund.models.lifecycle import DatesSource
from verbund.search.normalise import FOLDING_VERSION


class RecordKind(models.TextChoices):
    """A person, or one of the object kinds of R-B4."""

    PERSON = "person", _("Person")
    ASSOCIATION = "association", _("Vereinigung")
    GROUP = "group", _("Gruppierung")
    FOUNDATION = "foundation", _("Stiftung")
    COMPANY = "company", _("Unternehmen")
    THING = "thing", _("Sache")
    BANK_ACCOUNT = "bank_account", _("Bankverbindung")
    ADDRESS = "address", _("Anschrift")
    PHONE = "phone", _("Telekommunikationsanschluss")
    DEVICE = "device", _("Telekommunikationsendgerät")
    WEBSITE = "website", _("Internetseite")
    EMAIL = "email", _("E-Mail-Adresse")


OBJECT_KINDS = tuple(k.value for k in RecordKind if k != RecordKind.PERSON)


class CaseGroup(models.TextChoices):
    """Case groups of ATDG-new §2 S. 1 (R-B1)."""

    G1A = "1a", _("1a: Mitglied/Unterstützer einer terroristischen Vereinigung")
    G1B = "1b", _("1b: Mitglied einer unterstützenden Gruppierung")
    G1C = "1c", _("1c: willentlicher, wissentlicher Unterstützer einer 1b-Gruppierung")
    G2 = "2", _("2: rechtswidrige Gewalt / vorsätzliches Hervorrufen")


class Storage(models.TextChoices):
    """Storage mode (R-D1-D3)."""

    OPEN = "open", _("offen")
    RESTRICTED = "restricted", _("beschränkt")
    COVERT = "covert", _("verdeckt")


class Classification(models.TextChoices):
    """Classification of the file reference (R-C3)."""

    NONE = "none", _("keine")
    VS_NFD = "VS-NfD", "VS-NfD"
    VS_V = "VS-V", "VS-Vertraulich"
    GEHEIM = "GEHEIM", "Geheim"
    STRENG_GEHEIM = "STRENG-GEHEIM", "Streng geheim"


class RecordStatus(models.TextChoices):
    """Whether the record is in use or blocked instead of deleted (R-L3)."""

    ACTIVE = "active", _("aktiv")
    BLOCKED = "blocked", _("gesperrt")


# Markings from measures under Art. 10 GG, Art. 13 GG or IT-system intrusion (R-C8).
COVERT_ONLY_MARKINGS = frozenset({"art10", "art13", "it_system"})
MARKINGS = COVERT_ONLY_MARKINGS | frozenset({"other_law"})


class Record(models.Model):
    """A person or object record in one file, owned by the entering agency (R-H1).

    Basic and extended data are kept as JSON for display; every searchable value is also
    written to ``NameKey`` / ``FeatureValue`` rows by the record services, so searches go
    through btree indexes and never scan JSON.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="records")
    owner = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="records")
    created_by = models.ForeignKey(
        "agencies.Officer", on_delete=models.PROTECT, related_name="records_created"
    )
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    case_group = models.CharField(max_length=2, choices=CaseGroup.choices, blank=True, default="")
    storage = models.CharField(max_length=10, choices=Storage.choices, default=Storage.OPEN)
    storage_decided_by = models.ForeignKey(
        "agencies.Officer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="storage_decisions",
    )
    storage_reasons = models.TextField(blank=True, default="")
    markings = models.JSONField(default=list, blank=True)
    findings_basis = models.TextField(blank=True, default="")
    basic = models.JSONField(default=dict, blank=True)
    extended = models.JSONField(default=dict, blank=True)
    withheld = models.JSONField(default=list, blank=True)
    object_data = models.JSONField(default=dict, blank=True)
    # GWS (R-M2, R-M3): the incident report (Vorkommnisbericht) the entry rests on, with the
    # proceedings and the measures (stadium ban, exit ban, entry refused) noted against it.
    # Shape: ``verbund.services.record_rules.INCIDENT_SHAPE``; empty in the ATD.
    incident = models.JSONField(default=dict, blank=True, db_default={})
    # GWS (R-M1): the state system that released the record ("Freigabe") and its id there;
    # blank for a record entered directly. ``legacy``: released as stock stored before the
    # file had a legal basis (R-M5), so flagged while the gate is closed.
    source_system = models.CharField(max_length=20, blank=True, default="", db_default="")
    source_reference = models.CharField(max_length=80, blank=True, default="", db_default="")
    legacy = models.BooleanField(default=False, db_default=False)
    linked_person = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="objects_linked"
    )
    file_number = models.CharField(max_length=80)
    classification = models.CharField(
        max_length=16, choices=Classification.choices, default=Classification.NONE
    )
    review_date = models.DateField()
    deletion_date = models.DateField()
    # R-L4a: where the dates come from — the owner, its configured rule (cited), the GWS
    # order version in force when they were computed, or none (listed for review at once).
    dates_source = models.CharField(
        max_length=8, choices=DatesSource.choices, default="owner", db_default="owner"
    )
    dates_rule = models.ForeignKey(
        "verbund.DateRule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dates_order = models.ForeignKey(
        "verbund.EstablishmentOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(max_length=8, choices=RecordStatus.choices, default="active")
    blocked_reason = models.TextField(blank=True, default="")
    blocked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The folding version its search keys were written with (R-E5); older ones are
    # rewritten by ``manage.py rebuild_search_keys``.
    keys_version = models.PositiveSmallIntegerField(
        default=FOLDING_VERSION, db_default=FOLDING_VERSION
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Datensatz")
        verbose_name_plural = _("Datensätze")
        permissions = [("block_record", "Can block record")]
        indexes = [
            models.Index(fields=["owner", "file", "-created_at"], name="record_owner_file"),
            models.Index(fields=["review_date"], name="record_review_date"),
            models.Index(fields=["deletion_date"], name="record_deletion_date"),
            # The GWS dates recomputed when a new order version comes into force (R-L4a).
            models.Index(fields=["file", "dates_order"], name="record_dates_order"),
            # The published stock per file (R-J5, verbund.selectors.statistics): an
            # index-only count by storage mode and kind of the records entered by a day.
            models.Index(
                fields=["file", "created_at"],
                include=["storage", "kind"],
                name="record_file_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(storage="open") | models.Q(storage_decided_by__isnull=False),
                name="record_storage_decision_required",
            ),
            # A state system releases one of its records once (R-M1): a concurrent or
            # repeated release of the same id finds the stored record.
            models.UniqueConstraint(
                fields=["file", "source_system", "source_reference"],
                condition=~models.Q(source_reference=""),
                name="record_one_release_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.file_number}"

    def clean(self) -> None:
        """R-C8: Art. 10/13/IT-system data are always stored covert."""
        from django.core.exceptions import ValidationError

        if COVERT_ONLY_MARKINGS & set(self.markings or []) and self.storage != Storage.COVERT:
            raise ValidationError({"storage": "covert_required"})

    @property
    def is_person(self) -> bool:
        """Return whether the record is about a person."""
        return self.kind == RecordKind.PERSON


class RecordUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table for per-user record permissions."""

    content_object = models.ForeignKey(Record, on_delete=models.CASCADE)


class RecordGroupObjectPermission(GroupObjectPermissionBase):
    """Direct-FK guardian table for per-agency-group record permissions."""

    content_object = models.ForeignKey(Record, on_delete=models.CASCADE)


class NameSource(models.TextChoices):
    """Where a name key comes from: basic data (R-E2) or extended data (R-E3)."""

    BASIC = "basic", _("Grunddaten")
    EXTENDED = "extended", _("erweiterte Grunddaten")


class NameKey(models.Model):
    """A normalised name of a record: surname, alias, variant spelling, or contact person.

    ``surname_key`` and ``given_key`` are folded with ``verbund.search.normalise.fold``.
    """

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="name_keys")
    file = models.ForeignKey("verbund.File", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=8, choices=NameSource.choices)
    surname_key = models.CharField(max_length=200)
    given_key = models.CharField(max_length=200, blank=True, default="")
    # The first day of the stored birth date and its precision: ``d`` a full date, ``m``
    # year and month (``1962-05``), ``y`` the year only; a query date matches within it.
    date_of_birth = models.DateField(null=True, blank=True)
    born_precision = models.CharField(max_length=1, default="d", db_default="d")
    # "|DE|TR|": the record's nationalities, filtered only inside the indexed name match.
    nationalities = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["file", "surname_key"], name="namekey_lookup")]

    def __str__(self) -> str:
        return f"{self.source}:{self.surname_key}"


class FeatureValue(models.Model):
    """A normalised extended-data or object identification value (R-E4, R-E7)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="feature_values")
    file = models.ForeignKey("verbund.File", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=40)
    value_key = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["file", "field", "value_key"], name="feature_lookup")]

    def __str__(self) -> str:
        return f"{self.field}={self.value_key}"
