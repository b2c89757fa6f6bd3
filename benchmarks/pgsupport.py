"""What the PostgreSQL benchmarks share: their own database, Django on it, the machine facts.

Used by ``lifecycle_bench.py`` and ``audit_bench.py`` (run as scripts: ``ROOT`` goes on
``sys.path`` in each before this module is imported).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def bench_url(url: str, name: str) -> str:
    """Return the URL of database ``name`` on the server of ``url``."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def setup_django(url: str, *, test_client: bool = False) -> None:
    """Point Django at the benchmark database, migrate it, create the reference data.

    ``test_client``: also set up the test environment, so Django's test client (host
    ``testserver``) may call the views in process.
    """
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verbund.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    if test_client:
        from django.test.utils import setup_test_environment

        setup_test_environment()

    from agencies.services import demo_officers
    from verbund.services.reference import reference_data_ensure

    call_command("migrate", verbosity=0, interactive=False)
    reference_data_ensure()
    demo_officers("bench-password-123")


def scalar(statement: str, params: Any = None) -> Any:
    """Return the first column of the first row of ``statement`` (None without a row)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
        return row[0] if row else None


def machine(*settings: str) -> dict[str, Any]:
    """What the numbers were measured on; ``settings`` are PostgreSQL settings to report."""
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "ram_mib": mem,
        "python": platform.python_version(),
        "postgresql": scalar("SHOW server_version"),
        **{name: scalar(f"SHOW {name}") for name in settings},
        "load": os.getloadavg()[0],
    }
