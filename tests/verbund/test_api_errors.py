"""api.md Conventions: every error under /api/ uses the error shape, also the errors Django
raises before or around a view — CSRF refusals, a bad Host header, an oversized body, an
exception or a refusal inside a middleware (issue 12, part 4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client

from agencies.models import Officer
from tests.conftest import PASSWORD
from tests.verbund.records.support import assert_error

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference


@pytest.fixture
def session(reference: Any) -> Callable[..., Client]:
    """A browser-like client logged in by session that enforces CSRF like a real browser."""

    def make(username: str = "bka.analyst") -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(Officer.objects.get(username=username), backend=BACKEND)
        return client

    return make


class RaisingMiddleware:
    """Test middleware: raises what the X-Test-Raise header asks for, before any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        what = request.headers.get("X-Test-Raise")
        if what == "error":
            raise RuntimeError("middleware broke")
        if what == "denied":
            raise PermissionDenied("middleware refused")
        return self.get_response(request)


@pytest.fixture
def raising_middleware(settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RaisingMiddleware"]


def assert_json(response: Any) -> None:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]


# ---------------------------------------------------------------- CSRF


def test_api_conventions_unknown_api_path_post_with_session_cookie_is_404_not_csrf_page(
    session: Callable[..., Client],
) -> None:
    # (The path is one the API does not have; /access-requests/ served here before issue 15.)
    response = session().post(
        "/api/v1/no-such-requests/", {"hit": "x"}, content_type="application/json"
    )
    assert_json(response)
    assert_error(response, 404, "not_found")


def test_api_conventions_session_write_without_csrf_token_is_403_csrf_failed(
    session: Callable[..., Client],
) -> None:
    response = session().post(
        "/api/v1/catalogue/versions/", {"field": "skills"}, content_type="application/json"
    )
    assert_json(response)
    assert_error(response, 403, "csrf_failed")


def test_api_conventions_session_write_with_csrf_token_passes_the_csrf_check(
    session: Callable[..., Client],
) -> None:
    client = session()
    client.get("/")  # the start page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/catalogue/versions/",
        {"field": "skills"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    # Past the CSRF check: the service refuses the incomplete publication on its merits.
    assert_error(response, 400, "invalid_date", "valid_from")


@pytest.mark.urls("tests.verbund.urls_errors")
def test_api_conventions_csrf_failure_view_answers_the_error_shape_under_api(
    session: Callable[..., Client],
) -> None:
    response = session().post("/api/v1/test-plain-write/", {"a": "b"})
    assert_json(response)
    body = assert_error(response, 403, "csrf_failed")
    assert "CSRF" in body["detail"]


@pytest.mark.urls("tests.verbund.urls_errors")
def test_api_conventions_csrf_failure_outside_api_stays_the_html_page(reference: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/anmelden/", {"username": "bka.analyst", "password": PASSWORD})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"CSRF" in response.content


# ---------------------------------------------------------------- bad Host header


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/catalogue/", "/api/v1/nothing/"])
def test_api_conventions_bad_host_header_is_400_bad_host(reference: Any, path: str) -> None:
    response = Client().get(path, HTTP_HOST="evil.example.com")
    assert_json(response)
    assert_error(response, 400, "bad_host")


def test_api_conventions_bad_host_header_outside_api_is_not_json(reference: Any) -> None:
    response = Client().get("/anmelden/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


# ---------------------------------------------------------------- oversized body


def test_api_conventions_body_over_the_limit_is_413_request_too_large(
    reference: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    cache.clear()  # the token endpoint's throttle counters
    body = json.dumps({"username": "bka.analyst", "password": "x" * 4096})
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert_json(response)
    assert_error(response, 413, "request_too_large")


def test_api_conventions_body_over_the_limit_on_a_session_write_is_413(
    session: Callable[..., Client], settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = session()
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/searches/",
        json.dumps({"file": "ATD", "criteria": {"surname": "x" * 4096}}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert_json(response)
    assert_error(response, 413, "request_too_large")


def test_api_conventions_body_within_the_limit_is_read(reference: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    cache.clear()
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": "bka.analyst", "password": "wrong"},
        content_type="application/json",
    )
    assert_error(response, 400, "invalid_credentials")


# ---------------------------------------------------------------- errors inside middleware


@pytest.mark.usefixtures("raising_middleware")
@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/nothing/"])
def test_api_conventions_exception_in_a_middleware_is_500_in_the_error_shape(
    reference: Any, path: str
) -> None:
    response = Client(raise_request_exception=False).get(path, HTTP_X_TEST_RAISE="error")
    assert_json(response)
    assert_error(response, 500, "server_error")
    assert b"middleware broke" not in response.content


@pytest.mark.usefixtures("raising_middleware")
def test_api_conventions_exception_in_a_middleware_outside_api_is_not_json(
    reference: Any,
) -> None:
    response = Client(raise_request_exception=False).get("/anmelden/", HTTP_X_TEST_RAISE="error")
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.usefixtures("raising_middleware")
def test_api_conventions_refusal_in_a_middleware_is_403_in_the_error_shape(
    reference: Any,
) -> None:
    response = Client().get("/api/v1/catalogue/", HTTP_X_TEST_RAISE="denied")
    assert_json(response)
    assert_error(response, 403, "forbidden")
