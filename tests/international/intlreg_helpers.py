"""Helpers of the intlreg tests: a foreign account, the matrix roles, served-schema checks."""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]

from agencies.models import Agency, Officer, Role
from agencies.services import officer_ensure
from tests.conftest import PASSWORD
from verbund.models import File

FOREIGN = "fbi.liaison"


def foreign_account() -> Officer:
    """An account flagged foreign (made by mistake for a foreign body), with a file."""
    officer = officer_ensure(
        username=FOREIGN,
        agency=Agency.objects.get(code="BKA"),
        role=Role.ANALYST,
        password=PASSWORD,
        files=list(File.objects.all()),
    )
    officer.foreign = True
    officer.save(update_fields=["foreign"])
    return officer


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable`` as JSON Schema ``null`` types."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.pop("nullable", False):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def served_schema(client: Any) -> dict[str, Any]:
    """The schema the server serves."""
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return dict(response.json())


def assert_served_shape(
    schema: dict[str, Any], path: str, method: str, status: int, body: Any
) -> None:
    """Validate an answer against the served schema of that path, method and status."""
    operation = schema["paths"][path][method.lower()]
    content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    root = _nullable({**content, "components": schema["components"]})
    jsonschema.validate(body, root)
