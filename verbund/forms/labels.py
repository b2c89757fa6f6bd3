"""Translatable UI labels for codes used by records and catalogues.

The models carry German labels for the admin; the browser UI is bilingual (German first,
English second), so it names codes here with English msgids that locale/de translates.
Catalogue values are not listed here: their labels come from the published catalogue
(R-C4) in the language of the request.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from verbund.models.records import Classification, RecordKind, RecordStatus, Storage

KIND_LABELS: dict[str, Any] = {
    RecordKind.PERSON: _("Person"),
    RecordKind.ASSOCIATION: _("Association"),
    RecordKind.GROUP: _("Group"),
    RecordKind.FOUNDATION: _("Foundation"),
    RecordKind.COMPANY: _("Company"),
    RecordKind.THING: _("Thing"),
    RecordKind.BANK_ACCOUNT: _("Bank account"),
    RecordKind.ADDRESS: _("Address"),
    RecordKind.PHONE: _("Phone line"),
    RecordKind.DEVICE: _("Telecommunications device"),
    RecordKind.WEBSITE: _("Website"),
    RecordKind.EMAIL: _("E-mail address"),
}

STORAGE_LABELS: dict[str, Any] = {
    Storage.OPEN: _("open"),
    Storage.RESTRICTED: _("restricted"),
    Storage.COVERT: _("covert"),
}

STORAGE_HELP: dict[str, Any] = {
    Storage.OPEN: _("Basic data are visible on a name hit."),
    Storage.RESTRICTED: _("Some or all extended data are not entered at all."),
    Storage.COVERT: _("Other agencies get no hit; the owner is notified of matches."),
}

CLASSIFICATION_LABELS: dict[str, Any] = {
    Classification.NONE: _("none"),
    Classification.VS_NFD: "VS-NfD",
    Classification.VS_V: "VS-Vertraulich",
    Classification.GEHEIM: "GEHEIM",
    Classification.STRENG_GEHEIM: "STRENG GEHEIM",
}

STATUS_LABELS: dict[str, Any] = {
    RecordStatus.ACTIVE: _("active"),
    RecordStatus.BLOCKED: _("blocked"),
}

SEX_LABELS: dict[str, Any] = {
    "m": _("male"),
    "f": _("female"),
    "x": _("diverse"),
    "u": _("unknown"),
}

# R-C7 / R-C8: markings required by other law.
MARKING_LABELS: dict[str, Any] = {
    "art10": _("Art. 10 GG (telecommunications measure)"),
    "art13": _("Art. 13 GG (measure in a home)"),
    "it_system": _("Intrusion into IT systems"),
    "other_law": _("Marking required by other law"),
}

FILE_LABELS: dict[str, Any] = {
    "ATD": _("Counter-terrorism database (ATD)"),
    "GWS": _("Violent sports offenders (GWS)"),
}

# Catalogue fields as published on /katalog/ (R-C4).
CATALOGUE_FIELD_LABELS: dict[str, Any] = {
    "case_groups": _("Case groups"),
    "ethnicity": _("Ethnicity"),
    "religion": _("Religion"),
    "skills": _("Special skills"),
    "critical_infrastructure": _("Work in critical infrastructure"),
    "dangerousness": _("Dangerousness"),
    "visited_places": _("Visited places"),
    "marital_status": _("Marital status"),
    "device_types": _("Device types"),
}

BASIC_LABELS: dict[str, Any] = {
    "surname": _("Surname"),
    "given_names": _("Given names"),
    "former_names": _("Former names"),
    "other_names": _("Other names"),
    "aliases": _("Aliases"),
    "spellings": _("Variant spellings"),
    "sex": _("Sex"),
    "date_of_birth": _("Date of birth"),
    "place_of_birth": _("Place of birth"),
    "country_of_birth": _("Country of birth"),
    "nationalities": _("Nationalities"),
    "former_nationalities": _("Former nationalities"),
    "addresses": _("Current addresses"),
    "former_addresses": _("Former addresses"),
    "physical_features": _("Distinctive physical features"),
    "languages": _("Languages"),
    "dialects": _("Dialects"),
    "photographs": _("Photographs"),
    "identity_papers": _("Identity papers"),
}

EXTENDED_LABELS: dict[str, Any] = {
    "phones": _("Phone lines"),
    "devices": _("Telecommunications devices"),
    "emails": _("E-mail addresses"),
    "bank_accounts": _("Bank accounts"),
    "safe_deposit_boxes": _("Safe-deposit boxes"),
    "vehicles": _("Vehicles"),
    "marital_status": _("Marital status"),
    "ethnicity": _("Ethnicity"),
    "religion": _("Religion"),
    "religion_reason": _("Reason why religion is needed in this case"),
    "skills": _("Special skills"),
    "education": _("Schooling and training"),
    "profession": _("Profession"),
    "critical_infrastructure": _("Work in critical infrastructure"),
    "dangerousness": _("Dangerousness"),
    "licences": _("Driving and flying licences"),
    "visited_places": _("Visited places"),
    "contact_persons": _("Contact persons"),
    "organisation": _("Association or group"),
    "last_event_date": _("Date of the last event"),
    "free_text": _("Free text"),
    "websites": _("Websites"),
}

OBJECT_LABELS: dict[str, Any] = {
    "identifier": _("Identifier"),
    "description": _("Description"),
}

CONTACT_PERSON_LABELS: dict[str, Any] = {
    "surname": _("Surname"),
    "given_names": _("Given names"),
    "date_of_birth": _("Date of birth"),
    "place_of_birth": _("Place of birth"),
    "country_of_birth": _("Country of birth"),
    "nationality": _("Nationality"),
    "aliases": _("Aliases"),
    "spellings": _("Variant spellings"),
    "former_names": _("Former names"),
    "other_names": _("Other names"),
    "sex": _("Sex"),
    "address": _("Address"),
    "photographs": _("Photographs"),
    "phones": _("Phone lines"),
    "emails": _("E-mail addresses"),
    "business_contacts": _("Business contact details"),
}


def label(mapping: dict[str, Any], code: str) -> str:
    """Return the label of a code in a mapping, or the code itself."""
    return str(mapping.get(code, code))
