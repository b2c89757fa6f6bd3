"""Import incoming Interpol Red Notices from a JSON file (a list of notices; R-N2).

Each notice is received on its own through ``international.services.notices
.notices_import`` — all or nothing per notice, every one ``in_review`` whatever its country.
A notice already received (same reference and version) is reported as existing, not
duplicated. One line per row on stdout (``row N: created|existing <id> <reference>``);
rejected rows on stderr with code and fields. Exit 1 when any row was rejected (the others
are imported all the same), when the file cannot be read or is not a JSON list.

``--as USERNAME`` names the BKA officer who receives the notices (the log names them);
without it the import is the national central bureau's channel itself (logged without an
officer).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agencies.models import Officer
from international.services.notices import notices_import
from verbund.errors import DomainError
from verbund.management.commands.import_records import rejection_reason


class Command(BaseCommand):
    """``manage.py import_red_notices FILE [--as USERNAME]``."""

    help = (
        "Import Red Notices (a JSON list); each notice is received on its own, in review. "
        "Exits 1 when any row was rejected."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["username"]:
            actor = Officer.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError("unknown or inactive officer")
        path = options["path"]
        try:
            with open(path, encoding="utf-8") as source:
                rows = json.load(source)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            report = notices_import(actor=actor, rows=rows)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        for row in report.rows:
            if row["result"] == "rejected":
                self.stderr.write(f"row {row['row']}: rejected {rejection_reason(row)}")
            else:
                self.stdout.write(
                    f"row {row['row']}: {row['result']} {row['id']} {row['reference']}"
                )
        created = sum(1 for r in report.rows if r["result"] == "created")
        existing = sum(1 for r in report.rows if r["result"] == "existing")
        self.stdout.write(
            f"{created} created, {existing} existing, {len(report.rejected)} rejected."
        )
        if report.rejected:
            raise CommandError(
                f"{len(report.rejected)} rows rejected (listed above).", returncode=1
            )
