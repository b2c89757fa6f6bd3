"""No foreign access (R-N1): an account flagged foreign is refused at every door, logged.

Doors: the login form, the admin's login form, the API token login, an existing API token,
an existing session (browser and API). A wrong password answers as for any account.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import Officer
from audit.models import AuditEvent
from international.models import ForeignLoginAttempt
from tests.conftest import PASSWORD
from tests.international.intlreg_helpers import FOREIGN, foreign_account
from verbund.services.reference import reference_data_ensure

TOKEN_URL = "/api/v1/auth/token/"


def _assert_recorded(channel: str, count: int = 1) -> None:
    attempts = ForeignLoginAttempt.objects.filter(username=FOREIGN, channel=channel)
    assert attempts.count() == count
    events = AuditEvent.objects.filter(action="auth.foreign_refused")
    matching = [e for e in events if e.details == {"username": FOREIGN, "channel": channel}]
    assert len(matching) == count
    assert all(e.outcome == "refused" and e.officer_username == FOREIGN for e in matching)


def _german_refusal(response: Any) -> None:
    assert response.status_code == 403
    text = response.content.decode()
    assert 'data-error-code="foreign_access_refused"' in text
    assert "Ausländische Stellen" in text or "ausländische Stellen" in text


def test_r_n1_login_form_refuses_foreign_account(reference: Any) -> None:
    foreign_account()
    client = Client()
    response = client.post("/anmelden/", {"username": FOREIGN, "password": PASSWORD})
    _german_refusal(response)
    assert "_auth_user_id" not in client.session
    _assert_recorded("login")
    # Not logged in afterwards.
    assert client.get("/").status_code == 302


def _strip(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_r_n1_wrong_password_of_foreign_account_answers_as_for_any(reference: Any) -> None:
    foreign_account()
    foreign = Client().post("/anmelden/", {"username": FOREIGN, "password": "wrong-1234567"})
    normal = Client().post("/anmelden/", {"username": "bka.analyst", "password": "wrong-1234567"})
    assert foreign.status_code == normal.status_code == 200
    assert _strip(foreign.content.decode()).replace(FOREIGN, "X") == _strip(
        normal.content.decode()
    ).replace("bka.analyst", "X")
    api_foreign = APIClient().post(
        TOKEN_URL, {"username": FOREIGN, "password": "wrong-1234567"}, format="json"
    )
    api_normal = APIClient().post(
        TOKEN_URL, {"username": "bka.analyst", "password": "wrong-1234567"}, format="json"
    )
    assert api_foreign.status_code == api_normal.status_code == 400
    assert api_foreign.json() == api_normal.json()
    assert not ForeignLoginAttempt.objects.exists()


def test_r_n1_admin_login_refuses_foreign_staff(reference: Any) -> None:
    officer = foreign_account()
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client = Client()
    response = client.post(
        "/admin/login/", {"username": FOREIGN, "password": PASSWORD, "next": "/admin/"}
    )
    _german_refusal(response)
    assert "_auth_user_id" not in client.session
    _assert_recorded("login")


def test_r_n1_api_token_login_refuses_foreign_account(reference: Any) -> None:
    officer = foreign_account()
    response = APIClient().post(
        TOKEN_URL, {"username": FOREIGN, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "foreign_access_refused"
    assert not AuthToken.objects.filter(user=officer).exists()
    _assert_recorded("api")


@pytest.mark.parametrize(
    "path", ["/api/v1/records/", "/api/v1/partners/", "/api/v1/partner-requests/"]
)
def test_r_n1_existing_token_of_foreign_account_refused(api: Any, path: str) -> None:
    officer = foreign_account()
    client = api(FOREIGN)
    response = client.get(path)
    assert response.status_code == 403
    assert response.json()["code"] == "foreign_access_refused"
    _assert_recorded("token")
    # Flag removed: the same token works again (the refusal is the flag's, not the token's).
    officer.foreign = False
    officer.save(update_fields=["foreign"])
    assert client.get(path).status_code == 200


def test_r_n1_existing_session_refused_and_ended(reference: Any) -> None:
    officer = foreign_account()
    client = Client()
    client.force_login(officer)
    _german_refusal(client.get("/"))
    _assert_recorded("session")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # back at the login


def test_r_n1_existing_session_refused_on_api(reference: Any) -> None:
    officer = foreign_account()
    client = Client()
    client.force_login(officer)
    response = client.get("/api/v1/partners/")
    assert response.status_code == 403
    assert response.json()["code"] == "foreign_access_refused"
    _assert_recorded("session")


def test_r_n1_flag_set_while_logged_in_refuses_next_request(browser: Any) -> None:
    client = browser("bka.analyst")
    assert client.get("/").status_code == 200
    Officer.objects.filter(username="bka.analyst").update(foreign=True)
    response = client.get("/")
    assert response.status_code == 403
    assert ForeignLoginAttempt.objects.filter(username="bka.analyst", channel="session").exists()


@pytest.mark.django_db(transaction=True)
def test_r_n1_refusals_are_committed(audit_truncate_allowed: None) -> None:
    """The attempt row and the log event outlive the refused request (no rollback)."""
    reference_data_ensure()
    foreign_account()
    Client().post("/anmelden/", {"username": FOREIGN, "password": PASSWORD})
    APIClient().post(TOKEN_URL, {"username": FOREIGN, "password": PASSWORD}, format="json")
    _, token = AuthToken.objects.create(user=Officer.objects.get(username=FOREIGN), expiry=None)
    tokened = APIClient()
    tokened.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert tokened.get("/api/v1/partners/").status_code == 403
    session = Client()
    session.force_login(Officer.objects.get(username=FOREIGN))
    assert session.get("/").status_code == 403
    for channel in ("login", "api", "token", "session"):
        _assert_recorded(channel)
