"""Agencies, officers and their roles, file authorisations and supervisory jurisdiction."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STATES = [
    ("BW", "Baden-Württemberg"),
    ("BY", "Bayern"),
    ("BE", "Berlin"),
    ("BB", "Brandenburg"),
    ("HB", "Bremen"),
    ("HH", "Hamburg"),
    ("HE", "Hessen"),
    ("MV", "Mecklenburg-Vorpommern"),
    ("NI", "Niedersachsen"),
    ("NW", "Nordrhein-Westfalen"),
    ("RP", "Rheinland-Pfalz"),
    ("SL", "Saarland"),
    ("SN", "Sachsen"),
    ("ST", "Sachsen-Anhalt"),
    ("SH", "Schleswig-Holstein"),
    ("TH", "Thüringen"),
]
STATE_CODES = [code for code, _name in STATES]


class AgencyKind(models.TextChoices):
    """Kind of agency; MAD counts as intelligence for every kind-dependent rule (R-A5)."""

    POLICE = "police", _("Polizei")
    INTELLIGENCE = "intelligence", _("Nachrichtendienst")
    CUSTOMS = "customs", _("Zoll")


class AgencyLevel(models.TextChoices):
    """Federal or state agency (decides the competent supervisor, R-J1)."""

    FEDERAL = "federal", _("Bund")
    STATE = "state", _("Land")


class Agency(models.Model):
    """A participating or potential participating agency (R-A2, R-A5)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AgencyKind.choices)
    level = models.CharField(max_length=8, choices=AgencyLevel.choices)
    state = models.CharField(max_length=2, choices=STATES, blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("Behörde")
        verbose_name_plural = _("Behörden")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level="federal", state="") | ~models.Q(level="federal"))
                & (~models.Q(level="state") | ~models.Q(state="")),
                name="agency_state_matches_level",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_intelligence(self) -> bool:
        """Return whether the agency is an intelligence service (MAD included, R-A5)."""
        return self.kind == AgencyKind.INTELLIGENCE

    @property
    def group_name(self) -> str:
        """Return the name of the permission group that stands for the agency."""
        return f"agency:{self.code}"


class Role(models.TextChoices):
    """Roles of an officer."""

    ANALYST = "analyst", _("Sachbearbeitung")
    HEAD = "head", _("Behördenleitung / besonders beauftragter Beamter des höheren Dienstes")
    SUPERVISOR = "supervisor", _("Datenschutzaufsicht")
    SUBJECT_DESK = "subject_desk", _("Auskunftsstelle")
    # BKA IT operations: reads the log for operation and security only, never an entry about a
    # covert record (R-I2, R-I5).
    OPERATOR = "operator", _("IT-Betrieb")


class Officer(AbstractUser):
    """A user: an officer of one agency, or a data-protection supervisor (no agency)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    # Supervisors: "federal" (BfDI) or a state code (LfD), R-J1.
    jurisdiction = models.CharField(max_length=8, blank=True, default="")
    # R-N1: an account of a foreign body is refused at every door (403
    # ``foreign_access_refused``) and the attempt logged. Partners are registry rows.
    foreign = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("Bedienstete/r")
        verbose_name_plural = _("Bedienstete")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="supervisor", agency__isnull=True)
                | (~models.Q(role="supervisor") & models.Q(agency__isnull=False))
                | models.Q(is_superuser=True),
                name="officer_agency_matches_role",
            )
        ]

    @property
    def is_head(self) -> bool:
        """Return whether the officer may take head-of-agency decisions (R-D4, R-G2)."""
        return self.role == Role.HEAD

    @property
    def is_supervisor(self) -> bool:
        """Return whether the officer is a data-protection supervisor."""
        return self.role == Role.SUPERVISOR


class FileAuthorisation(models.Model):
    """Explicit authorisation of an officer for one file (R-A4)."""

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="authorisations")
    file = models.ForeignKey(
        "verbund.File", on_delete=models.CASCADE, related_name="authorisations"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["officer", "file"], name="one_authorisation_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.officer} → {self.file}"


class DelegationScope(models.TextChoices):
    """Which control powers a delegation passes on (R-J2)."""

    LOG = "log", _("Protokolle")
    RECORDS = "records", _("Datensätze und Beanstandungen")
    CONTROLS = "controls", _("Pflichtkontrollen")


class Delegation(models.Model):
    """A supervisor's delegation of control powers over one agency to another (R-J2).

    ``from_jurisdiction`` must be competent for ``agency`` (R-J1); ``to_jurisdiction`` gains
    the powers named by the ``scope_*`` flags (at least one) from ``valid_from`` to
    ``valid_until`` inclusive (always set: a delegation expires). ``revoked_at`` ends it early.
    Creation and revocation are logged (``supervision.delegation.*``).
    """

    from_jurisdiction = models.CharField(max_length=8)
    to_jurisdiction = models.CharField(max_length=8)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="delegations")
    scope_log = models.BooleanField(default=True)
    scope_records = models.BooleanField(default=True)
    scope_controls = models.BooleanField(default=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    reasons = models.TextField()
    created_by = models.ForeignKey(
        "Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_until"]
        verbose_name = _("Delegation")
        verbose_name_plural = _("Delegationen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope_log=True)
                | models.Q(scope_records=True)
                | models.Q(scope_controls=True),
                name="delegation_has_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__lte=models.F("valid_until")),
                name="delegation_period_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_jurisdiction=models.F("to_jurisdiction")),
                name="delegation_to_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_jurisdiction} → {self.to_jurisdiction}: {self.agency}"

    @property
    def scope(self) -> list[str]:
        """Return the delegated powers as codes of ``DelegationScope``."""
        return [
            code
            for code, flag in (
                (DelegationScope.LOG, self.scope_log),
                (DelegationScope.RECORDS, self.scope_records),
                (DelegationScope.CONTROLS, self.scope_controls),
            )
            if flag
        ]


def as_officer(user: object) -> Officer:
    """Return the request user as an officer; interfaces call it after their permission check."""
    if not isinstance(user, Officer):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("officer login required")
    return user
