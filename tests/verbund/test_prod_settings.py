"""Production settings refuse to start half-configured (issue 12, part 5): without
DJANGO_SECRET_KEY, DATABASE_URL or REDIS_URL the settings module fails at import, naming the
variable, instead of falling back to SQLite or a local Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import verbund.settings.prod as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.REDIS_URL)"
)
COMPLETE = {
    "DJANGO_SECRET_KEY": "prod-settings-test-only-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "verbund.example.org",
    "DATABASE_URL": "postgres://verbund:secret@db.internal:5432/verbund",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def import_prod(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {*COMPLETE, "CELERY_BROKER_URL"}}
    for key, value in {**COMPLETE, **overrides}.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_api_conventions_prod_settings_refuse_to_start_without(missing: str, how: str) -> None:
    result = import_prod(**{missing: None if how == "unset" else ""})
    assert result.returncode != 0
    assert f"Missing required environment variable {missing}" in result.stderr, result.stderr
    assert "sqlite" not in result.stdout


def test_api_conventions_prod_settings_refuse_sqlite() -> None:
    result = import_prod(DATABASE_URL="sqlite:////tmp/verbund.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr and "DATABASE_URL" in result.stderr


def test_api_conventions_prod_settings_use_the_configured_services() -> None:
    result = import_prod()
    assert result.returncode == 0, result.stderr
    engine, broker, redis_url = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert broker == redis_url == "redis://redis.internal:6379/0"


def test_api_conventions_prod_settings_take_a_separate_broker_url() -> None:
    result = import_prod(CELERY_BROKER_URL="redis://broker.internal:6379/3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "redis://broker.internal:6379/3"
