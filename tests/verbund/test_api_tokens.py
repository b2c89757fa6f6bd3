"""api.md Conventions, tokens: each login issues a new token with a lifetime (default 8
hours, configurable), DELETE revokes it, an expired or revoked token answers 401 in the error
shape (issue 12, part 6; django-rest-knox)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import Officer
from tests.conftest import PASSWORD
from tests.verbund.records.support import assert_error

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """Start with empty throttle counters (kept in the cache, not in the database)."""
    cache.clear()
    yield
    cache.clear()


def login(username: str = "lka-bw.analyst") -> dict[str, Any]:
    response = APIClient().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_api_conventions_token_login_answers_token_and_iso_expiry_8_hours_ahead(
    reference: Any,
) -> None:
    before = timezone.now()
    body = login()
    assert set(body) == {"token", "expires"}
    expires = datetime.datetime.fromisoformat(body["expires"])
    assert expires.tzinfo is not None
    ttl = expires - before
    assert datetime.timedelta(hours=8) - datetime.timedelta(minutes=1) < ttl
    assert ttl <= datetime.timedelta(hours=8, minutes=1)
    assert client_with(body["token"]).get(ME).json()["username"] == "lka-bw.analyst"


def test_api_conventions_token_lifetime_follows_the_setting(reference: Any, settings: Any) -> None:
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(minutes=30)}
    before = timezone.now()
    expires = datetime.datetime.fromisoformat(login()["expires"])
    assert datetime.timedelta(minutes=29) < expires - before <= datetime.timedelta(minutes=31)


def test_api_conventions_token_lifetime_is_configured_by_environment() -> None:
    env = {**os.environ, "VERBUND_API_TOKEN_TTL_HOURS": "2.5"}
    code = "import verbund.settings.test as s; print(s.REST_KNOX['TOKEN_TTL'].total_seconds())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "9000.0"


def test_api_conventions_each_login_issues_a_new_token(reference: Any) -> None:
    first, second = login()["token"], login()["token"]
    assert first != second
    assert client_with(first).get(ME).status_code == 200
    assert client_with(second).get(ME).status_code == 200
    # Only digests are stored, never the token itself.
    stored = set(AuthToken.objects.values_list("digest", flat=True))
    assert first not in stored and second not in stored


def test_api_conventions_delete_token_revokes_it(reference: Any) -> None:
    kept, revoked = login()["token"], login()["token"]
    client = client_with(revoked)
    response = client.delete(TOKEN)
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get(ME), 401, "not_authenticated")
    assert_error(client.delete(TOKEN), 401, "not_authenticated")
    # Logging out ends this token only, not the officer's other sessions.
    assert client_with(kept).get(ME).status_code == 200


def test_api_conventions_delete_token_needs_a_token(reference: Any) -> None:
    assert_error(APIClient().delete(TOKEN), 401, "not_authenticated")
    session = Client()
    session.force_login(Officer.objects.get(username="bka.analyst"))
    assert_error(session.delete(TOKEN), 401, "not_authenticated")


def test_api_conventions_expired_token_answers_401_token_expired(reference: Any) -> None:
    body = login()
    client = client_with(body["token"])
    later = datetime.datetime.fromisoformat(body["expires"]) + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert_error(client.get(ME), 401, "token_expired")
        # It keeps saying so (not deleted on sight), for every endpoint, DELETE included.
        assert_error(client.get("/api/v1/records/"), 401, "token_expired")
        assert_error(client.delete(TOKEN), 401, "token_expired")
        # The next login purges it and issues a fresh, working token.
        fresh = login()["token"]
        assert client_with(fresh).get(ME).status_code == 200
        assert_error(client.get(ME), 401, "not_authenticated")


def test_api_conventions_token_just_before_expiry_still_works(reference: Any) -> None:
    body = login()
    earlier = datetime.datetime.fromisoformat(body["expires"]) - datetime.timedelta(seconds=5)
    with time_machine.travel(earlier, tick=False):
        assert client_with(body["token"]).get(ME).status_code == 200


def test_api_conventions_token_of_a_deactivated_officer_is_401(reference: Any) -> None:
    token = login()["token"]
    Officer.objects.filter(username="lka-bw.analyst").update(is_active=False)
    assert_error(client_with(token).get(ME), 401, "not_authenticated")


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Bearer {token}", "Token {token}x", "Token \u00e4\u00f6\u00fc"],
)
def test_api_conventions_malformed_or_foreign_token_header_is_401(
    reference: Any, header: str
) -> None:
    token = login()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(token=token))
    assert_error(client.get(ME), 401, "not_authenticated")


def test_api_conventions_token_logins_and_failed_logins_are_logged(reference: Any) -> None:
    # As for the browser login: django-axes keeps the access log, Django the last login.
    failed = APIClient().post(TOKEN, {"username": "bka.head", "password": "wrong"}, format="json")
    assert_error(failed, 400, "invalid_credentials")
    assert AccessAttempt.objects.get(username="bka.head").failures_since_start == 1
    before = AccessLog.objects.filter(username="bka.head").count()
    response = APIClient().post(
        TOKEN, {"username": "bka.head", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert AccessLog.objects.filter(username="bka.head").count() == before + 1
    assert Officer.objects.get(username="bka.head").last_login is not None
    # A successful login resets the failure count (AXES_RESET_ON_SUCCESS), as in the browser.
    assert not AccessAttempt.objects.filter(username="bka.head").exists()


def test_api_conventions_admin_cannot_mint_api_tokens(reference: Any) -> None:
    # Architecture rule 3: running the platform grants no access to police data, so the
    # admin may list and revoke tokens (only a digest is stored, the pk of the row) but never
    # create one for an officer.
    admin = Officer.objects.create_superuser("platform.admin", "", "admin-password-123")
    client = Client()
    client.force_login(admin)
    login()
    assert client.get("/admin/knox/authtoken/").status_code == 200
    assert client.get("/admin/knox/authtoken/add/").status_code == 403
    token = AuthToken.objects.filter(user__username="lka-bw.analyst").first()
    assert token is not None
    page = client.get(f"/admin/knox/authtoken/{token.pk}/change/")
    assert page.status_code == 200
    # Read-only: neither the officer nor the lifetime can be changed there.
    assert b'name="expiry"' not in page.content and b'name="user"' not in page.content


def test_api_conventions_schema_documents_token_login_and_logout(reference: Any) -> None:
    schema = Client().get("/api/v1/schema/?format=json").json()
    token = schema["paths"]["/api/v1/auth/token/"]
    assert set(token) == {"post", "delete"}
    post, delete = token["post"], token["delete"]
    assert {"200", "400", "429"} <= set(post["responses"])
    ok = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    out = schema["components"]["schemas"][ok.rsplit("/", 1)[-1]]
    assert set(out["properties"]) == {"token", "expires"}
    assert out["properties"]["expires"]["format"] == "date-time"
    assert set(delete["responses"]) == {"204", "401"}
    assert delete["security"] == [{"tokenAuth": []}]
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["in"] == "header" and scheme["name"] == "Authorization"
    assert '"Token"' in scheme["description"]
