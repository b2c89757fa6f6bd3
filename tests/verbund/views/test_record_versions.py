"""Browser pages change only the version they were loaded with; blocked records are frozen.

R-H1: an officer's change never silently overwrites another's (the form sends its version,
a conflict is shown in German and the input is kept). R-L3: a blocked record cannot be
edited through the page either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from tests.verbund.views.test_pages import form_data
from verbund.models import Record
from verbund.services.records import record_block, record_update

pytestmark = pytest.mark.django_db

CONFLICT = "Der Datensatz wurde inzwischen von anderer Seite geändert"


@pytest.fixture
def browser(reference: dict[str, Any]) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(Officer.objects.get(username=username))
        return client

    return make


def _hidden_version(html: str) -> str:
    match = re.search(r'<input type="hidden" name="version" value="(\d+)"', html)
    assert match, "the form sends the version it was loaded with"
    return match.group(1)


def _edit_data(record: Record, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "surname": "Al-Masri",
        "given_names": "Mohammed",
        "aliases": "",
        "spellings": "El-Masri",
        "nationalities": "EG",
        "date_of_birth": "1985-03-14",
        "file_number": record.file_number,
    }
    return form_data(**{**values, **overrides})


def test_r_h1_edit_form_refuses_a_stale_version_and_keeps_the_input(
    browser: Callable[[str], Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("bka.analyst")
    client = browser("bka.analyst")
    url = f"/datensaetze/{record.pk}/bearbeiten/"
    version = _hidden_version(client.get(url).content.decode())
    assert version == "1"
    # Another officer of the agency changes the record meanwhile.
    record_update(
        actor=Officer.objects.get(username="bka.head"),
        record_id=record.pk,
        data={"basic": {"given_names": "Ahmed"}},
    )
    response = client.post(url, _edit_data(record, given_names="Muhammad", version=version))
    html = response.content.decode()
    assert response.status_code == 409
    assert CONFLICT in html
    assert "version_conflict" not in html, "officers see labels, never codes"
    assert 'value="Muhammad"' in html, "the officer's input is kept"
    record.refresh_from_db()
    assert record.basic["given_names"] == "Ahmed" and record.version == 2

    # Reloaded, the form carries the new version and the change applies.
    version = _hidden_version(client.get(url).content.decode())
    assert version == "2"
    response = client.post(url, _edit_data(record, given_names="Muhammad", version=version))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.basic["given_names"] == "Muhammad" and record.version == 3


def test_r_h1_edit_form_removes_a_field_the_officer_emptied(
    browser: Callable[[str], Client], make_record: Callable[..., Record]
) -> None:
    record = make_record(
        "bka.analyst",
        extended={"phones": ["+49 30 1234567"], "profession": "Elektriker"},
    )
    client = browser("bka.analyst")
    response = client.post(
        f"/datensaetze/{record.pk}/bearbeiten/",
        _edit_data(record, phones="", profession="Elektriker", version="1"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert record.extended == {"profession": "Elektriker"}


def test_r_l3_blocked_record_cannot_be_edited_through_the_page(
    browser: Callable[[str], Client], make_record: Callable[..., Record]
) -> None:
    record = make_record("bka.analyst")
    record_block(
        actor=Officer.objects.get(username="bka.analyst"),
        record_id=record.pk,
        reason="Schutzwürdige Interessen",
    )
    client = browser("bka.analyst")
    detail = client.get(f"/datensaetze/{record.pk}/").content.decode()
    assert f"/datensaetze/{record.pk}/bearbeiten/" not in detail
    url = f"/datensaetze/{record.pk}/bearbeiten/"
    for response in (
        client.get(url, follow=True),
        client.post(url, _edit_data(record, given_names="Neu", version="2"), follow=True),
    ):
        html = response.content.decode()
        assert response.redirect_chain[0] == (f"/datensaetze/{record.pk}/", 302)
        assert "Der Datensatz ist gesperrt; seine Daten" in html
    record.refresh_from_db()
    assert record.version == 2 and record.basic["given_names"] == "Mohammed"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("sperren", {"reason": "Schutzwürdige Interessen"}),
        ("loeschen", {"reason": "Nicht mehr erforderlich", "confirm": "on"}),
    ],
)
def test_r_h1_block_and_delete_pages_refuse_a_stale_version(
    browser: Callable[[str], Client],
    make_record: Callable[..., Record],
    action: str,
    data: dict[str, str],
) -> None:
    record = make_record("bka.analyst")
    client = browser("bka.analyst")
    url = f"/datensaetze/{record.pk}/{action}/"
    version = _hidden_version(client.get(url).content.decode())
    record_update(
        actor=Officer.objects.get(username="bka.head"),
        record_id=record.pk,
        data={"findings_basis": "Ergänzte Erkenntnisse"},
    )
    response = client.post(url, {**data, "version": version})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.status == "active" and fresh.version == 2
