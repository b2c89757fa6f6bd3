"""Import records from a JSON-lines source file as one officer (R-C9)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agencies.models import Officer
from verbund.services.imports import records_import


class Command(BaseCommand):
    """``manage.py import_records FILE --as USERNAME``."""

    help = "Import records (one JSON payload per line); each record is checked on its own."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Officer.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError("unknown or inactive officer")
        with open(options["path"], encoding="utf-8") as source:
            report = records_import(actor=actor, source=source)
        self.stdout.write(
            json.dumps(
                {"created": len(report.created), "rejected": report.rejected},
                ensure_ascii=False,
                indent=2,
            )
        )
