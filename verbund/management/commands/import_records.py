"""Import records from a JSON-lines source file as one officer (R-C9).

Each line is checked and entered on its own (``verbund.services.imports.records_import``):
good lines are imported even when others are rejected. The command tells the truth about
that in its exit status:

- exit 0: every line was imported; stdout has the summary.
- exit 1 (``CommandError``): at least one line was rejected. Each rejected line is
  reported on stderr with its line number and reason — the refusal code and the fields
  with their messages — and the lines that passed *are* imported; fix and re-import only
  the rejected lines. Also exit 1 for an unknown officer or an unreadable file.

On a terminal a progress bar (tqdm, see ``verbund.management.progress``) runs on stderr.
``--json`` prints the report (number created, rejected lines) as JSON on stdout instead of
the plain summary, for scripts; the exit status is the same.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Officer
from verbund.management.progress import progress
from verbund.services.imports import records_import


def rejection_reason(rejection: dict[str, Any]) -> str:
    """Return ``code (field: message; ...)`` for one rejected line of the import report."""
    fields = rejection.get("fields") or {}
    parts = [
        f"{name}: {'; '.join(str(m) for m in messages)}"
        if isinstance(messages, list)
        else f"{name}: {messages}"
        for name, messages in fields.items()
    ]
    if not parts and rejection.get("detail"):
        parts = [str(rejection["detail"])]
    reason = str(rejection["code"])
    return f"{reason} ({' | '.join(parts)})" if parts else reason


class Command(BaseCommand):
    """``manage.py import_records FILE --as USERNAME [--json]``."""

    help = (
        "Import records (one JSON payload per line); each record is checked on its own. "
        "Exits 1 when any line was rejected (each one is reported on stderr with its line "
        "number and reason); the other lines are imported all the same."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument(
            "--json", action="store_true", help="print the report as JSON on stdout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Officer.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(_("unknown or inactive officer"))
        path = options["path"]
        try:
            with open(path, encoding="utf-8") as source:
                total = sum(1 for _line in source)
            with (
                open(path, encoding="utf-8") as source,
                progress(
                    self, source, total=total, desc=_("Import"), unit=" " + _("lines")
                ) as lines,
            ):
                report = records_import(actor=actor, source=lines)
        except (OSError, UnicodeDecodeError) as exc:
            message = _("cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            raise CommandError(message) from exc

        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"created": len(report.created), "rejected": report.rejected},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            self.stdout.write(
                ngettext(
                    "%(created)d record imported, %(rejected)d lines rejected.",
                    "%(created)d records imported, %(rejected)d lines rejected.",
                    len(report.created),
                )
                % {"created": len(report.created), "rejected": len(report.rejected)}
            )
        for rejection in report.rejected:
            self.stderr.write(
                _("line %(line)d: %(reason)s")
                % {"line": rejection["line"], "reason": rejection_reason(rejection)}
            )
        if report.rejected:
            raise CommandError(
                ngettext(
                    "%(rejected)d line rejected (listed above); the other lines were imported.",
                    "%(rejected)d lines rejected (listed above); the other lines were imported.",
                    len(report.rejected),
                )
                % {"rejected": len(report.rejected)},
                returncode=1,
            )
