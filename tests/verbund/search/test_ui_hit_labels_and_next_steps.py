"""The search result and the inbox show the query by labels and local times; hits lead on.

R-E1: purpose and urgency are shown wherever the query is shown — by the labels of the
file's establishment order, never by their codes; search mode and criteria by the form's
labels; times in local time (Europe/Berlin) as the rest of the page writes them. Each hit
row offers the next step that exists: the own record's page for an own hit, the notice of
inaccuracy (R-H2) for another agency's record the officer may see — never a link where the
hit gives the reference only (R-E3, R-E4).
"""

from __future__ import annotations

import datetime
import html as html_lib
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from guardian.shortcuts import assign_perm

from agencies.models import Agency, Officer
from tests.verbund.search.conftest import covert_payload
from verbund.access.records import agency_group
from verbund.models import Hit, InboxItem, Record
from verbund.services.searches import covert_hits_deliver

pytestmark = pytest.mark.django_db

ATD_CT_TASK = "Aufklärung/Bekämpfung des internationalen Terrorismus"
# 08:30 UTC on a summer day is 10:30 in Berlin (CEST, UTC+2).
SUMMER_MOMENT = datetime.datetime(2027, 6, 15, 8, 30, tzinfo=datetime.UTC)
SUMMER_LOCAL = "15.06.2027 10:30"


def _browser(username: str, language: str = "de") -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(Officer.objects.get(username=username))
    return client


def _search(
    username: str,
    criteria: dict[str, str],
    *,
    mode: str = "name",
    file: str = "ATD",
    purpose: str = "ct_task",
    urgency: str = "routine",
    language: str = "de",
) -> str:
    """Run one search through the page as ``username``; return the result section's HTML."""
    client = _browser(username, language)
    url = f"/suche/?mode={mode}&file={file}"
    token = client.get(url).cookies["csrftoken"].value
    response = client.post(
        url,
        {
            "mode": mode,
            "file": file,
            "purpose": purpose,
            "urgency": urgency,
            "csrfmiddlewaretoken": token,
            **criteria,
        },
    )
    text = response.content.decode()
    assert response.status_code == 200, text[:2000]
    # Only the result: the form above it offers every purpose and urgency as options.
    match = re.search(r'<section class="results".*?</section>', text, re.S)
    assert match, text[:2000]
    return match.group(0)


def _visible(html: str) -> str:
    """Return the text an officer reads: no tags, no attribute values."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def _grant_view(record: Record, agency_code: str) -> None:
    """Let another agency see the record, as a grant of its request will (guardian)."""
    assign_perm("view_record", agency_group(Agency.objects.get(code=agency_code)), record)


def test_r_e1_result_page_shows_purpose_and_urgency_labels(make_record: Any) -> None:
    make_record("bka.analyst", basic={"surname": "Seitenmann", "date_of_birth": "1980-02-03"})
    section = _search(
        "lka-bw.analyst",
        {"surname": "Seitenmann", "date_of_birth": "1980-02-03"},
        urgency="urgent",
    )
    visible = _visible(section)
    assert ATD_CT_TASK in visible and "Eilbedürftig" in visible
    assert "Namenssuche" in visible
    assert "Familienname: Seitenmann" in visible and "Geburtsdatum: 03.02.1980" in visible
    for code in ("ct_task", "urgent", "surname", "date_of_birth", "1980-02-03"):
        assert code not in visible, code
    assert "<code>" not in section


def test_r_e1_result_page_shows_feature_criteria_and_mode_by_label(make_record: Any) -> None:
    make_record("bka.analyst", extended={"skills": ["aviation"]})
    visible = _visible(
        _search("lka-bw.analyst", {"skills": "aviation"}, mode="feature", purpose="identity_check")
    )
    assert "Merkmalsuche" in visible and "Prüfung der Identität eines Treffers" in visible
    assert "Besondere Fähigkeiten:" in visible
    assert "skills" not in visible and "aviation" not in visible
    assert "identity_check" not in visible and "feature" not in visible


def test_r_e1_result_page_shows_labels_in_english(make_record: Any) -> None:
    make_record("bka.analyst", basic={"surname": "Seitenmann"})
    visible = _visible(_search("lka-bw.analyst", {"surname": "Seitenmann"}, language="en"))
    assert "Name search" in visible and "Surname: Seitenmann" in visible
    assert "Time of the query" in visible and "Next steps" in visible
    assert "ct_task" not in visible and "routine" not in visible


def test_r_e1_result_page_shows_the_query_time_in_local_time(make_record: Any) -> None:
    with time_machine.travel(SUMMER_MOMENT):
        make_record("bka.analyst", basic={"surname": "Seitenmann"})
        section = _search("lka-bw.analyst", {"surname": "Seitenmann"})
    visible = _visible(section)
    assert SUMMER_LOCAL in visible
    assert "2027-06-15" not in visible and "08:30" not in visible


def test_r_h2_result_offers_the_notice_on_another_agencys_visible_name_hit(
    make_record: Any,
) -> None:
    # GWS: the order lets every participant retrieve open records directly (R-M7).
    record = make_record(
        "lka-bw.analyst",
        file="GWS",
        case_group="",
        findings_basis="",
        basic={"surname": "Randalierer"},
    )
    section = _search(
        "lka-by.analyst", {"surname": "Randalierer"}, file="GWS", purpose="event_danger"
    )
    assert f'href="/datensaetze/{record.pk}/hinweis/#correction"' in section
    assert "Hinweis auf Unrichtigkeit" in _visible(section)
    assert f'href="/datensaetze/{record.pk}/"' not in section
    # The link leads to the notice form the record page already has.
    page = _browser("lka-by.analyst").get(f"/datensaetze/{record.pk}/hinweis/")
    assert page.status_code == 200 and 'id="correction"' in page.content.decode()


def test_r_h2_atd_name_hit_offers_the_notice_from_the_hit(make_record: Any) -> None:
    record = make_record("bka.analyst", basic={"surname": "Seitenmann"})
    section = _search("lka-bw.analyst", {"surname": "Seitenmann"})
    # ATD: a hit alone does not open another agency's record — no link, no record id —
    # but the agency saw its basic data lawfully, so it may tell the owner of inaccuracies.
    assert "/datensaetze/" not in section and str(record.pk) not in section
    assert "Hinweis auf Unrichtigkeit" in _visible(section)
    hit = Hit.objects.filter(record=record, search__agency__code="LKA-BW").latest(
        "search__created_at"
    )
    assert f'href="/treffer/{hit.pk}/hinweis/"' in section
    _grant_view(record, "LKA-BW")
    section = _search("lka-bw.analyst", {"surname": "Seitenmann"})
    assert f'href="/datensaetze/{record.pk}/hinweis/#correction"' in section
    assert "/treffer/" not in section.split("Hinweis auf Unrichtigkeit")[0].rsplit("<tr", 1)[-1]


def test_r_h2_notice_from_a_hit_reaches_the_owner(make_record: Any) -> None:
    record = make_record("bka.analyst", basic={"surname": "Hinweismann"})
    _search("lka-bw.analyst", {"surname": "Hinweismann"})
    hit = Hit.objects.get(record=record, search__agency__code="LKA-BW")
    client = _browser("lka-bw.analyst")
    page = client.get(f"/treffer/{hit.pk}/hinweis/")
    html = page.content.decode()
    assert page.status_code == 200 and "Hinweismann" in html and record.file_number in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    csrf = token.group(1)
    empty = client.post(f"/treffer/{hit.pk}/hinweis/", {"text": "  ", "csrfmiddlewaretoken": csrf})
    assert empty.status_code == 400 and not InboxItem.objects.filter(record=record).exists()
    assert "Dieses Feld ist zwingend erforderlich" in empty.content.decode()
    sent = client.post(
        f"/treffer/{hit.pk}/hinweis/",
        {"text": "Geburtsdatum falsch.", "csrfmiddlewaretoken": csrf},
    )
    assert sent.status_code == 302
    item = InboxItem.objects.get(kind="correction_notice", record=record)
    assert item.agency.code == "BKA" and item.payload["from_agency"] == "LKA-BW"
    # Another agency's officer cannot use the hit: 404, like an invented one.
    assert _browser("lka-by.analyst").get(f"/treffer/{hit.pk}/hinweis/").status_code == 404


def test_r_h2_no_notice_from_a_reference_only_hit(make_record: Any) -> None:
    record = make_record("bka.analyst", extended={"skills": ["aviation"]})
    section = _search("lka-bw.analyst", {"skills": "aviation"}, mode="feature")
    assert "Hinweis auf Unrichtigkeit" not in _visible(section)
    hit = Hit.objects.get(record=record, search__agency__code="LKA-BW")
    assert _browser("lka-bw.analyst").get(f"/treffer/{hit.pk}/hinweis/").status_code == 404


def test_r_e4_feature_hit_never_links_to_another_agencys_record(make_record: Any) -> None:
    record = make_record("bka.analyst", extended={"skills": ["aviation"]})
    _grant_view(record, "LKA-BW")
    section = _search("lka-bw.analyst", {"skills": "aviation"}, mode="feature")
    assert record.file_number in section
    assert "/datensaetze/" not in section and str(record.pk) not in section


def test_r_e3_extended_name_hit_never_links_to_another_agencys_record(
    make_record: Any,
) -> None:
    record = make_record(
        "bka.analyst",
        basic={"surname": "Hauptperson"},
        extended={"contact_persons": [{"surname": "Kontaktmann", "given_names": "Karl"}]},
    )
    _grant_view(record, "LKA-BW")
    section = _search("lka-bw.analyst", {"surname": "Kontaktmann"})
    assert record.file_number in section
    assert "/datensaetze/" not in section and str(record.pk) not in section


def test_r_h1_own_hit_links_to_the_own_record_not_to_a_notice(make_record: Any) -> None:
    name_hit = make_record("lka-bw.analyst", basic={"surname": "Eigenheim"})
    feature_hit = make_record("lka-bw.analyst", extended={"skills": ["explosives"]})
    section = _search("lka-bw.analyst", {"surname": "Eigenheim"})
    assert f'href="/datensaetze/{name_hit.pk}/"' in section
    assert "Eigener Datensatz" in _visible(section) and "/hinweis/" not in section
    # The owner sees its own records whole: its own feature hit leads to the record too.
    section = _search("lka-bw.analyst", {"skills": "explosives"}, mode="feature")
    assert f'href="/datensaetze/{feature_hit.pk}/"' in section


def test_r_d3_inbox_covert_hit_shows_labels_and_local_time(
    make_record: Any, run_search: Any
) -> None:
    with time_machine.travel(SUMMER_MOMENT):
        make_record(
            "bfv.analyst",
            basic={"surname": "Tarnung", "date_of_birth": "1971-04-05"},
            **covert_payload("BFV"),
        )
        body = run_search(
            "lka-sn.analyst",
            {"surname": "Tarnung", "date_of_birth": "1971-04-05"},
            urgency="immediate",
        ).json()
        covert_hits_deliver(search_id=body["id"])
        html = _browser("bfv.head").get("/eingang/?kind=covert_hit").content.decode()
    visible = _visible(html)
    assert re.search(r"Zeitpunkt der Abfrage\s+" + re.escape(SUMMER_LOCAL), visible), visible
    assert ATD_CT_TASK in visible and "Sofort" in visible and "Namenssuche" in visible
    assert "Familienname: Tarnung" in visible and "Geburtsdatum: 05.04.1971" in visible
    for code in ("ct_task", "immediate", "surname", "1971-04-05", "2027-06-15T"):
        assert code not in visible, code
