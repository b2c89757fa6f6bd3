"""R-J5: the BKA's public figures on data stock and use, computed from the data.

``GET /api/v1/reports/statistics/`` needs no login; covert records appear only as a count.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from agencies.models import Officer
from audit.services import log_event
from tests.verbund.records.support import assert_error
from tests.verbund.reports.conftest import covert, person, restricted
from verbund.models import Record
from verbund.services.records import record_block, record_delete

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/statistics/"
CONTACTS = [
    {"surname": "Kontaktmann", "given_names": "Otto", "date_of_birth": "1970-05-05"},
    {"surname": "Kontaktfrau", "given_names": "Olga", "date_of_birth": "1971-06-06"},
]
EILFALL = {
    "danger": "life",
    "facts": "Anschlag auf Bahnhof in Stuttgart für heute Abend angekündigt.",
    "why_no_request": "Das Ersuchen würde erst morgen beschieden; der Anschlag droht heute.",
    "decided_by": "lka-bw.head",
}


def atd(answer: dict[str, Any]) -> dict[str, Any]:
    figures: dict[str, Any] = answer["files"]["ATD"]
    return figures


def test_r_j5_statistics_need_no_login_and_have_the_api_md_shape(api: Any) -> None:
    response = api(None).get(URL)
    assert response.status_code == 200, response.content
    answer = response.json()
    today = timezone.localdate()
    # Default period: the current year to date.
    assert answer["period"] == {
        "from": today.replace(month=1, day=1).isoformat(),
        "to": today.isoformat(),
    }
    assert set(answer["files"]) == {"ATD", "GWS"}
    for figures in answer["files"].values():
        assert set(figures["records"]) == {"open", "restricted", "covert"}
        assert set(figures["access_requests"]) == {"granted", "refused"}
        for key in (
            "persons",
            "objects",
            "contact_persons",
            "searches_per_week",
            "mean_hits_per_search",
            "emergency_accesses",
            "consents_refused",
            "deletions",
            "blocks",
            "subject_requests",
        ):
            assert key in figures
    # Figures only: shared caches may keep an anonymous read for five minutes.
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=300"}


def test_r_j5_statistics_are_computed_from_records_searches_and_requests(
    api: Any, make_record: Any, search: Callable[..., dict[str, Any]], statistics: Any
) -> None:
    before = atd(statistics())
    make_record("bfv.analyst", basic=person("Berichtmann"), extended={"contact_persons": CONTACTS})
    make_record("bfv.analyst", basic=person("Eilberger"))
    make_record("lka-bw.analyst", basic=person("Offenbach"))
    make_record("bfv.analyst", basic=person("Zurueckhalt"), **restricted("BFV"))
    make_record("bfv.analyst", basic=person("Verdecktmann"), **covert("BFV"))
    lka = api("lka-bw.analyst")
    # Three searches: one hit, one hit, none.
    (hit,) = search("lka-bw.analyst", "Berichtmann")["hits"]
    (eil_hit,) = search("lka-bw.analyst", "Eilberger")["hits"]
    assert search("lka-bw.analyst", "Niemandsland")["hits"] == []
    # One request granted, one refused.
    for grant in (False, True):
        asked = lka.post(
            "/api/v1/access-requests/",
            {"hit": hit["hit"], "justification": "Prüfung für Verfahren 1 Js 1/26"},
            format="json",
        )
        assert asked.status_code == 201, asked.content
        decided = api("bfv.analyst").post(
            f"/api/v1/access-requests/{asked.json()['id']}/decision/",
            {"grant": grant, "reasons": "Geprüft.", "provision": "§ 19 BVerfSchG"},
            format="json",
        )
        assert decided.status_code == 200, decided.content
    # One Eilfall whose consent the owner refuses.
    eil = lka.post("/api/v1/emergency-accesses/", {"hit": eil_hit["hit"], **EILFALL}, format="json")
    assert eil.status_code == 201, eil.content
    refused = api("bfv.analyst").post(
        f"/api/v1/emergency-accesses/{eil.json()['id']}/consent/",
        {"grant": False, "reasons": "Die Gefahrenlage ist nicht belegt."},
        format="json",
    )
    assert refused.status_code == 200, refused.content
    # One record blocked, one deleted.
    blocked = make_record("lka-bw.analyst", basic=person("Sperrmann"))
    record_block(
        actor=Officer.objects.get(username="lka-bw.analyst"),
        record_id=blocked.pk,
        reason="Löschung beeinträchtigte schutzwürdige Interessen des Betroffenen.",
    )
    gone = make_record("lka-bw.analyst", basic=person("Loeschmann"))
    record_delete(actor=Officer.objects.get(username="lka-bw.analyst"), record_id=gone.pk)

    after = atd(statistics())
    assert after["records"]["open"] - before["records"]["open"] == 4  # one deleted
    assert after["records"]["restricted"] - before["records"]["restricted"] == 1
    assert after["records"]["covert"] - before["records"]["covert"] == 1
    assert after["persons"] - before["persons"] == 5  # open and restricted only
    assert after["objects"] == before["objects"]
    assert after["contact_persons"] - before["contact_persons"] == 2
    assert after["searches"] - before["searches"] == 3
    assert after["hits_shown"] - before["hits_shown"] == 2
    assert after["access_requests"]["granted"] - before["access_requests"]["granted"] == 1
    assert after["access_requests"]["refused"] - before["access_requests"]["refused"] == 1
    assert after["emergency_accesses"] - before["emergency_accesses"] == 1
    assert after["consents_refused"] - before["consents_refused"] == 1
    assert after["blocks"] - before["blocks"] == 1
    assert after["deletions"] - before["deletions"] == 1
    # Per week and per search, exactly as defined (verbund.selectors.statistics).
    today = timezone.localdate()
    days = (today - today.replace(month=1, day=1)).days + 1
    assert after["searches_per_week"] == round(after["searches"] * 7 / days, 2)
    assert after["mean_hits_per_search"] == round(after["hits_shown"] / after["searches"], 2)


def test_r_j5_covert_records_only_as_a_count_never_in_hits_or_detail(
    api: Any, make_record: Any, search: Callable[..., dict[str, Any]], statistics: Any
) -> None:
    make_record("bka.analyst", basic=person("Offenmann"))
    search("lka-bw.analyst", "Offenmann")
    search("lka-bw.analyst", "Nirgendwer")
    before = statistics()
    secret = make_record(
        "bfv.analyst",
        basic=person("Geheimrath", "Ali"),
        extended={"contact_persons": CONTACTS},
        reference={"file_number": "BFV-GEHEIM-4711", "classification": "GEHEIM"},
        **covert("BFV"),
    )
    # Another agency's search matches it covertly; its owner's own search shows it.
    assert search("lka-bw.analyst", "Geheimrath")["hits"] == []
    assert len(search("bfv.analyst", "Geheimrath")["hits"]) == 1
    with_covert = statistics()
    # R-J5, R-D5: the covert record is one count, and nothing else changes but searches.
    b, a = atd(before), atd(with_covert)
    assert a["records"]["covert"] == b["records"]["covert"] + 1
    assert a["searches"] == b["searches"] + 2
    assert a["hits_shown"] == b["hits_shown"]
    for key in ("persons", "objects", "contact_persons"):
        assert a[key] == b[key], key
    assert a["records"]["open"] == b["records"]["open"]
    # Its block and deletion are no public figures either.
    owner = Officer.objects.get(username="bfv.analyst")
    record_block(actor=owner, record_id=secret.pk, reason="Schutzwürdige Interessen.")
    assert atd(statistics())["blocks"] == b["blocks"]
    Record.objects.filter(pk=secret.pk).update(status="active")
    record_delete(actor=owner, record_id=secret.pk)
    gone = atd(statistics())
    assert gone["deletions"] == b["deletions"]
    assert gone["records"]["covert"] == b["records"]["covert"]
    # No detail of it anywhere in the answer.
    text = json.dumps(with_covert)
    for detail in ("Geheimrath", "BFV-GEHEIM-4711", str(secret.pk), "BFV", "Kontaktmann"):
        assert detail not in text


def test_r_j5_mean_hits_per_search_is_unchanged_by_a_covert_match(
    make_record: Any, search: Callable[..., dict[str, Any]], statistics: Any
) -> None:
    make_record("bka.analyst", basic=person("Doppelname"))
    search("lka-bw.analyst", "Doppelname")
    before = atd(statistics())
    make_record("bfv.analyst", basic=person("Doppelname"), **covert("BFV"))
    assert len(search("lka-bw.analyst", "Doppelname")["hits"]) == 1
    after = atd(statistics())
    # The second search matched two records, one covertly: it counts one hit.
    assert after["hits_shown"] == before["hits_shown"] + 1
    assert after["searches"] == before["searches"] + 1


def test_r_j5_stock_is_counted_at_the_end_of_to_and_flows_within_the_period(
    make_record: Any, search: Callable[..., dict[str, Any]], statistics: Any
) -> None:
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=tz), tick=False):
        make_record("bka.analyst", basic=person("Maerzmann"))
        search("lka-bw.analyst", "Maerzmann")
    with time_machine.travel(datetime.datetime(2026, 5, 10, 10, 0, tzinfo=tz), tick=False):
        make_record("bka.analyst", basic=person("Maimann"))
        search("lka-bw.analyst", "Maimann")
        search("lka-bw.analyst", "Maimann")
    march = atd(statistics(**{"from": "2026-03-01", "to": "2026-03-31"}))
    may = atd(statistics(**{"from": "2026-05-01", "to": "2026-05-31"}))
    spring = atd(statistics(**{"from": "2026-03-01", "to": "2026-05-31"}))
    assert may["records"]["open"] == march["records"]["open"] + 1
    assert spring["records"]["open"] == may["records"]["open"]
    assert march["searches"] == 1 and may["searches"] == 2 and spring["searches"] == 3
    assert march["searches_per_week"] == round(1 * 7 / 31, 2)
    assert spring["searches_per_week"] == round(3 * 7 / 92, 2)
    assert march["mean_hits_per_search"] == 1.0
    # A one-day period at the edges: both days included (Europe/Berlin).
    day = atd(statistics(**{"from": "2026-03-10", "to": "2026-03-10"}))
    assert day["searches"] == 1 and day["searches_per_week"] == 7.0


def test_r_j5_subject_requests_are_counted_from_the_log(statistics: Any) -> None:
    before = statistics()
    for action, file in (
        ("subject_request.create", "ATD"),
        ("subject_request.create", "GWS"),
        ("subject_request.create", ""),
        ("subject_request.answer", "ATD"),
    ):
        log_event(actor=None, action=action, object_type="subject_request", file=file)
    after = statistics()
    assert after["subject_requests"]["received"] == before["subject_requests"]["received"] + 3
    assert after["subject_requests"]["answered"] == before["subject_requests"]["answered"] + 1
    a, b = after["files"], before["files"]
    assert a["ATD"]["subject_requests"]["received"] == b["ATD"]["subject_requests"]["received"] + 1
    assert a["ATD"]["subject_requests"]["answered"] == b["ATD"]["subject_requests"]["answered"] + 1
    assert a["GWS"]["subject_requests"]["received"] == b["GWS"]["subject_requests"]["received"] + 1


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2026-13-01"}, "invalid_date", "from"),
        ({"to": "2026-W01-1"}, "invalid_date", "to"),
        ({"from": "20260101"}, "invalid_date", "from"),
        ({"from": ""}, "invalid_date", "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "invalid_period", "from"),
        ({"to": "2999-01-01"}, "invalid_period", "to"),
        ({"since": "2026-01-01"}, "unknown_parameter", "since"),
    ],
)
def test_r_j5_a_bad_period_is_400_naming_the_field(
    api: Any, params: dict[str, str], code: str, field: str
) -> None:
    response = api(None).get(URL, params)
    assert_error(response, 400, code, field)
    assert "public" not in response["Cache-Control"]


def test_r_j5_a_repeated_parameter_is_400(api: Any) -> None:
    response = api(None).get(URL + "?from=2026-01-01&from=2026-02-01")
    assert_error(response, 400, "invalid", "from")
