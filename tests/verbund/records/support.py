"""Helpers shared by the record tests: module-wide reference data and error assertions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from agencies.services import demo_officers
from audit.models import AuditEvent
from tests.conftest import PASSWORD
from verbund.models import Record
from verbund.services.reference import reference_data_ensure


@contextmanager
def shared_reference_data(django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Create reference data and demo officers once, inside a transaction rolled back at the end.

    Each test still runs in its own savepoint (pytest-django's ``db``), so a test's writes
    vanish after it; only the reference data survive between the tests of one module.
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


class Stock:
    """Counts of records and audit rows, to prove that a rejected request stored nothing."""

    def __init__(self) -> None:
        self.records = Record.objects.count()
        self.audit = AuditEvent.objects.count()

    def assert_unchanged(self) -> None:
        """Fail when a record or an audit row was added since the snapshot."""
        assert Record.objects.count() == self.records, "a rejected request stored a record"
        assert AuditEvent.objects.count() == self.audit, "a rejected request wrote an audit row"


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """Assert the api.md error shape, the status, the machine code and the field path."""
    assert response.status_code == status, (response.status_code, getattr(response, "data", None))
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert field in body["fields"], body["fields"]
    return body
