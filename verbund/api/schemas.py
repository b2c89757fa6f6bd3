"""Serializers that document request and response shapes in the OpenAPI schema.

Validation of records happens in ``verbund.services.record_rules`` (one place for the
rules); these classes describe the contract of api.md for drf-spectacular.
"""

from __future__ import annotations

from rest_framework import serializers

from verbund.models.records import CaseGroup, Classification, RecordKind, Storage
from verbund.services.record_rules import WITHHOLDABLE

MARKING_CHOICES = ["art10", "art13", "it_system", "other_law"]
ERROR_CODES = (
    "invalid, required, unknown_field, invalid_choice, invalid_date, invalid_country, "
    "invalid_case_group, not_in_catalogue, reason_required, free_text_too_long, "
    "contact_persons_not_allowed, contact_person_field_not_allowed, withheld_field_given, "
    "withheld_requires_restricted, covert_required, storage_decision_required, "
    "decision_not_authorised, findings_basis_required, personal_data_not_allowed, "
    "linked_person_required, linked_person_invalid, extended_not_allowed, "
    "storage_not_allowed, deletion_date_too_late, review_after_deletion, not_authorised, "
    "not_owner, no_legal_basis, not_participant, not_found, rate_limited, too_many_hits, "
    "wildcards_not_allowed, unknown_criterion, invalid_json, invalid_characters, "
    "version_conflict, record_blocked, already_blocked, immutable, mixed_script, "
    "incomplete_data, invalid_iban, deletion_date_past"
)


class ErrorSerializer(serializers.Serializer):
    """Error body of every API error."""

    code = serializers.CharField(help_text=f"Machine code, e.g. {ERROR_CODES}")
    detail = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class VersionConflictSerializer(ErrorSerializer):
    """Body of a 412: the error shape plus the record's current version."""

    current_version = serializers.IntegerField()
    etag = serializers.CharField(help_text='The current ETag, e.g. "4"')


class StorageDecisionSerializer(serializers.Serializer):
    """R-D4: head / authorised senior officer and reasons."""

    decided_by = serializers.CharField(help_text="Username of the head or senior officer")
    reasons = serializers.CharField()


class BasicSerializer(serializers.Serializer):
    """Basic data (R-C1)."""

    surname = serializers.CharField()
    given_names = serializers.CharField(required=False)
    former_names = serializers.ListField(child=serializers.CharField(), required=False)
    other_names = serializers.ListField(child=serializers.CharField(), required=False)
    aliases = serializers.ListField(child=serializers.CharField(), required=False)
    spellings = serializers.ListField(child=serializers.CharField(), required=False)
    sex = serializers.ChoiceField(choices=["m", "f", "x", "u"], required=False)
    date_of_birth = serializers.CharField(
        required=False, help_text="YYYY-MM-DD, or partial: YYYY-MM or YYYY"
    )
    place_of_birth = serializers.CharField(required=False)
    country_of_birth = serializers.CharField(required=False, help_text="ISO 3166 alpha-2")
    nationalities = serializers.ListField(child=serializers.CharField(), required=False)
    former_nationalities = serializers.ListField(child=serializers.CharField(), required=False)
    addresses = serializers.ListField(child=serializers.CharField(), required=False)
    former_addresses = serializers.ListField(child=serializers.CharField(), required=False)
    physical_features = serializers.ListField(child=serializers.CharField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    dialects = serializers.ListField(child=serializers.CharField(), required=False)
    photographs = serializers.ListField(child=serializers.CharField(), required=False)
    identity_papers = serializers.ListField(child=serializers.CharField(), required=False)


class ContactPersonSerializer(serializers.Serializer):
    """R-B2: the closed list of contact-person fields (only in case groups 1a and 2)."""

    surname = serializers.CharField()
    given_names = serializers.CharField(required=False)
    former_names = serializers.ListField(child=serializers.CharField(), required=False)
    other_names = serializers.ListField(child=serializers.CharField(), required=False)
    aliases = serializers.ListField(child=serializers.CharField(), required=False)
    spellings = serializers.ListField(child=serializers.CharField(), required=False)
    sex = serializers.ChoiceField(choices=["m", "f", "x", "u"], required=False)
    date_of_birth = serializers.CharField(
        required=False, help_text="YYYY-MM-DD, or partial: YYYY-MM or YYYY"
    )
    place_of_birth = serializers.CharField(required=False)
    country_of_birth = serializers.CharField(required=False)
    nationality = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    photographs = serializers.ListField(child=serializers.CharField(), required=False)
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    business_contacts = serializers.ListField(child=serializers.CharField(), required=False)


class ExtendedSerializer(serializers.Serializer):
    """Extended data aa-ss (R-C2); catalogue fields take codes from /catalogue/."""

    phones = serializers.ListField(child=serializers.CharField(), required=False)
    devices = serializers.ListField(child=serializers.CharField(), required=False)
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    bank_accounts = serializers.ListField(child=serializers.CharField(), required=False)
    safe_deposit_boxes = serializers.ListField(child=serializers.CharField(), required=False)
    vehicles = serializers.ListField(child=serializers.CharField(), required=False)
    marital_status = serializers.CharField(required=False, help_text="catalogue code")
    ethnicity = serializers.CharField(required=False, help_text="catalogue code (R-C5)")
    religion = serializers.CharField(
        required=False, help_text="catalogue code; needs religion_reason (R-C10)"
    )
    religion_reason = serializers.CharField(
        required=False, help_text="why the religion is needed in this case (R-C10)"
    )
    skills = serializers.ListField(child=serializers.CharField(), required=False)
    education = serializers.CharField(required=False)
    profession = serializers.CharField(required=False)
    critical_infrastructure = serializers.ListField(child=serializers.CharField(), required=False)
    dangerousness = serializers.ListField(child=serializers.CharField(), required=False)
    licences = serializers.ListField(child=serializers.CharField(), required=False)
    visited_places = serializers.ListField(child=serializers.CharField(), required=False)
    contact_persons = ContactPersonSerializer(many=True, required=False)
    organisation = serializers.CharField(required=False)
    last_event_date = serializers.DateField(required=False)
    free_text = serializers.CharField(required=False, max_length=2000)
    websites = serializers.ListField(child=serializers.CharField(), required=False)


class ObjectDataSerializer(serializers.Serializer):
    """Identification data of an object (R-B4) — no personal data."""

    identifier = serializers.CharField()
    description = serializers.CharField(required=False)


class ReferenceSerializer(serializers.Serializer):
    """File reference (R-C3)."""

    file_number = serializers.CharField()
    classification = serializers.ChoiceField(choices=Classification.values, required=False)


class OutReferenceSerializer(ReferenceSerializer):
    """File reference with the holding agency."""

    agency = serializers.CharField()


class RecordInputSerializer(serializers.Serializer):
    """Body of POST/PATCH /records/."""

    file = serializers.ChoiceField(choices=["ATD", "GWS"])
    kind = serializers.ChoiceField(choices=RecordKind.values)
    case_group = serializers.ChoiceField(choices=CaseGroup.values, required=False)
    storage = serializers.ChoiceField(choices=Storage.values)
    storage_decision = StorageDecisionSerializer(required=False)
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=MARKING_CHOICES), required=False
    )
    findings_basis = serializers.CharField(help_text="R-B3 factual basis")
    basic = BasicSerializer(required=False)
    extended = ExtendedSerializer(required=False)
    withheld = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(WITHHOLDABLE)),
        required=False,
        help_text="restricted storage (R-D2): extended fields not entered (default: all)",
    )
    object = ObjectDataSerializer(required=False)
    linked_person = serializers.UUIDField(required=False, help_text="objects: the person record")
    review_date = serializers.DateField(required=False)
    deletion_date = serializers.DateField(required=False)
    reference = ReferenceSerializer()


class RecordOutputSerializer(RecordInputSerializer):
    """A record as shown to the caller (owner-only keys absent for others)."""

    id = serializers.UUIDField()
    reference = OutReferenceSerializer()
    status = serializers.ChoiceField(choices=["active", "blocked"], required=False)
    version = serializers.IntegerField(required=False)


class BlockSerializer(serializers.Serializer):
    """Body of POST /records/{id}/block/."""

    reason = serializers.CharField()


class CorrectionNoticeSerializer(serializers.Serializer):
    """Body of POST /records/{id}/correction-notices/."""

    text = serializers.CharField()
