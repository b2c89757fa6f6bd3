"""API-wide input tests share the reference data per module (keeps the suite fast)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference
