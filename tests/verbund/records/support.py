"""Helpers shared by the record tests: module-wide reference data and error assertions."""

from __future__ import annotations

from typing import Any

from audit.models import AuditEvent
from verbund.models import Record


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
