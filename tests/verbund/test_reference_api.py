"""Reference endpoints, auth, OpenAPI, the error shape and the security baseline (api.md)."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from agencies.models import Officer
from tests.conftest import PASSWORD
from tests.verbund.records.support import assert_error

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference


@pytest.fixture
def fresh_limits() -> Iterator[None]:
    """Start with empty throttle counters (kept in the cache, not in the database)."""
    cache.clear()
    yield
    cache.clear()


# ---------------------------------------------------------------- token


def test_token_for_valid_credentials_authenticates_the_api(
    reference: Any, fresh_limits: None
) -> None:
    client = APIClient()
    response = client.post(
        TOKEN, {"username": "lka-bw.analyst", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token", "expires"} and len(token) >= 32
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "lka-bw.analyst"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"username": "lka-bw.analyst", "password": "wrong"}, "invalid_credentials"),
        ({"username": "nobody", "password": PASSWORD}, "invalid_credentials"),
        ({"username": "lka-bw.analyst"}, "required"),
        ({"password": PASSWORD}, "required"),
        # A wrong type is invalid (named in fields), a missing field required.
        ({"username": ["lka-bw.analyst"], "password": PASSWORD}, "invalid"),
    ],
)
def test_token_for_bad_credentials_is_400_in_the_error_shape(
    reference: Any, fresh_limits: None, body: dict, code: str
) -> None:
    response = APIClient().post(TOKEN, body, format="json")
    assert_error(response, 400, code)
    assert "token" not in response.json()


def test_token_for_an_inactive_officer_is_refused(reference: Any, fresh_limits: None) -> None:
    Officer.objects.filter(username="lka-bw.analyst").update(is_active=False)
    response = APIClient().post(
        TOKEN, {"username": "lka-bw.analyst", "password": PASSWORD}, format="json"
    )
    assert_error(response, 400, "invalid_credentials")


def test_token_with_nul_byte_is_400(reference: Any, fresh_limits: None) -> None:
    client = APIClient(raise_request_exception=False)
    response = client.post(TOKEN, {"username": "bka\x00analyst", "password": "x"}, format="json")
    assert response.status_code == 400


# ---------------------------------------------------------------- lockout (django-axes)


def test_five_failed_token_attempts_lock_the_account(reference: Any, fresh_limits: None) -> None:
    client = APIClient()
    bad = {"username": "bka.head", "password": "wrong-password"}
    statuses = [client.post(TOKEN, bad, format="json").status_code for _ in range(5)]
    assert statuses[:4] == [400, 400, 400, 400]
    assert statuses[4] == 429
    # Locked: even the right password gives no token now.
    response = client.post(TOKEN, {"username": "bka.head", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert b"token" not in response.content
    # The lock is per account: another officer still logs in.
    other = client.post(TOKEN, {"username": "bka.analyst", "password": PASSWORD}, format="json")
    assert other.status_code == 200 and other.json()["token"]


def test_token_lockout_answers_in_the_error_shape(reference: Any, fresh_limits: None) -> None:
    client = APIClient()
    for _ in range(5):
        client.post(TOKEN, {"username": "bka.head", "password": "wrong"}, format="json")
    response = client.post(TOKEN, {"username": "bka.head", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert set(response.json()) == {"code", "detail", "fields"}


def test_five_failed_browser_logins_lock_the_account(reference: Any, fresh_limits: None) -> None:
    from django.test import Client

    client = Client()
    for _ in range(4):
        response = client.post("/anmelden/", {"username": "bfv.head", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    assert (
        client.post("/anmelden/", {"username": "bfv.head", "password": "wrong"}).status_code == 429
    )
    response = client.post("/anmelden/", {"username": "bfv.head", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- me, agencies, files


def test_me_shows_username_agency_roles_and_files(api: Any) -> None:
    body = api("lka-bw.analyst").get("/api/v1/me/").json()
    assert body["username"] == "lka-bw.analyst"
    assert body["agency"] == {"code": "LKA-BW", "name": "Landeskriminalamt Baden-Württemberg"}
    assert body["roles"] == ["analyst"]
    assert sorted(body["files"]) == ["ATD", "GWS"]
    intelligence = api("lfv-bw.head").get("/api/v1/me/").json()
    assert intelligence["files"] == ["ATD"]
    assert intelligence["roles"] == ["head"]


def test_me_of_a_supervisor_has_no_agency_and_no_files(api: Any) -> None:
    body = api("bfdi.supervisor").get("/api/v1/me/").json()
    assert body["agency"] is None
    assert body["files"] == []
    assert body["roles"] == ["supervisor"]


def test_me_without_login_is_401_in_the_error_shape(reference: Any) -> None:
    assert_error(APIClient().get("/api/v1/me/"), 401, "not_authenticated")


def test_agencies_lists_every_agency_with_kind_level_and_state(api: Any) -> None:
    response = api("bka.analyst").get("/api/v1/agencies/")
    assert response.status_code == 200
    agencies = response.json()
    assert isinstance(agencies, list) and len(agencies) == 38
    for agency in agencies:
        assert set(agency) == {"code", "name", "kind", "level", "state"}
    by_code = {a["code"]: a for a in agencies}
    assert by_code["LKA-BW"] == {
        "code": "LKA-BW",
        "name": "Landeskriminalamt Baden-Württemberg",
        "kind": "police",
        "level": "state",
        "state": "BW",
    }
    assert by_code["ZKA"]["kind"] == "customs"
    assert by_code["BND"]["kind"] == "intelligence" and by_code["BND"]["state"] is None


def test_files_lists_atd_and_gws_with_basis_and_categories(api: Any) -> None:
    files = {f["code"]: f for f in api("bka.analyst").get("/api/v1/files/").json()}
    assert set(files) == {"ATD", "GWS"}
    for file in files.values():
        assert {"code", "name", "legal_basis", "accepts_entries", "purposes", "urgencies"} <= set(
            file
        )
        assert file["accepts_entries"] is True
        assert file["purposes"] and all(set(p) == {"code", "label"} for p in file["purposes"])
        assert file["urgencies"] and all(set(u) == {"code", "label"} for u in file["urgencies"])
    assert files["ATD"]["legal_basis"]["kind"] == "statute"
    assert "ATDG" in files["ATD"]["legal_basis"]["citation"]
    assert files["GWS"]["legal_basis"]["kind"] == "ordinance"


@pytest.mark.parametrize("path", ["/api/v1/agencies/", "/api/v1/files/"])
def test_reference_lists_need_a_login(reference: Any, path: str) -> None:
    assert_error(APIClient().get(path), 401, "not_authenticated")


# ---------------------------------------------------------------- OpenAPI


def test_schema_documents_the_record_contract(reference: Any) -> None:
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for needle in (
        "withheld",
        "religion_reason",
        "STRENG-GEHEIM",
        "bank_account",
        "website",
        "contact_persons",
        "/api/v1/records/{record_id}/block/",
        "covert_required",
        "withheld_field_given",
        "contact_persons_not_allowed",
        "reason_required",
    ):
        assert needle in text, needle


def test_swagger_ui_is_served_locally(reference: Any) -> None:
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    # Split view: the initialisation script is a file of this server (strict CSP) and
    # points at the schema; the page has no inline script.
    assert '<script src="/api/v1/docs/?script="></script>' in html
    assert "<script>" not in html
    script = APIClient().get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    # No CDN: the UI comes from the sidecar's static files.
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


# ---------------------------------------------------------------- the error shape everywhere


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/me/"),
        ("delete", "/api/v1/files/"),
        ("post", "/api/v1/agencies/"),
        ("put", "/api/v1/records/"),
        ("get", "/api/v1/auth/token/"),
    ],
)
def test_wrong_method_is_405_in_the_error_shape(api: Any, method: str, path: str) -> None:
    response = getattr(api("bka.analyst"), method)(path)
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/records/", "/api/"])
def test_unknown_api_path_is_404_in_the_error_shape(api: Any, path: str) -> None:
    response = api("bka.analyst").get(path)
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")


# ---------------------------------------------------------------- production settings


def test_security_check_deploy_passes() -> None:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.prod",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
        "DJANGO_ALLOWED_HOSTS": "verbund.example",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output, output


def test_server_error_under_api_uses_the_error_shape(rf: Any) -> None:
    from verbund.views.errors import server_error

    response = server_error(rf.get("/api/v1/records/"))
    assert response.status_code == 500
    assert json.loads(response.content) == {
        "code": "server_error",
        "detail": "Interner Fehler.",
        "fields": {},
    }
