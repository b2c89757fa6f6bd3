"""Generate a Python client from the served OpenAPI document and drive it (issue 14).

Used by ``test_generated_client.py``. The client is made by openapi-python-client exactly as
an integrator makes it (``generate --meta none``), imported under a unique package name and
removed from ``sys.modules`` again afterwards. Calls go through the generated
``sync_detailed`` functions only; this module adds nothing but lookup and assertions.
"""

from __future__ import annotations

import datetime
import enum
import importlib
import json
import pkgutil
import subprocess
import sys
import typing
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
SCHEMA_PATH = "/api/v1/schema/"
# The generator's own post-processing (ruff) is not part of what an integrator gets; the
# generated code must import and run as written.
# ``text/csv`` (a release from a state system, issue 18): a CSV body is bytes to the client,
# as ``application/octet-stream`` is (the generator knows no CSV; the request keeps its type).
GENERATOR_CONFIG = "post_hooks: []\ncontent_type_overrides:\n  text/csv: application/octet-stream\n"


def download_schema(base_url: str, target: Path) -> dict[str, Any]:
    """Fetch the served OpenAPI document as JSON and write it to ``target``."""
    response = httpx.get(f"{base_url}{SCHEMA_PATH}", params={"format": "json"}, timeout=60)
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/vnd.oai.openapi+json"), (
        response.headers["Content-Type"]
    )
    document = response.json()
    assert document["openapi"].startswith("3."), document.get("openapi")
    target.write_text(json.dumps(document), encoding="utf-8")
    return document


def generate(schema: Path, workdir: Path, package: str) -> Path:
    """Run openapi-python-client on ``schema``; the package lands in ``workdir/package``.

    ``--fail-on-warning``: a document the generator can only partly turn into code is a
    document an integrator cannot live on.
    """
    config = workdir / "openapi-python-client.yaml"
    config.write_text(GENERATOR_CONFIG, encoding="utf-8")
    output = workdir / package
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"generation failed:\n{result.stdout}\n{result.stderr}"
    assert (output / "__init__.py").is_file(), result.stdout
    return output


@contextmanager
def imported(workdir: Path, package: str) -> Iterator[ModuleType]:
    """Import the generated package from ``workdir``; forget it (and the path) afterwards."""
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(workdir))
        for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
            del sys.modules[name]


def unique_package_name() -> str:
    """Return a package name no other test (or earlier run) has imported."""
    return f"verbund_client_{uuid.uuid4().hex[:12]}"


class Exchange:
    """One HTTP exchange as the generated client saw it (for failure messages)."""

    def __init__(self, response: httpx.Response) -> None:
        response.read()
        self.request = f"{response.request.method} {response.request.url}"
        self.status = response.status_code
        self.body = response.text

    def __str__(self) -> str:
        body = self.body if len(self.body) <= 800 else f"{self.body[:800]}…"
        return f"{self.request} -> {self.status}: {body}"


class GeneratedClient:
    """The generated package of one schema, bound to one live server."""

    def __init__(self, package: ModuleType, base_url: str) -> None:
        self.package = package
        self.name = package.__name__
        self.base_url = base_url
        self.exchanges: list[Exchange] = []
        self._clients: list[Any] = []
        self._errors = importlib.import_module(f"{self.name}.errors")
        self._types = importlib.import_module(f"{self.name}.types")

    # ---------------------------------------------------------------- generated code

    def operations(self) -> dict[str, ModuleType]:
        """Return every generated operation module by operation id (tag folders flattened)."""
        api = importlib.import_module(f"{self.name}.api")
        out: dict[str, ModuleType] = {}
        for tag in pkgutil.iter_modules(api.__path__):
            folder = importlib.import_module(f"{api.__name__}.{tag.name}")
            for op in pkgutil.iter_modules(folder.__path__):
                out[op.name] = importlib.import_module(f"{folder.__name__}.{op.name}")
        return out

    def op(self, operation_id: str) -> ModuleType:
        """Return the module of one operation; fail naming the operations that exist."""
        operations = self.operations()
        if operation_id not in operations:
            pytest.fail(
                f"operation {operation_id!r} is not in the client generated from the served "
                f"schema; it has: {sorted(operations)}"
            )
        return operations[operation_id]

    def arg(self, operation_id: str, name: str, value: str) -> Any:
        """Return ``value`` as the type the generated function declares for parameter ``name``.

        A query parameter documented as an enum takes the generated enum, one documented as
        ``date-time`` or ``uuid`` a ``datetime`` or ``UUID``; plain strings stay strings.
        """
        hints = typing.get_type_hints(self.op(operation_id).sync_detailed)
        if name not in hints:
            pytest.fail(f"{operation_id}: no parameter {name!r} in the schema; has {sorted(hints)}")
        candidates = [t for t in typing.get_args(hints[name]) or (hints[name],) if t is not None]
        for kind in candidates:
            if isinstance(kind, type) and issubclass(kind, enum.Enum):
                return kind(value)
            if kind is datetime.datetime:
                return datetime.datetime.fromisoformat(value)
            if kind is uuid.UUID:
                return uuid.UUID(value)
        return value

    def body(self, operation_id: str, data: dict[str, Any]) -> Any:
        """Build the typed request body of an operation from plain JSON (its ``from_dict``).

        A body documented as ``oneOf`` (e.g. a search by ``mode``) is a union of models: the
        one model that reads ``data`` without leftovers is it; none, or several, fail.
        """
        hints = typing.get_type_hints(self.op(operation_id).sync_detailed)
        candidates = [
            t
            for t in typing.get_args(hints["body"]) or (hints["body"],)
            if isinstance(t, type) and hasattr(t, "from_dict")
        ]
        fits = []
        for model in candidates:
            try:
                built = model.from_dict(data)
            except (TypeError, ValueError, KeyError, AttributeError):
                continue
            if not getattr(built, "additional_properties", None):
                fits.append(built)
        names = [m.__name__ for m in candidates]
        assert len(fits) == 1, f"{operation_id}: {len(fits)} of the body models {names} fit {data}"
        return fits[0]

    @property
    def unset(self) -> Any:
        """The generated ``UNSET`` marker (an absent key)."""
        return self._types.UNSET

    def is_unset(self, value: Any) -> bool:
        """Whether ``value`` is the generated marker of an absent key."""
        return isinstance(value, self._types.Unset)

    def absent(self, model: Any, name: str) -> bool:
        """Whether a model lacks ``name``: no such attribute (another ``oneOf`` branch), or
        the attribute is ``UNSET`` (the key was not in the answer)."""
        return self.is_unset(getattr(model, name, self._types.UNSET))

    # ---------------------------------------------------------------- clients

    def _httpx_args(self) -> dict[str, Any]:
        def keep(response: httpx.Response) -> None:
            self.exchanges.append(Exchange(response))

        return {"event_hooks": {"response": [keep]}}

    def anonymous(self) -> Any:
        """Return a generated ``Client`` without credentials."""
        client = self.package.Client(
            base_url=self.base_url,
            raise_on_unexpected_status=True,
            timeout=httpx.Timeout(60),
            httpx_args=self._httpx_args(),
        )
        self._clients.append(client)
        return client

    def authenticated(self, token: str) -> Any:
        """Return a generated ``AuthenticatedClient`` sending ``Authorization: Token …``."""
        client = self.package.AuthenticatedClient(
            base_url=self.base_url,
            token=token,
            prefix="Token",
            raise_on_unexpected_status=True,
            timeout=httpx.Timeout(60),
            httpx_args=self._httpx_args(),
        )
        self._clients.append(client)
        return client

    def login(self, username: str, password: str) -> Any:
        """Log in through ``auth_token_create`` and return an authenticated client."""
        body = self.body("auth_token_create", {"username": username, "password": password})
        answer = self.call("auth_token_create", self.anonymous(), 200, body=body)
        assert isinstance(answer.token, str) and len(answer.token) >= 32, answer
        return self.authenticated(answer.token)

    def close(self) -> None:
        """Close every httpx client opened through this object."""
        for client in self._clients:
            client.get_httpx_client().close()
        self._clients.clear()

    # ---------------------------------------------------------------- calls

    def call(
        self,
        operation_id: str,
        client: Any,
        status: int,
        *path: str,
        parsed: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Call ``<operation>.sync_detailed``; assert the status and a typed ``parsed``.

        Path parameters go positionally (their names follow the URL patterns); query
        parameters and ``body`` by name. A status the schema does not document, or an
        answer the generated models cannot read, fails with the operation, the exception
        and the HTTP exchange.
        """
        module = self.op(operation_id)
        self.exchanges.clear()
        try:
            response = module.sync_detailed(*path, client=client, **kwargs)
        except self._errors.UnexpectedStatus as exc:
            pytest.fail(
                f"{operation_id}: status {exc.status_code} is not documented in the schema "
                f"({self._last()})"
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            pytest.fail(
                f"{operation_id}: the generated client cannot use this call or its answer: "
                f"{type(exc).__name__}: {exc} ({self._last()})"
            )
        assert response.status_code == status, (
            f"{operation_id}: expected {status}, got {response.status_code} ({self._last()})"
        )
        if not parsed:
            return response
        assert response.parsed is not None, f"{operation_id}: parsed is None ({self._last()})"
        self.assert_typed(operation_id, response.parsed)
        return response.parsed

    def error(
        self, operation_id: str, client: Any, status: int, code: str, *path: str, **kwargs: Any
    ) -> Any:
        """Call an operation that must fail; assert the typed error and its machine code."""
        parsed = self.call(operation_id, client, status, *path, **kwargs)
        assert hasattr(parsed, "code") and hasattr(parsed, "detail"), (
            f"{operation_id}: {status} parsed as {type(parsed).__name__}, not an error model"
        )
        assert parsed.code == code, f"{operation_id}: code {parsed.code!r}, expected {code!r}"
        assert isinstance(parsed.detail, str) and parsed.detail
        return parsed

    def assert_typed(self, operation_id: str, value: Any) -> None:
        """Assert that ``value`` (or each item of a list) is a generated model instance."""
        items = value if isinstance(value, list) else [value]
        for item in items:
            module = type(item).__module__
            assert module.startswith(f"{self.name}.models."), (
                f"{operation_id}: parsed as {type(item).__name__} from {module}, "
                "not as a model of the generated client"
            )

    def _last(self) -> str:
        return str(self.exchanges[-1]) if self.exchanges else "no HTTP exchange"
