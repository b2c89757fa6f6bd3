"""Shared fixtures: reference data, demo officers, API clients, record factories."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Officer
from agencies.services import demo_officers
from verbund.services.reference import reference_data_ensure

PASSWORD = "test-password-123"
_numbers = itertools.count(1)


@pytest.fixture
def reference(db: Any) -> dict[str, Any]:
    """Create agencies, files, orders, catalogues and every demo officer."""
    agencies = reference_data_ensure()
    demo_officers(PASSWORD)
    return agencies


@pytest.fixture(scope="module")
def module_reference(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Create reference data and demo officers once per module, rolled back at its end.

    Folders whose tests only read reference data override ``reference`` with this; each
    test still runs in its own savepoint, so a test's writes vanish after it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            agencies = reference_data_ensure()
            demo_officers(PASSWORD)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield agencies
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def officer(reference: dict[str, Any]) -> Callable[[str], Officer]:
    """Return a demo officer by username, e.g. ``officer("bka.analyst")``."""

    def get(username: str) -> Officer:
        return Officer.objects.get(username=username)

    return get


@pytest.fixture
def api(reference: dict[str, Any]) -> Callable[[str | None], APIClient]:
    """Return an API client logged in (token) as the named officer, or anonymous."""

    def make(username: str | None = None) -> APIClient:
        client = APIClient()
        if username:
            from knox.models import AuthToken

            # No expiry here: many tests travel days ahead in time (deadlines, catalogue
            # versions). Token expiry itself is proven through the login endpoint in
            # tests/verbund/test_api_tokens.py.
            _, token = AuthToken.objects.create(
                user=Officer.objects.get(username=username), expiry=None
            )
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def source_dates() -> dict[str, str]:
    """Return review and deletion dates as an owner states them from its source data
    (R-L4a): review in a year, deletion in two — within every age group's cap."""
    from django.utils import timezone

    from verbund.services.date_rules import add_months

    today = timezone.localdate()
    return {
        "review_date": add_months(today, 12).isoformat(),
        "deletion_date": add_months(today, 24).isoformat(),
    }


def person_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid ATD person record payload; keyword arguments replace top-level keys.

    The owner states its source data's dates (``source_dates``); a test of the dates a rule
    supplies removes them (``review_date=None``: absent from the payload).
    """
    n = next(_numbers)
    data: dict[str, Any] = {
        "file": "ATD",
        "kind": "person",
        "case_group": "1a",
        "storage": "open",
        "findings_basis": "Erkenntnisse aus Ermittlungsverfahren 2 BJs 1/26",
        "basic": {
            "surname": "Al-Masri",
            "given_names": "Mohammed",
            "spellings": ["El-Masri"],
            "sex": "m",
            "date_of_birth": "1985-03-14",
            "nationalities": ["EG"],
        },
        "reference": {"file_number": f"TEST-{n:05d}", "classification": "VS-NfD"},
        **source_dates(),
    }
    data.update(overrides)
    return {
        k: v for k, v in data.items() if v is not None or k not in ("review_date", "deletion_date")
    }


@pytest.fixture
def make_record(reference: dict[str, Any]) -> Callable[..., Any]:
    """Create a record through the service as ``username`` (default bka.analyst)."""
    from verbund.services.records import record_create

    def make(username: str = "bka.analyst", **overrides: Any) -> Any:
        return record_create(
            actor=Officer.objects.get(username=username), data=person_payload(**overrides)
        )

    return make


@pytest.fixture
def audit_truncate_allowed(transactional_db: Any, django_db_blocker: Any) -> Iterator[None]:
    """Let pytest-django's flush after a transactional test empty the append-only log.

    The database refuses TRUNCATE on the audit table; the trigger is switched off just for
    the flush and switched on again by ``pytest_runtest_teardown`` below (the same pattern
    as tests/verbund/search/conftest.py).
    """
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_truncate")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Switch the audit TRUNCATE trigger on again after a transactional test's flush."""
    yield
    # After the session's last test the test database is already gone.
    if nextitem is not None and "audit_truncate_allowed" in getattr(item, "fixturenames", ()):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_no_truncate")


@pytest.fixture
def browser(reference: dict[str, Any]) -> Callable[..., Client]:
    """Return a session client logged in as the named officer, in German unless told.

    Test modules whose pages need another shape (an anonymous visitor, CSRF checks)
    define their own ``browser``.
    """

    def make(username: str, language: str = "de") -> Client:
        client = Client()
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(Officer.objects.get(username=username))
        return client

    return make
