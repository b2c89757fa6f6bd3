"""Verify the hash chain of the log (R-I1, R-I4; R-I3/R-J7 across the 18-month purge).

``manage.py verify_audit``                  the whole chain, by ``seq``
``manage.py verify_audit --month 2027-03``  one month (UTC): on PostgreSQL one partition,
                                            O(its rows), linked to the rows around it
``manage.py verify_audit --against FILE``   an exported checkpoint document
                                            (``GET /api/v1/audit/checkpoints/``) against
                                            the live log: a cut tail or a rewritten
                                            history is named

Prints ``ok`` with the number of entries checked, or names the first bad entry (seq, id,
time, partition, why) and exits with status 1. Bad input (a month not ``YYYY-MM``, an
unreadable or malformed document) exits with status 2. Every run is logged as
``audit.verify``. A progress bar (tqdm, ``verbund.management.progress``) runs on stderr
on a terminal.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.verification import checkpoints_check, parse_month, verify_run
from verbund.errors import Invalid
from verbund.management.progress import progress

FAILED = 1
BAD_INPUT = 2


class Command(BaseCommand):
    """Verify the audit chain, one month of it, or an exported checkpoint document."""

    help = "Verify the hash chain of the audit log (whole, --month YYYY-MM, or --against FILE)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="check one month only (YYYY-MM, UTC)")
        parser.add_argument(
            "--against", type=Path, help="check an exported checkpoint document (JSON file)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["against"] is not None:
            self._against(options["against"])
            return
        try:
            month = parse_month(options["month"]) if options["month"] else None
        except Invalid as exc:
            raise CommandError(f"--month: {exc.detail}", returncode=BAD_INPUT) from None
        with ExitStack() as stack:

            def wrap(rows: Any, total: int) -> Any:
                desc = f"Log {month:%Y-%m}" if month else "Log"
                return stack.enter_context(
                    progress(self, rows, total=total, desc=desc, unit=" entries")
                )

            result = verify_run(actor=None, month=month, wrap=wrap)
        scope = f"month {result['month']} ({result['partition']})" if month else "whole chain"
        if result["ok"]:
            self.stdout.write(f"ok: {result['checked']} entries checked, {scope}")
            return
        bad = result.get("bad")
        if bad:
            where = (
                f"seq {bad['seq']}, id {bad['id']}, time {bad['time']}, "
                f"partition {bad['partition']}, reason {bad['reason']}"
            )
        else:
            top = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
            where = f"no single entry ({result.get('reason') or 'chain'}); live head seq {top}"
        raise CommandError(
            f"FAILED ({scope}) after {result['checked']} entries: first bad entry: {where}",
            returncode=FAILED,
        )

    def _against(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"--against {path}: {exc}", returncode=BAD_INPUT) from None
        try:
            result = checkpoints_check(actor=None, document=document)
        except Invalid as exc:
            fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(f"--against {path}: {fields}", returncode=BAD_INPUT) from None
        head = result["head"]
        head_text = f"live head seq {head['seq']}" if head else "live log empty"
        if result["ok"]:
            self.stdout.write(
                f"ok: {result['checked']} checkpoints hold in the live log ({head_text})"
            )
            return
        bad = result["first_bad"]
        raise CommandError(
            f"FAILED: checkpoint seq {bad['seq']} hash {bad['hash']}: {bad['status']} "
            f"({head_text})",
            returncode=FAILED,
        )
