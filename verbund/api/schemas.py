"""Serializers of the API: the shapes the OpenAPI schema documents and the views render.

Every answer is rendered through the serializer its operation documents (``Serializer(...)
.data``), so the served schema cannot drift from what is sent: a key the serializer does not
declare is never sent, a declared key of the wrong type fails in the suite.

Answers are rendered from the selectors' views (``verbund.selectors``, ``audit.selectors``),
which decide what a caller may see (the law); a key the selector leaves out is absent from
the answer, not ``null`` (``AbsentKeysSerializer``). Request bodies are documented here;
their JSON types are checked by ``verbund.services.shapes`` and their meaning by the entry
rules (``verbund.services.record_rules``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


class AbsentKeysSerializer(serializers.Serializer):
    """Render a mapping: a key the mapping lacks is absent from the answer (never ``null``).

    DRF would render a missing nullable key as ``null``; api.md's shapes distinguish "absent"
    (the caller may not see it) from ``null`` (it has no value). With ``strict_keys`` a key
    the serializer does not declare is an error rather than silently dropped (stored JSON,
    such as log references and inbox payloads, must never lose a key on its way out).
    """

    strict_keys = False

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """Render the declared keys the mapping has."""
        if not isinstance(instance, Mapping):
            return super().to_representation(instance)
        if self.strict_keys:
            undeclared = set(instance) - set(self.fields)
            if undeclared:
                raise ValueError(f"{type(self).__name__}: undeclared keys {sorted(undeclared)}")
        out: dict[str, Any] = {}
        for field in self._readable_fields:
            attrs = field.source_attrs
            if attrs and attrs[0] not in instance and not field.required:
                continue
            value = field.get_attribute(instance)
            out[str(field.field_name)] = None if value is None else field.to_representation(value)
        return out


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


class StorageDecisionSerializer(AbsentKeysSerializer):
    """R-D4: head / authorised senior officer and reasons."""

    strict_keys = True

    decided_by = serializers.CharField(help_text="Username of the head or senior officer")
    reasons = serializers.CharField()


class BasicSerializer(AbsentKeysSerializer):
    """Basic data (R-C1)."""

    strict_keys = True

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


class ContactPersonSerializer(AbsentKeysSerializer):
    """R-B2: the closed list of contact-person fields (only in case groups 1a and 2)."""

    strict_keys = True

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


class ExtendedSerializer(AbsentKeysSerializer):
    """Extended data aa-ss (R-C2); catalogue fields take codes from /catalogue/."""

    strict_keys = True

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


class ObjectDataSerializer(AbsentKeysSerializer):
    """Identification data of an object (R-B4) — no personal data."""

    strict_keys = True

    identifier = serializers.CharField()
    description = serializers.CharField(required=False)


class ReferenceSerializer(AbsentKeysSerializer):
    """File reference (R-C3)."""

    strict_keys = True

    file_number = serializers.CharField()
    classification = serializers.ChoiceField(choices=Classification.values, required=False)


class OutReferenceSerializer(AbsentKeysSerializer):
    """File reference with the holding agency (R-C3), as records and hits show it."""

    strict_keys = True

    agency = serializers.CharField(help_text="Agency code of the holder")
    file_number = serializers.CharField()
    classification = serializers.ChoiceField(choices=Classification.values)


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


class HitBasicSerializer(BasicSerializer):
    """Basic data as a hit shows them: the case group is basic data too (R-C1)."""

    case_group = serializers.ChoiceField(choices=CaseGroup.values, required=False)


OWNER_ONLY = "Sent to the owner agency only; absent for other agencies."


class RecordSerializer(AbsentKeysSerializer):
    """A record as far as the caller may see it (``verbund.selectors.records.record_data``).

    The owner sees everything; another agency that lawfully sees the record (a granted
    request, an Eilfall, GWS retrieval) sees id, file, kind, reference, markings (R-C7) and
    the data: ``basic`` (with ``case_group`` and ``extended`` in the ATD) for persons,
    ``object`` for objects. Keys marked owner-only are absent for others.
    """

    id = serializers.UUIDField()
    file = serializers.ChoiceField(choices=["ATD", "GWS"])
    kind = serializers.ChoiceField(choices=RecordKind.values)
    case_group = serializers.ChoiceField(
        choices=CaseGroup.values, required=False, help_text="ATD persons only (R-B1)."
    )
    basic = BasicSerializer(required=False, help_text="Persons only (R-C1).")
    extended = ExtendedSerializer(
        required=False, help_text="ATD persons only; what was entered or granted (R-C2)."
    )
    object = ObjectDataSerializer(required=False, help_text="Objects only (R-B4).")
    reference = OutReferenceSerializer()
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=MARKING_CHOICES),
        help_text="Markings travel with the data (R-C7).",
    )
    storage = serializers.ChoiceField(choices=Storage.values, required=False, help_text=OWNER_ONLY)
    storage_decision = StorageDecisionSerializer(
        required=False,
        allow_null=True,
        help_text="null for open storage (no decision needed). " + OWNER_ONLY,
    )
    findings_basis = serializers.CharField(required=False, help_text=OWNER_ONLY)
    withheld = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(WITHHOLDABLE)),
        required=False,
        help_text="Restricted storage: extended fields not entered (R-D2). " + OWNER_ONLY,
    )
    linked_person = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Objects: the person record; null for persons. " + OWNER_ONLY,
    )
    review_date = serializers.DateField(required=False, help_text=OWNER_ONLY)
    deletion_date = serializers.DateField(required=False, help_text=OWNER_ONLY)
    status = serializers.ChoiceField(
        choices=["active", "blocked"], required=False, help_text=OWNER_ONLY
    )
    blocked_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Empty unless blocked. " + OWNER_ONLY
    )
    version = serializers.IntegerField(
        required=False, help_text="Also sent as the ETag. " + OWNER_ONLY
    )
    created_at = serializers.DateTimeField(required=False, help_text=OWNER_ONLY)
    updated_at = serializers.DateTimeField(required=False, help_text=OWNER_ONLY)


class BlockSerializer(serializers.Serializer):
    """Body of POST /records/{id}/block/."""

    reason = serializers.CharField()


class CorrectionNoticeSerializer(serializers.Serializer):
    """Body of POST /records/{id}/correction-notices/."""

    text = serializers.CharField()
