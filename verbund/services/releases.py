"""Releases ("Freigabe") of records from a state police system into GWS (R-M1, R-H1).

A state system (``StateSystem``, first POLAS-BW) delivers rows as JSON or CSV
(docs/gws.md "Freigabe aus Landessystemen"). ``release_run`` checks the delivery as a whole
(size, format, columns: 400 and nothing stored), the officer (an officer of the system's
state police, authorised for the file, an entering participant of the order in force: else
403) and the legal-basis gate (closed: 422 ``no_legal_basis``, nothing stored); then enters
each row through ``record_create`` — every entry rule applies — in a transaction of its
own: a row is imported whole or not at all, a rejected row is reported with its number,
source reference, code and field errors, and the other rows are imported. The entering
state police owns every record (R-H1); the record keeps its source system and reference.
A source reference already released is rejected ``already_released`` naming the stored
record (the constraint ``record_one_release_per_source`` also decides between two
concurrent releases). The delivery is kept as a ``Release`` with its report and logged
(``release.run``).

``legacy`` releases stock stored before the file had a legal basis: it leaves out the
legal-basis gate and nothing else, and flags the records ``legacy``. Only the management
command sets it (``release_from_state --legacy``), never the API or the browser.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import AgencyKind, FileAuthorisation, Officer, Role
from audit.services import log_event
from verbund.access.records import authorised_files, file_for_actor, may_enter
from verbund.errors import DomainError, Forbidden, Invalid, NotFound, Refused
from verbund.models import Record, Release, ReleasedSource, StateSystem
from verbund.models.states import ReleaseChannel
from verbund.services import shapes
from verbund.services.record_rules import BASIC_SHAPE, INCIDENT_SHAPE, RECORD_SHAPE
from verbund.services.records import record_create

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
FORMATS = ("json", "csv")
CONSTRAINT = "record_one_release_per_source"
SOURCE_CONSTRAINT = "released_source_once"
# The keys of a JSON row: a GWS record body without ``file`` (and without the ATD-only
# fields), plus the reference of the row in the state system.
ROW_FIELDS = (
    "source_reference",
    "basic",
    "reference",
    "incident",
    "review_date",
    "deletion_date",
)
SOURCE_REFERENCE_MAX = 80
# The JSON types of a row and of the document (the API schema documents them; a row of the
# wrong types is rejected in the report, it does not refuse the delivery).
RELEASE_ROW = shapes.Obj(
    {
        "source_reference": shapes.Text(max_len=SOURCE_REFERENCE_MAX),
        "basic": BASIC_SHAPE,
        "reference": RECORD_SHAPE.fields["reference"],
        "incident": INCIDENT_SHAPE,
        "review_date": RECORD_SHAPE.fields["review_date"],
        "deletion_date": RECORD_SHAPE.fields["deletion_date"],
    }
)
RELEASE_DOCUMENT = shapes.Obj(
    {"system": shapes.Text(max_len=20), "rows": shapes.ListOf(RELEASE_ROW, max_items=MAX_ROWS)}
)
# CSV: one row per line, a header line naming the columns; lists separated by ";".
CSV_REQUIRED = ("source_reference", "surname", "file_number")
CSV_BASIC = {
    "surname": "surname",
    "given_names": "given_names",
    "date_of_birth": "date_of_birth",
    "sex": "sex",
    "place_of_birth": "place_of_birth",
    "country_of_birth": "country_of_birth",
    "nationalities": "nationalities",
}
CSV_INCIDENT = {
    "incident_date": "date",
    "incident_event": "event",
    "incident_venue": "venue",
    "incident_match": "match",
    "incident_clubs": "clubs",
    "report_reference": "report_reference",
    "suspected_offence": "suspected_offence",
    "fan_group": "fan_group",
    "incident_description": "description",
}
CSV_PROCEEDINGS = {
    "prosecutor_file_number": "prosecutor_file_number",
    "proceedings_status": "status",
    "proceedings_authority": "authority",
}
CSV_LISTS = frozenset({"nationalities", "incident_clubs"})
CSV_COLUMNS = (
    ("source_reference",)
    + tuple(CSV_BASIC)
    + ("file_number",)
    + tuple(CSV_INCIDENT)
    + tuple(CSV_PROCEEDINGS)
    + ("review_date", "deletion_date")
)


# ---------------------------------------------------------------------------- systems


def state_systems() -> QuerySet[StateSystem]:
    """Return the state systems (public reference data: code, name, state, agency, file)."""
    return StateSystem.objects.select_related("agency", "file").order_by("state")


def state_system_find(code: str, *, state: bool = False) -> StateSystem:
    """Return the state system by its code (``POLAS-BW``) or, with ``state``, its state
    (``BW``); raise 404 ``unknown_system``."""
    value = (code or "").strip()
    lookup = {"state": value.upper()} if state else {"code": value}
    system = state_systems().filter(**lookup).first() if "\x00" not in value else None
    if system is None:
        raise NotFound("Unbekanntes Landessystem.", code="unknown_system")
    return system


def state_system_for_agency(agency_id: Any) -> StateSystem | None:
    """Return the state system whose releases the agency owns, if any (navigation)."""
    if agency_id is None:
        return None
    return state_systems().filter(agency_id=agency_id).first()


def technical_officer(system: StateSystem) -> Officer:
    """Return the technical account the command releases as when no officer is named.

    ``<system code lower>.freigabe`` (e.g. ``polas-bw.freigabe``): an analyst of the system's
    agency, authorised for the system's file, without a usable password (nobody logs in
    with it). Created on first use (logged ``officer.create``).
    """
    username = f"{system.code.lower()}.freigabe"
    with transaction.atomic():
        officer = Officer.objects.filter(username=username).first()
        if officer is None:
            officer = Officer(
                username=username,
                agency=system.agency,
                role=Role.ANALYST,
                first_name="Landessystem",
                last_name=system.code,
            )
            officer.set_unusable_password()
            officer.save()
            log_event(
                actor=None,
                agency=system.agency,
                action="officer.create",
                object_type="officer",
                object_id=str(officer.pk),
                details={"username": username, "role": Role.ANALYST, "technical": True},
            )
            group, _ = Group.objects.get_or_create(name=system.agency.group_name)
            officer.groups.add(group)
            FileAuthorisation.objects.get_or_create(officer=officer, file=system.file)
    return officer


# ---------------------------------------------------------------------------- permissions


def _authorise(actor: Officer | None, system: StateSystem, *, legacy: bool) -> None:
    """Raise unless ``actor`` may release into the system's file (403 / 422)."""
    agency = getattr(actor, "agency", None)
    if (
        actor is None
        or not getattr(actor, "is_active", False)
        or agency is None
        or actor.role in (Role.SUPERVISOR, Role.OPERATOR)
    ):
        raise Forbidden("Nur Bedienstete einer Polizei geben frei.", code="forbidden")
    if agency.kind == AgencyKind.INTELLIGENCE:
        # R-M6: GWS takes no entries from intelligence services.
        raise Forbidden(
            "Nachrichtendienste geben keine Daten in die Datei Gewalttäter Sport frei.",
            code="not_participant",
        )
    if agency.pk != system.agency_id:
        raise Forbidden(f"Nur {system.agency.code} gibt aus {system.code} frei.", code="forbidden")
    file_for_actor(actor, system.file.code)  # 403 not_authorised
    allowed, reason = may_enter(actor, system.file, legal_basis=not legacy)
    if allowed:
        return
    if reason == "no_legal_basis":
        raise Refused(
            "Die Datei hat heute keine gesetzliche Grundlage, die Eingaben trägt; "
            "keine Zeile wurde übernommen.",
            code="no_legal_basis",
        )
    if reason == "no_establishment_order":
        raise Refused("Keine wirksame Errichtungsanordnung.", code=reason)
    raise Forbidden(
        "Die Behörde ist nach der Errichtungsanordnung nicht zur Eingabe berechtigt.",
        code="not_participant",
    )


# ---------------------------------------------------------------------------- parsing


def _decode(payload: bytes | str) -> str:
    if isinstance(payload, bytes):
        if len(payload) > MAX_BYTES:
            raise _too_large()
        try:
            text = payload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid(
                f"Die Datei ist nicht als UTF-8 lesbar (ungültiges Byte an Position "
                f"{exc.start + 1}).",
                code="invalid_encoding",
            ) from None
    else:
        text = payload.removeprefix("\ufeff")
        if len(text) > MAX_BYTES:
            raise _too_large()
    if "\x00" in text:
        raise Invalid("Die Datei enthält NUL-Zeichen.", code="invalid_characters")
    return text


def _too_large() -> Invalid:
    return Invalid(
        f"Eine Freigabe umfasst höchstens {MAX_BYTES // (1024 * 1024)} MB und {MAX_ROWS} Zeilen.",
        code="too_large",
    )


def _json_rows(payload: Any, system: StateSystem) -> list[Any]:
    """Return the rows of a JSON delivery: ``{"system", "rows"}`` or a bare list."""
    document = payload
    if isinstance(payload, bytes | str):
        text = _decode(payload)
        try:
            document = json.loads(text)
        except RecursionError:
            raise Invalid("Ungültiges JSON: zu tief verschachtelt.", code="invalid_json") from None
        except json.JSONDecodeError as exc:
            detail = f"Ungültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno})."
            raise Invalid(detail, code="invalid_json") from None
        except ValueError:
            raise Invalid("Ungültiges JSON.", code="invalid_json") from None
    if isinstance(document, dict):
        unknown = sorted(str(k) for k in document if k not in ("system", "rows"))
        if unknown:
            detail = "Unbekanntes Feld."
            raise Invalid(
                "Das Dokument kennt nur „system“ und „rows“.",
                code="unknown_field",
                fields={k: [detail] for k in unknown},
            )
        named = document.get("system")
        if named is not None and named != system.code:
            detail = f"Die Datei stammt nicht aus {system.code}."
            raise Invalid(detail, code="system_mismatch", fields={"system": [detail]})
        if "rows" not in document:
            detail = "Liste der Zeilen angeben."
            raise Invalid(detail, code="required", fields={"rows": [detail]})
        rows = document["rows"]
        if not isinstance(rows, list):
            detail = "Liste erwartet."
            raise Invalid(detail, code="invalid_document", fields={"rows": [detail]})
        return rows
    if isinstance(document, list):
        return document
    raise Invalid(
        "Ein JSON-Objekt mit „rows“ oder eine Liste von Zeilen erwartet.",
        code="invalid_document",
    )


def _split(value: str, separator: str) -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]


def csv_row_body(cells: dict[str, str], separator: str = ";") -> dict[str, Any]:
    """Return the JSON row of one CSV line (empty cells left out, lists split at
    ``separator``: ``;`` in a comma-separated file, ``,`` in a semicolon-separated one)."""

    def value(column: str) -> Any:
        cell = (cells.get(column) or "").strip()
        return _split(cell, separator) if column in CSV_LISTS else cell

    basic = {key: value(col) for col, key in CSV_BASIC.items() if value(col)}
    incident: dict[str, Any] = {key: value(col) for col, key in CSV_INCIDENT.items() if value(col)}
    proceedings = {key: value(col) for col, key in CSV_PROCEEDINGS.items() if value(col)}
    if proceedings:
        incident["proceedings"] = proceedings
    row: dict[str, Any] = {
        "source_reference": value("source_reference"),
        "basic": basic,
        "reference": {"file_number": value("file_number")},
    }
    if incident:
        row["incident"] = incident
    for name in ("review_date", "deletion_date"):
        if value(name):
            row[name] = value(name)
    return row


def _csv_rows(payload: Any) -> list[Any]:
    """Return the rows of a CSV delivery (header line; comma or semicolon separated)."""
    if not isinstance(payload, bytes | str):
        # An empty API body arrives as an empty mapping: no header line.
        if payload:
            raise Invalid("CSV als Text erwartet.", code="invalid_csv")
        payload = ""
    text = _decode(payload)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise Invalid("Kopfzeile mit den Spaltennamen fehlt.", code="missing_columns")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
        unknown = sorted({name for name in header if name not in CSV_COLUMNS})
        if unknown:
            detail = "Unbekannte Spalte."
            raise Invalid(
                f"Unbekannte Spalten: {', '.join(unknown)}.",
                code="unknown_columns",
                fields={name or "(leer)": [detail] for name in unknown},
            )
        doubled = sorted({name for name in header if header.count(name) > 1})
        if doubled:
            detail = "Spalte mehrfach angegeben."
            raise Invalid(
                f"Doppelte Spalten: {', '.join(doubled)}.",
                code="duplicate_columns",
                fields={name: [detail] for name in doubled},
            )
        missing = [name for name in CSV_REQUIRED if name not in header]
        if missing:
            detail = "Spalte fehlt."
            raise Invalid(
                f"Pflichtspalten fehlen: {', '.join(missing)}.",
                code="missing_columns",
                fields={name: [detail] for name in missing},
            )
        rows: list[Any] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_large()
            if len(cells) != len(header):
                rows.append(_CellCount(len(cells), len(header)))
                continue
            rows.append(
                csv_row_body(
                    dict(zip(header, cells, strict=True)), "," if delimiter == ";" else ";"
                )
            )
    except csv.Error:
        # The csv module's messages are English ("unexpected end of data"): say where.
        detail = f"Ungültiges CSV (bei Zeile {reader.line_num})."
        raise Invalid(detail, code="invalid_csv") from None
    return rows


class _CellCount:
    """A CSV line with a different number of cells than the header (rejected as a row)."""

    def __init__(self, found: int, expected: int) -> None:
        self.found, self.expected = found, expected


def release_rows(
    payload: bytes | str | list[Any] | dict[str, Any], fmt: str, system: StateSystem
) -> list[Any]:
    """Return the rows of a delivery; raise 400 for a delivery that cannot be read."""
    if fmt not in FORMATS:
        detail = "Zulässig: json, csv."
        raise Invalid(detail, code="invalid_format", fields={"format": [detail]})
    rows = _json_rows(payload, system) if fmt == "json" else _csv_rows(payload)
    if len(rows) > MAX_ROWS:
        raise _too_large()
    if not rows:
        raise Invalid("Die Freigabe enthält keine Zeile.", code="no_rows")
    return rows


# ---------------------------------------------------------------------------- rows


class _Rejected(Exception):
    def __init__(self, code: str, fields: dict[str, Any], detail: str = "") -> None:
        super().__init__(detail or code)
        self.code, self.fields, self.detail = code, fields, detail


def _source_reference(row: Any) -> str:
    value = row.get("source_reference") if isinstance(row, dict) else None
    return value.strip()[:SOURCE_REFERENCE_MAX] if isinstance(value, str) else ""


def _row_body(row: Any, system: StateSystem) -> tuple[str, dict[str, Any]]:
    """Return the row's source reference and its record body, or raise ``_Rejected``."""
    if isinstance(row, _CellCount):
        detail = f"{row.found} Zellen, die Kopfzeile hat {row.expected} Spalten."
        raise _Rejected("invalid_row", {"row": [detail]}, detail)
    if not isinstance(row, dict):
        raise _Rejected("invalid_row", {"row": ["Objekt erwartet."]}, "Objekt erwartet.")
    unknown = sorted(str(k) for k in row if k not in ROW_FIELDS)
    if unknown:
        raise _Rejected("unknown_field", {k: ["Unbekanntes Feld."] for k in unknown})
    reference = row.get("source_reference")
    if not isinstance(reference, str) or not reference.strip():
        raise _Rejected("required", {"source_reference": ["Kennung im Landessystem angeben."]})
    reference = reference.strip()
    if len(reference) > SOURCE_REFERENCE_MAX or "\x00" in reference:
        raise _Rejected(
            "invalid",
            {"source_reference": [f"Höchstens {SOURCE_REFERENCE_MAX} Zeichen, ohne NUL."]},
        )
    body = {k: v for k, v in row.items() if k != "source_reference"}
    body["file"] = system.file.code
    return reference, body


def _released(system: StateSystem, reference: str) -> Any:
    return (
        Record.objects.filter(
            file_id=system.file_id, source_system=system.code, source_reference=reference
        )
        .values_list("pk", flat=True)
        .first()
    )


def _released_and_deleted(system: StateSystem, reference: str) -> _Rejected | None:
    """A row whose earlier release became a record that is deleted now: refused for good."""
    kept = ReleasedSource.objects.filter(system=system, reference=reference).first()
    if kept is None:
        return None
    detail = (
        f"Unter dieser Kennung freigegebene Daten (Datensatz {kept.record_id}) sind gelöscht; "
        "sie werden nicht erneut aufgenommen."
    )
    return _Rejected("released_and_deleted", {"source_reference": [detail]}, str(kept.record_id))


def _already(record_id: Any) -> _Rejected:
    detail = f"Bereits freigegeben als Datensatz {record_id}."
    return _Rejected("already_released", {"source_reference": [detail]}, str(record_id))


def _release_row(
    *, actor: Officer, system: StateSystem, row: Any, legacy: bool, release: Release
) -> tuple[str, Record]:
    """Enter one row all or nothing; raise ``_Rejected`` or a ``DomainError``."""
    reference, body = _row_body(row, system)
    stored = _released(system, reference)
    if stored is not None:
        raise _already(stored)
    gone = _released_and_deleted(system, reference)
    if gone is not None:
        raise gone
    try:
        with transaction.atomic():
            record = record_create(
                actor=actor, data=body, source=(system.code, reference), legacy=legacy
            )
            ReleasedSource.objects.create(
                system=system, reference=reference, record_id=record.pk, release=release
            )
    except (IntegrityError, ValidationError) as exc:
        # A concurrent release stored the same source reference first (the constraints
        # decide; full_clean may already see it).
        stored = _released(system, reference)
        ours = any(name in str(exc) for name in (CONSTRAINT, SOURCE_CONSTRAINT))
        if stored is None or not ours and isinstance(exc, IntegrityError):
            raise
        raise _already(stored) from None
    return reference, record


def release_run(
    *,
    system_code: str,
    payload: bytes | str | list[Any] | dict[str, Any],
    fmt: str,
    actor: Officer | None,
    channel: str,
    legacy: bool = False,
) -> Release:
    """Release a delivery of a state system into its file; return the ``Release``.

    ``payload``: the file's bytes or text, or the parsed JSON (a document or a list of
    rows); ``fmt``: ``json`` or ``csv``; ``channel``: ``command``, ``api`` or ``browser``;
    ``legacy`` only from the command. Raises 404 ``unknown_system``; 403 ``forbidden`` /
    ``not_participant`` / ``not_authorised``; 422 ``no_legal_basis`` /
    ``no_establishment_order``; 400 ``too_large``, ``invalid_format``, ``invalid_encoding``,
    ``invalid_json``, ``invalid_document``, ``system_mismatch``, ``invalid_csv``,
    ``missing_columns``, ``unknown_columns``, ``duplicate_columns``, ``no_rows``,
    ``unknown_field``, ``required``. In each of these cases nothing is stored.
    """
    if channel not in ReleaseChannel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if legacy and channel != ReleaseChannel.COMMAND:
        raise Forbidden("Altbestand wird nur über die Kommandozeile freigegeben.", code="forbidden")
    system = state_system_find(system_code)
    _authorise(actor, system, legacy=legacy)
    assert actor is not None
    rows = release_rows(payload, fmt, system)
    facts = {"system": system.code, "channel": channel, "format": fmt, "legacy": legacy}
    # Written and logged before the first row: a delivery cut short stays on record.
    with transaction.atomic():
        release = Release.objects.create(
            system=system,
            officer=actor,
            channel=channel,
            format=fmt,
            legacy=legacy,
            rows=len(rows),
            report={"imported": [], "rejected": []},
        )
        log_event(
            actor=actor,
            action="release.start",
            object_type="release",
            object_id=str(release.pk),
            file=system.file.code,
            details={**facts, "rows": len(rows)},
        )
    imported: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        try:
            reference, record = _release_row(
                actor=actor, system=system, row=row, legacy=legacy, release=release
            )
        except _Rejected as exc:
            rejected.append(
                {
                    "row": number,
                    "source_reference": _source_reference(row),
                    "code": exc.code,
                    "fields": exc.fields,
                    **(
                        {"record": exc.detail}
                        if exc.code in ("already_released", "released_and_deleted")
                        else {}
                    ),
                }
            )
        except DomainError as exc:
            rejected.append(
                {
                    "row": number,
                    "source_reference": _source_reference(row),
                    "code": exc.code,
                    "fields": exc.fields or {"row": [exc.detail]},
                }
            )
        else:
            imported.append({"row": number, "id": str(record.pk), "source_reference": reference})
    with transaction.atomic():
        release.imported = len(imported)
        release.rejected = len(rejected)
        release.report = {"imported": imported, "rejected": rejected}
        release.finished_at = timezone.now()
        release.save(update_fields=["imported", "rejected", "report", "finished_at"])
        log_event(
            actor=actor,
            action="release.run",
            object_type="release",
            object_id=str(release.pk),
            file=system.file.code,
            details={
                **facts,
                "rows": len(rows),
                "imported": len(imported),
                "rejected": len(rejected),
            },
        )
    return release


# ---------------------------------------------------------------------------- reads


def releases_for(actor: Any, system: StateSystem | None = None) -> QuerySet[Release]:
    """Return the releases of the officer's agency (its own systems only), newest first."""
    agency_id = getattr(actor, "agency_id", None)
    if agency_id is None or not getattr(actor, "is_active", False):
        return Release.objects.none()
    if getattr(actor, "role", "") in (Role.SUPERVISOR, Role.OPERATOR, Role.SUBJECT_DESK):
        # The reports name records and source ids: for the file's officers only (R-A4).
        return Release.objects.none()
    found = Release.objects.filter(
        system__agency_id=agency_id, system__file__in=authorised_files(actor)
    ).select_related("system", "system__agency", "system__file", "officer")
    if system is not None:
        found = found.filter(system=system)
    return found.order_by("-created_at")


def release_find(actor: Any, release_id: Any) -> Release:
    """Return one release of the officer's agency; 404 for every other."""
    import uuid

    try:
        pk = uuid.UUID(str(release_id))
    except ValueError:
        raise NotFound("Unbekannte Freigabe.", code="not_found") from None
    release = releases_for(actor).filter(pk=pk).first()
    if release is None:
        raise NotFound("Unbekannte Freigabe.", code="not_found")
    return release


def release_data(release: Release) -> dict[str, Any]:
    """Return a release as the API shows it.

    An unfinished release (cut short, or still running) counts what it entered so far from
    its kept source references; its report lists nothing yet.
    """
    imported = release.imported
    if release.finished_at is None:
        imported = ReleasedSource.objects.filter(release=release).count()
    return {
        "id": str(release.pk),
        "system": release.system.code,
        "file": release.system.file.code,
        "agency": release.system.agency.code,
        "channel": release.channel,
        "format": release.format,
        "legacy": release.legacy,
        "officer": release.officer.username if release.officer else "",
        "rows": release.rows,
        "imported": imported,
        "rejected": release.rejected,
        "finished": release.finished_at is not None,
        "report": {
            "imported": list(release.report.get("imported", [])),
            "rejected": list(release.report.get("rejected", [])),
        },
        "created_at": release.created_at,
    }


def rejection_text(rejection: dict[str, Any]) -> str:
    """Return ``field: message; ...`` of one rejected row (command and browser)."""
    parts: Iterable[str] = (
        f"{name}: {'; '.join(str(m) for m in messages)}"
        if isinstance(messages, list)
        else f"{name}: {messages}"
        for name, messages in (rejection.get("fields") or {}).items()
    )
    return " | ".join(parts)
