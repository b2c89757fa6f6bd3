"""Requests in the browser: from the hit row to the owner's decision and the released record
(R-F1, R-F2, R-F4, R-C7, R-H3), in German, without codes."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Officer
from verbund.models import AccessRequest, InboxItem, Record

pytestmark = pytest.mark.django_db

CROSSING = (
    "Das Ersuchen überschreitet die Grenze zwischen Nachrichtendiensten und Polizei: "
    "Ihr Übermittlungsrecht verlangt hierfür eine qualifizierte Schwelle."
)
CHECK_ONLY = (
    "Nur zur Prüfung des Treffers und zur Vorbereitung eines Übermittlungsersuchens "
    "für die eigene Aufgabe der Terrorismusbekämpfung"
)
GBA_SENTENCE = (
    "Die Ergebnisse werden als an den Generalbundesanwalt übermittelt erfasst; "
    "dort nur für Übermittlungsersuchen verwendbar."
)
CODES = (
    "extended_data",
    "further_use",
    "use_check_only",
    "use_further_use",
    "use_gba",
    "crosses_separation",
    "serious_crime",
    "danger_to_person",
    "pending",
    "granted",
    "refused",
    "access_request",
    "access_decision",
    "other_law",
    "R-F",
)


def _visible(html: str) -> str:
    """Return the text an officer reads: no tags, no attribute values, no scripts."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def _assert_no_codes(html: str) -> None:
    text = _visible(html)
    found = [c for c in CODES if c in text]
    assert not found, found


def _search_page(
    client: Client, criteria: dict[str, str], purpose: str = "ct_task", file: str = "ATD"
) -> str:
    response = client.post(
        f"/suche/?mode=name&file={file}",
        {"mode": "name", "file": file, "purpose": purpose, "urgency": "routine", **criteria},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def _request_links(html: str) -> list[str]:
    return re.findall(r'href="(/ersuchen/neu/[^"]+/)"', html)


@pytest.fixture
def bfv_record(make_record: Callable[..., Record]) -> Record:
    return make_record(
        "bfv.analyst",
        basic={"surname": "Oberflaeche", "given_names": "Karl"},
        extended={"phones": ["+49 30 3333333"], "profession": "Chemiker"},
        markings=["other_law"],
    )


def test_r_f1_ui_hit_row_offers_the_request_only_for_another_agencys_atd_record(
    browser: Callable[..., Client], bfv_record: Record, make_record: Callable[..., Record]
) -> None:
    html = _search_page(browser("lka-bw.analyst"), {"surname": "Oberflaeche"})
    links = _request_links(html)
    assert len(links) == 1
    assert "Übermittlungsersuchen" in _visible(html)
    assert CHECK_ONLY in _visible(html)
    # Not for the own record ...
    own = _search_page(browser("bfv.analyst"), {"surname": "Oberflaeche"})
    assert _request_links(own) == []
    # ... and not in GWS, where participants retrieve directly (R-M7).
    make_record(
        "lka-bw.analyst",
        file="GWS",
        case_group="",
        findings_basis="",
        basic={"surname": "Stadion", "given_names": "Max"},
    )
    gws = _search_page(
        browser("lka-by.analyst"), {"surname": "Stadion"}, purpose="prosecution", file="GWS"
    )
    assert "Stadion" in gws and _request_links(gws) == []


def test_r_f1_ui_request_form_round_trip_to_decision_and_released_record(
    browser: Callable[..., Client], bfv_record: Record
) -> None:
    requester = browser("lka-bw.analyst")
    (link,) = _request_links(_search_page(requester, {"surname": "Oberflaeche"}))
    form = requester.get(link)
    assert form.status_code == 200
    page = form.content.decode()
    text = _visible(page)
    assert "Übermittlungsersuchen" in text and bfv_record.file_number in text
    assert "Verantwortung für die Zulässigkeit" in text
    assert "besonders schweren Straftat" in text
    assert 'name="use_ground"' in page and 'id="further-use"' in page
    _assert_no_codes(page)

    # Without a justification: the German refusal at the field, nothing stored.
    empty = requester.post(link, {"kind": "extended_data", "justification": ""})
    assert empty.status_code == 400
    assert "Begründung angeben" in empty.content.decode()
    assert not AccessRequest.objects.exists()
    # A further use without its ground: refused at the field.
    no_ground = requester.post(
        link, {"kind": "further_use", "justification": "Verfahren", "use_purpose": "Anklage"}
    )
    assert no_ground.status_code == 400
    assert "Grund der Weiterverwendung angeben" in no_ground.content.decode()

    sent = requester.post(
        link, {"kind": "extended_data", "justification": "Abgleich im Verfahren 1 Js 5/26"}
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    made = AccessRequest.objects.get()
    assert sent["Location"] == f"/ersuchen/{made.pk}/"
    detail = requester.get(sent["Location"]).content.decode()
    assert "offen" in _visible(detail) and "Abgleich im Verfahren 1 Js 5/26" in detail
    # The requester sees no decision form and no warning meant for the owner.
    assert "entscheidung" not in detail and CROSSING not in detail
    _assert_no_codes(detail)
    # The record itself stays closed until the grant.
    assert requester.get(f"/datensaetze/{bfv_record.pk}/").status_code == 404

    # The owner: inbox item in German with the warning and the way to the decision.
    owner = browser("bfv.analyst")
    inbox = owner.get("/eingang/").content.decode()
    assert "Ersuchen" in inbox and CROSSING in inbox
    assert "LKA-BW" in inbox and "Abgleich im Verfahren 1 Js 5/26" in inbox
    assert f'href="/ersuchen/{made.pk}/#decision"' in inbox
    assert "Freigabe der erweiterten Grunddaten" in _visible(inbox)
    _assert_no_codes(inbox)
    decision_page = owner.get(f"/ersuchen/{made.pk}/").content.decode()
    assert CROSSING in decision_page
    assert f'action="/ersuchen/{made.pk}/entscheidung/"' in decision_page
    assert "Bewilligen" in decision_page and "Ablehnen" in decision_page
    assert "Herangezogene Übermittlungsvorschrift" in decision_page
    _assert_no_codes(decision_page)

    missing = owner.post(
        f"/ersuchen/{made.pk}/entscheidung/", {"grant": "1", "provision": "", "reasons": "Ok"}
    )
    assert missing.status_code == 400
    assert "Übermittlungsvorschrift angeben" in missing.content.decode()
    made.refresh_from_db()
    assert made.status == "pending"
    # The requester cannot decide its own request.
    assert (
        requester.post(
            f"/ersuchen/{made.pk}/entscheidung/",
            {"grant": "1", "provision": "§ 1", "reasons": "x"},
        ).status_code
        == 403
    )
    # A third agency does not know it.
    assert browser("lka-by.analyst").get(f"/ersuchen/{made.pk}/").status_code == 404

    done = owner.post(
        f"/ersuchen/{made.pk}/entscheidung/",
        {"grant": "1", "provision": "§ 19 BVerfSchG", "reasons": "Erforderlich im Einzelfall."},
    )
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.status == "granted" and made.provision == "§ 19 BVerfSchG"
    assert InboxItem.objects.get(kind="access_request", subject_id=made.pk).done_at

    # The requester: the decision in the inbox, the released record with markings in German.
    requester_inbox = requester.get("/eingang/").content.decode()
    assert "Entscheidung über Ersuchen" in requester_inbox and "bewilligt" in requester_inbox
    assert "§ 19 BVerfSchG" in requester_inbox
    _assert_no_codes(requester_inbox)
    record_page = requester.get(f"/datensaetze/{bfv_record.pk}/")
    assert record_page.status_code == 200
    shown = record_page.content.decode()
    assert "Chemiker" in shown and "+49 30 3333333" in shown
    assert CHECK_ONLY in _visible(shown)
    assert "Verwendungsbeschränkungen" in shown
    _assert_no_codes(shown)
    listing = requester.get("/ersuchen/?direction=outgoing").content.decode()
    assert bfv_record.file_number in listing and "bewilligt" in listing
    _assert_no_codes(listing)
    assert bfv_record.file_number in owner.get("/ersuchen/?direction=incoming").content.decode()
    assert bfv_record.file_number not in owner.get("/ersuchen/?direction=outgoing").content.decode()
    # Every page shown is in the log, and the log renders for the supervisor.
    log = APIClient()
    log.force_authenticate(Officer.objects.get(username="lfd-bw.supervisor"))
    events = log.get("/api/v1/audit/events/?agency=LKA-BW")
    assert events.status_code == 200, events.content
    assert {"hit.view", "access_request.create", "access_request.list"} <= {
        e["action"] for e in events.json()["results"]
    }


def test_r_f4_ui_gba_purpose_only_offered_to_bka_and_lka(
    browser: Callable[..., Client], bfv_record: Record
) -> None:
    assert 'value="gba"' not in browser("bfv.analyst").get("/suche/").content.decode()
    assert 'value="gba"' not in browser("zka.analyst").get("/suche/").content.decode()
    assert 'value="gba"' in browser("bka.analyst").get("/suche/").content.decode()
    refused = browser("bfv.analyst").post(
        "/suche/?mode=name&file=ATD",
        {"mode": "name", "file": "ATD", "purpose": "gba", "urgency": "routine", "surname": "X"},
    )
    assert refused.status_code in (400, 403)
    html = _search_page(browser("lka-bw.analyst"), {"surname": "Oberflaeche"}, purpose="gba")
    text = _visible(html)
    assert GBA_SENTENCE in text
    assert "Beim Generalbundesanwalt nur für Übermittlungsersuchen" in text
    assert "Im Auftrag des Generalbundesanwalts" in text
    _assert_no_codes(html)


def test_r_f1_ui_nav_links_to_the_requests_page(browser: Callable[..., Client]) -> None:
    html = browser("bka.analyst").get("/ersuchen/").content.decode()
    assert 'href="/ersuchen/" aria-current="page"' in html
    assert "Keine Ersuchen." in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_r_f1_ui_request_pages_show_no_requirement_ids(
    browser: Callable[..., Client], bfv_record: Record, language: str
) -> None:
    requester = browser("lka-bw.analyst", language)
    (link,) = _request_links(_search_page(requester, {"surname": "Oberflaeche"}))
    pages = [requester.get(link).content.decode()]
    sent = requester.post(link, {"kind": "further_use", "justification": "Verfahren 3 Js 1/26"})
    assert sent.status_code == 400
    pages.append(sent.content.decode())
    made = requester.post(link, {"kind": "extended_data", "justification": "Verfahren 3 Js 1/26"})
    assert made.status_code == 302
    owner = browser("bfv.analyst", language)
    for client, url in (
        (requester, made["Location"]),
        (requester, "/ersuchen/"),
        (owner, made["Location"]),
        (owner, "/eingang/"),
        (owner, "/ersuchen/?direction=incoming"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()
        pages.append(response.content.decode())
    for html in pages:
        assert not re.search(r"R-[A-N][0-9]", _visible(html))
