"""Rewrite the search keys of every record made with an older folding (R-E5).

``manage.py rebuild_search_keys [--batch N] [--all]``

Each record carries the folding version its ``NameKey`` / ``FeatureValue`` rows were made
with (``Record.keys_version``); when the folding changes (``FOLDING_VERSION`` in
``verbund.search.normalise``), this command recomputes the keys of the records still on an
older version, in batches of one transaction each, walking the primary key. It is
resumable: a run that is stopped leaves every finished batch done, and the next run goes
on with the records still stale. Nothing to do costs one index walk, so ``scripts/run.sh``
runs it on every start. ``--all`` rewrites every record (after a change of a key
function without a version bump, e.g. in development). A progress bar (tqdm, see
``verbund.management.progress``) runs on stderr on a terminal.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from verbund.management.progress import progress
from verbund.models import Record
from verbund.search.normalise import FOLDING_VERSION
from verbund.services.records import write_keys_many


def _next_batch(queryset: Any, after: Any, size: int) -> list[Record]:
    """Return and lock (row lock, as record writes do) the next batch after ``after``."""
    page = queryset.select_for_update(of=("self",)).order_by("pk")
    if after is not None:
        page = page.filter(pk__gt=after)
    return list(page[:size])


class Command(BaseCommand):
    """Recompute stale search keys in batches."""

    help = "Recompute the search keys of records made with an older folding version."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500, help="records per transaction")
        parser.add_argument("--all", action="store_true", help="rewrite every record's keys")

    def handle(self, *args: Any, **options: Any) -> None:
        size = max(1, int(options["batch"]))
        stale = Record.objects.all()
        if not options["all"]:
            stale = stale.exclude(keys_version=FOLDING_VERSION)
        total = stale.count()
        done = 0
        with progress(self, range(total), total=total, desc="Keys", unit=" records") as bar:
            ticks = iter(bar)
            after = None
            while True:
                # One transaction per batch: a stopped run keeps what it finished.
                with transaction.atomic():
                    batch = _next_batch(stale, after, size)
                    write_keys_many(batch, force_version=True)
                    for _record in batch:
                        next(ticks, None)
                if not batch:
                    break
                done += len(batch)
                after = batch[-1].pk
        self.stdout.write(
            f"rebuild_search_keys: {done} records rewritten (folding {FOLDING_VERSION})"
        )
