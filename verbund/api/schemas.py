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

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

from django.core.validators import RegexValidator
from rest_framework import serializers

from international.services.citations import RECORD_CREATE_SHAPE
from verbund.errors import Invalid
from verbund.models.lifecycle import DatesSource, DeletionGround
from verbund.models.records import CaseGroup, Classification, RecordKind, Storage
from verbund.models.requests import USE_MARKINGS
from verbund.services import shapes
from verbund.services.record_rules import (
    MAX_CLUBS,
    MAX_MEASURES,
    MEASURE_KINDS,
    PROCEEDINGS_STATUSES,
    RECORD_SHAPE,
    WITHHOLDABLE,
)

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
    "incomplete_data, invalid_iban, deletion_date_past, review_date_past, "
    "incident_not_allowed, case_group_not_allowed, until_before_from, invalid_mode, not_in_gws"
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


class RequestSerializer(serializers.Serializer):
    """A request body: its fields document it in the schema, its ``shape`` checks it.

    ``is_valid()`` checks the JSON type and size of every field with the strict ``Shape``
    of ``verbund.services.shapes`` (a ``CharField`` alone would take ``42`` as ``"42"``,
    a ``BooleanField`` ``"yes"`` as true); ``validated_data`` is the body unchanged. What
    the values mean (codes, dates, required fields, the legal rules) is checked by the
    service. tests/verbund/api/test_request_shapes.py proves fields and shape agree.
    """

    shape: ClassVar[shapes.Shape]

    def run_validation(self, data: Any = serializers.empty) -> Any:
        """Check the body's JSON types; keep the first error's machine code."""
        errors = shapes.type_errors(self.shape, data)
        if errors.fields:
            self.type_errors = errors
            raise serializers.ValidationError(errors.fields)
        return data

    @classmethod
    def checked(cls, data: Any) -> dict[str, Any]:
        """Return the body if its types are right; raise 400 (api.md error shape) if not."""
        serializer = cls(data=data)
        if not serializer.is_valid():
            raise shapes.invalid(serializer.type_errors)
        if not isinstance(data, dict):
            raise Invalid("Ein JSON-Objekt erwartet.", code="invalid")
        return data

    @classmethod
    def declared(cls, data: Any, *, ignored: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Return the body's declared fields; any other key is 400 ``unknown_field`` naming
        it, except ``ignored`` ones (fields the server sets: dropped, never applied)."""
        body = cls.checked(data)
        fields = set(cls().fields)
        unknown = sorted(k for k in body if k not in fields and k not in ignored)
        if unknown:
            detail = "Unbekanntes Feld."
            raise Invalid(detail, code="unknown_field", fields={k: [detail] for k in unknown})
        return {k: v for k, v in body.items() if k in fields}


def texts(**kwargs: Any) -> serializers.ListField:
    """A list of texts (at most ``shapes.MAX_LIST_ITEMS`` items)."""
    return serializers.ListField(
        child=serializers.CharField(), max_length=shapes.MAX_LIST_ITEMS, **kwargs
    )


# The forms of a stored birth date (api.md "Conventions"); documents the pattern in the
# schema, the entry rules check the date itself (invalid_date).
BIRTH_DATE_FORM = RegexValidator(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
# Longest code the type check takes (verbund.services.record_rules: _CHOICE, _CATALOGUE).
CODE_LENGTH = 40
CATALOGUE_CODE_LENGTH = 200


def code(max_length: int = CODE_LENGTH, **kwargs: Any) -> serializers.CharField:
    """An optional code (country, catalogue value): short text."""
    return serializers.CharField(required=False, max_length=max_length, **kwargs)


def codes(max_length: int = CODE_LENGTH, **kwargs: Any) -> serializers.ListField:
    """An optional list of codes."""
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length),
        max_length=shapes.MAX_LIST_ITEMS,
        required=False,
        **kwargs,
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
    former_names = texts(required=False)
    other_names = texts(required=False)
    aliases = texts(required=False)
    spellings = texts(required=False)
    sex = serializers.ChoiceField(choices=["m", "f", "x", "u"], required=False)
    date_of_birth = serializers.CharField(
        required=False,
        max_length=CODE_LENGTH,
        validators=[BIRTH_DATE_FORM],
        help_text="YYYY-MM-DD, or partial: YYYY-MM or YYYY",
    )
    place_of_birth = serializers.CharField(required=False)
    country_of_birth = code(help_text="ISO 3166 alpha-2")
    nationalities = codes(help_text="ISO 3166 alpha-2 codes")
    former_nationalities = codes(help_text="ISO 3166 alpha-2 codes")
    addresses = texts(required=False)
    former_addresses = texts(required=False)
    physical_features = texts(required=False)
    languages = texts(required=False)
    dialects = texts(required=False)
    photographs = texts(required=False)
    identity_papers = texts(required=False)


class ContactPersonSerializer(AbsentKeysSerializer):
    """R-B2: the closed list of contact-person fields (only in case groups 1a and 2)."""

    strict_keys = True

    surname = serializers.CharField()
    given_names = serializers.CharField(required=False)
    former_names = texts(required=False)
    other_names = texts(required=False)
    aliases = texts(required=False)
    spellings = texts(required=False)
    sex = serializers.ChoiceField(choices=["m", "f", "x", "u"], required=False)
    date_of_birth = serializers.CharField(
        required=False,
        max_length=CODE_LENGTH,
        validators=[BIRTH_DATE_FORM],
        help_text="YYYY-MM-DD, or partial: YYYY-MM or YYYY",
    )
    place_of_birth = serializers.CharField(required=False)
    country_of_birth = code(help_text="ISO 3166 alpha-2")
    nationality = code(help_text="ISO 3166 alpha-2")
    address = serializers.CharField(required=False)
    photographs = texts(required=False)
    phones = texts(required=False)
    emails = texts(required=False)
    business_contacts = texts(required=False)


class ExtendedSerializer(AbsentKeysSerializer):
    """Extended data aa-ss (R-C2); catalogue fields take codes from /catalogue/."""

    strict_keys = True

    phones = texts(required=False)
    devices = texts(required=False)
    emails = texts(required=False)
    bank_accounts = texts(required=False)
    safe_deposit_boxes = texts(required=False)
    vehicles = texts(required=False)
    marital_status = code(CATALOGUE_CODE_LENGTH, help_text="catalogue code")
    ethnicity = code(CATALOGUE_CODE_LENGTH, help_text="catalogue code (R-C5)")
    religion = serializers.CharField(
        required=False,
        max_length=CATALOGUE_CODE_LENGTH,
        help_text="catalogue code; needs religion_reason (R-C10)",
    )
    religion_reason = serializers.CharField(
        required=False, help_text="why the religion is needed in this case (R-C10)"
    )
    skills = codes(CATALOGUE_CODE_LENGTH, help_text="catalogue codes")
    education = serializers.CharField(required=False)
    profession = serializers.CharField(required=False)
    critical_infrastructure = codes(CATALOGUE_CODE_LENGTH, help_text="catalogue codes")
    dangerousness = codes(CATALOGUE_CODE_LENGTH, help_text="catalogue codes")
    licences = texts(required=False)
    visited_places = codes(CATALOGUE_CODE_LENGTH, help_text="catalogue codes")
    contact_persons = ContactPersonSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=shapes.MAX_LIST_ITEMS
    )
    organisation = serializers.CharField(required=False)
    last_event_date = serializers.DateField(required=False)
    free_text = serializers.CharField(required=False, max_length=2000)
    websites = texts(required=False)


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


# ---------------------------------------------------------------- GWS incident report (R-M2, R-M3)

PROCEEDINGS_HELP = (
    "Where the criminal proceedings stand (R-M2, R-M4): `pending` (investigation under way), "
    "`charged` (charges brought), `discontinued` (non-provisional discontinuation, e.g. "
    "§ 170(2) StPO), `discontinued_provisionally` (e.g. § 153a StPO), `acquitted` (final "
    "acquittal), `trial_refused` (final refusal to open trial), `convicted`. A justice "
    "report (`POST /records/{id}/justice-decisions/`) opens a review; the status alone "
    "deletes nothing."
)
MEASURE_KIND_HELP = (
    "The measure noted against the entry (R-M3): `stadium_ban` (Stadionverbot), `exit_ban` "
    "(Ausreiseuntersagung), `entry_refused` (entry refused by a foreign border authority: "
    "`country` required), `reporting_duty` (Meldeauflage)."
)


# Longest text of the incident report the entry rules take (``clean_text``'s default).
INCIDENT_TEXT_LENGTH = 500


class ProceedingsSerializer(AbsentKeysSerializer):
    """The criminal proceedings the incident led to (R-M2). Every key is optional."""

    strict_keys = True

    prosecutor_file_number = serializers.CharField(
        required=False, max_length=80, help_text="The public prosecutor's file number."
    )
    status = serializers.ChoiceField(
        choices=list(PROCEEDINGS_STATUSES), required=False, help_text=PROCEEDINGS_HELP
    )
    authority = serializers.CharField(
        required=False, max_length=200, help_text="The prosecutor's office or court."
    )


def _measure_fields() -> dict[str, Any]:
    # ``from`` is a Python keyword: the class is built from a dict of its fields.
    return {
        "__doc__": "A measure noted against a GWS entry (R-M3): stadium ban, exit ban, "
        "entry refused by a foreign border authority, reporting duty. `kind`, `from` and "
        "`authority` are required; `until` before `from` → 400 `until_before_from`.",
        "__module__": __name__,
        "strict_keys": True,
        "kind": serializers.ChoiceField(choices=list(MEASURE_KINDS), help_text=MEASURE_KIND_HELP),
        "from": serializers.DateField(help_text="First day (YYYY-MM-DD)."),
        "until": serializers.DateField(
            required=False, help_text="Last day (YYYY-MM-DD); absent: open-ended."
        ),
        "authority": serializers.CharField(
            max_length=200,
            help_text="The issuing authority (club, police, foreign border authority).",
        ),
        "country": code(
            help_text="ISO 3166 alpha-2; required for `entry_refused` (the refusing state)."
        ),
        "reference": serializers.CharField(
            required=False, max_length=80, help_text="The authority's reference of the measure."
        ),
        "note": serializers.CharField(required=False, max_length=2000),
    }


IncidentMeasureSerializer: type[AbsentKeysSerializer] = type(
    "IncidentMeasureSerializer", (AbsentKeysSerializer,), _measure_fields()
)


class IncidentSerializer(AbsentKeysSerializer):
    """The incident report (Vorkommnisbericht) a GWS entry rests on (R-M2), with the
    proceedings and the measures noted against it (R-M3).

    GWS persons only; in the ATD → 400 `incident_not_allowed`. Every key is optional (the
    data types are project decisions until an ordinance fixes them). An unknown key → 400
    `unknown_field`; a date not a calendar date or in the future → 400 `invalid_date`.
    In a merge patch `measures` is a list and replaces the stored list whole (RFC 7396).
    """

    strict_keys = True

    date = serializers.DateField(required=False, help_text="Day of the incident (not future).")
    event = serializers.CharField(
        required=False, max_length=INCIDENT_TEXT_LENGTH, help_text="The sports event."
    )
    venue = serializers.CharField(
        required=False, max_length=INCIDENT_TEXT_LENGTH, help_text="Stadium or place."
    )
    match = serializers.CharField(
        required=False, max_length=INCIDENT_TEXT_LENGTH, help_text="The match, e.g. `KSC II – SSV`."
    )
    clubs = serializers.ListField(
        child=serializers.CharField(max_length=INCIDENT_TEXT_LENGTH),
        max_length=MAX_CLUBS,
        required=False,
        help_text="The clubs involved.",
    )
    report_reference = serializers.CharField(
        required=False,
        max_length=INCIDENT_TEXT_LENGTH,
        help_text="Reference of the incident report.",
    )
    suspected_offence = serializers.CharField(
        required=False,
        max_length=INCIDENT_TEXT_LENGTH,
        help_text="The offence the person is suspected of.",
    )
    fan_group = serializers.CharField(
        required=False, max_length=INCIDENT_TEXT_LENGTH, help_text="Fan group or scene."
    )
    description = serializers.CharField(
        required=False, max_length=2000, help_text="What happened (at most 2,000 characters)."
    )
    proceedings = ProceedingsSerializer(required=False)
    measures = IncidentMeasureSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=MAX_MEASURES
    )


class SourceSerializer(AbsentKeysSerializer):
    """Where a GWS record came from (R-M1): the state system that released it."""

    strict_keys = True

    system = serializers.CharField(help_text="Code of the state system, e.g. `POLAS-BW`.")
    reference = serializers.CharField(help_text="The record's id in that system.")
    legacy = serializers.BooleanField(
        help_text="Released as stock stored before the file had a legal basis (R-M5)."
    )


DATES_HELP = (
    "Optional; owner only (R-H1). The review and deletion dates of the owner's source data "
    "(R-L4a). ATD: a date left out comes from the agency's date rule for the file, by age "
    "group at the last event (`extended.last_event_date`, else the entry date); without a "
    "rule the record is listed for review at once (review date today, deletion date at the "
    "cap, a `review_due` item). GWS: from the order in force; a deletion date beyond its "
    "storage duration is 400 `deletion_date_too_late`. Project decision, from outside the "
    "seeds, to be verified: no stored period exceeds 10 years (adults), 5 (juveniles), 2 "
    "(children) from the last event. PATCH: a date set to null is supplied anew, one left "
    "out stays. Refused: `review_after_deletion`, `deletion_date_past`, `review_date_past`."
)


class RecordInputSerializer(RequestSerializer):
    """Body of POST/PATCH /records/."""

    shape = RECORD_SHAPE

    file = serializers.ChoiceField(choices=["ATD", "GWS"])
    kind = serializers.ChoiceField(choices=RecordKind.values)
    case_group = serializers.ChoiceField(choices=CaseGroup.values, required=False)
    storage = serializers.ChoiceField(
        choices=Storage.values, required=False, help_text="Default: open."
    )
    storage_decision = StorageDecisionSerializer(required=False)
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=MARKING_CHOICES),
        max_length=shapes.MAX_LIST_ITEMS,
        required=False,
    )
    findings_basis = serializers.CharField(help_text="R-B3 factual basis")
    basic = BasicSerializer(required=False)
    extended = ExtendedSerializer(required=False)
    withheld = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(WITHHOLDABLE)),
        max_length=shapes.MAX_LIST_ITEMS,
        required=False,
        help_text="restricted storage (R-D2): extended fields not entered (default: all)",
    )
    object = ObjectDataSerializer(required=False)
    linked_person = serializers.UUIDField(required=False, help_text="objects: the person record")
    review_date = serializers.DateField(required=False, help_text=DATES_HELP)
    deletion_date = serializers.DateField(required=False, help_text=DATES_HELP)
    reference = ReferenceSerializer()
    incident = IncidentSerializer(
        required=False,
        help_text="GWS persons only: the incident report with proceedings and measures "
        "(R-M2, R-M3).",
    )


class RecordCreateSerializer(RecordInputSerializer):
    """Body of POST /records/: a record, and the accepted Red Notice it rests on, if any."""

    shape = RECORD_CREATE_SHAPE

    # International exchange (issue 20, intlrn branch): an entry's source (R-N2).
    red_notice = serializers.UUIDField(
        required=False,
        help_text="An accepted Red Notice the entry rests on (422 `notice_not_accepted` "
        "for one in review, rejected or superseded; 400 `unknown_notice`). Creation only.",
    )


class HitBasicSerializer(BasicSerializer):
    """Basic data as a hit shows them: the case group is basic data too (R-C1)."""

    case_group = serializers.ChoiceField(choices=CaseGroup.values, required=False)


OWNER_ONLY = "Sent to the owner agency only; absent for other agencies."


class DatesRuleRefSerializer(AbsentKeysSerializer):
    """The date rule a record's dates come from (R-L4a): the provision it cites."""

    strict_keys = True

    provision = serializers.CharField()
    valid_from = serializers.DateField()


class RecordSerializer(AbsentKeysSerializer):
    """A record as far as the caller may see it (``verbund.selectors.records.record_data``).

    The owner sees everything; another agency that lawfully sees the record (a granted
    request, an Eilfall, GWS retrieval) sees id, file, kind, reference, markings (R-C7) and
    the data: ``basic`` (with ``case_group`` and ``extended`` in the ATD) for persons,
    ``object`` for objects. Keys marked owner-only are absent for others.

    A blocked record (R-L3) answers its owner with id, file, kind, reference, markings,
    storage, dates, status, block reason and version only — no ``basic``, ``extended``,
    ``object``, ``case_group``, ``findings_basis``, ``storage_decision``: blocked data are
    used only on a named ground, through ``POST /records/{id}/blocked-use/`` (logged).
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
    incident = IncidentSerializer(
        required=False,
        help_text="GWS persons: the incident report, proceedings and measures (R-M2, R-M3), "
        "shown to every participant that may read the record (R-M7); `{}` if none entered.",
    )
    reference = OutReferenceSerializer()
    markings = serializers.ListField(
        child=serializers.ChoiceField(choices=MARKING_CHOICES),
        help_text="Markings travel with the data (R-C7).",
    )
    use_markings = serializers.ListField(
        child=serializers.ChoiceField(choices=list(USE_MARKINGS)),
        required=False,
        help_text=(
            "Other agencies only: the use limits of the released data (R-F2, R-F4, R-G4): "
            "`use_check_only` (only to check the match and prepare a transfer request), "
            "`use_further_use` (§ 6(3) marking of a consented further use), `use_eilfall` "
            "(only where indispensable to avert the danger), `use_gba`."
        ),
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
    dates_source = serializers.ChoiceField(
        choices=DatesSource.values,
        required=False,
        help_text="Where the dates come from (R-L4a): `owner` (given by the owner), `rule` "
        "(the agency's date rule, `dates_rule`), `order` (the GWS order in force), `none` (no "
        "rule: listed for review at once). " + OWNER_ONLY,
    )
    dates_rule = DatesRuleRefSerializer(
        required=False,
        allow_null=True,
        help_text="The rule that supplied a date (its provision), null if none. " + OWNER_ONLY,
    )
    status = serializers.ChoiceField(
        choices=["active", "blocked"], required=False, help_text=OWNER_ONLY
    )
    blocked_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Empty unless blocked. " + OWNER_ONLY
    )
    blocked_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it was blocked (R-L3). " + OWNER_ONLY
    )
    version = serializers.IntegerField(
        required=False, help_text="Also sent as the ETag. " + OWNER_ONLY
    )
    created_at = serializers.DateTimeField(required=False, help_text=OWNER_ONLY)
    updated_at = serializers.DateTimeField(required=False, help_text=OWNER_ONLY)
    # The metaclass takes declared fields out of the class body: no clash with Field.source.
    source = SourceSerializer(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        help_text="GWS: the state system that released the record (R-M1); null for a record "
        "entered directly. " + OWNER_ONLY,
    )
    stored_without_legal_basis = serializers.BooleanField(
        required=False,
        help_text="GWS: true while the file's or the owner's participation's legal basis "
        "carries no entries today (no ordinance in force): the record counts as stored "
        "without legal basis and is to be deleted (R-M5, R-L2). Worked out on each read. "
        + OWNER_ONLY,
    )


class BlockSerializer(RequestSerializer):
    """Body of POST /records/{id}/block/."""

    shape = shapes.BLOCK

    reason = serializers.CharField(
        help_text="Why deletion would harm the data subject's worthy interests (R-L3)"
    )


class CorrectionNoticeSerializer(RequestSerializer):
    """Body of POST /records/{id}/correction-notices/."""

    shape = shapes.CORRECTION_NOTICE

    text = serializers.CharField(max_length=4000)


class DeleteSerializer(RequestSerializer):
    """Optional body of DELETE /records/{id}/ (the reason may also be the ``reason`` query
    parameter)."""

    shape = shapes.DELETE

    reason = serializers.CharField(required=False)
    ground = serializers.ChoiceField(
        choices=DeletionGround.choices,
        required=False,
        help_text="The legal reason kept in the tombstone (R-L2): `unlawful`, "
        "`not_necessary` (default), `deletion_date`, `no_legal_basis`. Or the `ground` query "
        "parameter.",
    )


def merge_patch(serializer_class: type[RequestSerializer], name: str) -> type[RequestSerializer]:
    """Return the RFC 7396 merge-patch form of a request serializer, named ``name``.

    Every key is optional and may be ``null`` (``null`` removes the key); nested objects
    (``basic``, ``extended``, ...) take the same form, recursively, so a generated client can
    send ``{"extended": {"free_text": null}}``. Lists are replaced whole, so their items
    keep their type. The type check (``shape``) is the same: ``null`` passes as "absent".
    """

    def patched(field: Any, component: str) -> Any:
        # DRF re-creates declared fields from their constructor arguments (deepcopy), so the
        # optional, nullable form is built from those arguments, not set afterwards.
        optional: dict[str, Any] = {"required": False, "allow_null": True}
        if isinstance(field, serializers.ListSerializer) or not isinstance(
            field, serializers.Serializer
        ):
            # A list's ``child`` was bound by the original list: pass a fresh copy.
            original: Any = field
            kwargs: dict[str, Any] = {
                key: copy.deepcopy(value) if isinstance(value, serializers.Field) else value
                for key, value in original._kwargs.items()
            }
            factory: Any = type(field)
            return factory(*original._args, **{**kwargs, **optional})
        attrs = {
            key: patched(child, component + key.title().replace("_", ""))
            for key, child in field.fields.items()
        }
        attrs["__doc__"] = field.__doc__
        nested = type(component, (AbsentKeysSerializer,), attrs)
        return nested(help_text=field.help_text, **optional)

    attrs: dict[str, Any] = {
        key: patched(field, name + key.title().replace("_", ""))
        for key, field in serializer_class().fields.items()
    }
    attrs["__doc__"] = (serializer_class.__doc__ or "") + " As a JSON Merge Patch (RFC 7396)."
    attrs["shape"] = serializer_class.shape
    return type(name, (RequestSerializer,), attrs)


RecordMergePatchSerializer = merge_patch(RecordInputSerializer, "RecordMergePatch")
