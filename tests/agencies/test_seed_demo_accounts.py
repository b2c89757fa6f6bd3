"""``seed_demo`` creates the demo accounts with the configured demo password (api.md)."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from agencies.models import Officer
from verbund.models import Record


@pytest.mark.django_db
def test_seed_demo_creates_accounts_that_log_in_with_the_demo_password() -> None:
    call_command("seed_demo", records=0, stdout=io.StringIO())
    for username in ("bka.analyst", "mad.head", "lka-th.analyst", "lfv-sh.head", "bfdi.supervisor"):
        officer = Officer.objects.get(username=username)
        assert officer.check_password(settings.VERBUND_DEMO_PASSWORD), username
    client = Client()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "lka-bw.analyst", "password": settings.VERBUND_DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["token"]
    # Running it again changes nothing (idempotent).
    count = Officer.objects.count()
    call_command("seed_demo", records=0, stdout=io.StringIO())
    assert Officer.objects.count() == count


class _Terminal(io.StringIO):
    """A captured stream that says it is a terminal, as a TTY stderr would."""

    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_seed_demo_shows_a_progress_bar_on_a_terminal() -> None:
    out, err = io.StringIO(), _Terminal()
    with translation.override("de"):
        call_command("seed_demo", records=4, stdout=out, stderr=err)
    assert "Demo-Datensätze: 100%" in err.getvalue() and "4/4" in err.getvalue()
    assert re.fullmatch(r"\d+ Demo-Datensätze angelegt\.", out.getvalue().strip())


@pytest.mark.django_db
def test_seed_demo_prints_only_a_plain_summary_when_not_on_a_terminal() -> None:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("de"):
        call_command("seed_demo", records=4, stdout=out, stderr=err)
        assert err.getvalue() == ""
        created = int(out.getvalue().split()[0])
        assert created == Record.objects.count() >= 4
        call_command("seed_demo", records=4, stdout=out, stderr=err)
    assert out.getvalue().splitlines()[-1] == (
        "Demo-Datensätze vorhanden; Referenzdaten und Konten aktualisiert."
    )
    assert err.getvalue() == ""
