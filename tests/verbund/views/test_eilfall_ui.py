"""The Eilfall in the browser: from the hit row to the data, consent and the duty (R-G1-G4,
R-B2, R-L6), in German, without codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id
from verbund.forms.emergencies import DANGER_CHOICES
from verbund.models import EmergencyAccess, Hit, InboxItem
from verbund.models.emergencies import Danger

pytestmark = pytest.mark.django_db

FACTS = "Anschlag in Stuttgart heute Abend angekündigt."
WHY = "Ein Ersuchen würde erst morgen beschieden."
CODES = ("use_eilfall", "emergency_consent", "emergency_refused", "critical_infrastructure")


def _visible(html: str) -> str:
    return re.sub(r'(name|value|id|for|href|action|class)="[^"]*"', "", html)


@pytest.fixture
def record(make_record: Any) -> Any:
    return make_record(
        "bfv.analyst",
        basic={"surname": "Eilmann", "given_names": "Karim"},
        extended={"contact_persons": [{"surname": "Kontaktmann", "given_names": "Otto"}]},
    )


def _search(client: Client, surname: str, file: str = "ATD") -> str:
    response = client.post(
        "/suche/",
        {
            "mode": "name",
            "file": file,
            "purpose": "ct_task" if file == "ATD" else "prosecution",
            "urgency": "immediate",
            "surname": surname,
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def test_r_g4_danger_choices_match_the_model() -> None:
    assert [code for code, _label in DANGER_CHOICES] == list(Danger.values)


def test_r_g1_hit_row_offers_eilfall_on_another_agencys_atd_record_only(
    browser: Callable[..., Client], record: Any, make_record: Any
) -> None:
    html = _search(browser("lka-bw.analyst"), "Eilmann")
    hit = Hit.objects.get(record=record)
    assert f'href="/treffer/{hit.pk}/eilfall/"' in html and ">Eilfall</a>" in html
    # The owner's own hit: no Eilfall.
    own = _search(browser("bfv.analyst"), "Eilmann")
    assert "/eilfall/" not in own
    make_record(
        "lka-by.analyst", file="GWS", case_group="", findings_basis="", basic={"surname": "Gwsa"}
    )
    gws = _search(browser("lka-bw.analyst"), "Gwsa", file="GWS")
    assert "/eilfall/" not in gws


def test_r_g2_form_offers_the_heads_and_explains_the_dangers(
    browser: Callable[..., Client], record: Any
) -> None:
    client = browser("lka-bw.analyst")
    _search(client, "Eilmann")
    hit = Hit.objects.get(record=record)
    response = client.get(f"/treffer/{hit.pk}/eilfall/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="lka-bw.head">' in html
    assert 'value="lka-bw.analyst"' not in html
    assert "schwere Verletzung mit bleibenden Folgen" in html
    assert "erheblichem Wert" in html and "öffentlichen Interesse" in html
    assert record.file_number in html and "Eilmann" not in html
    visible = _visible(html)
    assert_no_requirement_id(visible, "eilfall form")
    for code in CODES:
        assert code not in visible
    # Another agency's hit and an invented one: 404.
    assert browser("lka-by.analyst").get(f"/treffer/{hit.pk}/eilfall/").status_code == 404
    assert client.get("/treffer/00000000-0000-0000-0000-000000000000/eilfall/").status_code == 404


def test_r_g2_analyst_as_decider_is_refused_on_the_form(
    browser: Callable[..., Client], record: Any
) -> None:
    client = browser("lka-bw.analyst")
    _search(client, "Eilmann")
    hit = Hit.objects.get(record=record)
    data = {"danger": "life", "facts": FACTS, "why_no_request": WHY, "decided_by": ""}
    response = client.post(f"/treffer/{hit.pk}/eilfall/", data)
    assert response.status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_r_g3_ui_walk_from_hit_to_refusal_and_duty(
    browser: Callable[..., Client], record: Any
) -> None:
    client = browser("lka-bw.analyst")
    _search(client, "Eilmann")
    hit = Hit.objects.get(record=record)
    data = {
        "danger": "health",
        "facts": FACTS,
        "why_no_request": WHY,
        "decided_by": "lka-bw.head",
    }
    response = client.post(f"/treffer/{hit.pk}/eilfall/", data, follow=True)
    assert response.status_code == 200
    ea = EmergencyAccess.objects.get()
    html = response.content.decode()
    assert "um Zustimmung gebeten" in html
    assert "Kontaktmann" in html and "Eilmann" in html  # extended data, contact persons
    assert "internationalen Terrorismus unerlässlich" in html
    visible = _visible(html)
    assert_no_requirement_id(visible, "eilfall detail")
    for code in CODES:
        assert code not in visible

    owner = browser("bfv.analyst")
    inbox = owner.get("/eingang/?kind=emergency_consent").content.decode()
    assert f'action="/eilfaelle/{ea.pk}/zustimmung/"' in inbox
    assert FACTS in inbox and "LKA-BW" in inbox
    assert "schwere Verletzung" in inbox  # the danger's label, not its code
    assert_no_requirement_id(_visible(inbox), "inbox consent")
    refused = owner.post(
        f"/eilfaelle/{ea.pk}/zustimmung/",
        {f"{ea.pk}-grant": "0", f"{ea.pk}-reasons": "Quellenschutz.", "back": "inbox"},
    )
    assert refused.status_code == 302
    ea.refresh_from_db()
    assert ea.consent == "refused"
    assert client.get(f"/datensaetze/{record.pk}/").status_code == 404
    detail = client.get(f"/eilfaelle/{ea.pk}/").content.decode()
    assert "Kontaktmann" not in detail

    duty_inbox = client.get("/eingang/?kind=emergency_refused").content.decode()
    assert f'action="/eilfaelle/{ea.pk}/pflicht/"' in duty_inbox
    assert "Dritte" in duty_inbox and "gelöscht" in duty_inbox
    assert_no_requirement_id(_visible(duty_inbox), "inbox duty")
    # Without the confirmation about third parties nothing is closed.
    client.post(f"/eilfaelle/{ea.pk}/pflicht/", {f"{ea.pk}-deleted_or_blocked": "deleted"})
    assert EmergencyAccess.objects.get().duty_done_at is None
    done = client.post(
        f"/eilfaelle/{ea.pk}/pflicht/",
        {f"{ea.pk}-deleted_or_blocked": "deleted", f"{ea.pk}-third_parties_informed": "on"},
    )
    assert done.status_code == 302
    assert EmergencyAccess.objects.get().duty_steps["deleted_or_blocked"] == "deleted"
    assert InboxItem.objects.get(kind="emergency_refused").done_at is not None

    listing = client.get("/eilfaelle/?richtung=ausgehend").content.decode()
    assert record.file_number in listing and "verweigert" in listing
    assert browser("lka-by.analyst").get(f"/eilfaelle/{ea.pk}/").status_code == 404


def test_r_g3_ui_third_agency_cannot_decide(browser: Callable[..., Client], record: Any) -> None:
    client = browser("lka-bw.analyst")
    _search(client, "Eilmann")
    hit = Hit.objects.get(record=record)
    client.post(
        f"/treffer/{hit.pk}/eilfall/",
        {"danger": "life", "facts": FACTS, "why_no_request": WHY, "decided_by": "lka-bw.head"},
    )
    ea = EmergencyAccess.objects.get()
    data = {f"{ea.pk}-grant": "1", f"{ea.pk}-reasons": "Ja."}
    assert browser("lka-by.analyst").post(f"/eilfaelle/{ea.pk}/zustimmung/", data).status_code == (
        404
    )
    assert client.post(f"/eilfaelle/{ea.pk}/zustimmung/", data).status_code == 403
    assert EmergencyAccess.objects.get().consent == "pending"
