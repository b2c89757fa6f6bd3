"""International exchange: partners, legal bases, foreign requests, Red Notices, originator
markings (R-N1-N3; 000 Q1-Q9, 002 Rn. 10, 89, 225).

Partners are registry rows, never accounts (R-N1): no foreign body has a login, a token or a
route. Foreign transfers are ``verbund.Transfer`` rows whose ``partner`` is set; this module
holds what they refer to.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    """How a foreign body is reached (000 Q4, Q6)."""

    INTERPOL = "interpol", _("Interpol")
    EUROPOL = "europol", _("Europol")
    LIAISON_OFFICER = "liaison_officer", _("Verbindungsbeamte/r")
    FOREIGN_AGENCY = "foreign_agency", _("Ausländische Behörde")
    FOREIGN_SERVICE = "foreign_service", _("Ausländischer Nachrichtendienst")


class Partner(models.Model):
    """A foreign partner or channel: a registry row, never a user (R-N1).

    ``code`` is the public id (``GET /api/v1/partners/``). Liaison officers name the German
    body that sends them (``sender``, e.g. ``BMI``, ``BKA``) and where they are posted
    (``host``, e.g. ``DHS``, ``Botschaft Washington``); ``parent`` links an authority to its
    ministry (ICE under DHS, 000 Q1). ``case_by_case`` marks partners the German side works
    with only case by case (000 Q4). ``access_policy`` is the project's per-partner access
    policy (R-N1): off, and nothing can switch it on without a legal basis (R-A3).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=PartnerKind.choices)
    # ISO 3166-1 alpha-2 of the partner's state; empty for Interpol and Europol.
    country = models.CharField(max_length=2, blank=True, default="")
    sender = models.CharField(max_length=40, blank=True, default="")
    host = models.CharField(max_length=200, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    case_by_case = models.BooleanField(default=True)
    access_policy = models.BooleanField(default=False, editable=False)
    source = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("Partner")
        verbose_name_plural = _("Partner")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(access_policy=False), name="partner_no_foreign_access"
            )
        ]

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    """A legal basis for international exchange, with citation and source (R-N1, R-F3).

    ``agencies`` lists the agency codes that may transfer under it. ``covers_art10_art13``
    flags a basis under which data from Art. 10 / Art. 13 GG measures (and IT-system
    intrusion) may be transferred (002 Rn. 225, R-C8).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40, unique=True)
    citation = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=200)
    agencies = models.JSONField(default=list, blank=True)
    covers_art10_art13 = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Rechtsgrundlage")
        verbose_name_plural = _("Rechtsgrundlagen")

    def __str__(self) -> str:
        return self.citation


class PartnerRequestStatus(models.TextChoices):
    OPEN = "open", _("offen")
    ANSWERED = "answered", _("beantwortet")


class PartnerRequest(models.Model):
    """A request a foreign partner made, recorded by an officer (R-N1, R-E5).

    Answered by single searches that cite it (``SearchCitation``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="requests")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    topic = models.SlugField(max_length=40)
    reference = models.CharField(max_length=80, blank=True, default="")
    subject = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=10, choices=PartnerRequestStatus.choices, default=PartnerRequestStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-created_at"]
        indexes = [
            models.Index(fields=["partner", "received_on"], name="partnerreq_partner_day"),
            models.Index(fields=["agency", "-created_at"], name="partnerreq_agency"),
        ]

    def __str__(self) -> str:
        return f"partner request {self.pk}"


class NoticeStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("in Prüfung")
    ACCEPTED = "accepted", _("angenommen")
    REJECTED = "rejected", _("abgelehnt")


class NoticeCriterion(models.Model):
    """A criterion of the Red Notice checklist, each with its source (R-N2).

    The seeds name one (politically motivated prosecution, 000 Q5); administrators add
    further criteria with their source.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40, unique=True)
    text = models.CharField(max_length=300)
    source = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "code"]
        verbose_name = _("Prüfkriterium")
        verbose_name_plural = _("Prüfkriterien")

    def __str__(self) -> str:
        return self.text


class RedNotice(models.Model):
    """An incoming Interpol Red Notice, one row per reference and version (R-N2).

    Every notice starts ``in_review`` whatever its country (000 Q5); nothing is accepted
    automatically. ``checklist`` holds the reviewer's answer per criterion code.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interpol_reference = models.CharField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    country = models.CharField(max_length=2)
    issued_on = models.DateField(null=True, blank=True)
    subject = models.JSONField(default=dict)
    offence = models.TextField(max_length=4000, blank=True, default="")
    received_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.IN_REVIEW
    )
    checklist = models.JSONField(default=dict, blank=True)
    reasons = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["interpol_reference", "version"], name="rednotice_reference_version"
            )
        ]
        indexes = [
            models.Index(fields=["country", "received_at"], name="rednotice_country"),
            models.Index(fields=["status", "received_at"], name="rednotice_status"),
        ]

    def __str__(self) -> str:
        return f"{self.interpol_reference} v{self.version}"


class SearchCitation(models.Model):
    """A search that answers a foreign request or rests on an accepted notice (R-N1, R-N2).

    Written in the search's own transaction.
    """

    search = models.OneToOneField(
        "verbund.Search", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    partner_request = models.ForeignKey(
        PartnerRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="searches"
    )
    red_notice = models.ForeignKey(
        RedNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="searches"
    )

    def __str__(self) -> str:
        return f"citation of search {self.search_id}"


class OriginatorKind(models.TextChoices):
    THIRD_PARTY_RULE = "third_party_rule", _("Third-Party-Rule (Freigabe erforderlich)")
    COMPREHENSIVE_RESTRICTION = (
        "comprehensive_restriction",
        _("Ausdrückliche umfassende Verwendungsbeschränkung"),
    )


class OriginatorMarking(models.Model):
    """Items of a record that a foreign body passed on in confidence (R-N3, 000 Q9).

    To anyone but the owner the marked items are absent — not "withheld" — until a
    recorded release (``OriginatorRelease``) lifts this for one recipient and purpose. For
    ``comprehensive_restriction`` no release is asked.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record = models.ForeignKey(
        "verbund.Record", on_delete=models.CASCADE, related_name="originator_markings"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=OriginatorKind.choices)
    items = models.JSONField(default=list)
    created_by = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"originator marking {self.pk}"


class OriginatorRelease(models.Model):
    """The originator's recorded release of marked items for one recipient and purpose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    marking = models.ForeignKey(
        OriginatorMarking, on_delete=models.CASCADE, related_name="releases"
    )
    recipient_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField(max_length=4000)
    expires_on = models.DateField()
    recorded_by = models.ForeignKey("agencies.Officer", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_agency__isnull=False)
                | models.Q(recipient_partner__isnull=False),
                name="originator_release_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"originator release {self.pk}"


class ForeignLoginAttempt(models.Model):
    """A refused attempt by an account flagged foreign (R-N1); counted in the statistics."""

    id = models.BigAutoField(primary_key=True)
    username = models.CharField(max_length=150)
    channel = models.CharField(max_length=16)  # "session", "token", "api"
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["at"], name="foreignlogin_at")]

    def __str__(self) -> str:
        return f"foreign login {self.username}"


class TransferFacts(models.Model):
    """What a recorded transfer carries beside its ``verbund.Transfer`` row (issue 20).

    ``red_notice``: the accepted Red Notice a foreign transfer forwards (R-N2; only an
    accepted notice may be forwarded). ``body_digest``: SHA-256 of the request body that
    created the transfer under an ``Idempotency-Key`` — the same key with the same body
    answers the same transfer, with another body 422 ``idempotency_key_reused``.
    """

    transfer = models.OneToOneField(
        "verbund.Transfer", on_delete=models.CASCADE, primary_key=True, related_name="facts"
    )
    red_notice = models.ForeignKey(
        RedNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    body_digest = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"facts of transfer {self.transfer_id}"


class RecordNoticeSource(models.Model):
    """An entry whose source is an accepted Red Notice (R-N2).

    Written in the record's own creation transaction, only after the notice passed
    ``international.services.notices.require_accepted``; a rejected or unreviewed notice is
    never an entry's source.
    """

    record = models.OneToOneField(
        "verbund.Record", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    red_notice = models.ForeignKey(
        RedNotice, on_delete=models.PROTECT, related_name="record_sources"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"notice source of record {self.record_id}"
