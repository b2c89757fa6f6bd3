"""``seed_demo`` creates the demo accounts with the configured demo password (api.md)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from agencies.models import Officer


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
