"""Browser forms for records: they parse input into the API payload and show domain errors.

The forms hold no entry rules. They turn the HTML inputs into the same JSON-like dict the
REST API takes (api.md "Records"), hand it to the record services, and map the field paths
of a ``DomainError`` ("basic.surname", "extended.religion_reason", ...) back to the inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import Officer, Role
from verbund.access.records import authorised_files, may_enter
from verbund.errors import DomainError
from verbund.forms import labels
from verbund.models.records import MARKINGS, OBJECT_KINDS, Classification, RecordKind, Storage
from verbund.selectors.catalogue import catalogue_current
from verbund.selectors.records import own_records
from verbund.services.record_rules import (
    EXT_CATALOGUE_MULTI,
    EXT_CATALOGUE_SINGLE,
    EXT_LIST_FIELDS,
    EXT_TEXT_FIELDS,
    MAX_MEASURES,
    MEASURE_KINDS,
    PROCEEDINGS_STATUSES,
    WITHHOLDABLE,
)

# Lists of names and languages, one per line: a value may itself contain a comma
# ("Abu A, genannt B"), so a comma never separates entries.
BASIC_NAME_LISTS = (
    "aliases",
    "spellings",
    "former_names",
    "other_names",
    "languages",
    "dialects",
)
# Lists entered one per line (values may contain commas).
BASIC_LINE_LISTS = ("addresses", "former_addresses", "physical_features", "identity_papers")
BASIC_COUNTRY_LISTS = ("nationalities", "former_nationalities")
BASIC_TEXT = ("surname", "given_names", "place_of_birth")
BASIC_MANAGED = frozenset(
    BASIC_NAME_LISTS
    + BASIC_LINE_LISTS
    + BASIC_COUNTRY_LISTS
    + BASIC_TEXT
    + ("sex", "date_of_birth", "country_of_birth")
)

# The extended-data field groups are those of the entry rules (one definition).
EXT_LINE_LISTS = EXT_LIST_FIELDS
EXT_TEXT = EXT_TEXT_FIELDS
EXT_SINGLE = EXT_CATALOGUE_SINGLE
EXT_MULTI = EXT_CATALOGUE_MULTI
EXT_MANAGED = frozenset(
    EXT_LINE_LISTS
    + EXT_TEXT
    + EXT_SINGLE
    + EXT_MULTI
    + ("religion_reason", "last_event_date", "free_text", "contact_persons")
)
CONTACT_FIELDS = ("surname", "given_names", "date_of_birth")
MIN_CONTACT_ROWS = 3
MAX_CONTACT_ROWS = 60
FREE_TEXT_MAX = 2000
# How many own person records the "linked person" select offers (newest first).
LINKED_PERSON_CHOICES = 300

_SPLIT_LINES = re.compile(r"[\r\n]+")
_SPLIT_COUNTRIES = re.compile(r"[\s,;]+")
_INDEX = re.compile(r"\[\d+\]")
_CONTACT_PATH = re.compile(r"^extended\.contact_persons\[(\d+)\](?:\.(\w+))?")
_MEASURE_PATH = re.compile(r"^incident\.measures\[(\d+)\](?:\.(\w+))?")

# GWS incident report (R-M2): the texts of the report, entered as ``incident_<name>``.
INCIDENT_TEXTS = ("event", "venue", "match", "report_reference", "suspected_offence", "fan_group")
INCIDENT_LABELS: dict[str, Any] = {
    "date": _("Date of the incident"),
    "event": _("Event"),
    "venue": _("Venue"),
    "match": _("Match"),
    "clubs": _("Clubs"),
    "report_reference": _("Incident report reference"),
    "suspected_offence": _("Suspected offence"),
    "fan_group": _("Fan group"),
    "description": _("Description of the incident"),
}
PROCEEDINGS_LABELS: dict[str, Any] = {
    "prosecutor_file_number": _("Prosecutor's file number"),
    "status": _("Status of the proceedings"),
    "authority": _("Prosecutor's office or court"),
}
PROCEEDINGS_STATUS_LABELS: dict[str, Any] = {
    "pending": _("investigation pending"),
    "charged": _("charges brought"),
    "discontinued": _("discontinued (e.g. section 170(2) StPO)"),
    "discontinued_provisionally": _("discontinued provisionally (e.g. section 153a StPO)"),
    "acquitted": _("acquitted"),
    "trial_refused": _("opening of trial refused"),
    "convicted": _("convicted"),
}
MEASURE_KIND_LABELS: dict[str, Any] = {
    "stadium_ban": _("Stadium ban"),
    "exit_ban": _("Exit ban"),
    "entry_refused": _("Entry refused by a foreign border authority"),
    "reporting_duty": _("Reporting duty"),
}
MEASURE_LABELS: dict[str, Any] = {
    "kind": _("Measure"),
    "from": _("From"),
    "until": _("Until"),
    "authority": _("Issuing authority"),
    "country": _("Country"),
    "reference": _("Reference"),
    "note": _("Note"),
}
MEASURE_FIELDS = ("kind", "from", "until", "authority", "country", "reference", "note")
MIN_MEASURE_ROWS = 2
# Sections that belong to one file only: the script hides the others (R-M2: GWS has no
# case group, extended data, restricted or covert storage; the incident report is GWS's).
SECTION_FILES = {
    "storage": "ATD",
    "decision": "ATD",
    "findings": "ATD",
    "extended": "ATD",
    "withheld": "ATD",
    "object": "ATD",
    "incident": "GWS",
    "proceedings": "GWS",
}

BLANK = ("", "—")


def split_lines(value: str) -> list[str]:
    """Split a one-per-line list; drop blanks."""
    return [part.strip() for part in _SPLIT_LINES.split(value or "") if part.strip()]


def split_countries(value: str) -> list[str]:
    """Split ISO country codes separated by commas or spaces, upper-cased."""
    return [part.strip().upper() for part in _SPLIT_COUNTRIES.split(value or "") if part.strip()]


def normalise_newlines(value: Any) -> Any:
    """Turn browser line breaks (CR LF, CR) into line feeds, as the API stores them."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def readable_text(value: Any) -> None:
    """Refuse text a browser could not have meant: bytes that were not UTF-8, NUL, surrogates.

    Django decodes a form post with ``errors="replace"``: invalid UTF-8 (``%FF``, an encoded
    surrogate ``%ED%A0%80``) arrives as U+FFFD. Stored, it would turn the officer's text into
    a question mark nobody typed; refused, the form shows the field again (400).
    """
    if isinstance(value, str) and (
        "\ufffd" in value or "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    ):
        raise ValidationError(
            _("The text contains characters that cannot be read; please type it again."),
            code="invalid_characters",
        )


class TextField(forms.CharField):
    """A text input whose line breaks are line feeds before any check or length count.

    Browsers send a textarea's line breaks as CRLF: without this a 2,000-character free
    text with line breaks, entered through the API, would be too long when saved unchanged.
    Text that arrived as invalid UTF-8 is refused (``readable_text``).
    """

    default_validators = [readable_text]

    def to_python(self, value: Any) -> Any:
        """Normalise line breaks, then clean as a ``CharField``."""
        return super().to_python(normalise_newlines(value))


def _textarea(rows: int = 2, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclass
class Fieldset:
    """One group of inputs as the template renders it."""

    key: str
    legend: Any
    fields: list[forms.BoundField]
    errors: list[str] = field(default_factory=list)
    help: Any = ""
    # Shown only for these kinds / storage modes (the script hides the rest; without
    # script everything stays visible and the service decides).
    show_for_kind: str = ""
    show_for_storage: str = ""
    show_for_file: str = ""


class RecordForm(forms.Form):
    """Enter or change a record; ``to_payload`` returns the API dict for the services."""

    SECTIONS: tuple[tuple[str, Any, tuple[str, ...], str, str], ...] = (
        ("entry", _("File and kind"), ("file", "kind", "case_group"), "", ""),
        ("storage", _("Storage mode and markings"), ("storage", "markings"), "", ""),
        (
            "decision",
            _("Decision on restricted or covert storage"),
            ("decided_by", "decision_reasons"),
            "",
            "restricted covert",
        ),
        ("findings", _("Factual basis of the entry"), ("findings_basis",), "", ""),
        (
            "basic",
            _("Basic data"),
            (
                "surname",
                "given_names",
                "aliases",
                "spellings",
                "former_names",
                "other_names",
                "sex",
                "date_of_birth",
                "place_of_birth",
                "country_of_birth",
                "nationalities",
                "former_nationalities",
                "addresses",
                "former_addresses",
                "physical_features",
                "languages",
                "dialects",
                "identity_papers",
            ),
            "person",
            "",
        ),
        (
            "incident",
            _("Incident report"),
            (
                "incident_date",
                "incident_event",
                "incident_venue",
                "incident_match",
                "incident_clubs",
                "incident_report_reference",
                "incident_suspected_offence",
                "incident_fan_group",
                "incident_description",
            ),
            "person",
            "",
        ),
        (
            "proceedings",
            _("Criminal proceedings"),
            (
                "proceedings_prosecutor_file_number",
                "proceedings_status",
                "proceedings_authority",
            ),
            "person",
            "",
        ),
        (
            "extended",
            _("Extended data"),
            (
                "ethnicity",
                "religion",
                "religion_reason",
                "marital_status",
                "skills",
                "critical_infrastructure",
                "dangerousness",
                "visited_places",
                "phones",
                "devices",
                "emails",
                "bank_accounts",
                "safe_deposit_boxes",
                "vehicles",
                "licences",
                "websites",
                "organisation",
                "profession",
                "education",
                "last_event_date",
                "free_text",
            ),
            "person",
            "",
        ),
        (
            "withheld",
            _("Restricted storage: extended data not entered"),
            ("withheld",),
            "person",
            "restricted",
        ),
        (
            "object",
            _("Object identification data"),
            ("identifier", "description", "linked_person"),
            "object",
            "",
        ),
        ("reference", _("File reference"), ("file_number", "classification"), "", ""),
        ("dates", _("Review and deletion dates"), ("review_date", "deletion_date"), "", ""),
    )
    SECTION_HELP = {
        "basic": _("Lists: one entry per line."),
        "extended": _(
            "Catalogue values come from the catalogue published by the BKA. "
            "Lists: one entry per line."
        ),
        "contact_persons": _(
            "Only for main persons of case group 1a or 2; rows left blank are ignored."
        ),
        "withheld": _(
            "Ticked fields are not stored at all; leave them empty above. If none is ticked, "
            "no extended data are stored."
        ),
        "dates": _(
            "Those of the source data under the owner's law; left empty, the file's rule applies."
        ),
        "incident": _(
            "The incident the entry rests on (violent offenders at sports events only). "
            "Clubs: one per line."
        ),
        "measures": _(
            "Stadium bans, exit bans, entries refused by a foreign border authority and "
            "reporting duties noted against the entry; rows left blank are ignored. Measure, "
            "start and issuing authority are required; for a refused entry also the country."
        ),
    }

    def __init__(
        self,
        data: Any = None,
        *,
        actor: Officer,
        existing: dict[str, Any] | None = None,
        file_code: str = "",
    ) -> None:
        """Build the inputs for the actor; ``existing`` (record data) switches to edit mode.

        ``file_code`` preselects the file of a new record (``?file=GWS``)."""
        self.actor = actor
        self.existing = existing
        self.editing = existing is not None
        self.error_code = ""
        self.error_detail = ""
        self.section_errors: dict[str, list[str]] = {}
        self._contact_sent: list[int] = []
        initial = self._initial_from(existing) if existing else {}
        existing_contacts = len((existing or {}).get("extended", {}).get("contact_persons", []))
        self.contact_row_count = self._row_count(data, existing_contacts)
        existing_measures = len((existing or {}).get("incident", {}).get("measures", []))
        self.measure_row_count = self._measure_rows(data, existing_measures)
        self._measure_sent: list[int] = []
        if file_code and not existing:
            initial["file"] = file_code
        super().__init__(data, initial=initial)
        self._build_fields()

    # ------------------------------------------------------------------ fields
    def _row_count(self, data: Any, existing_contacts: int) -> int:
        wanted = existing_contacts + MIN_CONTACT_ROWS
        if data is not None:
            try:
                wanted = int(data.get("contact_rows", wanted))
            except (TypeError, ValueError):
                wanted = MIN_CONTACT_ROWS
        return max(MIN_CONTACT_ROWS, min(MAX_CONTACT_ROWS, wanted))

    @staticmethod
    def _measure_rows(data: Any, existing: int) -> int:
        wanted = existing + MIN_MEASURE_ROWS
        if data is not None:
            try:
                wanted = int(data.get("measure_rows", wanted))
            except (TypeError, ValueError):
                wanted = MIN_MEASURE_ROWS
        return max(MIN_MEASURE_ROWS, min(MAX_MEASURES, wanted))

    @property
    def file_code(self) -> str:
        """Return the file the form enters into (the record's, the posted or the chosen)."""
        if self.existing:
            return str(self.existing.get("file", ""))
        if self.is_bound and self.data.get("file"):
            return str(self.data.get("file"))
        return str(self.initial.get("file") or self.fields["file"].initial or "")

    def _build_fields(self) -> None:
        lang = (get_language() or "de")[:2]
        catalogue = catalogue_current(language=lang)
        f = self.fields

        files = list(authorised_files(self.actor).order_by("code"))
        if not self.editing:
            # A file whose order does not let the agency enter is not offered for a new
            # entry (R-A1, R-M1: e.g. the BKA retrieves GWS records but does not enter).
            files = [x for x in files if may_enter(self.actor, x)[1] != "not_participant"]
        f["file"] = forms.ChoiceField(
            label=_("File"),
            choices=[(x.code, labels.label(labels.FILE_LABELS, x.code)) for x in files],
            disabled=self.editing,
        )
        kinds = [RecordKind.PERSON.value, *OBJECT_KINDS]
        f["kind"] = forms.ChoiceField(
            label=_("Kind"),
            choices=[(k, labels.label(labels.KIND_LABELS, k)) for k in kinds],
            initial=RecordKind.PERSON.value,
            disabled=self.editing,
            help_text=_("A person, or an object linked to a person."),
        )
        f["case_group"] = forms.ChoiceField(
            label=_("Case group"),
            choices=[BLANK] + [(v["code"], v["label"]) for v in catalogue["case_groups"]],
            required=False,
            help_text=_("Persons in the ATD only."),
        )
        f["storage"] = forms.ChoiceField(
            label=_("Storage mode"),
            choices=[
                (s, f"{labels.STORAGE_LABELS[s]} — {labels.STORAGE_HELP[s]}")
                for s in Storage.values
            ],
            initial=Storage.OPEN.value,
            widget=forms.RadioSelect,
        )
        f["markings"] = forms.MultipleChoiceField(
            label=_("Markings"),
            choices=[(m, labels.MARKING_LABELS[m]) for m in sorted(MARKINGS)],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_(
                "Data from measures under Art. 10 or 13 GG or from IT-system intrusion are "
                "always stored covert."
            ),
        )
        heads = (
            Officer.objects.filter(agency_id=self.actor.agency_id, role=Role.HEAD, is_active=True)
            if self.actor.agency_id is not None
            else Officer.objects.none()
        ).order_by("username")
        f["decided_by"] = forms.ChoiceField(
            label=_("Decided by"),
            choices=[BLANK] + [(h.username, h.get_full_name() or h.username) for h in heads],
            required=False,
            help_text=_("Head of agency or a specially authorised senior officer."),
        )
        f["decision_reasons"] = TextField(
            label=_("Reasons of the decision"), required=False, widget=_textarea(3)
        )
        f["findings_basis"] = TextField(
            label=_("Factual indications and findings"),
            required=False,
            widget=_textarea(3),
            help_text=_("Concrete findings the entry rests on; required in the ATD."),
        )

        for name in BASIC_TEXT:
            f[name] = TextField(label=labels.BASIC_LABELS[name], required=False, max_length=200)
        for name in BASIC_NAME_LISTS + BASIC_LINE_LISTS:
            f[name] = TextField(
                label=labels.BASIC_LABELS[name],
                required=False,
                widget=_textarea(2),
                help_text=_("One per line."),
            )
        f["sex"] = forms.ChoiceField(
            label=labels.BASIC_LABELS["sex"],
            choices=[BLANK] + [(k, v) for k, v in labels.SEX_LABELS.items()],
            required=False,
        )
        f["date_of_birth"] = forms.DateField(
            label=labels.BASIC_LABELS["date_of_birth"], required=False, widget=_date_widget()
        )
        f["country_of_birth"] = TextField(
            label=labels.BASIC_LABELS["country_of_birth"],
            required=False,
            max_length=2,
            widget=forms.TextInput(attrs={"size": 3, "class": "short"}),
            help_text=_("ISO 3166 code, e.g. DE."),
        )
        for name in BASIC_COUNTRY_LISTS:
            f[name] = TextField(
                label=labels.BASIC_LABELS[name],
                required=False,
                help_text=_("ISO 3166 codes, separated by commas, e.g. DE, TR."),
            )

        for name in EXT_SINGLE:
            f[name] = forms.ChoiceField(
                label=labels.EXTENDED_LABELS[name],
                choices=[BLANK] + [(v["code"], v["label"]) for v in catalogue[name]],
                required=False,
            )
        f["religion"].help_text = _(
            "Only where necessary in the individual case, and only as an identifying value."
        )
        f["religion_reason"] = TextField(
            label=labels.EXTENDED_LABELS["religion_reason"],
            required=False,
            widget=_textarea(2),
            help_text=_("Required whenever a religion is entered."),
        )
        for name in EXT_MULTI:
            f[name] = forms.MultipleChoiceField(
                label=labels.EXTENDED_LABELS[name],
                choices=[(v["code"], v["label"]) for v in catalogue[name]],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for name in EXT_LINE_LISTS:
            f[name] = TextField(
                label=labels.EXTENDED_LABELS[name],
                required=False,
                widget=_textarea(2),
                help_text=_("One per line."),
            )
        for name in EXT_TEXT:
            f[name] = TextField(label=labels.EXTENDED_LABELS[name], required=False)
        f["last_event_date"] = forms.DateField(
            label=labels.EXTENDED_LABELS["last_event_date"],
            required=False,
            widget=_date_widget(),
            help_text=_("The last event justifying storage; periods run from it."),
        )
        # The length limit (R-C6) is checked by the service; maxlength only helps the user.
        f["free_text"] = TextField(
            label=labels.EXTENDED_LABELS["free_text"],
            required=False,
            strip=False,
            widget=_textarea(4, maxlength=str(FREE_TEXT_MAX), **{"data-counter": "1"}),
            help_text=_("At most 2,000 characters; only remarks on basic or extended data."),
        )

        self._incident_fields()

        for i in range(self.contact_row_count):
            f[f"cp{i}_surname"] = TextField(
                label=labels.CONTACT_PERSON_LABELS["surname"], required=False, max_length=200
            )
            f[f"cp{i}_given_names"] = TextField(
                label=labels.CONTACT_PERSON_LABELS["given_names"], required=False, max_length=200
            )
            f[f"cp{i}_date_of_birth"] = forms.DateField(
                label=labels.CONTACT_PERSON_LABELS["date_of_birth"],
                required=False,
                widget=_date_widget(),
            )

        f["withheld"] = forms.MultipleChoiceField(
            label=_("Fields not entered"),
            choices=self._withheld_choices(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

        f["identifier"] = TextField(
            label=labels.OBJECT_LABELS["identifier"],
            required=False,
            help_text=_("Name, number or address that identifies the object."),
        )
        f["description"] = TextField(
            label=labels.OBJECT_LABELS["description"], required=False, widget=_textarea(2)
        )
        f["linked_person"] = forms.ChoiceField(
            label=_("Linked person"),
            choices=self._linked_person_choices(),
            required=False,
            help_text=_("Own person record of case group 1 or 2."),
        )

        f["file_number"] = TextField(label=_("File number"), required=False, max_length=80)
        f["classification"] = forms.ChoiceField(
            label=_("Classification"),
            choices=[(c, labels.CLASSIFICATION_LABELS[c]) for c in Classification.values],
            initial=Classification.NONE.value,
        )
        f["review_date"] = forms.DateField(
            label=_("Review date"),
            required=False,
            widget=_date_widget(),
            help_text=_(
                "Optional: the review date of your source data. Left empty, your agency's date "
                "rule supplies it (for GWS: the establishment order); without a rule the "
                "record is listed for review at once."
            ),
        )
        f["deletion_date"] = forms.DateField(
            label=_("Deletion date"),
            required=False,
            widget=_date_widget(),
            help_text=_(
                "Optional: the date by which your source data must be deleted. Left empty, "
                "your agency's date rule supplies it (for GWS: the establishment order); "
                "without a rule it is the longest period allowed (10 years for adults, 5 for "
                "juveniles, 2 for children from the last event — a project decision still to "
                "be verified)."
            ),
        )
        if self.editing:
            # The version the form was loaded with: the change applies only to it (If-Match).
            # Absent (an old client): no condition, as without If-Match in the API.
            f["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=1,
                required=False,
                initial=(self.existing or {}).get("version"),
            )

    def _incident_fields(self) -> None:
        """The GWS incident report, the proceedings and the measure rows (R-M2, R-M3)."""
        f = self.fields
        f["incident_date"] = forms.DateField(
            label=INCIDENT_LABELS["date"], required=False, widget=_date_widget()
        )
        for name in INCIDENT_TEXTS:
            f[f"incident_{name}"] = TextField(
                label=INCIDENT_LABELS[name], required=False, max_length=500
            )
        f["incident_clubs"] = TextField(
            label=INCIDENT_LABELS["clubs"],
            required=False,
            widget=_textarea(2),
            help_text=_("One per line."),
        )
        f["incident_description"] = TextField(
            label=INCIDENT_LABELS["description"],
            required=False,
            widget=_textarea(4, maxlength=str(FREE_TEXT_MAX)),
        )
        f["proceedings_prosecutor_file_number"] = TextField(
            label=PROCEEDINGS_LABELS["prosecutor_file_number"], required=False, max_length=80
        )
        f["proceedings_status"] = forms.ChoiceField(
            label=PROCEEDINGS_LABELS["status"],
            choices=[BLANK] + [(c, PROCEEDINGS_STATUS_LABELS[c]) for c in PROCEEDINGS_STATUSES],
            required=False,
        )
        f["proceedings_authority"] = TextField(
            label=PROCEEDINGS_LABELS["authority"], required=False, max_length=200
        )
        for i in range(self.measure_row_count):
            f[f"m{i}_kind"] = forms.ChoiceField(
                label=MEASURE_LABELS["kind"],
                choices=[BLANK] + [(k, MEASURE_KIND_LABELS[k]) for k in MEASURE_KINDS],
                required=False,
            )
            for name in ("from", "until"):
                f[f"m{i}_{name}"] = forms.DateField(
                    label=MEASURE_LABELS[name], required=False, widget=_date_widget()
                )
            f[f"m{i}_authority"] = TextField(
                label=MEASURE_LABELS["authority"], required=False, max_length=200
            )
            f[f"m{i}_country"] = TextField(
                label=MEASURE_LABELS["country"],
                required=False,
                max_length=2,
                widget=forms.TextInput(attrs={"size": 3, "class": "short"}),
            )
            f[f"m{i}_reference"] = TextField(
                label=MEASURE_LABELS["reference"], required=False, max_length=80
            )
            f[f"m{i}_note"] = TextField(label=MEASURE_LABELS["note"], required=False)

    @staticmethod
    def _withheld_choices() -> list[tuple[str, str]]:
        choices = [(w, labels.label(labels.EXTENDED_LABELS, w)) for w in WITHHOLDABLE]
        return sorted(choices, key=lambda choice: choice[1])

    def _linked_person_choices(self) -> list[tuple[str, str]]:
        people = (
            own_records(actor=self.actor)
            .filter(kind=RecordKind.PERSON)
            .exclude(case_group="")
            .select_related(None)
            .only("id", "file_number", "basic", "case_group")[:LINKED_PERSON_CHOICES]
        )
        choices = [BLANK] + [
            (
                str(p.pk),
                f"{p.file_number} — {p.basic.get('surname', '')}, "
                f"{p.basic.get('given_names', '')} ({p.case_group})",
            )
            for p in people
        ]
        current = (self.existing or {}).get("linked_person")
        if current and current not in {c[0] for c in choices}:
            choices.append((current, current))
        return choices

    # ------------------------------------------------------------------ edit mode
    def _initial_from(self, record: dict[str, Any]) -> dict[str, Any]:
        """Return the initial values of the inputs for an existing record (owner's view)."""
        basic = record.get("basic") or {}
        ext = record.get("extended") or {}
        obj = record.get("object") or {}
        decision = record.get("storage_decision") or {}
        reference = record.get("reference") or {}
        initial: dict[str, Any] = {
            "file": record.get("file"),
            "kind": record.get("kind"),
            "case_group": record.get("case_group", ""),
            "storage": record.get("storage"),
            "markings": record.get("markings", []),
            "decided_by": decision.get("decided_by", ""),
            "decision_reasons": decision.get("reasons", ""),
            "findings_basis": record.get("findings_basis", ""),
            "withheld": record.get("withheld", []),
            "identifier": obj.get("identifier", ""),
            "description": obj.get("description", ""),
            "linked_person": record.get("linked_person") or "",
            "file_number": reference.get("file_number", ""),
            "classification": reference.get("classification", Classification.NONE.value),
            "review_date": record.get("review_date", ""),
            "deletion_date": record.get("deletion_date", ""),
        }
        for name in BASIC_TEXT + ("sex", "date_of_birth", "country_of_birth"):
            initial[name] = basic.get(name, "")
        for name in BASIC_NAME_LISTS + BASIC_LINE_LISTS:
            initial[name] = "\n".join(basic.get(name, []))
        for name in BASIC_COUNTRY_LISTS:
            initial[name] = ", ".join(basic.get(name, []))
        for name in EXT_SINGLE + EXT_TEXT + ("religion_reason", "last_event_date", "free_text"):
            initial[name] = ext.get(name, "")
        for name in EXT_MULTI:
            initial[name] = ext.get(name, [])
        for name in EXT_LINE_LISTS:
            initial[name] = "\n".join(ext.get(name, []))
        for i, cp in enumerate(ext.get("contact_persons", [])):
            for name in CONTACT_FIELDS:
                initial[f"cp{i}_{name}"] = cp.get(name, "")
        incident = record.get("incident") or {}
        initial["incident_date"] = incident.get("date", "")
        for name in INCIDENT_TEXTS + ("description",):
            initial[f"incident_{name}"] = incident.get(name, "")
        initial["incident_clubs"] = "\n".join(incident.get("clubs", []))
        proceedings = incident.get("proceedings") or {}
        for name in PROCEEDINGS_LABELS:
            initial[f"proceedings_{name}"] = proceedings.get(name, "")
        for i, measure in enumerate(incident.get("measures", [])):
            for name in MEASURE_FIELDS:
                initial[f"m{i}_{name}"] = measure.get(name, "")
        return initial

    # ------------------------------------------------------------------ payload
    def to_payload(self) -> dict[str, Any]:
        """Return the API payload (api.md "Records") built from the cleaned inputs.

        In edit mode, values the form does not show (e.g. photographs, further
        contact-person fields) are carried over from the record unchanged.
        """
        cd = self.cleaned_data
        kind = cd["kind"]
        storage = cd["storage"]
        is_person = kind == RecordKind.PERSON
        data: dict[str, Any] = {}
        if not self.editing:
            data["file"] = cd["file"]
            data["kind"] = kind
        if is_person and cd.get("case_group"):
            data["case_group"] = cd["case_group"]
        data["storage"] = storage
        if storage != Storage.OPEN:
            data["storage_decision"] = {
                "decided_by": cd.get("decided_by", ""),
                "reasons": cd.get("decision_reasons", ""),
            }
        data["markings"] = sorted(cd.get("markings") or [])
        data["findings_basis"] = cd.get("findings_basis", "")
        gws = self.file_code not in ("", "ATD")
        if is_person:
            data["basic"] = self._basic_payload()
            extended = self._extended_payload()
            if extended or not gws:
                # GWS takes no extended data: what was typed anyway is refused, named.
                data["extended"] = extended
            incident = self._incident_payload()
            if gws or _has_content(incident):
                # The incident report is GWS's; in the ATD it is refused, named (400).
                data["incident"] = incident
            if storage == Storage.RESTRICTED and cd.get("withheld"):
                # Nothing ticked: the key stays out and every field is withheld (api.md).
                data["withheld"] = sorted(cd["withheld"])
        else:
            obj = {k: v for k, v in (self.existing or {}).get("object", {}).items()}
            obj["identifier"] = cd.get("identifier", "").strip()
            obj["description"] = cd.get("description", "").strip()
            data["object"] = {k: v for k, v in obj.items() if v}
            data["linked_person"] = cd.get("linked_person") or None
        data["reference"] = {
            "file_number": cd.get("file_number", "").strip(),
            "classification": cd.get("classification") or Classification.NONE.value,
        }
        old = self.existing or {}
        for name in ("review_date", "deletion_date"):
            value = cd[name].isoformat() if cd.get(name) else None
            if not self.editing:
                if value:
                    data[name] = value
            elif value is None:
                # Emptied: the rule or the order supplies the date anew (R-L4a).
                data[name] = None
            elif value != old.get(name):
                # Unchanged dates stay out: a date the rule supplied stays the rule's.
                data[name] = value
        if self.editing:
            self._mark_removed(data)
        return data

    def if_match(self) -> list[int] | None:
        """Return the version the edit form was loaded with (``None``: no condition)."""
        version = self.cleaned_data.get("version")
        return None if version is None else [version]

    def _mark_removed(self, data: dict[str, Any]) -> None:
        """Edit mode: turn every field the officer emptied into a ``null`` (RFC 7396).

        A change is a merge patch: an absent key keeps the stored value, so an emptied
        input must say "remove" explicitly.
        """
        if self.cleaned_data["kind"] == RecordKind.PERSON:
            for name in BASIC_MANAGED - data.get("basic", {}).keys():
                data.setdefault("basic", {})[name] = None
            if "extended" in data or self.file_code == "ATD":
                for name in EXT_MANAGED - data.get("extended", {}).keys():
                    data.setdefault("extended", {})[name] = None
        elif "object" in data:
            for name in ("identifier", "description"):
                data["object"].setdefault(name, None)
        for name in ("case_group", "storage_decision", "withheld"):
            data.setdefault(name, None)

    def _basic_payload(self) -> dict[str, Any]:
        cd = self.cleaned_data
        old = (self.existing or {}).get("basic", {})
        basic: dict[str, Any] = {k: v for k, v in old.items() if k not in BASIC_MANAGED}
        for name in BASIC_TEXT:
            basic[name] = cd.get(name, "").strip()
        for name in BASIC_NAME_LISTS + BASIC_LINE_LISTS:
            basic[name] = split_lines(cd.get(name, ""))
        for name in BASIC_COUNTRY_LISTS:
            basic[name] = split_countries(cd.get(name, ""))
        basic["sex"] = cd.get("sex", "")
        basic["country_of_birth"] = (cd.get("country_of_birth") or "").strip().upper()
        if cd.get("date_of_birth"):
            basic["date_of_birth"] = cd["date_of_birth"].isoformat()
        return {k: v for k, v in basic.items() if v not in ("", [], None)}

    def _extended_payload(self) -> dict[str, Any]:
        cd = self.cleaned_data
        old = (self.existing or {}).get("extended", {})
        ext: dict[str, Any] = {k: v for k, v in old.items() if k not in EXT_MANAGED}
        for name in EXT_SINGLE:
            ext[name] = cd.get(name, "")
        for name in EXT_MULTI:
            ext[name] = list(cd.get(name) or [])
        for name in EXT_LINE_LISTS:
            ext[name] = split_lines(cd.get(name, ""))
        for name in EXT_TEXT + ("religion_reason",):
            ext[name] = cd.get(name, "").strip()
        ext["free_text"] = (cd.get("free_text") or "").strip()
        if cd.get("last_event_date"):
            ext["last_event_date"] = cd["last_event_date"].isoformat()
        ext["contact_persons"] = self._contact_payload(old.get("contact_persons", []))
        return {k: v for k, v in ext.items() if v not in ("", [], None)}

    def _incident_payload(self) -> dict[str, Any]:
        """Return the incident report as the API takes it (R-M2, R-M3).

        Every managed key is sent, an emptied one as ``""`` (the entry rules drop empty
        values), so a change removes what the officer emptied; the measures replace the
        stored list whole (RFC 7396).
        """
        cd = self.cleaned_data
        incident: dict[str, Any] = {
            "date": cd["incident_date"].isoformat() if cd.get("incident_date") else "",
            "clubs": split_lines(cd.get("incident_clubs", "")),
            "description": (cd.get("incident_description") or "").strip(),
        }
        for name in INCIDENT_TEXTS:
            incident[name] = (cd.get(f"incident_{name}") or "").strip()
        incident["proceedings"] = {
            name: (cd.get(f"proceedings_{name}") or "").strip() for name in PROCEEDINGS_LABELS
        }
        incident["measures"] = self._measure_payload()
        return incident

    def _measure_payload(self) -> list[dict[str, Any]]:
        cd = self.cleaned_data
        out: list[dict[str, Any]] = []
        self._measure_sent = []
        for i in range(self.measure_row_count):
            row: dict[str, Any] = {}
            for name in MEASURE_FIELDS:
                raw = cd.get(f"m{i}_{name}")
                value = raw.isoformat() if raw is not None and hasattr(raw, "isoformat") else raw
                value = str(value or "").strip()
                if name == "country":
                    value = value.upper()
                if value:
                    row[name] = value
            if row:
                out.append(row)
                self._measure_sent.append(i)
        return out

    def _contact_payload(self, old: list[dict[str, Any]]) -> list[dict[str, Any]]:
        cd = self.cleaned_data
        out: list[dict[str, Any]] = []
        self._contact_sent = []
        for i in range(self.contact_row_count):
            surname = (cd.get(f"cp{i}_surname") or "").strip()
            given = (cd.get(f"cp{i}_given_names") or "").strip()
            born = cd.get(f"cp{i}_date_of_birth")
            if not (surname or given or born):
                continue
            # Keep fields of the contact person this form does not show (edit mode).
            row: dict[str, Any] = dict(old[i]) if i < len(old) else {}
            row.update({"surname": surname, "given_names": given})
            row["date_of_birth"] = born.isoformat() if born else ""
            out.append({k: v for k, v in row.items() if v not in ("", [], None)})
            self._contact_sent.append(i)
        return out

    # ------------------------------------------------------------------ errors
    def apply_domain_error(self, exc: DomainError) -> None:
        """Show a service refusal: machine code on top, each message next to its input."""
        self.error_code = exc.code
        self.error_detail = exc.detail
        placed = False
        for path, messages in (exc.fields or {}).items():
            items = messages if isinstance(messages, list) else [messages]
            target, section = self._target_for(str(path))
            for message in items:
                text = str(message)
                placed = True
                if target:
                    self.add_error(target, text)
                elif section:
                    self.section_errors.setdefault(section, []).append(text)
                else:
                    self.add_error(None, text)
        if not placed:
            self.add_error(None, exc.detail)

    def _target_for(self, path: str) -> tuple[str, str]:
        """Return (input name, section key) for an error path of the services."""
        match = _CONTACT_PATH.match(path)
        if match:
            index = int(match.group(1))
            name = match.group(2) or "surname"
            row = self._contact_sent[index] if index < len(self._contact_sent) else None
            field_name = f"cp{row}_{name}" if row is not None else ""
            if field_name in self.fields:
                return field_name, ""
            return "", "contact_persons"
        match = _MEASURE_PATH.match(path)
        if match:
            index = int(match.group(1))
            name = match.group(2) or "kind"
            row = self._measure_sent[index] if index < len(self._measure_sent) else None
            field_name = f"m{row}_{name}" if row is not None else ""
            if field_name in self.fields:
                return field_name, ""
            return "", "measures"
        if path.startswith("incident"):
            parts = _INDEX.sub("", path).split(".")
            if len(parts) >= 3 and parts[1] == "proceedings":
                name = f"proceedings_{parts[2]}"
                return (name, "") if name in self.fields else ("", "proceedings")
            if len(parts) >= 2 and parts[1] == "measures":
                return "", "measures"
            if len(parts) >= 2 and f"incident_{parts[1]}" in self.fields:
                return f"incident_{parts[1]}", ""
            return "", "incident"
        special = {
            "storage_decision": "decided_by",
            "storage_decision.decided_by": "decided_by",
            "storage_decision.reasons": "decision_reasons",
        }
        if path in special:
            return special[path], ""
        parts = _INDEX.sub("", path).split(".")
        if len(parts) >= 2 and parts[0] in ("basic", "extended", "object", "reference"):
            if parts[1] == "contact_persons":
                return "", "contact_persons"
            if parts[1] in self.fields:
                return parts[1], ""
            return "", parts[0]
        if parts[0] in self.fields:
            return parts[0], ""
        sections = {key for key, *_rest in self.SECTIONS}
        if parts[0] in sections:
            return "", parts[0]
        return "", ""

    # ------------------------------------------------------------------ rendering
    @property
    def fieldsets(self) -> list[Fieldset]:
        """Return the groups of inputs in display order."""
        out = []
        for key, legend, names, kind, storage in self.SECTIONS:
            only = SECTION_FILES.get(key, "")
            if self.editing and only and only != self.file_code:
                # A record's file never changes: the other file's sections do not apply.
                continue
            out.append(
                Fieldset(
                    key=key,
                    legend=legend,
                    fields=[self[name] for name in names],
                    errors=self.section_errors.get(key, []),
                    help=self.SECTION_HELP.get(key, ""),
                    show_for_kind=kind,
                    show_for_storage=storage,
                    show_for_file=only,
                )
            )
        return out

    @property
    def error_summary(self) -> list[dict[str, str]]:
        """Return every message with the label and anchor of its input, in form order."""
        out: list[dict[str, str]] = []
        legends = {key: legend for key, legend, *_rest in self.SECTIONS}
        legends["contact_persons"] = _("Contact persons")
        for key, legend, names, _kind, _storage in self.SECTIONS:
            for message in self.section_errors.get(key, []):
                out.append({"anchor": f"section-{key}", "label": str(legend), "message": message})
            for name in names:
                for error in self.errors.get(name, []):
                    label = str(self.fields[name].label)
                    out.append({"anchor": f"field-{name}", "label": label, "message": str(error)})
            if key == "proceedings":
                label = str(_("Measures"))
                for message in self.section_errors.get("measures", []):
                    out.append({"anchor": "section-measures", "label": label, "message": message})
                for i in range(self.measure_row_count):
                    for name in MEASURE_FIELDS:
                        for error in self.errors.get(f"m{i}_{name}", []):
                            out.append(
                                {
                                    "anchor": "section-measures",
                                    "label": f"{label} {i + 1}: {MEASURE_LABELS[name]}",
                                    "message": str(error),
                                }
                            )
            if key == "extended":
                for message in self.contact_errors:
                    label = str(legends["contact_persons"])
                    out.append(
                        {"anchor": "section-contact_persons", "label": label, "message": message}
                    )
                for i in range(self.contact_row_count):
                    for name in CONTACT_FIELDS:
                        for error in self.errors.get(f"cp{i}_{name}", []):
                            label = f"{legends['contact_persons']} {i + 1}"
                            anchor = "section-contact_persons"
                            out.append({"anchor": anchor, "label": label, "message": str(error)})
        return out

    @property
    def has_marked_fields(self) -> bool:
        """Whether any input or section carries a message (else only the form-wide ones)."""
        return bool(self.error_summary)

    @property
    def contact_rows(self) -> list[list[forms.BoundField]]:
        """Return the contact-person rows (surname, given names, date of birth)."""
        return [
            [self[f"cp{i}_{name}"] for name in CONTACT_FIELDS]
            for i in range(self.contact_row_count)
        ]

    @property
    def measure_rows(self) -> list[list[forms.BoundField]]:
        """Return the measure rows (kind, from, until, authority, country, reference, note)."""
        return [
            [self[f"m{i}_{name}"] for name in MEASURE_FIELDS] for i in range(self.measure_row_count)
        ]

    @property
    def measure_errors(self) -> list[str]:
        """Return errors about the measures as a whole."""
        return self.section_errors.get("measures", [])

    @property
    def measure_help(self) -> Any:
        """Return the help text of the measure table."""
        return self.SECTION_HELP["measures"]

    @property
    def show_measures(self) -> bool:
        """Whether the measure table applies (not when changing an ATD record)."""
        return not (self.editing and self.file_code == "ATD")

    @property
    def show_contacts(self) -> bool:
        """Whether the contact-person table applies (not when changing a GWS record)."""
        return not (self.editing and self.file_code != "ATD")

    @property
    def contact_errors(self) -> list[str]:
        """Return errors about the contact persons as a whole."""
        return self.section_errors.get("contact_persons", [])

    @property
    def contact_help(self) -> Any:
        """Return the help text of the contact-person table."""
        return self.SECTION_HELP["contact_persons"]


def _has_content(value: Any) -> bool:
    """Whether a nested input holds any non-empty value."""
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return value not in ("", None)


class VersionedForm(forms.Form):
    """A form acting on one version of a record: it sends the version it was loaded with."""

    # Absent (an old client): no condition, as without If-Match in the API.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def if_match(self) -> list[int] | None:
        """Return the version condition of the action (the record's ``If-Match``)."""
        version = self.cleaned_data.get("version")
        return None if version is None else [version]


class BlockForm(VersionedForm):
    """Block a record instead of deleting it (R-L3)."""

    reason = TextField(
        label=_("Reason for blocking"),
        widget=_textarea(4),
        help_text=_("Why deletion would harm worthy interests of the data subject."),
    )


class DeleteForm(VersionedForm):
    """Delete a record after confirmation (R-L2, R-L5)."""

    reason = TextField(label=_("Reason for deletion"), widget=_textarea(4))
    confirm = forms.BooleanField(
        label=_("I confirm that the record and its search keys are deleted for good."),
    )


class CorrectionNoticeForm(forms.Form):
    """Tell the owner about indications of inaccuracy (R-H2)."""

    text = TextField(
        label=_("Indications of inaccuracy"),
        widget=_textarea(4),
        help_text=_("The owning agency reviews and corrects without delay."),
    )


class CorrectionDecisionForm(forms.Form):
    """The owner's answer to a correction notice: corrected, or rejected with reasons (R-H2)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("corrected", _("Corrected")),
            ("rejected", _("Rejected")),
        ],
        widget=forms.RadioSelect,
    )
    reasons = TextField(
        label=_("Reasons"),
        widget=_textarea(3),
        max_length=4000,
        help_text=_(
            "If corrected: briefly note what was changed. If rejected: why the record is "
            "accurate. The agency that sent the notice is told."
        ),
    )


def apply_simple_error(form: forms.Form, exc: DomainError) -> None:
    """Attach a service refusal to a small form (field errors where the name matches)."""
    placed = False
    for path, messages in (exc.fields or {}).items():
        items = messages if isinstance(messages, list) else [messages]
        name = str(path) if str(path) in form.fields else None
        for message in items:
            form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
