"""The Eilfall form names each possible decider once (R-G2); the hit row offers an Eilfall only
while none is open or refused for the record (R-G3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from verbund.forms.emergencies import EilfallForm
from verbund.models import EmergencyAccess, Hit
from verbund.services.emergencies import emergency_consent_decide

pytestmark = pytest.mark.django_db


def test_r_g2_decider_option_shows_the_full_name_or_the_username_once(
    reference: dict[str, Any],
) -> None:
    head = Officer.objects.get(username="lka-bw.head")
    head.first_name, head.last_name = "", ""
    named = Officer.objects.get(username="bfv.head")
    named.first_name, named.last_name = "Erika", "Leitung"
    field: Any = EilfallForm(heads=[head, named]).fields["decided_by"]
    assert list(field.choices)[1:] == [
        ("lka-bw.head", "lka-bw.head"),
        ("bfv.head", "Erika Leitung"),
    ]


@pytest.fixture
def bfv_person(make_record: Any) -> Any:
    return make_record("bfv.analyst", basic={"surname": "Einzeln", "given_names": "Karim"})


def _hit_page(client: Client) -> str:
    response = client.post(
        "/suche/",
        {
            "mode": "name",
            "file": "ATD",
            "purpose": "ct_task",
            "urgency": "immediate",
            "surname": "Einzeln",
        },
    )
    assert response.status_code == 200
    return response.content.decode()


def _take(client: Client, hit: Hit) -> Any:
    return client.post(
        f"/treffer/{hit.pk}/eilfall/",
        {
            "danger": "life",
            "facts": "Anschlag heute Abend angekündigt.",
            "why_no_request": "Ein Ersuchen käme zu spät.",
            "decided_by": "lka-bw.head",
        },
    )


def test_r_g3_no_eilfall_step_once_taken_and_a_second_one_is_refused_in_german(
    reference: dict[str, Any], bfv_person: Any
) -> None:
    client = Client()
    client.force_login(Officer.objects.get(username="lka-bw.analyst"))
    assert "/eilfall/" in _hit_page(client)
    first = Hit.objects.get(record=bfv_person)
    assert _take(client, first).status_code == 302
    assert "/eilfall/" not in _hit_page(client)
    second = _take(client, Hit.objects.filter(record=bfv_person).exclude(pk=first.pk).get())
    assert second.status_code == 409
    assert "bereits ein Eilfall" in second.content.decode()
    assert EmergencyAccess.objects.count() == 1
    # After the owner's refusal: no step either, and the request is the way.
    ea = EmergencyAccess.objects.get()
    emergency_consent_decide(
        actor=Officer.objects.get(username="bfv.analyst"),
        emergency_id=ea.pk,
        grant=False,
        reasons="Nein.",
    )
    html = _hit_page(client)
    assert "/eilfall/" not in html
    last = Hit.objects.filter(record=bfv_person).order_by("-search__created_at").first()
    assert last is not None
    refused = _take(client, last)
    assert refused.status_code == 409 and "Übermittlungsersuchen" in refused.content.decode()
