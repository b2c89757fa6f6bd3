"""Domain errors: each carries an HTTP status, a machine code and optional field errors."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal with a machine code; interfaces render it as ``{"code","detail","fields"}``."""

    status = 400
    default_code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.fields = fields or {}
        self.headers = headers or {}
        # Further keys of the error body beside code, detail and fields (e.g. the current
        # version of a record on a 412).
        self.extra = extra or {}


class Invalid(DomainError):
    """Invalid input (400)."""

    status = 400
    default_code = "invalid"


class Forbidden(DomainError):
    """The caller may know the object but may not do this (403)."""

    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    """Does not exist, or the caller may not know that it exists (404)."""

    status = 404
    default_code = "not_found"

    def __init__(self, detail: str = "Nicht gefunden.", **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)


class Conflict(DomainError):
    """State conflict (409)."""

    status = 409
    default_code = "conflict"


class VersionConflict(DomainError):
    """The caller's version (``If-Match``) is no longer the current one (412)."""

    status = 412
    default_code = "version_conflict"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "Der Datensatz wurde inzwischen geändert; bitte neu laden und die Änderung "
            "erneut vornehmen.",
            headers={"ETag": etag(current_version)},
            extra={"current_version": current_version, "etag": etag(current_version)},
        )
        self.current_version = current_version


def etag(version: int) -> str:
    """Return the strong entity tag of a record version, e.g. ``"3"``."""
    return f'"{int(version)}"'


class Refused(DomainError):
    """Valid but refused by a legal rule (422)."""

    status = 422
    default_code = "refused"


class RateLimited(DomainError):
    """Too many searches in the window (429)."""

    status = 429
    default_code = "rate_limited"


def field_error(
    field: str, code: str, detail: str, status: type[DomainError] = Invalid
) -> DomainError:
    """Return an error about one input field."""
    return status(detail, code=code, fields={field: [detail]})
