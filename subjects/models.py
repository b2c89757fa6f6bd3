"""Subject access: requests, the owners' consultations and decisions, challenges (R-K).

A request is recorded by a subject desk (``Role.SUBJECT_DESK``). The BKA's desk covers only
data not stored covertly, of every agency (ATDG §10(2) S. 1, R-K1); an agency's own desk covers
that agency's records, covert ones included (§10(2) S. 2, R-K2). Each record found is one
``Consultation`` of its owner, who decides each ask with reasons (``Decision``, R-K3, R-K4).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a request covers, by the desk that recorded it."""

    NOT_COVERT = "not_covert", _("Nicht verdeckt gespeicherte Daten aller Behörden (BKA)")
    OWN = "own", _("Alle Daten der eigenen Behörde")


class Ask(models.TextChoices):
    """What the applicant asked for (R-K4)."""

    ACCESS = "access", _("Auskunft")
    CORRECTION = "correction", _("Berichtigung")
    DELETION = "deletion", _("Löschung")


class Outcome(models.TextChoices):
    """The owner's decision on one ask."""

    AGREE = "agree", _("Auskunft erteilt")
    REFUSE = "refuse", _("Abgelehnt")
    CORRECT = "correct", _("Berichtigt")
    DELETE = "delete", _("Gelöscht")


# The outcomes each ask allows (R-K3: access agreed or refused; R-K4: the entering agency
# corrects or deletes, or refuses with reasons).
OUTCOMES_FOR: dict[str, tuple[str, ...]] = {
    Ask.ACCESS: (Outcome.AGREE, Outcome.REFUSE),
    Ask.CORRECTION: (Outcome.CORRECT, Outcome.REFUSE),
    Ask.DELETION: (Outcome.DELETE, Outcome.REFUSE),
}


class InvokedGround(models.TextChoices):
    """The ground on which the applicant asks for deletion (R-K4, R-M5); optional."""

    NO_LEGAL_BASIS = "no_legal_basis", _("Fehlende Rechtsgrundlage der Speicherung")
    UNLAWFUL = "unlawful", _("Speicherung unzulässig")
    NOT_NECESSARY = "not_necessary", _("Speicherung nicht mehr erforderlich")


class ChallengeKind(models.TextChoices):
    """How a decision is challenged (R-K4)."""

    OBJECTION = "objection", _("Widerspruch")
    COURT_ACTION = "court_action", _("Klage")


class ChallengeOutcome(models.TextChoices):
    """How a challenge ended: the owner's decision on an objection, a court's ruling."""

    REJECTED = "rejected", _("Widerspruch zurückgewiesen")
    UPHELD = "upheld", _("Widerspruch stattgegeben")
    DELETION_ORDERED = "deletion_ordered", _("Löschung angeordnet")
    DISMISSED = "dismissed", _("Klage abgewiesen")


# The outcomes each kind of challenge allows.
CHALLENGE_OUTCOMES: dict[str, tuple[str, ...]] = {
    ChallengeKind.OBJECTION: (ChallengeOutcome.REJECTED, ChallengeOutcome.UPHELD),
    ChallengeKind.COURT_ACTION: (ChallengeOutcome.DELETION_ORDERED, ChallengeOutcome.DISMISSED),
}


class RequestStatus(models.TextChoices):
    """Where a request stands."""

    PENDING = "pending", _("In Bearbeitung")
    ANSWERED = "answered", _("Beantwortet")


class RefusalGround(models.Model):
    """One ground on which an agency may refuse access, from its own law (R-K3).

    Project decision: a catalogue per agency; each refusal names one of its grounds.
    ``project_decision`` marks grounds whose application is a project decision (§ 15
    BVerfSchG applied to LfV, BND and MAD; state laws summarised for LKA and LfV).
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="refusal_grounds"
    )
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=300)
    citation = models.CharField(max_length=300)
    project_decision = models.BooleanField(default=False)

    class Meta:
        ordering = ["agency", "code"]
        verbose_name = _("Verweigerungsgrund")
        verbose_name_plural = _("Verweigerungsgründe")
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="one_ground_code_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.code}"


class SubjectRequest(models.Model):
    """A data subject's request as recorded by a desk (R-K1, R-K2, R-K4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="subject_requests"
    )
    scope = models.CharField(max_length=12, choices=Scope.choices)
    surname = models.CharField(max_length=500)
    given_names = models.CharField(max_length=500)
    date_of_birth = models.DateField()
    asks = models.JSONField(default=list)
    concrete_matter = models.TextField(blank=True, default="")
    special_interest = models.TextField(blank=True, default="")
    deletion_ground = models.CharField(
        max_length=20, blank=True, default="", choices=InvokedGround.choices
    )
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_by = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answer_text = models.TextField(blank=True, default="")
    answered_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Auskunftsersuchen")
        verbose_name_plural = _("Auskunftsersuchen")
        indexes = [models.Index(fields=["agency", "-created_at"], name="subjreq_agency")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(asks=[]), name="subject_request_asks_something"
            )
        ]

    def __str__(self) -> str:
        return str(self.pk)


class Consultation(models.Model):
    """One record found for a request, put to its owner (ATDG §10(2): "im Einvernehmen").

    The record reference is set null when the record is deleted; the file number stays as
    the record of the decision. ``storage`` is the record's mode when found: a BKA request
    never has a covert one (R-D5).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        SubjectRequest, on_delete=models.CASCADE, related_name="consultations"
    )
    owner = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey("verbund.File", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        "verbund.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_number = models.CharField(max_length=80)
    storage = models.CharField(max_length=10)
    art10 = models.BooleanField(default=False)
    matched_in = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Beteiligung")
        verbose_name_plural = _("Beteiligungen")
        indexes = [models.Index(fields=["owner", "done_at"], name="subjcons_owner")]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.file_number}"


class Decision(models.Model):
    """The owner's decision on one ask of a consultation, with ground and reasons (R-K3).

    ``reasons`` are always on file; ``reasons_withheld`` means the letter does not give them
    (§ 15(4) BVerfSchG, R-K3a). ``disclosed`` is what the owner releases to the applicant
    when it agrees (the BKA never reads the record itself).
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="decisions"
    )
    ask = models.CharField(max_length=12, choices=Ask.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    ground = models.ForeignKey(
        RefusalGround, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.TextField(blank=True, default="")
    reasons_withheld = models.BooleanField(default=False)
    disclosed = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("Entscheidung")
        verbose_name_plural = _("Entscheidungen")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "ask"], name="one_decision_per_ask"),
            # R-K3: a refusal of access names a ground and gives reasons.
            models.CheckConstraint(
                condition=~models.Q(ask="access", outcome="refuse")
                | (models.Q(ground__isnull=False) & ~models.Q(reasons="")),
                name="access_refusal_has_ground_and_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ask}:{self.outcome}"


class Challenge(models.Model):
    """A challenge of a decision, recorded by the desk, and how it ended (R-K4).

    An objection (``Widerspruch``) is decided by the owner of the challenged consultation,
    ``rejected`` or ``upheld``, with reasons. A court action (``Klage``) ends in the court's
    ruling, recorded by the desk: ``deletion_ordered`` (the record is deleted on the ground the
    ruling states, whatever the owner decided) or ``dismissed``. The outcome stays when the
    record goes (R-L5); the consultation keeps the file number.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="challenges")
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges"
    )
    kind = models.CharField(
        max_length=12, choices=ChallengeKind.choices, default=ChallengeKind.OBJECTION
    )
    text = models.TextField()
    recorded_by = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=20, blank=True, default="", choices=ChallengeOutcome.choices
    )
    reasons = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    court = models.CharField(max_length=300, blank=True, default="")
    court_file_number = models.CharField(max_length=80, blank=True, default="")
    ruling_date = models.DateField(null=True, blank=True)
    deletion_ground = models.CharField(max_length=20, blank=True, default="")
    record_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("Rechtsbehelf")
        verbose_name_plural = _("Rechtsbehelfe")
        constraints = [
            # R-K4: every decision of a challenge carries reasons.
            models.CheckConstraint(
                condition=models.Q(outcome="") | ~models.Q(reasons=""),
                name="challenge_outcome_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return str(self.pk)
