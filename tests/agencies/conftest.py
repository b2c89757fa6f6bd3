"""Agency tests share the reference data per module (keeps the suite fast)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.verbund.records.support import shared_reference_data


@pytest.fixture(scope="module")
def module_reference(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Agencies, files, orders, catalogues and demo officers, created once per module."""
    with shared_reference_data(django_db_blocker) as agencies:
        yield agencies


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference
