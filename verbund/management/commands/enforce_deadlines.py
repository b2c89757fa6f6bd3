"""``python manage.py enforce_deadlines [--dry-run] [--batch N]`` — the deadline sweep by hand.

The same service as the daily beat task ``verbund.tasks.enforce_deadlines``
(``verbund.services.deadlines``): the log purged past its retention, reviews coming due
opened, records past their deletion date erased (blocked ones kept), overdue reviews and
duties escalated. A progress bar on stderr (on a terminal), one summary line on stdout.
``--dry-run`` counts what a run would do and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from verbund.management.progress import attached_to_terminal
from verbund.services.deadlines import deadlines_enforce, planned, retention_run


class Command(BaseCommand):
    help = "Run the deadline sweep: reviews, deletions by date, escalations, log purge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be done; write nothing."
        )
        parser.add_argument(
            "--batch", type=int, default=None, help="Rows per batch (VERBUND_DEADLINES_BATCH)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch is not None and batch < 1:
            raise CommandError("--batch must be at least 1")
        dry_run = bool(options["dry_run"])
        purged = errors = 0
        if not dry_run:
            purged, errors = retention_run()
        total = sum(planned().values())
        # The bar on a terminal only (verbund.management.progress), on the raw stream: Django's
        # OutputWrapper would append a newline to each of tqdm's in-place updates.
        with tqdm(
            total=total,
            desc="Fristen",
            unit=" rows",
            file=getattr(self.stderr, "_out", self.stderr),
            dynamic_ncols=True,
            disable=dry_run or not total or not attached_to_terminal(self),
        ) as bar:

            def progress(step: str, handled: int) -> None:
                # Reviews opened on overdue dates add escalations the count before missed.
                if bar.total is not None and bar.n + handled > bar.total:
                    bar.total = bar.n + handled
                bar.set_postfix_str(step, refresh=False)
                bar.update(handled)

            summary = deadlines_enforce(
                dry_run=dry_run, batch=batch, progress=progress, partitions_purged=purged
            )
            summary.errors += errors
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}due={summary.due} reminded={summary.reminded} "
            f"escalated={summary.escalated} deleted={summary.deleted} "
            f"skipped_blocked={summary.skipped_blocked} "
            f"partitions_purged={summary.partitions_purged} errors={summary.errors}"
        )
        if summary.errors:
            raise CommandError(f"{summary.errors} rows failed; see the log")
