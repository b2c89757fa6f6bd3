"""Release records from a state police system into GWS ("Freigabe", R-M1).

``manage.py release_from_state --state BW FILE [--format json|csv] [--legacy] [--officer U]``

Each row is checked and entered on its own (``verbund.services.releases.release_run``):
good rows are imported even when others are rejected. Output: one line per imported row
(row, source reference, record id), one per rejected row (row, source reference, code,
fields) and a summary line.

- exit 0: the release ran (also when rows were rejected: they are listed; fix and release
  them again — rows already released are rejected ``already_released``).
- exit 1 (``CommandError``): nothing could run — unknown state, unreadable or malformed
  file (400 codes such as ``invalid_json``, ``missing_columns``, ``too_large``), an officer
  who may not release (403), the legal-basis gate closed without ``--legacy`` (422
  ``no_legal_basis``). Nothing is stored then.

``--format``: from the file name's ending (``.csv`` → csv, else json) unless given.
``--officer``: the officer the release runs as (an officer of the system's state police);
without it the technical account ``<system code>.freigabe`` of that agency (e.g.
``polas-bw.freigabe``: analyst, authorised for the file, no usable password) is created
on first use and used. ``--legacy``: stock stored before the file had a legal basis —
the legal-basis gate is left out (every other rule applies) and the records are flagged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Officer
from verbund.errors import DomainError
from verbund.models.states import ReleaseChannel
from verbund.services.releases import (
    MAX_BYTES,
    rejection_text,
    release_run,
    state_system_find,
    technical_officer,
)


def _reason(exc: DomainError) -> str:
    fields = rejection_text({"fields": exc.fields or {}})
    return f"{exc.code}: {exc.detail}" + (f" ({fields})" if fields else "")


class Command(BaseCommand):
    """Release a JSON or CSV file of a state system (see the module docstring)."""

    help = (
        "Release records from a state police system (e.g. --state BW for POLAS-BW) into "
        "GWS. Each row is imported all or nothing; rejected rows are listed with their "
        "reasons. Exit 0 when the release ran, 1 when nothing could run."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", metavar="FILE")
        parser.add_argument("--state", required=True, help="state code, e.g. BW")
        parser.add_argument("--format", choices=["json", "csv"], default=None)
        parser.add_argument(
            "--legacy",
            action="store_true",
            help="stock stored before the file had a legal basis (gate left out, flagged)",
        )
        parser.add_argument("--officer", default=None, help="username to release as")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            system = state_system_find(options["state"], state=True)
        except DomainError as exc:
            raise CommandError(
                _("unknown state %(state)s: no state system") % {"state": options["state"]}
            ) from exc
        if options["officer"]:
            actor = Officer.objects.filter(username=options["officer"], is_active=True).first()
            if actor is None:
                raise CommandError(_("unknown or inactive officer"))
        else:
            actor = technical_officer(system)
        path = Path(options["path"])
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "json")
        try:
            with path.open("rb") as source:
                payload = source.read(MAX_BYTES + 1)
        except OSError as exc:
            message = _("cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            raise CommandError(message) from exc
        try:
            release = release_run(
                system_code=system.code,
                payload=payload,
                fmt=fmt,
                actor=actor,
                channel=ReleaseChannel.COMMAND,
                legacy=options["legacy"],
            )
        except DomainError as exc:
            raise CommandError(
                _("nothing released: %(reason)s") % {"reason": _reason(exc)}
            ) from exc
        for item in release.report.get("imported", []):
            self.stdout.write(
                _("row %(row)d %(reference)s: imported as record %(id)s")
                % {"row": item["row"], "reference": item["source_reference"], "id": item["id"]}
            )
        for item in release.report.get("rejected", []):
            fields = rejection_text(item)
            self.stdout.write(
                _("row %(row)d %(reference)s: rejected %(code)s%(fields)s")
                % {
                    "row": item["row"],
                    "reference": item["source_reference"] or "-",
                    "code": item["code"],
                    "fields": f" ({fields})" if fields else "",
                }
            )
        self.stdout.write(
            _(
                "Release %(id)s from %(system)s as %(officer)s: %(rows)d rows, "
                "%(imported)d imported, %(rejected)d rejected%(legacy)s."
            )
            % {
                "id": release.pk,
                "system": system.code,
                "officer": actor.username,
                "rows": release.rows,
                "imported": release.imported,
                "rejected": release.rejected,
                "legacy": _(" (legacy stock)") if release.legacy else "",
            }
        )
