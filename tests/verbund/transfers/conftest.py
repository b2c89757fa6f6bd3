"""Transfer tests share the reference data per module (keeps the suite fast on 2 cores)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verbund.search.conftest import run_search  # noqa: F401 (a fixture)


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference
