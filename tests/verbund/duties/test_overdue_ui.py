"""R-L6 in the browser: "Überfällige Vorgänge" for agency heads and for supervisors."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEvent
from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
CODES = ("covert_hit", "access_request", "emergency_consent", "emergency_refused")


@pytest.fixture
def overdue(duty: Callable[[str], Any], time_machine: Any, settings: Any) -> dict[str, Any]:
    settings.VERBUND_ACCESS_REQUEST_REMINDER_HOURS = 24
    time_machine.move_to(START, tick=False)
    made = {kind: duty(kind)[0] for kind in ("covert_hit", "access_request", "emergency_refused")}
    time_machine.move_to(START + datetime.timedelta(days=10), tick=False)
    return made


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))


def test_r_l6_head_page_lists_overdue_duties_in_german(
    browser: Callable[..., Client], overdue: dict[str, Any]
) -> None:
    client = browser("bfv.head")
    inbox = client.get("/eingang/").content.decode()
    assert 'href="/eingang/ueberfaellig/"' in inbox
    response = client.get("/eingang/ueberfaellig/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    text = _text(html)
    assert "Überfällige Vorgänge" in text
    assert "Entscheidung über ein Ersuchen um erweiterte Grunddaten" in text
    assert "Entscheidung über die Kontaktaufnahme nach einem verdeckten Treffer" in text
    assert overdue["access_request"].file_number in text
    # Due 24 hours after 08:00 UTC on 2 March: 09:00 in Berlin (winter time).
    assert "03.03.2026 09:00" in text
    assert 'href="/eingang/?kind=access_request"' in html
    assert "noch nicht" in text  # the reminder job has not run yet
    # The requester's duty after a refused consent is not the BfV's.
    assert "Löschung oder Sperrung" not in text
    for code in CODES:
        assert code not in text
    assert_no_requirement_id(html, "overdue page")
    event = AuditEvent.objects.get(action="overdue.read")
    assert event.officer_username == "bfv.head"
    assert [r["covert_hit"] for r in event.covert] == [str(overdue["covert_hit"].pk)]


def test_r_l6_head_page_in_english(browser: Callable[..., Client], overdue: dict[str, Any]) -> None:
    text = _text(browser("lka-bw.head", "en").get("/eingang/ueberfaellig/").content.decode())
    assert "Deletion or blocking after refused consent" in text
    assert "covert hit" not in text.lower()


@pytest.mark.parametrize("username", ["bfv.analyst", "bfdi.supervisor"])
def test_r_l6_head_page_is_refused_to_others(
    browser: Callable[..., Client], overdue: dict[str, Any], username: str
) -> None:
    client = browser(username)
    response = client.get("/eingang/ueberfaellig/")
    assert response.status_code == 403
    assert "Behördenleitung" in response.content.decode()
    if username == "bfv.analyst":
        assert 'href="/eingang/ueberfaellig/"' not in client.get("/eingang/").content.decode()


def test_r_l6_supervisor_page_lists_duties_within_jurisdiction(
    browser: Callable[..., Client], overdue: dict[str, Any]
) -> None:
    client = browser("bfdi.supervisor")
    home = client.get("/").content.decode()
    assert 'href="/aufsicht/ueberfaellig/"' in home
    html = client.get("/aufsicht/ueberfaellig/").content.decode()
    text = _text(html)
    assert "Überfällige Vorgänge der beaufsichtigten Behörden" in text
    assert "Entscheidung über die Kontaktaufnahme nach einem verdeckten Treffer" in text
    assert "Löschung oder Sperrung" not in text  # the LKA-BW is a state agency
    assert_no_requirement_id(html, "supervision overdue page")
    state = _text(browser("lfd-bw.supervisor").get("/aufsicht/ueberfaellig/").content.decode())
    assert "Löschung oder Sperrung nach verweigerter Zustimmung" in state
    assert "verdeckten Treffer" not in state
    other = _text(browser("lfd-by.supervisor").get("/aufsicht/ueberfaellig/").content.decode())
    assert "Nichts ist überfällig." in other


@pytest.mark.parametrize("username", ["bfv.head", "bfv.analyst"])
def test_r_l6_supervisor_page_is_refused_to_officers(
    browser: Callable[..., Client], overdue: dict[str, Any], username: str
) -> None:
    assert browser(username).get("/aufsicht/ueberfaellig/").status_code == 403
