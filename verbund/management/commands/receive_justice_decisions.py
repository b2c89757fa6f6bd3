"""``python manage.py receive_justice_decisions FILE --officer USERNAME`` — justice reports.

The automated interface of R-M4: the justice's notices of a final acquittal, a final refusal
to open the main proceedings or a non-provisional discontinuation reach the LKA as a JSON
list. Each report names the record by ``record`` (its id) or by ``prosecutor_file_number``
(the prosecutor's file number in the record's incident report, ``incident.proceedings``,
within GWS), and carries ``kind`` (``acquittal``, ``refusal_to_open_trial``,
``discontinuation``), ``final`` (true), ``decided_on`` (YYYY-MM-DD), ``reasons`` and
optionally ``provision`` (e.g. "§ 170 Abs. 2 StPO").

``--officer`` is the receiving officer of the owner agency (the LKA); every report goes
through ``verbund.services.reviews.justice_decision_report`` as that officer: it opens (or
joins) a review in the owner's inbox, is logged, and never deletes. Each report is all or
nothing; a rejected one is reported with the field and the reason, the others go on. Prints
one line per report and a summary; exit 1 when a report was rejected (the others are taken)
or the file cannot be read at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Officer
from verbund.access.records import records_for
from verbund.errors import DomainError
from verbund.services.reviews import justice_decision_report

REPORT_FIELDS = {"kind", "final", "reasons", "decided_on", "provision"}
LOOKUP_FIELDS = {"record", "prosecutor_file_number"}


class Rejected(Exception):
    """One report refused: ``fields`` name what is wrong."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


def _record_id(actor: Officer, report: dict[str, Any], file_code: str) -> str:
    """The record a report names, by id or by the prosecutor's file number."""
    given = [k for k in ("record", "prosecutor_file_number") if report.get(k) not in (None, "")]
    if len(given) != 1:
        raise Rejected(
            {"record": ["Datensatz angeben: record oder prosecutor_file_number (genau eines)."]}
        )
    if given[0] == "record":
        return str(report["record"])
    number = report["prosecutor_file_number"]
    if not isinstance(number, str):
        raise Rejected({"prosecutor_file_number": ["Text erwartet."]})
    ids = list(
        records_for(actor, "change")
        .filter(
            file__code=file_code,
            incident__proceedings__prosecutor_file_number=number.strip(),
        )
        .values_list("pk", flat=True)[:2]
    )
    if not ids:
        raise Rejected(
            {"prosecutor_file_number": ["Kein eigener Datensatz mit diesem Aktenzeichen."]}
        )
    if len(ids) > 1:
        raise Rejected(
            {
                "prosecutor_file_number": [
                    "Mehrere Datensätze mit diesem Aktenzeichen: den Datensatz mit record angeben."
                ]
            }
        )
    return str(ids[0])


class Command(BaseCommand):
    help = "Receive justice decisions (JSON list) for the owner's records; each opens a review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="JSON file: a list of reports.")
        parser.add_argument(
            "--officer", required=True, help="Receiving officer of the owner agency (username)."
        )
        parser.add_argument(
            "--file", default="GWS", help="File searched by prosecutor's file number (GWS)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Officer.objects.filter(username=options["officer"]).first()
        if actor is None or not actor.is_active:
            raise CommandError(f"Unbekannte oder gesperrte Kennung {options['officer']!r}.")
        try:
            reports = json.loads(Path(options["path"]).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Datei nicht lesbar: {exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"Kein gültiges JSON: {exc}") from None
        if not isinstance(reports, list):
            raise CommandError("Erwartet wird eine JSON-Liste von Mitteilungen.")
        accepted = rejected = 0
        for number, report in enumerate(reports, start=1):
            try:
                item = self._one(actor, report, str(options["file"]).upper())
            except Rejected as exc:
                rejected += 1
                reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
                self.stdout.write(f"abgelehnt #{number}: {reasons}")
            else:
                accepted += 1
                self.stdout.write(
                    f"angenommen #{number}: {item.payload.get('file_number', '')} "
                    f"(Prüfung {item.pk})"
                )
        self.stdout.write(f"{accepted} angenommen, {rejected} abgelehnt")
        if rejected:
            # As import_records: the accepted reports stand; the run reports failure.
            raise CommandError(f"{rejected} Mitteilung(en) abgelehnt.")

    def _one(self, actor: Officer, report: Any, file_code: str) -> Any:
        if not isinstance(report, dict):
            raise Rejected({"": ["Eine Mitteilung ist ein JSON-Objekt."]})
        unknown = sorted(set(report) - REPORT_FIELDS - LOOKUP_FIELDS)
        if unknown:
            raise Rejected({name: ["Unbekanntes Feld."] for name in unknown})
        record_id = _record_id(actor, report, file_code)
        try:
            return justice_decision_report(
                actor=actor,
                record_id=record_id,
                kind=report.get("kind"),
                final=report.get("final"),
                reasons=report.get("reasons"),
                decided_on=report.get("decided_on"),
                provision=report.get("provision"),
            )
        except DomainError as exc:
            fields = {str(k): [str(d) for d in v] for k, v in exc.fields.items()}
            if not fields:
                key = "record" if exc.status in (403, 404) else ""
                fields = {key: [exc.detail]}
            raise Rejected(fields) from None
