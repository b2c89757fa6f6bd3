"""International figures (issue 20 "Build" 6; R-J5 style): hand count on known rows, window
boundaries, intelligence services „keine Angabe“, validation, CSV, the page."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency, Officer
from international.models import (
    ForeignLoginAttempt,
    LegalBasis,
    Partner,
    PartnerKind,
    PartnerRequest,
    RedNotice,
)
from tests.international.intlts_support import partner
from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id
from verbund.models import File
from verbund.models.transfers import Transfer, TransferBasis, TransferStatus

URL = "/api/v1/reports/international/"


def _at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def rows(reference: Any) -> dict[str, Any]:
    """Known rows in the past year Y (window Y-01-01 .. Y-12-31) and just outside it."""
    y = timezone.localdate().year - 1
    first, last = datetime.date(y, 1, 1), datetime.date(y, 12, 31)
    dhs = partner("test-dhs", name="DHS", country="US")
    ice = partner("test-ice", name="ICE", country="US")
    fr = partner("test-dgsi", name="DGSI", country="FR", kind=PartnerKind.FOREIGN_SERVICE)
    # The fixture's own liaison officers only: the seeded ones (000 Q4) are counted in
    # test_r_j5_seeded_liaison_officers_are_the_governments_figures.
    Partner.objects.filter(kind=PartnerKind.LIAISON_OFFICER).update(active=False)
    for code, sender, host in [
        ("lo-bmi-dhs", "BMI", "DHS"),
        ("lo-bka-dc-1", "BKA", "Botschaft Washington"),
        ("lo-bka-dc-2", "BKA", "Botschaft Washington"),
        ("lo-bpol-dc", "BPOL", "Botschaft Washington"),
        ("lo-bnd-dc", "BND", "Botschaft Washington"),  # an intelligence service: not shown
    ]:
        partner(code, name=code, kind=PartnerKind.LIAISON_OFFICER, sender=sender, host=host)
    partner(
        "lo-old", name="old", kind=PartnerKind.LIAISON_OFFICER, sender="BKA", host="X", active=False
    )
    bka = Agency.objects.get(code="BKA")
    bfv = Agency.objects.get(code="BFV")
    bka_officer = Officer.objects.get(username="bka.analyst")
    bfv_officer = Officer.objects.get(username="bfv.analyst")

    def request(p: Any, day: datetime.date, topic: str, agency: Any = bka, who: Any = None) -> None:
        PartnerRequest.objects.create(
            partner=p,
            agency=agency,
            officer=who or bka_officer,
            received_on=day,
            topic=topic,
            subject="Anfrage",
        )

    request(dhs, first, "terrorism")  # boundary: first day counts
    request(dhs, last, "terrorism")  # boundary: last day counts
    request(dhs, datetime.date(y, 5, 5), "drugs")
    request(ice, datetime.date(y, 6, 6), "terrorism")
    request(dhs, first - datetime.timedelta(days=1), "terrorism")  # before the window
    request(dhs, last + datetime.timedelta(days=1), "terrorism")  # after the window
    request(fr, datetime.date(y, 3, 3), "terrorism", agency=bfv, who=bfv_officer)  # BfV: no

    bkag3, _ = LegalBasis.objects.get_or_create(
        code="test-bkag-3", defaults={"citation": "§ 3 BKAG", "title": "t", "source": "s"}
    )
    rivast, _ = LegalBasis.objects.get_or_create(
        code="test-rivast-123",
        defaults={"citation": "Nr. 123 RiVASt", "title": "t", "source": "s"},
    )
    atd = File.objects.get(code="ATD")

    def transfer(
        p: Any,
        basis: Any,
        at: datetime.datetime | None,
        status: str = TransferStatus.SENT,
        sender: Any = bka,
        who: Any = None,
    ) -> None:
        Transfer.objects.create(
            file=atd,
            file_number="X-1",
            sender=sender,
            officer=who or bka_officer,
            basis=TransferBasis.OWN_INITIATIVE,
            provision="§ 3 BKAG",
            partner=p,
            legal_basis=basis,
            status=status,
            sent_at=at,
        )

    transfer(dhs, bkag3, _at(first, 0, 0))  # first instant of the window
    transfer(dhs, bkag3, _at(last, 23, 59))  # last minute of the window
    transfer(dhs, rivast, _at(datetime.date(y, 4, 4)))
    transfer(ice, rivast, _at(datetime.date(y, 4, 5)))
    transfer(dhs, bkag3, _at(first - datetime.timedelta(days=1), 23, 59))  # before
    transfer(dhs, bkag3, _at(last + datetime.timedelta(days=1), 0, 0))  # after
    transfer(dhs, bkag3, None, status=TransferStatus.APPROVED)  # not sent: never counted
    transfer(dhs, bkag3, _at(datetime.date(y, 7, 7)), status=TransferStatus.REFUSED)
    # An intelligence service's transfer: never counted, never shown per partner.
    transfer(fr, bkag3, _at(datetime.date(y, 8, 8)), sender=bfv, who=bfv_officer)
    transfer(dhs, bkag3, _at(datetime.date(y, 8, 9)), sender=bfv, who=bfv_officer)

    def notice(ref: str, country: str, status: str, day: datetime.date, version: int = 1) -> None:
        made = RedNotice.objects.create(
            interpol_reference=ref, version=version, country=country, status=status
        )
        RedNotice.objects.filter(pk=made.pk).update(received_at=_at(day))

    notice("2025/1", "TR", "accepted", datetime.date(y, 2, 2))
    notice("2025/2", "TR", "rejected", datetime.date(y, 2, 3))
    notice("2025/2", "TR", "in_review", datetime.date(y, 9, 3), version=2)
    notice("2025/3", "RU", "rejected", last)
    notice("2025/4", "RU", "accepted", last + datetime.timedelta(days=1))  # after

    def login(channel: str, at: datetime.datetime) -> None:
        made = ForeignLoginAttempt.objects.create(username="agent", channel=channel)
        ForeignLoginAttempt.objects.filter(pk=made.pk).update(at=at)

    login("session", _at(first, 0, 0))
    login("token", _at(datetime.date(y, 5, 1)))
    login("token", _at(datetime.date(y, 5, 2)))
    login("api", _at(last + datetime.timedelta(days=1), 0, 0))  # after
    return {"y": y, "from": first.isoformat(), "to": last.isoformat()}


def _get(api: Any, rows: dict[str, Any], **params: str) -> dict[str, Any]:
    query = {"from": rows["from"], "to": rows["to"], **params}
    response = api(None).get(URL, query)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def test_r_j5_seeded_liaison_officers_are_the_governments_figures(api: Any, reference: Any) -> None:
    # 000 Q4: one BMI liaison officer at the DHS; two of the BKA and one of the Federal
    # Police at the embassy in Washington.
    response = api("bka.analyst").get(URL, {"group_by": "partner"})
    assert response.status_code == 200, response.content
    embassy = "Deutsche Botschaft Washington"
    assert sorted(
        (row["sender"], row["host"], row["count"]) for row in response.json()["liaison_officers"]
    ) == [("BKA", embassy, 2), ("BMI", "DHS", 1), ("BPOL", embassy, 1)]


def test_r_j5_international_figures_match_a_hand_count(api: Any, rows: dict[str, Any]) -> None:
    y = rows["y"]
    data = _get(api, rows)
    assert data["period"] == {"from": rows["from"], "to": rows["to"]}
    assert data["liaison_officers"] == [
        {"sender": "BKA", "host": "Botschaft Washington", "count": 2},
        {"sender": "BMI", "host": "DHS", "count": 1},
        {"sender": "BPOL", "host": "Botschaft Washington", "count": 1},
    ]
    assert data["foreign_requests"] == [
        {"key": "test-dhs", "name": "DHS", "topic": "drugs", "count": 1},
        {"key": "test-dhs", "name": "DHS", "topic": "terrorism", "count": 2},
        {"key": "test-ice", "name": "ICE", "topic": "terrorism", "count": 1},
    ]
    assert data["transfers"] == [
        {"key": "test-dhs", "name": "DHS", "year": y, "count": 3},
        {"key": "test-ice", "name": "ICE", "year": y, "count": 1},
    ]
    assert data["red_notices"] == [
        {"country": "RU", "year": y, "received": 1, "accepted": 0, "rejected": 1, "in_review": 0},
        {"country": "TR", "year": y, "received": 3, "accepted": 1, "rejected": 1, "in_review": 1},
    ]
    assert data["foreign_logins"] == {"total": 3, "by_channel": {"session": 1, "token": 2}}
    assert data["intelligence_services"] == "keine Angabe"
    # The intelligence service's partner and exchange appear nowhere.
    assert "test-dgsi" not in str(data) and "BND" not in str(data)


def test_r_j5_international_grouping_by_country_and_basis_and_a_two_year_window(
    api: Any, rows: dict[str, Any]
) -> None:
    y = rows["y"]
    by_country = _get(api, rows, group_by="country")
    assert by_country["transfers"] == [{"key": "US", "name": "US", "year": y, "count": 4}]
    assert by_country["foreign_requests"] == [
        {"key": "US", "name": "US", "topic": "drugs", "count": 1},
        {"key": "US", "name": "US", "topic": "terrorism", "count": 3},
    ]
    by_basis = _get(api, rows, group_by="basis")
    assert by_basis["transfers"] == [
        {"key": "test-bkag-3", "name": "§ 3 BKAG", "year": y, "count": 2},
        {"key": "test-rivast-123", "name": "Nr. 123 RiVASt", "year": y, "count": 2},
    ]
    # Twelve months across the turn of the year: the rows just after Y count in Y+1.
    wide = api(None).get(URL, {"from": f"{y}-07-01", "to": f"{y + 1}-06-30"}).json()
    assert wide["transfers"] == [
        {"key": "test-dhs", "name": "DHS", "year": y, "count": 1},
        {"key": "test-dhs", "name": "DHS", "year": y + 1, "count": 1},
    ]
    assert {(r["country"], r["year"]): r["received"] for r in wide["red_notices"]} == {
        ("TR", y): 1,
        ("RU", y): 1,
        ("RU", y + 1): 1,
    }


def test_r_j5_international_csv_by_parameter_and_accept_header(
    api: Any, rows: dict[str, Any]
) -> None:
    client = api(None)
    response = client.get(URL, {"from": rows["from"], "to": rows["to"], "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["section", "key", "name", "detail", "figure", "value"]
    assert ["transfers", "test-dhs", "DHS", str(rows["y"]), "count", "3"] in table
    assert ["intelligence_services", "", "", "", "", "keine Angabe"] in table
    by_accept = client.get(URL, {"from": rows["from"], "to": rows["to"]}, HTTP_ACCEPT="text/csv")
    assert by_accept["Content-Type"].startswith("text/csv")
    assert by_accept.content == response.content


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2025-13-01"}, "invalid_date", "from"),
        ({"to": "gestern"}, "invalid_date", "to"),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "invalid_period", "from"),
        ({"to": "2999-01-01"}, "invalid_period", "to"),
        ({"group_by": "topic"}, "invalid_choice", "group_by"),
        ({"format": "xml"}, "invalid_choice", "format"),
        ({"partner": "x"}, "unknown_parameter", "partner"),
    ],
)
def test_r_j5_international_bad_parameters_are_400_naming_the_field(
    api: Any, reference: Any, params: dict[str, str], code: str, field: str
) -> None:
    response = api(None).get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["fields"]


@pytest.mark.parametrize(
    "caller",
    [None, "bka.analyst", "lka-bw.analyst", "lka-bw.head", "bfdi.supervisor", "bka.auskunft"],
)
def test_r_j5_international_figures_are_public_like_the_report(
    api: Any, reference: Any, caller: str | None
) -> None:
    """Who may read: as the BKA's report (R-J5) — everybody; figures only, no names."""
    assert api(caller).get(URL).status_code == 200


def test_r_j5_international_page_in_german_matches_the_api(
    api: Any, rows: dict[str, Any], client: Any
) -> None:
    client.cookies["django_language"] = "de"
    page = client.get("/international/statistik/", {"from": rows["from"], "to": rows["to"]})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Internationaler Austausch in Zahlen" in text
    assert "keine Angabe" in text and "Botschaft Washington" in text
    assert "DGSI" not in text
    assert_no_requirement_id(text, "international figures page")
    bad = client.get("/international/statistik/", {"group_by": "topic"})
    assert bad.status_code == 400
