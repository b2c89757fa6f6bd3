"""Browser forms of requests, Eilfall, transfers and notices: text that arrived as invalid
UTF-8 is refused (400, nothing stored), and every field's error is shown at once with the
input kept (R-F1, R-F2, R-F3, R-G1, R-G3, R-H2, R-H3)."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from verbund.models import AccessRequest, EmergencyAccess, Hit, InboxItem, Record
from verbund.models.transfers import Transfer

pytestmark = pytest.mark.django_db

# A lone surrogate encoded as UTF-8 and a byte that is never UTF-8.
BAD_BYTES = ["%ED%A0%80", "%FF"]
UNREADABLE = "Der Text enthält Zeichen, die nicht lesbar sind"
FACTS = "Anschlag in Stuttgart heute Abend angekündigt."
WHY = "Ein Ersuchen würde erst morgen beschieden."


def _raw(client: Client, url: str, body: str) -> Any:
    """Post a form body as the browser sends it, percent-escapes and all."""
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def _search(client: Client, surname: str) -> None:
    response = client.post(
        "/suche/",
        {
            "mode": "name",
            "file": "ATD",
            "purpose": "ct_task",
            "urgency": "immediate",
            "surname": surname,
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]


@pytest.fixture
def record(make_record: Callable[..., Record]) -> Record:
    return make_record(
        "bfv.analyst",
        basic={"surname": "Formfeld", "given_names": "Karl"},
        extended={"phones": ["+49 30 3333333"]},
    )


@pytest.fixture
def hit(browser: Callable[..., Client], record: Record) -> Hit:
    """LKA-BW's name hit on the BfV record."""
    _search(browser("lka-bw.analyst"), "Formfeld")
    return Hit.objects.get(record=record)


@pytest.fixture
def pending_request(browser: Callable[..., Client], hit: Hit) -> AccessRequest:
    sent = browser("lka-bw.analyst").post(
        f"/ersuchen/neu/{hit.pk}/", {"kind": "extended_data", "justification": "Verfahren 1"}
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    return AccessRequest.objects.get()


@pytest.fixture
def eilfall(browser: Callable[..., Client], hit: Hit) -> EmergencyAccess:
    data = {"danger": "life", "facts": FACTS, "why_no_request": WHY, "decided_by": "lka-bw.head"}
    made = browser("lka-bw.analyst").post(f"/treffer/{hit.pk}/eilfall/", data)
    assert made.status_code == 302, made.content.decode()[:2000]
    return EmergencyAccess.objects.get()


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_h3_request_form_refuses_invalid_utf8(
    browser: Callable[..., Client], hit: Hit, bad: str
) -> None:
    response = _raw(
        browser("lka-bw.analyst"),
        f"/ersuchen/neu/{hit.pk}/",
        f"kind=extended_data&justification=Verfahren{bad}1",
    )
    assert response.status_code == 400
    assert UNREADABLE in html_lib.unescape(response.content.decode())
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_h2_hit_notice_refuses_invalid_utf8(
    browser: Callable[..., Client], hit: Hit, bad: str
) -> None:
    response = _raw(browser("lka-bw.analyst"), f"/treffer/{hit.pk}/hinweis/", f"text=Falsch{bad}")
    assert response.status_code == 400
    assert UNREADABLE in html_lib.unescape(response.content.decode())
    assert not InboxItem.objects.filter(kind="correction_notice").exists()


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_g1_eilfall_form_refuses_invalid_utf8(
    browser: Callable[..., Client], hit: Hit, bad: str
) -> None:
    response = _raw(
        browser("lka-bw.analyst"),
        f"/treffer/{hit.pk}/eilfall/",
        f"danger=life&facts=Anschlag{bad}&why_no_request=Zu+sp%C3%A4t&decided_by=lka-bw.head",
    )
    assert response.status_code == 400
    assert UNREADABLE in html_lib.unescape(response.content.decode())
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_f3_transfer_form_refuses_invalid_utf8(
    browser: Callable[..., Client], make_record: Callable[..., Record], bad: str
) -> None:
    own = make_record("bka.analyst", extended={"phones": ["+49 611 55501"]})
    client = browser("bka.analyst")
    for body in (
        f"recipient=LKA-BY&provision=%C2%A7+25+BKAG&purpose=Abgleich{bad}&items=basic",
        f"recipient=LKA-BY&provision=%C2%A7+25{bad}&purpose=Abgleich&items=basic",
    ):
        response = _raw(client, f"/datensaetze/{own.pk}/uebermittlung/", body)
        assert response.status_code == 400
        assert UNREADABLE in html_lib.unescape(response.content.decode())
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_f1_request_decision_refuses_invalid_utf8(
    browser: Callable[..., Client], pending_request: AccessRequest, bad: str
) -> None:
    response = _raw(
        browser("bfv.analyst"),
        f"/ersuchen/{pending_request.pk}/entscheidung/",
        f"grant=1&provision=%C2%A7+19+BVerfSchG&reasons=Erforderlich{bad}",
    )
    assert response.status_code == 400
    assert UNREADABLE in html_lib.unescape(response.content.decode())
    pending_request.refresh_from_db()
    assert pending_request.status == "pending" and pending_request.reasons == ""


@pytest.mark.parametrize("back", ["inbox", "detail"])
@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_g3_consent_form_refuses_invalid_utf8(
    browser: Callable[..., Client], eilfall: EmergencyAccess, bad: str, back: str
) -> None:
    pk = eilfall.pk
    response = _raw(
        browser("bfv.analyst"),
        f"/eilfaelle/{pk}/zustimmung/",
        f"{pk}-grant=0&{pk}-reasons=Quellenschutz{bad}&back={back}",
    )
    assert response.status_code == 400
    assert UNREADABLE in html_lib.unescape(response.content.decode())
    eilfall.refresh_from_db()
    assert eilfall.consent == "pending" and eilfall.consent_reasons == ""


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_r_g3_duty_form_refuses_invalid_utf8(
    browser: Callable[..., Client], eilfall: EmergencyAccess, bad: str
) -> None:
    pk = eilfall.pk
    refused = browser("bfv.analyst").post(
        f"/eilfaelle/{pk}/zustimmung/", {f"{pk}-grant": "0", f"{pk}-reasons": "Nein."}
    )
    assert refused.status_code == 302
    response = _raw(
        browser("lka-bw.analyst"),
        f"/eilfaelle/{pk}/pflicht/",
        f"{pk}-deleted_or_blocked=deleted&{pk}-third_parties_informed=on&{pk}-note=Erledigt{bad}",
    )
    assert response.status_code == 400
    assert UNREADABLE in html_lib.unescape(response.content.decode())
    eilfall.refresh_from_db()
    assert eilfall.duty_done_at is None and not eilfall.duty_steps


def test_r_f1_empty_decision_flags_every_field_at_once(
    browser: Callable[..., Client], pending_request: AccessRequest
) -> None:
    response = browser("bfv.analyst").post(f"/ersuchen/{pending_request.pk}/entscheidung/", {})
    assert response.status_code == 400
    page = html_lib.unescape(response.content.decode())
    assert "Entscheidung angeben: bewilligen oder ablehnen." in page
    assert "Die Übermittlungsvorschrift angeben, auf die sich die Entscheidung stützt." in page
    assert "Gründe der Entscheidung angeben." in page
    pending_request.refresh_from_db()
    assert pending_request.status == "pending"


def test_r_f2_further_use_without_ground_purpose_or_justification_flags_all(
    browser: Callable[..., Client], hit: Hit
) -> None:
    response = browser("lka-bw.analyst").post(
        f"/ersuchen/neu/{hit.pk}/",
        {"kind": "further_use", "justification": "", "use_ground": "", "use_purpose": ""},
    )
    assert response.status_code == 400
    page = html_lib.unescape(response.content.decode())
    assert "Begründung angeben: die ersuchende Behörde verantwortet ihr Ersuchen." in page
    assert "Grund der Weiterverwendung angeben." in page
    assert "Angeben, wofür die Daten verwendet werden sollen." in page
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("back", ["inbox", "detail"])
def test_r_g3_consent_without_a_choice_keeps_the_reasons_and_names_the_field(
    browser: Callable[..., Client], eilfall: EmergencyAccess, back: str
) -> None:
    pk = eilfall.pk
    typed = "Quellenschutz geht vor; Abwägung im Einzelnen"
    response = browser("bfv.analyst").post(
        f"/eilfaelle/{pk}/zustimmung/", {f"{pk}-reasons": typed, "back": back}
    )
    assert response.status_code == 400
    page = html_lib.unescape(response.content.decode())
    assert typed in page  # the input is kept
    assert 'class="field-error"' in page
    assert f'id="field-{pk}-grant"' in page
    grant_field = page.split(f'id="field-{pk}-grant"', 1)[1].split('id="field-', 1)[0]
    assert "field-error" in grant_field
    eilfall.refresh_from_db()
    assert eilfall.consent == "pending"


def test_r_g3_ui_consent_on_a_covert_record_is_refused_with_the_reasons_kept(
    browser: Callable[..., Client], eilfall: EmergencyAccess, api: Any, record: Record
) -> None:
    patched = api("bfv.analyst").patch(
        f"/api/v1/records/{record.pk}/",
        {
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz."},
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    pk = eilfall.pk
    response = browser("bfv.analyst").post(
        f"/eilfaelle/{pk}/zustimmung/",
        {f"{pk}-grant": "1", f"{pk}-reasons": "Einverstanden.", "back": "detail"},
    )
    assert response.status_code == 409
    page = html_lib.unescape(response.content.decode())
    assert "verdeckt gespeichert" in page and "Einverstanden." in page
    eilfall.refresh_from_db()
    assert eilfall.consent == "pending"
