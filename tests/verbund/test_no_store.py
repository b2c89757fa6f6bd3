"""api.md Conventions: answers that show personal data or file references carry
``Cache-Control: no-store`` (and ``Vary: Authorization, Cookie``); so does every page shown to
a logged-in officer. Only the public catalogue and the API description may be cached
(issue 12, part 5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(module_reference: dict[str, Any], db: Any) -> dict[str, Any]:
    """Override the root fixture: reuse the module's reference data."""
    return module_reference


def assert_no_store(response: Any) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, response.get("Cache-Control")
    assert "public" not in directives
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    assert {"authorization", "cookie"} <= vary, response.get("Vary")


def search(client: Any, surname: str) -> Any:
    body = {
        "file": "ATD",
        "mode": "name",
        "purpose": "ct_task",
        "urgency": "routine",
        "criteria": {"surname": surname},
    }
    return client.post("/api/v1/searches/", body, format="json")


def test_api_conventions_record_detail_and_list_are_no_store(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    record = make_record()
    client = api("bka.analyst")
    detail = client.get(f"/api/v1/records/{record.pk}/")
    assert detail.status_code == 200
    assert_no_store(detail)
    listing = client.get("/api/v1/records/")
    assert listing.status_code == 200 and listing.json()["count"] >= 1
    assert_no_store(listing)


def test_api_conventions_searches_are_no_store(
    api: Callable[..., Any], make_record: Callable[..., Any]
) -> None:
    make_record(basic={"surname": "Nostore", "given_names": "Anna"})
    client = api("bka.analyst")
    created = search(client, "Nostore")
    assert created.status_code == 201, created.content
    assert created.json()["hit_count"] == 1
    assert_no_store(created)
    stored = client.get(f"/api/v1/searches/{created.json()['id']}/")
    assert stored.status_code == 200
    assert_no_store(stored)


def test_api_conventions_inbox_and_me_are_no_store(api: Callable[..., Any]) -> None:
    client = api("bka.analyst")
    for path in ("/api/v1/inbox/", "/api/v1/me/", "/api/v1/files/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_store(response)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/records/", 401), ("/api/v1/nothing-here/", 404), ("/api/v1/records/x/", 401)],
)
def test_api_conventions_api_errors_are_no_store(
    api: Callable[..., Any], path: str, status: int
) -> None:
    response = api().get(path)
    assert response.status_code == status
    assert_no_store(response)


def test_api_conventions_token_answer_is_no_store(reference: Any) -> None:
    from django.core.cache import cache

    from tests.conftest import PASSWORD

    cache.clear()
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": "bka.analyst", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert_no_store(response)


@pytest.mark.parametrize("path", ["/", "/datensaetze/", "/suche/", "/eingang/"])
def test_api_conventions_pages_for_a_logged_in_officer_are_no_store(
    reference: Any, path: str
) -> None:
    client = Client()
    client.force_login(Officer.objects.get(username="bka.analyst"))
    response = client.get(path)
    assert response.status_code == 200
    assert_no_store(response)


def test_api_conventions_record_detail_page_is_no_store(make_record: Callable[..., Any]) -> None:
    record = make_record()
    client = Client()
    client.force_login(Officer.objects.get(username="bka.analyst"))
    response = client.get(f"/datensaetze/{record.pk}/")
    assert response.status_code == 200
    assert record.file_number in response.content.decode()
    assert_no_store(response)


@pytest.mark.parametrize(
    "path", ["/api/v1/catalogue/", "/api/v1/catalogue/versions/", "/api/v1/schema/"]
)
def test_api_conventions_public_catalogue_and_schema_may_be_cached(
    reference: Any, path: str
) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=300"}


@pytest.mark.parametrize("path", ["/api/v1/catalogue/", "/api/v1/schema/"])
def test_api_conventions_public_paths_read_with_a_session_or_token_are_no_store(
    api: Callable[..., Any], path: str
) -> None:
    # The session cookie is re-set on every answer (SESSION_SAVE_EVERY_REQUEST): a shared
    # cache must never keep such an answer, public path or not.
    browser = Client()
    browser.force_login(Officer.objects.get(username="bka.analyst"))
    response = browser.get(path)
    assert response.status_code == 200
    assert "sessionid" in response.cookies
    assert_no_store(response)
    response = api("bka.analyst").get(path)
    assert response.status_code == 200
    assert_no_store(response)


def test_api_conventions_public_catalogue_publication_is_no_store(
    api: Callable[..., Any],
) -> None:
    # Only successful reads of the public paths are cacheable; a write (or its refusal) not.
    response = api("bka.analyst").post("/api/v1/catalogue/versions/", {}, format="json")
    assert response.status_code == 400
    assert_no_store(response)
