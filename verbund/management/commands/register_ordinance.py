"""``python manage.py register_ordinance --file GWS --citation "..." --in-force YYYY-MM-DD``.

Registers the ordinance a file rests on (R-A3, R-M5) through
``verbund.services.legal_bases.ordinance_register`` (logged ``file.ordinance_register``):
the file's legal-basis gate opens on the day of entry into force, never earlier, and records
stored before it no longer count as stored without a legal basis from that day. Prints the
file's basis and the day the gate opens; bad input exits 1 with the reason.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Officer
from verbund.errors import DomainError
from verbund.models import File
from verbund.services.legal_bases import ordinance_register


class Command(BaseCommand):
    help = "Register the ordinance a file rests on, from its entry into force (not retroactive)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", required=True, help="File code, e.g. GWS.")
        parser.add_argument("--citation", required=True, help="Citation of the ordinance.")
        parser.add_argument(
            "--in-force", required=True, dest="in_force", help="Day of entry into force."
        )
        parser.add_argument(
            "--by", default=None, help="Username of the administrator registering it (logged)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = str(options["file"]).strip().upper()
        file = File.objects.filter(code=code).select_related("legal_basis").first()
        if file is None:
            known = ", ".join(File.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"Unbekannte Datei {code!r} (bekannt: {known}).")
        actor = None
        if options["by"]:
            actor = Officer.objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"Unbekannte Kennung {options['by']!r}.")
        try:
            basis = ordinance_register(
                file=file,
                citation=options["citation"],
                in_force_from=options["in_force"],
                actor=actor,
            )
        except DomainError as exc:
            reasons = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.detail} ({reasons})" if reasons else exc.detail) from None
        self.stdout.write(
            f"{file.code}: Rechtsgrundlage {basis.citation} ({basis.get_kind_display()}); "
            f"Einträge ab {basis.in_force_from.isoformat()}"
        )
